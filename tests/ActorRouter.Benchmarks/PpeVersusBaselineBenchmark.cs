using ActorRouter.DataPlane.Graph;
using W = ActorRouter.Benchmarks.ForwardingWorkloadRig;

namespace ActorRouter.Benchmarks;

/// <summary>
/// The <c>ppe</c> workload run by two PPE paths in one process, pass by pass in turn: the graph of nodes, and the
/// three-pass feature path the graph replaced (kept frozen in <c>Baseline/</c> as the reference). Alternating within
/// one run exposes both to the same machine (its load, its caches, its clock), which two separate runs on a shared
/// machine do not; each path's time is its thread's CPU time with the frame restoration subtracted.
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
        var output = new uint[W.Burst * graph.MaxOutputPerPacket];

        var ok = true;
        var ratios = new List<double>();
        double lastGraph = 0, lastBaseline = 0;
        for (var rep = 0; rep < repetitions; rep++)
        {
            rig.Counters.Clear();
            long forwarded = 0, nextHopSum = 0;
            double graphSeconds = 0, baselineSeconds = 0;
            for (var pass = 0; pass < W.Passes; pass++)
            {
                var useBaseline = (pass & 1) == 0;
                var passStart = ThreadClock.CpuSeconds();
                for (var start = 0; start < W.PoolBuffers; start += W.Burst)
                {
                    var burst = rig.Restore(pass, start);
                    var n = useBaseline
                        ? baseline.ProcessBurst(burst, output, baselineTables, rig.Interfaces)
                        : graph.ProcessBurst(burst, output, rig.Tables, rig.Interfaces);
                    nextHopSum += rig.TakeOutput(output, n);
                    forwarded += n;
                }
                if (useBaseline)
                {
                    baselineSeconds += ThreadClock.CpuSeconds() - passStart;
                }
                else
                {
                    graphSeconds += ThreadClock.CpuSeconds() - passStart;
                }
            }
            var cpuRestoreStart = ThreadClock.CpuSeconds();
            rig.RestoreOnly();
            // Each path restored the frames of half the passes.
            var restoreHalf = (ThreadClock.CpuSeconds() - cpuRestoreStart) / 2;
            var packetsEach = W.PacketsPerRepetition / 2.0;
            lastBaseline = packetsEach / (baselineSeconds - restoreHalf) / 1e6;
            lastGraph = packetsEach / (graphSeconds - restoreHalf) / 1e6;
            // Both paths together handled the workload once: the same totals as one ppe repetition.
            ok &= rig.Check(forwarded, nextHopSum, out var description);
            var ratio = lastGraph / lastBaseline;
            ratios.Add(ratio);
            Console.WriteLine($"rep {rep}: {description}; on-CPU: baseline {lastBaseline:F1} Mpps, graph {lastGraph:F1} Mpps, graph/baseline {ratio:F3}");
        }
        // The first repetition runs while the JIT and the caches settle: the median of the others.
        var settled = ratios.Skip(ratios.Count > 1 ? 1 : 0).Order().ToList();
        Console.WriteLine($"ppe-vs-baseline: {settled[settled.Count / 2]:F3} graph/baseline (median of {settled.Count} repetitions; last: graph {lastGraph:F1} Mpps, baseline {lastBaseline:F1} Mpps on-CPU)");
        return ok ? 0 : 1;
    }
}
