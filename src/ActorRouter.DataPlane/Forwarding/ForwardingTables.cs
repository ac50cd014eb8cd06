using ActorRouter.DataPlane.Fib;

namespace ActorRouter.DataPlane.Forwarding;

/// <summary>
/// The immutable forwarding state a PPE reads for a whole burst: the FIB (prefix → next-hop id)
/// and the adjacency array (next-hop id → what to do). The control plane builds a new instance off
/// the hot path and publishes it with one reference swap, so no packet sees a half-applied change.
/// </summary>
public sealed class ForwardingTables
{
    public ForwardingTables(Ipv4Fib fib, Adjacency[] adjacencies, long generation)
    {
        Fib = fib;
        Adjacencies = adjacencies;
        Generation = generation;
    }

    public Ipv4Fib Fib { get; }

    /// <summary>Indexed by next-hop id; id 0 is "no route".</summary>
    public Adjacency[] Adjacencies { get; }

    public long Generation { get; }
}
