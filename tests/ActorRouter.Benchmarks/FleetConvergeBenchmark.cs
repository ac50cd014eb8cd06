using System.Diagnostics;
using System.Globalization;
using ActorRouter.ControlPlane.Fleet.LinkState;

namespace ActorRouter.Benchmarks;

/// <summary>
/// Fleet link-state convergence: N routers in a ring and in a grid, each holding its own copy of the link-state
/// database; a link fails, its two ends publish new entries, every router takes them and recomputes its routes.
/// Timed from the failure to the last router's table being correct (checked afterwards against an independent
/// breadth-first search); the routers run one after another on one thread, so the figure is the sum of all N
/// recomputations, an upper bound of what N routers computing in parallel need. Replication time is not in it.
/// </summary>
public sealed class FleetConvergeBenchmark : IBenchmarkCase
{
    private const int Repetitions = 20;
    private const int MaxRouters = 256;

    public string Name => "fleet-converge";

    public string Description => "fleet link-state: ring and grid of N routers (default 10 50 100), link failure to every router's routes correct; database size";

    /// <summary>The router counts given as arguments (3..<paramref name="max"/>), or <paramref name="defaults"/>; null (said why) on a bad one.</summary>
    internal static List<int>? RouterCounts(string caseName, string[] args, int max, int[] defaults)
    {
        var sizes = new List<int>();
        foreach (var arg in args)
        {
            if (!int.TryParse(arg, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 3 || n > max)
            {
                Console.Error.WriteLine($"{caseName}: '{arg}' is not a router count 3..{max}");
                return null;
            }
            sizes.Add(n);
        }
        return sizes.Count == 0 ? [.. defaults] : sizes;
    }

    public int Run(string[] args)
    {
        if (RouterCounts(Name, args, MaxRouters, [10, 50, 100]) is not { } sizes)
        {
            return 2;
        }

        double worstAtLargest = 0;
        foreach (int n in sizes)
        {
            foreach (var topology in new[] { FleetTopology.Ring(n), FleetTopology.Grid(n) })
            {
                var result = Measure(topology);
                if (result is null)
                {
                    return 1;
                }
                var (median, max, perRouter, size) = result.Value;
                Console.WriteLine(
                    $"{topology.Name,-4} N={n,3}: links {topology.Links.Count,3}, converge median {median:F3} ms, max {max:F3} ms "
                    + $"({perRouter * 1000:F1} µs per router), database {size.Routers} entries, {size.Adjacencies} adjacencies, "
                    + $"{size.Prefixes} prefixes, ~{size.EncodedBytes / 1024.0:F1} KiB");
                if (n == sizes[^1])
                {
                    worstAtLargest = Math.Max(worstAtLargest, max);
                }
            }
        }
        Console.WriteLine($"fleet-converge: {worstAtLargest.ToString("F3", CultureInfo.InvariantCulture)} ms");
        return 0;
    }

    private static (double Median, double Max, double PerRouterMs, LinkStateDatabaseSize Size)? Measure(FleetTopology topology)
    {
        int n = topology.Routers;
        var databases = new LinkStateDatabase[n];
        var sequence = new long[n];
        for (int r = 0; r < n; r++)
        {
            databases[r] = new LinkStateDatabase();
        }
        var up = new bool[topology.Links.Count];
        Array.Fill(up, true);
        for (int r = 0; r < n; r++)
        {
            var entry = topology.Entry(r, ++sequence[r], up);
            foreach (var database in databases)
            {
                database.Apply(entry);
            }
        }
        var tables = new IReadOnlyList<FleetRoute>[n];
        for (int r = 0; r < n; r++)
        {
            tables[r] = ShortestPaths.Compute(databases[r], FleetTopology.RouterName(r));
        }
        if (!topology.Verify(tables, up, out string? wrong))
        {
            Console.Error.WriteLine($"fleet-converge: {topology.Name} N={n} before any failure: {wrong}");
            return null;
        }

        var timings = new List<double>(Repetitions);
        int failing = 0;
        for (int repetition = 0; repetition < Repetitions * 2; repetition++)
        {
            // Even repetitions fail the link, odd ones bring it back; only failures are timed.
            bool failure = repetition % 2 == 0;
            up[failing] = !failure;
            var (a, b) = topology.Links[failing];
            var clock = Stopwatch.StartNew();
            var entryA = topology.Entry(a, ++sequence[a], up);
            var entryB = topology.Entry(b, ++sequence[b], up);
            for (int r = 0; r < n; r++)
            {
                databases[r].Apply(entryA);
                databases[r].Apply(entryB);
                tables[r] = ShortestPaths.Compute(databases[r], FleetTopology.RouterName(r));
            }
            double elapsed = clock.Elapsed.TotalMilliseconds;
            if (!topology.Verify(tables, up, out wrong))
            {
                Console.Error.WriteLine($"fleet-converge: {topology.Name} N={n} link {a}-{b} {(failure ? "down" : "up")}: {wrong}");
                return null;
            }
            if (failure)
            {
                timings.Add(elapsed);
            }
            else
            {
                failing = (failing + 7) % topology.Links.Count;
            }
        }
        timings.Sort();
        return (timings[timings.Count / 2], timings[^1], timings[timings.Count / 2] / n, databases[0].Size());
    }
}
