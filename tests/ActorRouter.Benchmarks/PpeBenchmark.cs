using System.Diagnostics;
using ActorRouter.DataPlane.Graph;
using W = ActorRouter.Benchmarks.ForwardingWorkloadRig;

namespace ActorRouter.Benchmarks;

/// <summary>
/// The PPE graph of nodes on one core — parse, validate, lookup, TTL/checksum, rewrite, enqueue — on exactly the
/// shared "Forwarding workload" (<see cref="ForwardingWorkloadRig"/>); the time spent restoring frames before each
/// burst is measured separately and subtracted.
/// </summary>
public sealed class PpeBenchmark : IBenchmarkCase
{
    public string Name => "ppe";

    public string Description => "PPE graph of nodes, packets/s on one core, shared forwarding workload (64-byte frames, 1M routes); args: [repetitions] [runtime sample interval]";

    public int Run(string[] args)
    {
        var repetitions = args.Length > 0 && int.TryParse(args[0], out var r) ? r : 5;
        using var rig = new W();
        var graph = PpeGraph.CreateIpv4(rig.Gpm, rig.Cache, rig.Counters, rig.PuntRing, null, W.Burst, 0, 1, 0, 1);
        // Optional second argument: time one burst in N for show platform runtime (1: every burst).
        if (args.Length > 1 && int.TryParse(args[1], out var sampleInterval))
        {
            graph.RuntimeSampleInterval = sampleInterval;
        }
        Console.WriteLine($"runtime timed on one burst in {graph.RuntimeSampleInterval}");
        var output = new uint[W.Burst * graph.MaxOutputPerPacket];

        var ok = true;
        var best = 0.0;
        for (var rep = 0; rep < repetitions; rep++)
        {
            rig.Counters.Clear();
            long forwarded = 0, nextHopSum = 0;
            var cpuStart = ThreadClock.CpuSeconds();
            var clock = Stopwatch.StartNew();
            for (var pass = 0; pass < W.Passes; pass++)
            {
                for (var start = 0; start < W.PoolBuffers; start += W.Burst)
                {
                    var n = graph.ProcessBurst(rig.Restore(pass, start), output, rig.Tables, rig.Interfaces);
                    nextHopSum += rig.TakeOutput(output, n);
                    forwarded += n;
                }
            }
            var total = clock.Elapsed.TotalSeconds;
            var cpuTotal = ThreadClock.CpuSeconds() - cpuStart;
            var cpuRestoreStart = ThreadClock.CpuSeconds();
            var restoreClock = Stopwatch.StartNew();
            rig.RestoreOnly();
            var restoreOnly = restoreClock.Elapsed.TotalSeconds;
            var cpuRestoreOnly = ThreadClock.CpuSeconds() - cpuRestoreStart;
            // On a busy machine the wall clock counts time the thread waited for a core; its CPU time does not.
            var cpuMpps = W.PacketsPerRepetition / (cpuTotal - cpuRestoreOnly) / 1e6;
            var mpps = W.PacketsPerRepetition / (total - restoreOnly) / 1e6;
            ok &= rig.Check(forwarded, nextHopSum, out var description);
            Console.WriteLine($"rep {rep}: {description}; " +
                              $"{total:F2} s total, {restoreOnly:F2} s restoring frames → {mpps:F1} Mpps ({1000 / mpps:F1} ns/packet); on-CPU {cpuMpps:F1} Mpps");
            best = Math.Max(best, mpps);
        }
        Console.WriteLine($"ppe: {best:F1} Mpps");
        return ok ? 0 : 1;
    }
}
