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

    public string Description => "whole in-memory pipeline, forwarded packets/s with 1 and 2 PPE threads (args: seconds, default 3)";

    public int Run(string[] args)
    {
        var seconds = args.Length > 0 && double.TryParse(args[0], out var s) ? s : 3;
        var results = new List<(int Ppes, double Mpps)>();
        foreach (var ppes in new[] { 1, 2 })
        {
            var mpps = RunOnce(ppes, seconds);
            results.Add((ppes, mpps));
        }
        var best = results.MaxBy(r => r.Mpps);
        Console.WriteLine($"pipeline: {best.Mpps:F2} Mpps");
        return 0;
    }

    private static double RunOnce(int ppeThreads, double seconds)
    {
        using var rig = new MemoryPipelineRig(ppeThreads);
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
        Console.WriteLine($"{ppeThreads} PPE: forwarded {result.Forwarded:N0} in {result.Seconds:F2} s = {result.Mpps:F2} Mpps; generator sent {result.Sent:N0}, sink got {result.Received:N0}, " +
                          $"data-plane drops {drops:N0} ({string.Join(", ", byReason)}); GPM after stop: {(accounting.AllFree ? "all free" : accounting.ToString())}");
        return result.Mpps;
    }
}
