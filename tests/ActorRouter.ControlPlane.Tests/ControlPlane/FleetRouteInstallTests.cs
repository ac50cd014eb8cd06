using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Fleet.LinkState;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.DataPlane.Forwarding;
using Akka.Actor;
using Xunit.Abstractions;

namespace ActorRouter.ControlPlane.Tests.ControlPlane;

/// <summary>
/// Fleet routes (code F) through FMAN into the data plane, on the two-interface router (GigabitEthernet1
/// 192.0.2.1/24, GigabitEthernet2 198.51.100.1/24, static 203.0.113.0/24 via 198.51.100.2).
/// </summary>
[Collection(DataPlaneCollection.Name)]
public sealed class FleetRouteInstallTests(ITestOutputHelper output) : ControlPlaneTestKit(output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private static readonly uint InBenchmarkNet = Ipv4Text.Parse("198.18.7.7");
    private static readonly uint In203 = Ipv4Text.Parse("203.0.113.7");

    private static Adjacency AdjacencyFor(RunningRouter router, uint address)
    {
        var forwarding = router.DataPlane.Forwarding;
        return forwarding.Adjacencies[forwarding.Fib.Lookup(address)];
    }

    private static FleetRoute Route(string prefix, int cost, params (string Neighbor, string Address)[] hops) =>
        new(Ipv4Cidr.Parse(prefix), cost, hops.Select(h => new FleetNextHop(h.Neighbor, Ipv4Text.Parse(h.Address))).ToList(), ["r9"]);

    private static FleetRoutesComputed Computed(params FleetRoute[] routes) => new(routes, new LinkStateDatabaseSize(1, 0, 0, 0));

    [Fact]
    public void Fleet_routes_are_installed_through_their_first_next_hop_and_yield_to_connected_and_static_routes()
    {
        using var router = StartRouter(TestConfigs.TwoInterfaces());
        Assert.Equal(AdjacencyKind.None, AdjacencyFor(router, InBenchmarkNet).Kind);

        router.Fman.Tell(Computed(
            Route("192.0.2.0/24", 2, ("r5", "198.51.100.9")),
            Route("198.18.0.0/15", 2, ("r2", "192.0.2.2"), ("r4", "192.0.2.3")),
            Route("203.0.113.0/24", 3, ("r2", "192.0.2.2"))));

        // Of the two equal-cost next hops the lower address is installed (not yet resolved by ARP).
        AwaitAssert(() =>
        {
            var adjacency = AdjacencyFor(router, InBenchmarkNet);
            Assert.Equal((AdjacencyKind.Incomplete, Ipv4Text.Parse("192.0.2.2")), (adjacency.Kind, adjacency.NextHopAddress));
        }, Deadline);
        // The static route keeps 203.0.113.0/24 (administrative distance 1 beats the fleet's 110).
        Assert.Equal(Ipv4Text.Parse("198.51.100.2"), AdjacencyFor(router, In203).NextHopAddress);

        var fleetRoutes = router.Ask<RouteList>(router.Fman, GetRoutes.Instance).Routes.Where(r => r.Kind == RouteKind.Fleet).ToList();
        Assert.Equal(
            [
                new RouteStatus(RouteKind.Fleet, Ipv4Cidr.Parse("192.0.2.0/24"), Ipv4Text.Parse("198.51.100.9"), "GigabitEthernet2", false) { Metric = 2 },
                new RouteStatus(RouteKind.Fleet, Ipv4Cidr.Parse("198.18.0.0/15"), Ipv4Text.Parse("192.0.2.2"), "GigabitEthernet1", true) { Metric = 2 },
                new RouteStatus(RouteKind.Fleet, Ipv4Cidr.Parse("198.18.0.0/15"), Ipv4Text.Parse("192.0.2.3"), "GigabitEthernet1", false) { Metric = 2 },
                new RouteStatus(RouteKind.Fleet, Ipv4Cidr.Parse("203.0.113.0/24"), Ipv4Text.Parse("192.0.2.2"), "GigabitEthernet1", false) { Metric = 3 },
            ],
            fleetRoutes);

        // A new list replaces the old one: the withdrawn route leaves the data plane, the static route stays.
        router.Fman.Tell(Computed());
        AwaitAssert(() => Assert.Equal(AdjacencyKind.None, AdjacencyFor(router, InBenchmarkNet).Kind), Deadline);
        Assert.Equal(Ipv4Text.Parse("198.51.100.2"), AdjacencyFor(router, In203).NextHopAddress);
        Assert.DoesNotContain(router.Ask<RouteList>(router.Fman, GetRoutes.Instance).Routes, r => r.Kind == RouteKind.Fleet);
    }
}
