namespace ActorRouter.ControlPlane.Messages;

/// <summary>ARP resolved (or refreshed) a neighbor on an interface; FMAN adds its adjacency and republishes routes.</summary>
public sealed record NeighborResolved(int InterfaceIndex, uint Address, ulong Mac);

/// <summary>A neighbor's ARP entry aged out; FMAN removes its adjacency and republishes routes.</summary>
public sealed record NeighborExpired(int InterfaceIndex, uint Address);
