using ActorRouter.Control.Contracts;
using ActorRouter.Control.Contracts.Rules;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Fman;
using ActorRouter.ControlPlane.Punt;
using ActorRouter.DataPlane.Counters;
using Akka.Actor;

namespace ActorRouter.ControlPlane.Commands;

public sealed partial class CommandRequestActor
{
    /// <summary><c>show ip mroute</c>: FMAN's routes with the interfaces IGMP added, and the data plane's multicast drops.</summary>
    private async Task<object> ShowIpMrouteAsync()
    {
        var actors = await ActorsAsync();
        var routes = await actors.Fman.Ask<MulticastRouteList>(GetMulticastRoutes.Instance, AnswerTimeout);
        var statistics = await StatisticsAsync(actors.QfpClient);
        long Drops(DropReason reason) => statistics.Drops.Where(d => d.Reason == reason.ToString()).Sum(d => d.Count);
        return new MrouteTableView(routes.Routing,
            routes.Routes.Select(r => new MrouteView(r.Source is { } s ? Ipv4Text.Format(s) : "*", Ipv4Text.Format(r.Group), r.Incoming,
                r.Outgoing.Select(o => new MrouteOutgoingView(o.Interface, o.Origin)).ToList(), r.Programmed)).ToList(),
            Drops(DropReason.MulticastRpfFailure), Drops(DropReason.MulticastNoRoute), Drops(DropReason.MulticastLinkLocal),
            Drops(DropReason.MulticastTtlScope), Drops(DropReason.MulticastNoReceivers));
    }

    /// <summary><c>show ip igmp groups</c>: what the IGMP actor under the punt service learned.</summary>
    private async Task<object> ShowIpIgmpGroupsAsync()
    {
        var snapshot = await ArpService.Ask<IgmpGroupsSnapshot>(GetIgmpGroups.Instance, AnswerTimeout);
        return new IgmpGroupsView(
            snapshot.Interfaces.Select(i => new IgmpInterfaceView(i.Interface, Ipv4Text.Format(i.Address), Ipv4Text.Format(i.Querier), i.RouterIsQuerier)).ToList(),
            snapshot.Groups.Select(g => new IgmpGroupView(Ipv4Text.Format(g.Group), g.Interface, Ipv4Text.Format(g.LastReporter), g.Version,
                Math.Round(g.Uptime.TotalSeconds, 1), Math.Round(Math.Max(0, g.ExpiresIn.TotalSeconds), 1))).ToList());
    }
}
