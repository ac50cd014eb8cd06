using ActorRouter.Benchmarks;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Fleet.LinkState;
using ActorRouter.DataPlane.Forwarding;

namespace ActorRouter.ControlPlane.Tests.Fleet;

/// <summary>
/// The fleet benchmarks' oracle (tests/ActorRouter.Benchmarks/FleetTopology.cs, compiled in here): on a ring of four,
/// r0 (198.18.0.1 on GigabitEthernet1/0 towards r1 198.18.0.2, 198.18.0.14 on GigabitEthernet1/3 towards r3
/// 198.18.0.13) reaches r1 and r3 in one hop and r2 in two, through either.
/// </summary>
public sealed class FleetTopologyOracleTests
{
    private static readonly uint R1Side = Ipv4Text.Parse("198.18.0.2");
    private static readonly uint R3Side = Ipv4Text.Parse("198.18.0.13");

    private static FleetForwarding Via(uint nextHop, string itf) => new(AdjacencyKind.Incomplete, nextHop, itf);

    private static Func<uint, FleetForwarding> Fib(FleetForwarding toR1, FleetForwarding toR2, FleetForwarding toR3) => destination =>
        destination == FleetTopology.LanDestination(1) ? toR1
        : destination == FleetTopology.LanDestination(2) ? toR2
        : destination == FleetTopology.LanDestination(3) ? toR3
        : throw new InvalidOperationException($"looked up {Ipv4Text.Format(destination)}, not another router's LAN");

    private static bool[] Up(int links, params int[] down)
    {
        var up = new bool[links];
        Array.Fill(up, true);
        foreach (var link in down)
        {
            up[link] = false;
        }
        return up;
    }

    [Fact]
    public void Equal_cost_first_hops_are_every_neighbour_one_hop_nearer_with_the_interface_towards_it()
    {
        var ring = FleetTopology.Ring(4);
        var expected = ring.Expect(Up(4));

        Assert.Equal(2, expected.Hops(0, 2));
        Assert.Equal(
            [(new FleetNextHop("r1", R1Side), "GigabitEthernet1/0"), (new FleetNextHop("r3", R3Side), "GigabitEthernet1/3")],
            expected.FirstHops(0, 2));
        Assert.Equal([(new FleetNextHop("r1", R1Side), "GigabitEthernet1/0")], expected.FirstHops(0, 1));
    }

    [Fact]
    public void A_FIB_is_correct_through_any_one_of_the_equal_cost_first_hops()
    {
        var expected = FleetTopology.Ring(4).Expect(Up(4));

        Assert.True(expected.VerifyForwarding(0, Fib(Via(R1Side, "GigabitEthernet1/0"), Via(R1Side, "GigabitEthernet1/0"), Via(R3Side, "GigabitEthernet1/3")), out var wrong));
        Assert.Null(wrong);
        Assert.True(expected.VerifyForwarding(0, Fib(Via(R1Side, "GigabitEthernet1/0"), Via(R3Side, "GigabitEthernet1/3"), Via(R3Side, "GigabitEthernet1/3")), out wrong));
        Assert.Null(wrong);
    }

    [Fact]
    public void A_FIB_is_wrong_through_the_wrong_interface_a_longer_path_or_no_entry()
    {
        var ring = FleetTopology.Ring(4);
        var allUp = ring.Expect(Up(4));

        Assert.False(allUp.VerifyForwarding(0, Fib(Via(R1Side, "GigabitEthernet1/0"), Via(R1Side, "GigabitEthernet1/3"), Via(R3Side, "GigabitEthernet1/3")), out var wrong));
        Assert.Equal("r0 to r2: via 198.18.0.2 on GigabitEthernet1/3, expected via 198.18.0.2 on GigabitEthernet1/0 or 198.18.0.13 on GigabitEthernet1/3", wrong);

        Assert.False(allUp.VerifyForwarding(0, Fib(Via(R1Side, "GigabitEthernet1/0"), Via(R1Side, "GigabitEthernet1/0"), default), out wrong));
        Assert.Equal("r0 has no forwarding entry to r3 (none), expected via 198.18.0.13 on GigabitEthernet1/3", wrong);

        // r0-r1 down: r1 is three hops away through r3, and the old entry towards r1 is wrong.
        var linkDown = ring.Expect(Up(4, 0));
        Assert.Equal(3, linkDown.Hops(0, 1));
        Assert.False(linkDown.VerifyForwarding(0, Fib(Via(R1Side, "GigabitEthernet1/0"), Via(R3Side, "GigabitEthernet1/3"), Via(R3Side, "GigabitEthernet1/3")), out wrong));
        Assert.Equal("r0 to r1: via 198.18.0.2 on GigabitEthernet1/0, expected via 198.18.0.13 on GigabitEthernet1/3", wrong);
        Assert.True(linkDown.VerifyForwarding(0, Fib(Via(R3Side, "GigabitEthernet1/3"), Via(R3Side, "GigabitEthernet1/3"), Via(R3Side, "GigabitEthernet1/3")), out wrong));
    }

    [Fact]
    public void An_unreachable_router_must_have_no_forwarding_entry()
    {
        // r0-r1 and r1-r2 down: r1 is cut off.
        var expected = FleetTopology.Ring(4).Expect(Up(4, 0, 1));
        Assert.Equal(-1, expected.Hops(0, 1));

        Assert.False(expected.VerifyForwarding(0, Fib(Via(R1Side, "GigabitEthernet1/0"), Via(R3Side, "GigabitEthernet1/3"), Via(R3Side, "GigabitEthernet1/3")), out var wrong));
        Assert.Equal("r0 forwards to unreachable r1 via 198.18.0.2 on GigabitEthernet1/0", wrong);
        Assert.True(expected.VerifyForwarding(0, Fib(default, Via(R3Side, "GigabitEthernet1/3"), Via(R3Side, "GigabitEthernet1/3")), out wrong));
        Assert.Null(wrong);
    }

    [Fact]
    public void Computed_routes_are_checked_for_their_exact_next_hops_and_cost()
    {
        var ring = FleetTopology.Ring(4);
        var up = Up(4, 0);
        var database = new LinkStateDatabase();
        for (int r = 0; r < 4; r++)
        {
            database.Apply(ring.Entry(r, 1, up));
        }
        var tables = Enumerable.Range(0, 4).Select(r => ShortestPaths.Compute(database, FleetTopology.RouterName(r))).ToArray();
        Assert.True(ring.Verify(tables, up, out var wrong));
        Assert.Null(wrong);

        // Against all links up, r0's route to r1 (three hops round the ring, through r3) is wrong.
        Assert.False(ring.Verify(tables, Up(4), out wrong));
        var toR1 = tables[0].Single(r => r.Prefix == FleetTopology.Lan(1));
        Assert.Equal($"r0 to r1: {toR1}, expected cost 1 via 198.18.0.2 (r1)", wrong);
    }

    [Fact]
    public void A_router_carries_its_LAN_and_its_links_of_each_topology_on_memory_interfaces()
    {
        var config = FleetTopology.RouterConfigFor(0, FleetTopology.Ring(4), FleetTopology.Grid(4));

        Assert.Equal(
            [
                ("lan", "GigabitEthernet0", "198.19.0.1/24"),
                ("ring0", "GigabitEthernet1/0", "198.18.0.1/30"),
                ("ring3", "GigabitEthernet1/3", "198.18.0.14/30"),
                ("grid0", "GigabitEthernet2/0", "198.18.128.1/30"),
                ("grid1", "GigabitEthernet2/1", "198.18.128.5/30"),
            ],
            config.Interfaces.Select(i => (i.OsName, i.Name, i.Ipv4.ToString())));
        Assert.All(config.Interfaces, i => Assert.Equal(InterfaceDriver.Memory, i.Driver));
        Assert.Equal((512, 64), (config.DataPlane.Gpm.BufferCount, config.DataPlane.RingSize));
    }
}
