namespace ActorRouter.ControlPlane.Messages;

/// <summary>ARP resolved (or re-resolved to a new MAC) a neighbor on a connected subnet; FMAN adds it and republishes routes.</summary>
public sealed record NeighborResolved(int InterfaceIndex, uint Address, ulong Mac);

/// <summary>A neighbor's ARP entry aged out unanswered; FMAN removes it and republishes routes.</summary>
public sealed record NeighborExpired(int InterfaceIndex, uint Address);
