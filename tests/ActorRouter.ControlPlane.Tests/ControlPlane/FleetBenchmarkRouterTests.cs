using ActorRouter.Benchmarks;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Fleet.LinkState;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.DataPlane.Forwarding;
using Akka.Actor;
using Xunit.Abstractions;

namespace ActorRouter.ControlPlane.Tests.ControlPlane;

/// <summary>
/// One router as fleet-converge-replicated builds it (r0 of a ring and a grid of four, FleetTopology.RouterConfigFor),
/// given the routes its link-state actor would compute, without a cluster: the supervisor hands them to FMAN, which
/// installs them into the data plane, and the benchmark's FIB check (FleetTopology.Lookup against the oracle) passes
/// for each state of the links.
/// </summary>
[Collection(DataPlaneCollection.Name)]
public sealed class FleetBenchmarkRouterTests(ITestOutputHelper output) : ControlPlaneTestKit(output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private static FleetRoutesComputed RoutesOfR0(FleetTopology topology, bool[] up)
    {
        var database = new LinkStateDatabase();
        for (int r = 0; r < topology.Routers; r++)
        {
            database.Apply(topology.Entry(r, 1, up));
        }
        return new FleetRoutesComputed(ShortestPaths.Compute(database, "r0"), database.Size());
    }

    private void AwaitForwarding(RunningRouter router, FleetTopology topology, bool[] up) => AwaitAssert(() =>
    {
        Assert.True(topology.Expect(up).VerifyForwarding(0, d => FleetTopology.Lookup(router.DataPlane, d), out var wrong), wrong);
    }, Deadline);

    [Fact]
    public void Fleet_routes_reach_the_FIB_through_FMAN_and_the_check_follows_a_link_failure_and_a_topology_change()
    {
        var ring = FleetTopology.Ring(4);
        var grid = FleetTopology.Grid(4);
        using var router = StartRouter(FleetTopology.RouterConfigFor(0, ring, grid));
        Assert.Equal(5, router.Outcomes.Count(o => o is InterfaceUp));
        Assert.False(FleetTopology.Lookup(router.DataPlane, FleetTopology.LanDestination(2)).Forwards);

        var up = new bool[ring.Links.Count];
        Array.Fill(up, true);
        router.Supervisor.Tell(RoutesOfR0(ring, up));
        AwaitForwarding(router, ring, up);
        // Of r2's two equal-cost first hops FMAN installs the lower address.
        Assert.Equal(new FleetForwarding(AdjacencyKind.Incomplete, Ipv4Text.Parse("198.18.0.2"), "GigabitEthernet1/0"),
            FleetTopology.Lookup(router.DataPlane, FleetTopology.LanDestination(2)));

        up[0] = false;
        router.Supervisor.Tell(RoutesOfR0(ring, up));
        AwaitForwarding(router, ring, up);
        Assert.Equal(new FleetForwarding(AdjacencyKind.Incomplete, Ipv4Text.Parse("198.18.0.13"), "GigabitEthernet1/3"),
            FleetTopology.Lookup(router.DataPlane, FleetTopology.LanDestination(1)));

        var gridUp = new bool[grid.Links.Count];
        Array.Fill(gridUp, true);
        router.Supervisor.Tell(RoutesOfR0(grid, gridUp));
        AwaitForwarding(router, grid, gridUp);
        Assert.Equal(new FleetForwarding(AdjacencyKind.Incomplete, Ipv4Text.Parse("198.18.128.2"), "GigabitEthernet2/0"),
            FleetTopology.Lookup(router.DataPlane, FleetTopology.LanDestination(3)));
    }
}
