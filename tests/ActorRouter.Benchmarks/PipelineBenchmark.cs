using ActorRouter.DataPlane;
using ActorRouter.DataPlane.Counters;

namespace ActorRouter.Benchmarks;

/// <summary>
/// The whole in-memory pipeline — memory wire → Rx/dispatcher → PPE(s) → HQF → memory wire — with a
/// generator thread on one wire's far end (bursts of 32 copies of one 64-byte frame) and a sink
/// thread on the other's (discarding in bursts). Every
/// thread competes for the machine's cores, so the figure is the pipeline on this machine, not per core.
/// </summary>
public sealed class PipelineBenchmark : IBenchmarkCase
{
    public string Name => "pipeline";

    public string Description => "whole in-memory pipeline, forwarded packets/s in each thread layout: split with 1 and 2 PPE threads, collapsed with 1 and 2 workers, auto (args: seconds, default 3; then layouts to run, default all)";

    /// <summary>The layouts measured in one run: what <c>data-plane.layout</c> offers, and what auto resolves to here.</summary>
    private static readonly (string Name, DataPlaneLayout Layout, int PpeThreads, int Workers)[] Layouts =
    [
        ("split-1ppe", DataPlaneLayout.Split, 1, 0),
        ("split-2ppe", DataPlaneLayout.Split, 2, 0),
        ("collapsed-1", DataPlaneLayout.Collapsed, 1, 1),
        ("collapsed-2", DataPlaneLayout.Collapsed, 1, 2),
        ("auto", DataPlaneLayout.Auto, 1, 0),
    ];

    public int Run(string[] args)
    {
        var seconds = args.Length > 0 && double.TryParse(args[0], System.Globalization.CultureInfo.InvariantCulture, out var s) ? s : 3;
        var only = args.Skip(1).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var results = new List<(string Name, double Mpps)>();
        foreach (var (name, layout, ppes, workers) in Layouts)
        {
            if (only.Count > 0 && !only.Contains(name))
            {
                continue;
            }
            var mpps = RunOnce(name, layout, ppes, workers, seconds);
            results.Add((name, mpps));
        }
        Console.WriteLine("by layout: " + string.Join(", ", results.Select(r => $"{r.Name} {r.Mpps:F2}")));
        var best = results.MaxBy(r => r.Mpps);
        Console.WriteLine($"pipeline: {best.Mpps:F2} Mpps");
        return 0;
    }

    private static double RunOnce(string name, DataPlaneLayout layout, int ppeThreads, int workers, double seconds)
    {
        using var rig = new MemoryPipelineRig(ppeThreads, layout: layout, workers: workers);
        var result = rig.Measure(seconds);
        var dp = rig.DataPlane;
        dp.Stop();
        var drops = 0L;
        var byReason = new List<string>();
        foreach (var reason in Enum.GetValues<DropReason>())
        {
            var n = dp.ReadDrops(reason);
            drops += n;
            if (n > 0)
            {
                byReason.Add($"{reason} {n:N0}");
            }
        }
        var accounting = dp.Gpm.ReadAccounting();
        Console.WriteLine($"{name} ({dp.Plan}): forwarded {result.Forwarded:N0} in {result.Seconds:F2} s = {result.Mpps:F2} Mpps; generator sent {result.Sent:N0}, sink got {result.Received:N0}, " +
                          $"data-plane drops {drops:N0} ({string.Join(", ", byReason)}); GPM after stop: {(accounting.AllFree ? "all free" : accounting.ToString())}");
        return result.Mpps;
    }
}
