using ActorRouter.Control.Contracts.Rules;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Messages;
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
        var ipv6 = State.Ipv6;
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

    /// <summary>
    /// The IPv6 changes of arctl. The command gateway has checked each against the whole configuration (as the loader
    /// would); here they are applied to FMAN's state, each a delta, so concurrent changes do not undo one another.
    /// </summary>
    private void ReceiveIpv6Changes()
    {
        Receive<ChangeInterfaceIpv6Address>(OnChangeInterfaceIpv6Address);
        Receive<AddIpv6StaticRoute>(m =>
        {
            var route = m.Route;
            if (State.Ipv6.StaticRoutes.Any(r => r.Prefix == route.Prefix && r.NextHop == route.NextHop))
            {
                Sender.Tell(new CommandFailed($"IPv6 static route {route.Prefix} via {Ipv6Rules.Format(route.NextHop)} already exists"), Self);
                return;
            }
            Change(null, () => State = State with { Ipv6 = State.Ipv6 with { StaticRoutes = State.Ipv6.StaticRoutes.Append(route).ToEquatableList() } },
                $"ipv6 route {route.Prefix} {Ipv6Rules.Format(route.NextHop)}{(route.Interface is null ? "" : " " + route.Interface)}");
        });
        Receive<RemoveIpv6StaticRoute>(m =>
        {
            var existing = State.Ipv6.StaticRoutes.FirstOrDefault(r => r.Prefix == m.Prefix && r.NextHop == m.NextHop);
            if (existing is null)
            {
                Sender.Tell(new CommandFailed($"no IPv6 static route {m.Prefix} via {Ipv6Rules.Format(m.NextHop)}"), Self);
                return;
            }
            Change(null, () => State = State with { Ipv6 = State.Ipv6 with { StaticRoutes = State.Ipv6.StaticRoutes.Where(r => r != existing).ToEquatableList() } },
                $"no ipv6 route {m.Prefix} {Ipv6Rules.Format(m.NextHop)}");
        });
        Receive<SetIpv6StaticNeighbor>(m =>
        {
            var n = m.Neighbor;
            var others = State.Ipv6.Neighbors.Where(e => !SameNeighbor(e, n.Address, n.Interface));
            Change(null, () => State = State with { Ipv6 = State.Ipv6 with { Neighbors = others.Append(n).ToEquatableList() } },
                $"ipv6 neighbor {Ipv6Rules.Format(n.Address)} {n.Interface} {MacText.Format(n.Mac)}");
        });
        Receive<RemoveIpv6StaticNeighbor>(m =>
        {
            if (!State.Ipv6.Neighbors.Any(e => SameNeighbor(e, m.Address, m.Interface)))
            {
                Sender.Tell(new CommandFailed($"no static IPv6 neighbor {Ipv6Rules.Format(m.Address)} on {m.Interface}"), Self);
                return;
            }
            Change(null, () => State = State with { Ipv6 = State.Ipv6 with { Neighbors = State.Ipv6.Neighbors.Where(e => !SameNeighbor(e, m.Address, m.Interface)).ToEquatableList() } },
                $"no ipv6 neighbor {Ipv6Rules.Format(m.Address)} {m.Interface}");
        });
    }

    private static bool SameNeighbor(Ipv6NeighborConfig entry, UInt128 address, string interfaceName) =>
        entry.Address == address && string.Equals(entry.Interface, interfaceName, StringComparison.OrdinalIgnoreCase);

    private void OnChangeInterfaceIpv6Address(ChangeInterfaceIpv6Address m)
    {
        if (!TryFind(m.Name, out var itf))
        {
            return;
        }
        var name = itf.Config.Name;
        var present = itf.Config.Ipv6.Contains(m.Address);
        if (m.Remove ? !present : present)
        {
            Sender.Tell(new CommandFailed(m.Remove ? $"{name} has no IPv6 address {m.Address}" : $"{name} already has IPv6 address {m.Address}"), Self);
            return;
        }
        var addresses = (m.Remove ? itf.Config.Ipv6.Where(a => a != m.Address) : itf.Config.Ipv6.Append(m.Address)).ToEquatableList();
        var config = itf.Config with { Ipv6 = addresses };
        Change(new ApplyIpv6Addresses(itf.Index, addresses), () => UpdateInterface(itf, config),
            $"{name}: {(m.Remove ? "no " : "")}ipv6 address {m.Address}");
    }
}
