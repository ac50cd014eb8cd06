using ActorRouter.DataPlane.Graph;
using W = ActorRouter.Benchmarks.ForwardingWorkloadRig;

namespace ActorRouter.Benchmarks;

/// <summary>
/// The <c>ppe</c> workload run in one process, pass by pass in turn, by the graph of nodes and by the three-pass
/// feature path the graph replaced (kept frozen in <c>Baseline/</c> as the reference).
/// </summary>
public sealed class PpeVersusBaselineBenchmark : IBenchmarkCase
{
    public string Name => "ppe-vs-baseline";

    public string Description => "the PPE graph against the three-pass feature path it replaced (frozen in Baseline/), passes alternated in one process: on-CPU Mpps of each and the ratio";

    public int Run(string[] args)
    {
        var repetitions = args.Length > 0 && int.TryParse(args[0], out var r) ? r : 5;
        using var rig = new W();
        var graph = PpeGraph.CreateIpv4(rig.Gpm, rig.Cache, rig.Counters, rig.PuntRing, null, W.Burst, 0, 1, 0, 1);
        var baseline = new Baseline.Ipv4FeaturePathBaseline(rig.Gpm, rig.Cache, rig.Counters, rig.PuntRing, null, W.Burst, 0, 1, 0, 1);
        var baselineTables = new Baseline.BaselineTables(rig.Fib, rig.Adjacencies);
        return AlternatingPpeComparison.Run(Name, rig, repetitions,
            "baseline", (burst, output) => baseline.ProcessBurst(burst, output, baselineTables, rig.Interfaces),
            "graph", (burst, output) => graph.ProcessBurst(burst, output, rig.Tables, rig.Interfaces),
            graph.MaxOutputPerPacket);
    }
}
