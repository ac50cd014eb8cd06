using ActorRouter.DataPlane.Fib;

namespace ActorRouter.DataPlane.Forwarding;

/// <summary>
/// The forwarding state a PPE reads for a whole burst: the FIB (prefix → next-hop id) and the adjacency table
/// (next-hop id → what to do). The control plane changes both in place, route by route and adjacency by
/// adjacency (each safe against concurrent readers); a wholly new pair (a bulk load) is published with one
/// reference swap.
/// </summary>
public sealed class ForwardingTables
{
    public ForwardingTables(Ipv4Fib fib, AdjacencyTable adjacencies, long generation)
    {
        Fib = fib;
        Adjacencies = adjacencies;
        Generation = generation;
    }

    /// <summary>The IPv4 pair with IPv6 forwarding state beside it (tests and benchmarks).</summary>
    public ForwardingTables(Ipv4Fib fib, AdjacencyTable adjacencies, long generation, Ipv6Forwarding? ipv6)
        : this(fib, adjacencies, generation)
        => Ipv6 = ipv6;

    /// <summary>A pair over a fixed adjacency list (index = next-hop id, index 0 = no route), as tests and benchmarks build it.</summary>
    public ForwardingTables(Ipv4Fib fib, Adjacency[] adjacencies, long generation)
        : this(fib, AdjacencyTable.From(adjacencies), generation)
    {
    }

    public Ipv4Fib Fib { get; }

    /// <summary>Indexed by next-hop id; id 0 is "no route".</summary>
    public AdjacencyTable Adjacencies { get; }

    public long Generation { get; }

    /// <summary>
    /// The IPv6 FIB and adjacencies, or null when these tables carry none (IPv6 frames then drop as unsupported). The
    /// data plane gives a published pair without them its own.
    /// </summary>
    public Ipv6Forwarding? Ipv6 { get; internal set; }
}
