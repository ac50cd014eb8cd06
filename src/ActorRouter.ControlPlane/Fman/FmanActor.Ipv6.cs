using ActorRouter.DataPlane.Forwarding;

namespace ActorRouter.ControlPlane.Fman;

/// <summary>FMAN's IPv6 part: the configured IPv6 static routes and static neighbours, by interface index, for each publish.</summary>
public sealed partial class FmanActor
{
    /// <summary>Neighbours neighbour discovery learned, by interface index and address; static entries win over them.</summary>
    private readonly Dictionary<(int Interface, UInt128 Address), ulong> _learnedIpv6Neighbors = [];

    private void OnIpv6NeighborLearned(Messages.Ipv6NeighborLearned m)
    {
        var key = (m.InterfaceIndex, m.Address);
        if (_learnedIpv6Neighbors.TryGetValue(key, out var mac) && mac == m.Mac)
        {
            return;
        }
        _learnedIpv6Neighbors[key] = m.Mac;
        Publish();
    }

    private void OnIpv6NeighborExpired(Messages.Ipv6NeighborExpired m)
    {
        if (_learnedIpv6Neighbors.Remove((m.InterfaceIndex, m.Address)))
        {
            Publish();
        }
    }

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
        var neighbors = new List<Ipv6Neighbor>(ipv6.Neighbors.Count + _learnedIpv6Neighbors.Count);
        // Learned first: the data plane keeps the last entry for an address, so a static entry overrides a learned one.
        foreach (var ((index, address), mac) in _learnedIpv6Neighbors)
        {
            neighbors.Add(new Ipv6Neighbor(index, address, mac));
        }
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
