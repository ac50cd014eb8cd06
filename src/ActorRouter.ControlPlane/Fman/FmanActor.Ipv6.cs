using ActorRouter.DataPlane.Forwarding;

namespace ActorRouter.ControlPlane.Fman;

/// <summary>FMAN's IPv6 part: the configured IPv6 static routes and static neighbours, by interface index, for each publish.</summary>
public sealed partial class FmanActor
{
    /// <summary>
    /// The configuration's IPv6 static routes and neighbours with interface names turned into uIDB indexes; entries on
    /// an interface that is not ready yet wait for the publish its readiness triggers.
    /// </summary>
    private (IReadOnlyList<Ipv6StaticRoute> Routes, IReadOnlyList<Ipv6Neighbor> Neighbors) Ipv6ForDataPlane()
    {
        var ipv6 = _baseConfig.Ipv6;
        var routes = new List<Ipv6StaticRoute>(ipv6.StaticRoutes.Count);
        foreach (var r in ipv6.StaticRoutes)
        {
            var index = -1;
            if (r.Interface is not null)
            {
                if (!State.Interfaces.TryGetValue(r.Interface, out var itf))
                {
                    continue;
                }
                index = itf.Index;
            }
            routes.Add(new Ipv6StaticRoute(r.Prefix.Network, r.Prefix.PrefixLength, r.NextHop, index));
        }
        var neighbors = new List<Ipv6Neighbor>(ipv6.Neighbors.Count);
        foreach (var n in ipv6.Neighbors)
        {
            if (State.Interfaces.TryGetValue(n.Interface, out var itf))
            {
                neighbors.Add(new Ipv6Neighbor(itf.Index, n.Address, n.Mac));
            }
        }
        return (routes, neighbors);
    }
}
