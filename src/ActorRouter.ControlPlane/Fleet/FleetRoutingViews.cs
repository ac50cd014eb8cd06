using ActorRouter.Control.Contracts;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Fleet.LinkState;
using ActorRouter.ControlPlane.Fleet.Probes;
using Akka.Actor;

namespace ActorRouter.ControlPlane.Fleet;

/// <summary>
/// <c>show fleet routes</c>, <c>show fleet neighbors</c>, <c>show fleet database</c>: asked of the link-state actor
/// (in the fleet system) and the adjacency prober (in the router system), turned into the contracts' views.
/// </summary>
public static class FleetRoutingViews
{
    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    public const string NotRouting = "fleet routing is not running on this router";

    /// <summary>Answers <paramref name="request"/> (one of the three) to <paramref name="replyTo"/>, asynchronously; a silent actor becomes a refusal.</summary>
    public static void Answer(IArctlRequest request, FleetLink fleet, IActorRef replyTo)
    {
        switch (request)
        {
            case ShowFleetNeighborsRequest when fleet.Probes?.Adjacency is { } adjacency:
                Pipe(adjacency.Ask<FleetNeighborList>(GetFleetNeighbors.Instance, AskTimeout), replyTo, list => Neighbors(fleet.RouterName, list));
                return;
            case ShowFleetRoutesRequest when fleet.LinkState is { } linkState:
                Pipe(linkState.Ask<LinkStateSnapshot>(GetLinkStateSnapshot.Instance, AskTimeout), replyTo, snapshot => Routes(fleet.RouterName, snapshot));
                return;
            case ShowFleetDatabaseRequest when fleet.LinkState is { } linkState:
                Pipe(linkState.Ask<LinkStateSnapshot>(GetLinkStateSnapshot.Instance, AskTimeout), replyTo, snapshot => Database(fleet.RouterName, snapshot));
                return;
            default:
                replyTo.Tell(new CommandRefused(NotRouting));
                return;
        }
    }

    private static void Pipe<T>(Task<T> ask, IActorRef replyTo, Func<T, object> view) =>
        ask.ContinueWith(t => replyTo.Tell(t.IsCompletedSuccessfully
            ? view(t.Result)
            : new CommandRefused($"fleet routing did not answer within {AskTimeout.TotalSeconds:0} s")), TaskScheduler.Default);

    public static FleetRoutesView Routes(string router, LinkStateSnapshot snapshot) =>
        new(router, [.. snapshot.Routes.Select(r => new FleetRouteView(r.Prefix.ToString(), r.Cost,
            [.. r.NextHops.Select(h => new FleetNextHopView(Ipv4Text.Format(h.Address), h.Neighbor))], r.Origins))]);

    public static FleetDatabaseView Database(string router, LinkStateSnapshot snapshot)
    {
        var database = new LinkStateDatabase();
        foreach (var entry in snapshot.Entries)
        {
            database.Apply(entry);
        }
        var size = database.Size();
        return new FleetDatabaseView(router, size.Routers, size.Adjacencies, size.Prefixes, size.EncodedBytes, snapshot.UnreadableEntries,
            [.. snapshot.Entries.Select(e => new FleetDatabaseEntryView(e.Router, e.Sequence,
                [.. e.Connected.Select(c => c.ToString())],
                [.. e.Adjacencies.Select(a => new FleetAdjacencyView(a.Neighbor, Ipv4Text.Format(a.NeighborAddress), a.Cost))],
                [.. e.SharedStaticRoutes.Select(c => c.ToString())]))]);
    }

    public static FleetNeighborsView Neighbors(string router, FleetNeighborList list) =>
        new(router, (int)list.ProbeInterval.TotalMilliseconds, list.DeadIntervals, list.HellosReceived, list.HellosForeign, list.HellosMalformed,
            [.. list.Neighbors.Select(n => new FleetNeighborView(n.Router, n.Interface, Ipv4Text.Format(n.Address), n.TwoWay ? "up" : "one-way",
                n.LastHeardMilliseconds, n.UpForSeconds, n.Hellos))]);
}
