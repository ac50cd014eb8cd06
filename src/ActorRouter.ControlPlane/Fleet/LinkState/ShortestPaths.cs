using ActorRouter.ControlPlane.Configuration;

namespace ActorRouter.ControlPlane.Fleet.LinkState;

/// <summary>A first hop towards a fleet route: the adjacent member and its address on the shared subnet.</summary>
public readonly record struct FleetNextHop(string Neighbor, uint Address) : IComparable<FleetNextHop>
{
    public int CompareTo(FleetNextHop other)
    {
        int byAddress = Address.CompareTo(other.Address);
        return byAddress != 0 ? byAddress : string.CompareOrdinal(Neighbor, other.Neighbor);
    }

    public override string ToString() => $"{Ipv4Text.Format(Address)} ({Neighbor})";
}

/// <summary>
/// A route the fleet computed: <paramref name="Prefix"/> at total <paramref name="Cost"/>, through every equal-cost
/// first hop in <paramref name="NextHops"/> (sorted by address), originated by <paramref name="Origins"/> (sorted).
/// </summary>
public sealed record FleetRoute(Ipv4Cidr Prefix, int Cost, IReadOnlyList<FleetNextHop> NextHops, IReadOnlyList<string> Origins)
{
    public override string ToString() =>
        $"{Prefix} cost {Cost} via {string.Join(", ", NextHops)} from {string.Join(", ", Origins)}";
}

/// <summary>
/// Shortest paths over a <see cref="LinkStateDatabase"/> (Dijkstra), keeping every equal-cost first hop (ECMP).
/// An adjacency is used only when both ends announce it (OSPF's two-way check): a router that withdrew, or
/// whose side of a link went down, is no longer a transit for anyone even while the other side still lists it.
/// </summary>
public static class ShortestPaths
{
    /// <summary>
    /// The routes <paramref name="self"/> installs: every prefix another reachable router originates, except
    /// those <paramref name="self"/> originates itself (its connected routes win anyway). Sorted by prefix.
    /// Empty when <paramref name="self"/> has no entry.
    /// </summary>
    public static IReadOnlyList<FleetRoute> Compute(LinkStateDatabase database, string self)
    {
        ArgumentNullException.ThrowIfNull(database);
        if (!database.TryGet(self, out var selfEntry))
        {
            return [];
        }

        var routers = new List<LinkStateEntry>(database.Count);
        var indexOf = new Dictionary<string, int>(database.Count, StringComparer.Ordinal);
        foreach (var entry in database.Entries)
        {
            indexOf.Add(entry.Router, routers.Count);
            routers.Add(entry);
        }

        int n = routers.Count;
        var edges = new List<(int To, int Cost, uint Address)>[n];
        for (int i = 0; i < n; i++)
        {
            edges[i] = [];
            foreach (var adjacency in routers[i].Adjacencies)
            {
                if (indexOf.TryGetValue(adjacency.Neighbor, out int j) && j != i && AnnouncesBack(routers[j], routers[i].Router))
                {
                    edges[i].Add((j, Math.Max(1, adjacency.Cost), adjacency.NeighborAddress));
                }
            }
        }

        int source = indexOf[self];
        var distance = new long[n];
        Array.Fill(distance, long.MaxValue);
        var firstHops = new List<FleetNextHop>?[n];
        var done = new bool[n];
        var queue = new PriorityQueue<int, long>();
        distance[source] = 0;
        queue.Enqueue(source, 0);
        while (queue.TryDequeue(out int v, out long d))
        {
            if (done[v] || d != distance[v])
            {
                continue;
            }
            done[v] = true;
            foreach (var (to, cost, address) in edges[v])
            {
                long candidate = d + cost;
                if (candidate > distance[to])
                {
                    continue;
                }
                if (candidate < distance[to])
                {
                    distance[to] = candidate;
                    firstHops[to] = [];
                    queue.Enqueue(to, candidate);
                }
                var hops = firstHops[to]!;
                if (v == source)
                {
                    AddOnce(hops, new FleetNextHop(routers[to].Router, address));
                }
                else
                {
                    foreach (var hop in firstHops[v]!)
                    {
                        AddOnce(hops, hop);
                    }
                }
            }
        }

        var own = new HashSet<Ipv4Cidr>(selfEntry.OriginatedPrefixes().Select(Normalize));
        var best = new Dictionary<Ipv4Cidr, (long Cost, List<FleetNextHop> Hops, List<string> Origins)>();
        for (int r = 0; r < n; r++)
        {
            if (r == source || distance[r] == long.MaxValue)
            {
                continue;
            }
            foreach (var originated in routers[r].OriginatedPrefixes())
            {
                var prefix = Normalize(originated);
                if (own.Contains(prefix))
                {
                    continue;
                }
                if (!best.TryGetValue(prefix, out var held) || distance[r] < held.Cost)
                {
                    best[prefix] = (distance[r], [.. firstHops[r]!], [routers[r].Router]);
                }
                else if (distance[r] == held.Cost)
                {
                    foreach (var hop in firstHops[r]!)
                    {
                        AddOnce(held.Hops, hop);
                    }
                    if (!held.Origins.Contains(routers[r].Router))
                    {
                        held.Origins.Add(routers[r].Router);
                    }
                }
            }
        }

        var routes = new List<FleetRoute>(best.Count);
        foreach (var (prefix, (cost, hops, origins)) in best)
        {
            hops.Sort();
            origins.Sort(StringComparer.Ordinal);
            routes.Add(new FleetRoute(prefix, (int)Math.Min(cost, int.MaxValue), hops, origins));
        }
        routes.Sort(static (a, b) =>
        {
            int byAddress = a.Prefix.Address.CompareTo(b.Prefix.Address);
            return byAddress != 0 ? byAddress : a.Prefix.PrefixLength.CompareTo(b.Prefix.PrefixLength);
        });
        return routes;
    }

    private static bool AnnouncesBack(LinkStateEntry neighbor, string router)
    {
        foreach (var adjacency in neighbor.Adjacencies)
        {
            if (string.Equals(adjacency.Neighbor, router, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    private static void AddOnce(List<FleetNextHop> hops, FleetNextHop hop)
    {
        if (!hops.Contains(hop))
        {
            hops.Add(hop);
        }
    }

    private static Ipv4Cidr Normalize(Ipv4Cidr prefix) => new(prefix.Network, prefix.PrefixLength);
}
