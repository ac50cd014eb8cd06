using ActorRouter.Control.Contracts.Rules;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Qfp;
using ActorRouter.DataPlane;
using Akka.Actor;
using Akka.Event;

namespace ActorRouter.ControlPlane.Fman;

// Multicast routing (ip multicast-routing): the configured (S,G) and (*,G) routes, with the interfaces IGMP learned
// members on added to each (*,G) route's outgoing list, made the data plane's. A route is programmed once its
// incoming interface is up in the data plane; outgoing interfaces join it as they come up. What changed since the
// last program (routes set, routes removed) is all that is sent.
public sealed partial class FmanActor
{
    private Dictionary<(uint Source, uint Group), MulticastRouteSpec> _multicastProgrammed = new();
    private bool _multicastRoutingProgrammed;
    private IReadOnlyDictionary<uint, IReadOnlyList<string>> _igmpLearned = new Dictionary<uint, IReadOnlyList<string>>();

    private void ReceiveMulticast()
    {
        Receive<IgmpGroupsLearned>(m =>
        {
            _igmpLearned = m.Groups;
            ProgramMulticast();
        });
        Receive<MulticastProgrammed>(_ => { });
        Receive<MulticastRefused>(m => _log.Warning("multicast routes not programmed: {0}", m.Reason));
        Receive<GetMulticastRoutes>(_ => Sender.Tell(new MulticastRouteList(_baseConfig.Multicast.Routing, MulticastRouteStatuses())));
    }

    /// <summary>Sends the QFP client the multicast routes that changed since the last time (nothing when none did).</summary>
    private void ProgramMulticast()
    {
        var routing = _baseConfig.Multicast.Routing;
        var desired = DesiredMulticastRoutes().ToDictionary(r => (r.Source, r.Group));
        var set = desired.Values.Where(r => !_multicastProgrammed.TryGetValue((r.Source, r.Group), out var sent) || !SameRoute(sent, r)).ToList();
        var remove = _multicastProgrammed.Keys.Where(k => !desired.ContainsKey(k)).ToList();
        if (set.Count == 0 && remove.Count == 0 && routing == _multicastRoutingProgrammed)
        {
            return;
        }
        _multicastProgrammed = desired;
        _multicastRoutingProgrammed = routing;
        _qfpClient.Tell(new ProgramMulticast(routing, set, remove));
    }

    private static bool SameRoute(MulticastRouteSpec a, MulticastRouteSpec b)
        => string.Equals(a.Incoming, b.Incoming, StringComparison.OrdinalIgnoreCase) && a.Outgoing.SequenceEqual(b.Outgoing, StringComparer.OrdinalIgnoreCase);

    /// <summary>The routes as the data plane should have them: those whose incoming interface is up, with the outgoing interfaces that are.</summary>
    private IEnumerable<MulticastRouteSpec> DesiredMulticastRoutes()
    {
        foreach (var (route, outgoing) in MulticastRoutesWithOrigins())
        {
            if (!State.Interfaces.ContainsKey(route.Incoming))
            {
                continue;
            }
            yield return new MulticastRouteSpec(route.Source ?? 0, route.Group, State.Interfaces[route.Incoming].Config.Name,
                outgoing.Where(o => State.Interfaces.ContainsKey(o.Interface)).Select(o => State.Interfaces[o.Interface].Config.Name).ToList());
        }
    }

    /// <summary>Each configured route with its outgoing interfaces and why each is there (static, igmp or both).</summary>
    private IEnumerable<(MulticastRouteConfig Route, List<(string Interface, string Origin)> Outgoing)> MulticastRoutesWithOrigins()
    {
        foreach (var route in _baseConfig.Multicast.Routes)
        {
            var outgoing = route.Outgoing.Select(name => (Interface: name, Origin: "static")).ToList();
            if (route.Source is null && _igmpLearned.TryGetValue(route.Group, out var learned))
            {
                foreach (var name in learned)
                {
                    var at = outgoing.FindIndex(o => string.Equals(o.Interface, name, StringComparison.OrdinalIgnoreCase));
                    if (at >= 0)
                    {
                        outgoing[at] = (outgoing[at].Interface, "static+igmp");
                    }
                    else if (!string.Equals(name, route.Incoming, StringComparison.OrdinalIgnoreCase))
                    {
                        outgoing.Add((name, "igmp"));
                    }
                }
            }
            yield return (route, outgoing);
        }
    }

    private IReadOnlyList<MulticastRouteStatus> MulticastRouteStatuses()
        => MulticastRoutesWithOrigins().Select(r => new MulticastRouteStatus(r.Route.Source, r.Route.Group, r.Route.Incoming, r.Outgoing,
            _multicastProgrammed.ContainsKey((r.Route.Source ?? 0, r.Route.Group)))).ToList();
}

/// <summary>IGMP → FMAN: the groups with members now, each with the interfaces they were learned on (the whole set, after every change).</summary>
public sealed record IgmpGroupsLearned(IReadOnlyDictionary<uint, IReadOnlyList<string>> Groups);

/// <summary>Asks FMAN for the multicast routes; answered with a <see cref="MulticastRouteList"/>.</summary>
public sealed record GetMulticastRoutes
{
    public static readonly GetMulticastRoutes Instance = new();
}

/// <summary>One multicast route as FMAN has it: source null for (*,G); each outgoing interface with its origin; whether the data plane has it.</summary>
public sealed record MulticastRouteStatus(uint? Source, uint Group, string Incoming, IReadOnlyList<(string Interface, string Origin)> Outgoing, bool Programmed);

public sealed record MulticastRouteList(bool Routing, IReadOnlyList<MulticastRouteStatus> Routes);
