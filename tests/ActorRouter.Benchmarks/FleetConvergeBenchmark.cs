using System.Diagnostics;
using System.Globalization;
using ActorRouter.ControlPlane.Configuration;
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
            foreach (var topology in new[] { Topology.Ring(n), Topology.Grid(n) })
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

    private static (double Median, double Max, double PerRouterMs, LinkStateDatabaseSize Size)? Measure(Topology topology)
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
            tables[r] = ShortestPaths.Compute(databases[r], topology.RouterName(r));
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
                tables[r] = ShortestPaths.Compute(databases[r], topology.RouterName(r));
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

    /// <summary>Routers 0..N-1, links between them, and the entries they announce. Addresses from 198.18.0.0/15 (benchmarking).</summary>
    internal sealed class Topology
    {
        private const uint LinkBase = 0xC6120000; // 198.18.0.0/16: one /30 per link
        private const uint LanBase = 0xC6130000;  // 198.19.0.0/16: one /24 per router

        private Topology(string name, int routers, List<(int A, int B)> links)
        {
            Name = name;
            Routers = routers;
            Links = links;
        }

        public string Name { get; }

        public int Routers { get; }

        public List<(int A, int B)> Links { get; }

        public static Topology Ring(int n)
        {
            var links = new List<(int, int)>(n);
            for (int i = 0; i < n; i++)
            {
                links.Add((i, (i + 1) % n));
            }
            return new Topology("ring", n, links);
        }

        public static Topology Grid(int n)
        {
            int side = (int)Math.Ceiling(Math.Sqrt(n));
            var links = new List<(int, int)>();
            for (int i = 0; i < n; i++)
            {
                if ((i % side) + 1 < side && i + 1 < n)
                {
                    links.Add((i, i + 1));
                }
                if (i + side < n)
                {
                    links.Add((i, i + side));
                }
            }
            return new Topology("grid", n, links);
        }

        public string RouterName(int router) => "r" + router.ToString(CultureInfo.InvariantCulture);

        private static Ipv4Cidr Lan(int router) => new(LanBase + ((uint)router << 8), 24);

        private static uint LinkAddress(int link, bool lowerEnd) => LinkBase + ((uint)link << 2) + (lowerEnd ? 1u : 2u);

        public LinkStateEntry Entry(int router, long sequence, bool[] up)
        {
            var connected = new List<Ipv4Cidr> { Lan(router) };
            var adjacencies = new List<LinkStateAdjacency>();
            for (int l = 0; l < Links.Count; l++)
            {
                var (a, b) = Links[l];
                if (!up[l] || (a != router && b != router))
                {
                    continue;
                }
                connected.Add(new Ipv4Cidr(LinkBase + ((uint)l << 2), 30));
                adjacencies.Add(a == router
                    ? new LinkStateAdjacency(RouterName(b), LinkAddress(l, lowerEnd: false))
                    : new LinkStateAdjacency(RouterName(a), LinkAddress(l, lowerEnd: true)));
            }
            return new LinkStateEntry(RouterName(router), sequence, connected, adjacencies, []);
        }

        /// <summary>
        /// Every router's route to every other router's LAN has the hop count of a breadth-first search over the
        /// links that are up, and exactly the neighbours one hop nearer to the destination as next hops.
        /// </summary>
        public bool Verify(IReadOnlyList<FleetRoute>[] tables, bool[] up, out string? wrong)
        {
            var neighbours = new List<(int Router, uint Address)>[Routers];
            for (int r = 0; r < Routers; r++)
            {
                neighbours[r] = [];
            }
            for (int l = 0; l < Links.Count; l++)
            {
                if (up[l])
                {
                    var (a, b) = Links[l];
                    neighbours[a].Add((b, LinkAddress(l, lowerEnd: false)));
                    neighbours[b].Add((a, LinkAddress(l, lowerEnd: true)));
                }
            }
            var lanRoutes = new Dictionary<Ipv4Cidr, FleetRoute>[Routers];
            for (int r = 0; r < Routers; r++)
            {
                lanRoutes[r] = [];
                foreach (var route in tables[r])
                {
                    if (route.Prefix.PrefixLength == 24)
                    {
                        lanRoutes[r][route.Prefix] = route;
                    }
                }
            }
            for (int destination = 0; destination < Routers; destination++)
            {
                var hops = Bfs(destination, neighbours);
                for (int source = 0; source < Routers; source++)
                {
                    if (source == destination)
                    {
                        continue;
                    }
                    bool has = lanRoutes[source].TryGetValue(Lan(destination), out var route);
                    if (hops[source] < 0)
                    {
                        if (has)
                        {
                            wrong = $"{RouterName(source)} has a route to unreachable {RouterName(destination)}";
                            return false;
                        }
                        continue;
                    }
                    if (!has)
                    {
                        wrong = $"{RouterName(source)} has no route to {RouterName(destination)}";
                        return false;
                    }
                    var expected = new List<FleetNextHop>();
                    foreach (var (neighbour, address) in neighbours[source])
                    {
                        if (hops[neighbour] == hops[source] - 1)
                        {
                            expected.Add(new FleetNextHop(RouterName(neighbour), address));
                        }
                    }
                    expected.Sort();
                    if (route!.Cost != hops[source] || !expected.SequenceEqual(route.NextHops))
                    {
                        wrong = $"{RouterName(source)} to {RouterName(destination)}: {route}, expected cost {hops[source]} via {string.Join(", ", expected)}";
                        return false;
                    }
                }
            }
            wrong = null;
            return true;
        }

        private int[] Bfs(int from, List<(int Router, uint Address)>[] neighbours)
        {
            var hops = new int[Routers];
            Array.Fill(hops, -1);
            hops[from] = 0;
            var queue = new Queue<int>();
            queue.Enqueue(from);
            while (queue.TryDequeue(out int v))
            {
                foreach (var (w, _) in neighbours[v])
                {
                    if (hops[w] < 0)
                    {
                        hops[w] = hops[v] + 1;
                        queue.Enqueue(w);
                    }
                }
            }
            return hops;
        }
    }
}
