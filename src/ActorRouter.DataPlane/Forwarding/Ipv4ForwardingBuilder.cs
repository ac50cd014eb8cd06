using ActorRouter.DataPlane.Fib;

namespace ActorRouter.DataPlane.Forwarding;

/// <summary>An interface as the route builder sees it.</summary>
public readonly record struct ConnectedInterface(int Index, uint Address, int PrefixLength, bool Up);

/// <summary>A static route: prefix via a next-hop address (0 with <see cref="Discard"/> = null route).</summary>
public readonly record struct StaticRoute(uint Prefix, int PrefixLength, uint NextHop, bool Discard = false);

/// <summary>A resolved neighbor (ARP entry).</summary>
public readonly record struct Neighbor(int Interface, uint Address, ulong Mac);

/// <summary>
/// Builds the route table and the adjacency array from interfaces, static routes and neighbors,
/// the way CEF does: connected subnets glean, the router's own addresses and subnet broadcasts are
/// receive entries, every resolved neighbor on a connected subnet gets a /32, and a static route's
/// next hop resolves recursively to a connected interface (resolved or incomplete adjacency).
/// Runs on the control plane, never per packet.
/// </summary>
public static class Ipv4ForwardingBuilder
{
    /// <summary>Result: routes for <see cref="Ipv4Fib.Build(Ipv4RouteTable)"/> and the adjacencies their ids index.</summary>
    public sealed record Result(Ipv4RouteTable Routes, Adjacency[] Adjacencies, IReadOnlyList<StaticRoute> UnresolvedStaticRoutes);

    public static Result Build(IReadOnlyList<ConnectedInterface> interfaces, IReadOnlyList<StaticRoute> staticRoutes, IReadOnlyList<Neighbor> neighbors)
    {
        var routes = new Ipv4RouteTable();
        var adjacencies = new List<Adjacency> { default }; // id 0 = no route
        var neighborIds = new Dictionary<(int, uint), uint>();
        const uint receiveId = 1;
        adjacencies.Add(Adjacency.Receive);

        uint AddAdjacency(Adjacency a)
        {
            adjacencies.Add(a);
            return (uint)(adjacencies.Count - 1);
        }

        var up = new List<ConnectedInterface>();
        foreach (var i in interfaces)
        {
            if (i.Up && i.Address != 0 && i.PrefixLength is > 0 and <= 32)
            {
                up.Add(i);
            }
        }

        // Connected subnets first (glean), so more specific entries added later override them.
        foreach (var i in up)
        {
            var mask = Mask(i.PrefixLength);
            if (i.PrefixLength < 32)
            {
                var glean = AddAdjacency(new Adjacency(AdjacencyKind.Glean, (ushort)i.Index, 0, 0));
                routes.Add(i.Address & mask, i.PrefixLength, glean);
            }
        }

        // Neighbors resolved by ARP on connected subnets: host routes to their adjacency.
        foreach (var n in neighbors)
        {
            var onSubnet = false;
            foreach (var i in up)
            {
                if (i.Index == n.Interface && (n.Address & Mask(i.PrefixLength)) == (i.Address & Mask(i.PrefixLength)))
                {
                    onSubnet = true;
                    break;
                }
            }
            if (!onSubnet)
            {
                continue;
            }
            var id = AddAdjacency(new Adjacency(AdjacencyKind.Resolved, (ushort)n.Interface, n.Mac, n.Address));
            neighborIds[(n.Interface, n.Address)] = id;
            routes.Add(n.Address, 32, id);
        }

        var unresolved = new List<StaticRoute>();
        foreach (var r in staticRoutes)
        {
            uint id;
            if (r.Discard)
            {
                id = AddAdjacency(new Adjacency(AdjacencyKind.Drop, 0, 0, 0));
            }
            else
            {
                var via = FindConnected(up, r.NextHop);
                if (via is not ConnectedInterface c || r.NextHop == c.Address)
                {
                    unresolved.Add(r);
                    continue;
                }
                if (!neighborIds.TryGetValue((c.Index, r.NextHop), out id))
                {
                    id = AddAdjacency(new Adjacency(AdjacencyKind.Incomplete, (ushort)c.Index, 0, r.NextHop));
                    neighborIds[(c.Index, r.NextHop)] = id;
                }
            }
            routes.Add(r.Prefix & Mask(r.PrefixLength), r.PrefixLength, id);
        }

        // The router's own addresses and directed broadcasts last: they win over everything.
        foreach (var i in up)
        {
            routes.Add(i.Address, 32, receiveId);
            if (i.PrefixLength < 31)
            {
                routes.Add(i.Address | ~Mask(i.PrefixLength), 32, receiveId);
            }
        }

        return new Result(routes, adjacencies.ToArray(), unresolved);
    }

    private static ConnectedInterface? FindConnected(List<ConnectedInterface> up, uint address)
    {
        ConnectedInterface? best = null;
        foreach (var i in up)
        {
            var mask = Mask(i.PrefixLength);
            if ((address & mask) == (i.Address & mask) && (best is null || i.PrefixLength > best.Value.PrefixLength))
            {
                best = i;
            }
        }
        return best;
    }

    public static uint Mask(int length) => length == 0 ? 0u : uint.MaxValue << (32 - length);
}
