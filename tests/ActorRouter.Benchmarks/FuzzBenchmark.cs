using System.Globalization;
using ActorRouter.Benchmarks.Fuzz;

namespace ActorRouter.Benchmarks;

/// <summary>
/// <c>fuzz N [SEED]</c>: N structure-aware mutated frames through the whole in-memory pipeline
/// (<see cref="FuzzPipeline"/>), checked as they come out. Exit code 1 when anything did not hold.
/// </summary>
public sealed class FuzzBenchmark : IBenchmarkCase
{
    public string Name => "fuzz";

    public string Description => "N mutated frames through the in-memory pipeline, every one accounted and every forwarded one checked (args: N, seed; default 1000000 1)";

    public int Run(string[] args)
    {
        var frames = args.Length > 0 ? long.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var seed = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1;
        using var pipeline = new FuzzPipeline();
        var outcome = pipeline.Run(frames, seed, drainLimit: TimeSpan.FromSeconds(30));
        Console.WriteLine($"seed {seed}: sent {outcome.Sent:N0}, forwarded {outcome.Forwarded:N0}, dropped {outcome.Dropped:N0}, punted {outcome.Punted:N0}"
            + $" (punt reader took {outcome.PuntTaken:N0}), ICMP errors out {outcome.IcmpErrors:N0}, fragments out {outcome.Fragments:N0}");
        Console.WriteLine("drops by reason: " + string.Join(", ", outcome.DropsByReason.Select(d => $"{d.Key} {d.Value:N0}")));
        Console.WriteLine($"{outcome.Sent:N0} frames in {outcome.Seconds:F1} s");
        foreach (var failure in outcome.Failures)
        {
            Console.WriteLine($"FAILED {failure}");
        }
        Console.WriteLine(outcome.Held ? "held: no fault, every frame accounted, GPM whole, every forwarded frame valid with its TTL decremented" : "did NOT hold");
        Console.WriteLine($"fuzz: {outcome.FramesPerSecond:F0} frames/s");
        return outcome.Held ? 0 : 1;
    }
}
