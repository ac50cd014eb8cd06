namespace ActorRouter.ControlPlane.Messages;

/// <summary>ARP resolved (or re-resolved to a new MAC) a neighbor on a connected subnet; FMAN adds it and republishes routes.</summary>
public sealed record NeighborResolved(int InterfaceIndex, uint Address, ulong Mac);

/// <summary>A neighbor's ARP entry aged out unanswered; FMAN removes it and republishes routes.</summary>
public sealed record NeighborExpired(int InterfaceIndex, uint Address);

/// <summary>Neighbour discovery learned (or re-learned with a new MAC) an IPv6 neighbour; FMAN adds it to the IPv6 adjacency source and republishes.</summary>
public sealed record Ipv6NeighborLearned(int InterfaceIndex, UInt128 Address, ulong Mac);

/// <summary>An IPv6 neighbour's entry was removed (unreachable after its probes, evicted or cleared); FMAN withdraws its adjacency and republishes.</summary>
public sealed record Ipv6NeighborExpired(int InterfaceIndex, UInt128 Address);
