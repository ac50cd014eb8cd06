using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Graph.Nodes;

namespace ActorRouter.DataPlane;

// The punt classes as an observer sees them: each PPE's punt node counts its own (single writer);
// this sums them while forwarding goes on.
public sealed partial class QfpDataPlane
{
    /// <summary>
    /// Per punt class: the policer and ring share in force and what the class met, summed over the PPEs.
    /// The icmp-error class is ip4-icmp-error's limiter: received = errors sent + refused by the rate,
    /// policed = refused by the rate, queued = sent (they leave by interface-output, not the punt ring).
    /// </summary>
    public PuntStatistics ReadPuntStatistics()
    {
        var policy = Options.EffectivePuntPolicy;
        var nodes = new List<PuntNode>(GraphThreads.Count);
        foreach (var (_, graph) in GraphThreads)
        {
            foreach (var node in graph.Nodes)
            {
                if (node is PuntNode punt)
                {
                    nodes.Add(punt);
                }
            }
        }
        Span<long> waitingPerClass = stackalloc long[PuntClasses.Count];
        foreach (var node in nodes)
        {
            node.ReadWaiting(waitingPerClass);
        }
        var classes = new List<PuntClassStatistics>(PuntClasses.Count);
        for (var i = 0; i < PuntClasses.Count; i++)
        {
            var punt = (PuntClass)i;
            if (punt == PuntClass.IcmpError)
            {
                long sent = 0, limited = 0;
                foreach (var (_, graph) in GraphThreads)
                {
                    sent += Volatile.Read(ref graph.Counters.IcmpErrorsSent);
                    limited += Volatile.Read(ref graph.Counters.IcmpErrorsRateLimited);
                }
                classes.Add(new PuntClassStatistics(punt, Options.IcmpErrorRatePerSecond, Options.IcmpErrorBurst, 0, sent + limited, limited, sent, 0, 0));
                continue;
            }
            long received = 0, policed = 0, queued = 0, dropped = 0;
            foreach (var node in nodes)
            {
                received += node.ReadCounter(punt, PuntClassCounter.Received);
                policed += node.ReadCounter(punt, PuntClassCounter.Policed);
                queued += node.ReadCounter(punt, PuntClassCounter.Queued);
                dropped += node.ReadCounter(punt, PuntClassCounter.Dropped);
            }
            var limit = policy[punt];
            classes.Add(new PuntClassStatistics(punt, limit.RatePerSecond, limit.Burst, limit.RingShare, received, policed, queued, dropped, waitingPerClass[i]));
        }
        return new PuntStatistics(classes);
    }
}
