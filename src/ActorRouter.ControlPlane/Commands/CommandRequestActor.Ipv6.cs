using ActorRouter.Control.Contracts;
using ActorRouter.Control.Contracts.Rules;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.DataPlane.Forwarding;
using Akka.Actor;

namespace ActorRouter.ControlPlane.Commands;

/// <summary>
/// The IPv6 show commands, read from the data plane's IPv6 state through the QFP client (the routes are what the
/// IPv6 FIB holds) and FMAN's interface list (for the operational state).
/// </summary>
public sealed partial class CommandRequestActor
{
    private async Task<Ipv6State> Ipv6StateAsync(IActorRef qfpClient) =>
        await qfpClient.Ask<Ipv6State>(ReadIpv6State.Instance, AnswerTimeout);

    private async Task<object> ShowIpv6InterfacesAsync()
    {
        var actors = await ActorsAsync();
        var state = await Ipv6StateAsync(actors.QfpClient);
        var interfaces = await InterfacesAsync(actors.Fman);
        var views = new List<Ipv6InterfaceView>();
        foreach (var status in interfaces.OrderBy(i => i.Index))
        {
            var ipv6 = state.Interfaces.FirstOrDefault(i => i.Index == status.Index);
            if (ipv6 is null)
            {
                continue;
            }
            views.Add(new Ipv6InterfaceView(status.Name, status.AdminUp, status.OperUp, Ipv6Rules.Format(ipv6.LinkLocal),
                ipv6.Addresses.Select(a => a.ToString()).ToList()) { Duplicated = ipv6.Duplicated.Select(a => a.ToString()).ToList() });
        }
        return new Ipv6InterfacesView(views);
    }

    private async Task<object> ShowIpv6RoutesAsync()
    {
        var actors = await ActorsAsync();
        var state = await Ipv6StateAsync(actors.QfpClient);
        var names = state.Interfaces.ToDictionary(i => i.Index, i => i.Name);
        var views = new List<Ipv6RouteView>();
        foreach (var r in state.Routes)
        {
            var code = r.Source switch
            {
                "local" => "L",
                "connected" => "C",
                "static" => "S",
                _ => null,
            };
            if (code is null)
            {
                // Neighbour /128s are adjacencies, not routes (IOS lists them in show ipv6 neighbors).
                continue;
            }
            var prefix = $"{Ipv6Rules.Format(r.Prefix)}/{r.PrefixLength}";
            string? egress = r.Kind is AdjacencyKind.Receive or AdjacencyKind.Drop ? null : names.GetValueOrDefault(r.Interface);
            var nextHop = code == "S" && r.Kind != AdjacencyKind.Drop ? Ipv6Rules.Format(r.NextHop) : null;
            views.Add(new Ipv6RouteView(code, prefix, nextHop, egress, StateText(r.Kind)));
        }
        foreach (var r in state.UnresolvedStaticRoutes)
        {
            views.Add(new Ipv6RouteView("S", $"{Ipv6Rules.Format(r.Prefix)}/{r.PrefixLength}", Ipv6Rules.Format(r.NextHop),
                r.Interface >= 0 ? names.GetValueOrDefault(r.Interface) : null, "unresolved"));
        }
        return new Ipv6RoutesView(views);
    }

    /// <summary>
    /// The neighbour cache (the IPv6 neighbour actor under the punt service) and the configuration's static neighbours
    /// (FMAN's running configuration), by address then interface, as IOS lists them.
    /// </summary>
    private async Task<object> ShowIpv6NeighborsAsync()
    {
        var actors = await ActorsAsync();
        var punt = Context.ActorSelection(_supervisor.Path / Punt.PuntServiceActor.ChildName);
        var table = await punt.Ask<Punt.Ipv6NeighborTable>(Punt.GetIpv6NeighborTable.Instance, AnswerTimeout);
        var running = await actors.Fman.Ask<RunningConfig>(GetRunningConfig.Instance, AnswerTimeout);
        var rows = new List<(UInt128 Address, string Interface, Ipv6NeighborView View)>();
        var statics = new HashSet<(string, UInt128)>();
        foreach (var n in running.Config.Ipv6.Neighbors)
        {
            statics.Add((n.Interface, n.Address));
            rows.Add((n.Address, n.Interface, new Ipv6NeighborView(Ipv6Rules.Format(n.Address), null, Configuration.MacText.Format(n.Mac), "REACH", n.Interface, true)));
        }
        foreach (var e in table.Entries)
        {
            if (statics.Contains((e.Interface, e.Address)))
            {
                continue; // the static entry is what forwarding uses
            }
            rows.Add((e.Address, e.Interface, new Ipv6NeighborView(Ipv6Rules.Format(e.Address), (int)e.Age.TotalMinutes,
                e.State == Punt.Ipv6NeighborState.Incomplete ? null : Configuration.MacText.Format(e.Mac), NeighborStateText(e.State), e.Interface, false)));
        }
        return new Ipv6NeighborsView(rows.OrderBy(r => r.Address).ThenBy(r => r.Interface, StringComparer.Ordinal).Select(r => r.View).ToList());
    }

    private static string NeighborStateText(Punt.Ipv6NeighborState state) => state switch
    {
        Punt.Ipv6NeighborState.Incomplete => "INCMP",
        Punt.Ipv6NeighborState.Reachable => "REACH",
        Punt.Ipv6NeighborState.Stale => "STALE",
        Punt.Ipv6NeighborState.Delay => "DELAY",
        _ => "PROBE",
    };

    private static string StateText(AdjacencyKind kind) => kind switch
    {
        AdjacencyKind.Resolved => "forward",
        AdjacencyKind.Incomplete => "incomplete",
        AdjacencyKind.Glean => "glean",
        AdjacencyKind.Receive => "receive",
        AdjacencyKind.Drop => "drop",
        _ => "none",
    };
}
