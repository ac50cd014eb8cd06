using System.Globalization;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Fleet.LinkState;
using ActorRouter.DataPlane;
using ActorRouter.DataPlane.Forwarding;

namespace ActorRouter.Benchmarks;

/// <summary>
/// Routers 0..N-1 of a fleet benchmark, the links between them, the entries they announce, and the one oracle both
/// fleet benchmarks check against (a breadth-first search over the links that are up). Addresses from 198.18.0.0/15
/// (benchmarking): one /24 LAN per router in 198.19.0.0/16, one /30 per link in 198.18.0.0/16, the ring's links in
/// its lower half and the grid's in its upper half, so one router can carry the interfaces of both at once.
/// Compiled also into ActorRouter.ControlPlane.Tests, which tests the oracle and a router built from it.
/// </summary>
internal sealed class FleetTopology
{
    private const uint LinkBase = 0xC6120000; // 198.18.0.0/16: one /30 per link
    private const uint LanBase = 0xC6130000;  // 198.19.0.0/16: one /24 per router
    private const int LinkBlockShift = 15;    // each topology's links in their own /17
    private const uint LanHost = 10;          // the address looked up in a LAN: a host on it, not its router

    private readonly int _block;

    private FleetTopology(string name, int block, int routers, List<(int A, int B)> links)
    {
        Name = name;
        _block = block;
        Routers = routers;
        Links = links;
    }

    public string Name { get; }

    public int Routers { get; }

    public List<(int A, int B)> Links { get; }

    public static FleetTopology Ring(int n)
    {
        var links = new List<(int, int)>(n);
        for (int i = 0; i < n; i++)
        {
            links.Add((i, (i + 1) % n));
        }
        return new FleetTopology("ring", 0, n, links);
    }

    public static FleetTopology Grid(int n)
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
        return new FleetTopology("grid", 1, n, links);
    }

    public static string RouterName(int router) => "r" + router.ToString(CultureInfo.InvariantCulture);

    public static Ipv4Cidr Lan(int router) => new(LanBase + ((uint)router << 8), 24);

    /// <summary>The address other routers look up to reach <paramref name="router"/>'s LAN.</summary>
    public static uint LanDestination(int router) => Lan(router).Network + LanHost;

    private Ipv4Cidr LinkSubnet(int link) => new(LinkBase + ((uint)_block << LinkBlockShift) + ((uint)link << 2), 30);

    private uint LinkAddress(int link, bool lowerEnd) => LinkSubnet(link).Network + (lowerEnd ? 1u : 2u);

    /// <summary>The router's interface on a link of this topology (GigabitEthernet1/L in the ring, 2/L in the grid).</summary>
    public string LinkInterface(int link) => $"GigabitEthernet{_block + 1}/{link.ToString(CultureInfo.InvariantCulture)}";

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
            connected.Add(LinkSubnet(l));
            adjacencies.Add(a == router
                ? new LinkStateAdjacency(RouterName(b), LinkAddress(l, lowerEnd: false))
                : new LinkStateAdjacency(RouterName(a), LinkAddress(l, lowerEnd: true)));
        }
        return new LinkStateEntry(RouterName(router), sequence, connected, adjacencies, []);
    }

    /// <summary>Every router's route to every other router's LAN is what <see cref="Expect"/> says (exact next-hop set and cost).</summary>
    public bool Verify(IReadOnlyList<FleetRoute>[] tables, bool[] up, out string? wrong) => Expect(up).VerifyRoutes(tables, out wrong);

    /// <summary>The oracle for the links in <paramref name="up"/>: hop counts by breadth-first search from every router.</summary>
    public ShortestHops Expect(bool[] up)
    {
        var neighbours = new List<(int Router, int Link)>[Routers];
        for (int r = 0; r < Routers; r++)
        {
            neighbours[r] = [];
        }
        for (int l = 0; l < Links.Count; l++)
        {
            if (up[l])
            {
                var (a, b) = Links[l];
                neighbours[a].Add((b, l));
                neighbours[b].Add((a, l));
            }
        }
        var hops = new int[Routers][];
        for (int destination = 0; destination < Routers; destination++)
        {
            hops[destination] = Bfs(destination, neighbours);
        }
        return new ShortestHops(this, neighbours, hops);
    }

    private int[] Bfs(int from, List<(int Router, int Link)>[] neighbours)
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

    /// <summary>
    /// A router's configuration for the fleet benchmarks: memory interfaces (its LAN as GigabitEthernet0, and one per
    /// link it has in each of <paramref name="topologies"/>), a data plane of one collapsed worker and 512 GPM
    /// buffers; dozens of these share one process.
    /// </summary>
    public static RouterConfig RouterConfigFor(int router, params FleetTopology[] topologies)
    {
        var interfaces = new List<string> { Interface("lan", "GigabitEthernet0", Lan(router).Network + 1, 24) };
        foreach (var topology in topologies)
        {
            for (int l = 0; l < topology.Links.Count; l++)
            {
                var (a, b) = topology.Links[l];
                if (a == router || b == router)
                {
                    interfaces.Add(Interface($"{topology.Name}{l}", topology.LinkInterface(l), topology.LinkAddress(l, lowerEnd: a == router), 30));
                }
            }
        }
        return RouterConfigLoader.LoadString($$"""
            actorrouter {
              data-plane {
                gpm { buffer-size = 2048, buffer-count = 512, headroom = 128 }
                layout = collapsed
                workers = 1
                burst-size = 32
                ring-size = 64
              }
              # Dozens of routers share two cores: a worker that waits seconds for a core is not hung.
              supervision.hang-after = 60s
              interfaces = [
                {{string.Join(",\n", interfaces)}}
              ]
            }
            """, $"fleet-{RouterName(router)}.conf");

        static string Interface(string osName, string name, uint address, int prefixLength) =>
            $$"""{ os-name = "{{osName}}", name = "{{name}}", driver = memory, ring-size = 64, ipv4 = "{{Ipv4Text.Format(address)}}/{{prefixLength}}" }""";
    }

    /// <summary>What a data plane does with a packet to <paramref name="destination"/>: its FIB lookup and the adjacency it gives.</summary>
    public static FleetForwarding Lookup(QfpDataPlane dataPlane, uint destination)
    {
        var tables = dataPlane.Forwarding;
        var adjacency = tables.Adjacencies[tables.Fib.Lookup(destination)];
        return adjacency.Kind is AdjacencyKind.Resolved or AdjacencyKind.Incomplete
            ? new FleetForwarding(adjacency.Kind, adjacency.NextHopAddress, dataPlane.Interfaces[adjacency.Interface]?.Name)
            : new FleetForwarding(adjacency.Kind, 0, null);
    }

    /// <summary>The oracle for one set of links up: hop counts from every router to every other.</summary>
    internal sealed class ShortestHops
    {
        private readonly FleetTopology _topology;
        private readonly List<(int Router, int Link)>[] _neighbours;
        private readonly int[][] _hops; // [destination][source]

        internal ShortestHops(FleetTopology topology, List<(int Router, int Link)>[] neighbours, int[][] hops)
        {
            _topology = topology;
            _neighbours = neighbours;
            _hops = hops;
        }

        /// <summary>The hop count from <paramref name="source"/> to <paramref name="destination"/>; -1 when unreachable.</summary>
        public int Hops(int source, int destination) => _hops[destination][source];

        /// <summary>
        /// The first hops of the shortest paths from <paramref name="source"/> to <paramref name="destination"/>: each
        /// neighbour one hop nearer to it, with its address on the link and <paramref name="source"/>'s interface there.
        /// </summary>
        public List<(FleetNextHop NextHop, string Interface)> FirstHops(int source, int destination)
        {
            var hops = _hops[destination];
            var first = new List<(FleetNextHop NextHop, string Interface)>();
            foreach (var (neighbour, link) in _neighbours[source])
            {
                if (hops[neighbour] == hops[source] - 1)
                {
                    var (a, _) = _topology.Links[link];
                    first.Add((new FleetNextHop(RouterName(neighbour), _topology.LinkAddress(link, lowerEnd: a == neighbour)), _topology.LinkInterface(link)));
                }
            }
            first.Sort((x, y) => x.NextHop.CompareTo(y.NextHop));
            return first;
        }

        /// <summary>
        /// Every router's computed route to every other router's LAN has the hop count of the search, and exactly the
        /// neighbours one hop nearer to the destination as next hops; no router has a route to an unreachable LAN.
        /// </summary>
        public bool VerifyRoutes(IReadOnlyList<FleetRoute>[] tables, out string? wrong)
        {
            for (int source = 0; source < _topology.Routers; source++)
            {
                var lanRoutes = new Dictionary<Ipv4Cidr, FleetRoute>();
                foreach (var route in tables[source])
                {
                    if (route.Prefix.PrefixLength == 24)
                    {
                        lanRoutes[route.Prefix] = route;
                    }
                }
                for (int destination = 0; destination < _topology.Routers; destination++)
                {
                    if (destination == source)
                    {
                        continue;
                    }
                    bool has = lanRoutes.TryGetValue(Lan(destination), out var route);
                    int hops = Hops(source, destination);
                    if (hops < 0)
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
                    var expected = FirstHops(source, destination).Select(f => f.NextHop).ToList();
                    if (route!.Cost != hops || !expected.SequenceEqual(route.NextHops))
                    {
                        wrong = $"{RouterName(source)} to {RouterName(destination)}: {route}, expected cost {hops} via {string.Join(", ", expected)}";
                        return false;
                    }
                }
            }
            wrong = null;
            return true;
        }

        /// <summary>
        /// <paramref name="source"/>'s data plane forwards to every other router's LAN through one of the first hops
        /// of a shortest path (any of the equal-cost ones: the data plane installs one), out of the interface on that
        /// hop's link, and forwards nothing to an unreachable LAN. <paramref name="lookup"/> is its FIB lookup.
        /// </summary>
        public bool VerifyForwarding(int source, Func<uint, FleetForwarding> lookup, out string? wrong)
        {
            for (int destination = 0; destination < _topology.Routers; destination++)
            {
                if (destination == source)
                {
                    continue;
                }
                var forwarding = lookup(LanDestination(destination));
                if (Hops(source, destination) < 0)
                {
                    if (forwarding.Forwards)
                    {
                        wrong = $"{RouterName(source)} forwards to unreachable {RouterName(destination)} via {forwarding}";
                        return false;
                    }
                    continue;
                }
                var expected = FirstHops(source, destination);
                if (!forwarding.Forwards)
                {
                    wrong = $"{RouterName(source)} has no forwarding entry to {RouterName(destination)} ({forwarding}), expected via {Describe(expected)}";
                    return false;
                }
                bool found = false;
                foreach (var (nextHop, itf) in expected)
                {
                    if (nextHop.Address == forwarding.NextHop && itf == forwarding.Interface)
                    {
                        found = true;
                        break;
                    }
                }
                if (!found)
                {
                    wrong = $"{RouterName(source)} to {RouterName(destination)}: via {forwarding}, expected via {Describe(expected)}";
                    return false;
                }
            }
            wrong = null;
            return true;
        }

        private static string Describe(List<(FleetNextHop NextHop, string Interface)> hops) =>
            hops.Count == 0 ? "nothing" : string.Join(" or ", hops.Select(h => $"{Ipv4Text.Format(h.NextHop.Address)} on {h.Interface}"));
    }
}

/// <summary>A FIB lookup's answer: forwarded (resolved or awaiting ARP) to a next hop out of an interface, or not.</summary>
internal readonly record struct FleetForwarding(AdjacencyKind Kind, uint NextHop, string? Interface)
{
    public bool Forwards => Kind is AdjacencyKind.Resolved or AdjacencyKind.Incomplete;

    public override string ToString() => Forwards ? $"{Ipv4Text.Format(NextHop)} on {Interface ?? "an unknown interface"}" : Kind.ToString().ToLowerInvariant();
}
