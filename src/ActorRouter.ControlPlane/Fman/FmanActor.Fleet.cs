using System.Collections.Immutable;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Fleet.LinkState;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.DataPlane.Forwarding;

namespace ActorRouter.ControlPlane.Fman;

/// <summary>The fleet's routes as FMAN holds them: the last list the link-state actor computed.</summary>
public sealed partial record FmanState
{
    public ImmutableList<FleetRoute> FleetRoutes { get; init; } = ImmutableList<FleetRoute>.Empty;
}

/// <summary>
/// Fleet routes (code F) are FMAN's third route source. Administrative distances: connected 0, static 1,
/// fleet <see cref="FleetAdministrativeDistance"/>: a prefix an interface is on, or a configured static route
/// names, is not taken from the fleet. The data plane holds one next hop per prefix: of a fleet route's
/// equal-cost next hops the lowest address on an up interface is installed, the others are listed as inactive
/// (so a link that loses its carrier moves the route to another equal-cost hop at once, before the probes notice).
/// FMAN keeps the last list it was given: when the fleet's membership changes or ends, nothing is sent,
/// and forwarding goes on with the tables it has.
/// </summary>
public sealed partial class FmanActor
{
    public const int FleetAdministrativeDistance = 110;

    private void OnFleetRoutesComputed(FleetRoutesComputed m)
    {
        State = State with { FleetRoutes = m.Routes.ToImmutableList() };
        Publish();
    }

    /// <summary>Fleet routes the data plane gets: those no connected subnet or configured static route overrides, through their first next hop.</summary>
    private IEnumerable<StaticRoute> FleetRoutesForDataPlane()
    {
        foreach (var route in State.FleetRoutes)
        {
            if (route.NextHops.Count > 0 && !OverriddenInFleet(route.Prefix))
            {
                yield return new StaticRoute(route.Prefix.Network, route.Prefix.PrefixLength, route.NextHops[InstalledNextHop(route)].Address);
            }
        }
    }

    private IEnumerable<RouteStatus> FleetRouteStatuses()
    {
        foreach (var route in State.FleetRoutes)
        {
            bool overridden = OverriddenInFleet(route.Prefix);
            int installed = InstalledNextHop(route);
            for (int i = 0; i < route.NextHops.Count; i++)
            {
                var nextHop = route.NextHops[i].Address;
                var via = FleetNextHopInterface(nextHop);
                bool active = i == installed && !overridden && via is not null && OperationallyUp(via)
                    && !_unresolved.Contains(new StaticRoute(route.Prefix.Network, route.Prefix.PrefixLength, nextHop));
                yield return new RouteStatus(RouteKind.Fleet, route.Prefix, nextHop, via?.Config.Name, active) { Metric = route.Cost };
            }
        }
    }

    /// <summary>The index of the next hop the data plane gets: the first on an up interface, else the first.</summary>
    private int InstalledNextHop(FleetRoute route)
    {
        for (int i = 0; i < route.NextHops.Count; i++)
        {
            if (FleetNextHopInterface(route.NextHops[i].Address) is { } via && OperationallyUp(via))
            {
                return i;
            }
        }
        return 0;
    }

    private FmanInterface? FleetNextHopInterface(uint nextHop) => State.Interfaces.Values
        .Where(itf => itf.Config.Ipv4 is Ipv4Cidr a && a.Contains(nextHop) && a.Address != nextHop)
        .OrderByDescending(itf => itf.Config.Ipv4!.Value.PrefixLength)
        .FirstOrDefault();

    private bool OverriddenInFleet(Ipv4Cidr prefix)
    {
        foreach (var itf in State.Interfaces.Values)
        {
            if (itf.Config.Ipv4 is Ipv4Cidr a && a.Network == prefix.Network && a.PrefixLength == prefix.PrefixLength)
            {
                return true;
            }
        }
        foreach (var r in State.StaticRoutes)
        {
            if (r.Prefix.Network == prefix.Network && r.Prefix.PrefixLength == prefix.PrefixLength)
            {
                return true;
            }
        }
        return false;
    }
}
