using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.DataPlane.Forwarding;
using Xunit.Abstractions;

namespace ActorRouter.ControlPlane.Tests.ControlPlane;

/// <summary>Changes after the handshake: applied to the data plane, or refused with nothing changed.</summary>
[Collection(DataPlaneCollection.Name)]
public sealed class InterfaceChangeTests(ITestOutputHelper output) : ControlPlaneTestKit(output)
{
    private static readonly uint Net203 = Ipv4Text.Parse("203.0.113.7");

    private static object Send(RunningRouter router, object command) => router.Ask<object>(router.Fman, command);

    private static AdjacencyKind AdjacencyFor(RunningRouter router, uint address)
    {
        var forwarding = router.DataPlane.Forwarding;
        return forwarding.Adjacencies[forwarding.Fib.Lookup(address)].Kind;
    }

    [Fact]
    public void Shutdown_and_no_shutdown_toggle_the_uidb_and_the_connected_and_static_routes()
    {
        using var router = StartRouter(TestConfigs.TwoInterfaces());
        var gi2 = router.DataPlane.Interfaces.FindByName("GigabitEthernet2")!.Index;
        Assert.Equal(AdjacencyKind.Incomplete, AdjacencyFor(router, Net203));

        Assert.IsType<CommandSucceeded>(Send(router, new SetInterfaceAdminState("GigabitEthernet2", false)));
        Assert.False(router.DataPlane.Interfaces[gi2]!.AdminUp);
        Assert.Equal(AdjacencyKind.None, AdjacencyFor(router, Net203));
        var routes = router.Ask<RouteList>(router.Fman, GetRoutes.Instance).Routes;
        Assert.False(routes.Single(r => r.Kind == RouteKind.Connected && r.Interface == "GigabitEthernet2").Active);
        Assert.False(routes.Single(r => r.Kind == RouteKind.Static).Active);
        Assert.False(router.Interfaces().Single(i => i.Name == "GigabitEthernet2").AdminUp);
        Assert.True(router.Ask<RunningConfig>(router.Fman, GetRunningConfig.Instance).Config.Interfaces[1].Shutdown);

        Assert.IsType<CommandSucceeded>(Send(router, new SetInterfaceAdminState("GigabitEthernet2", true)));
        Assert.True(router.DataPlane.Interfaces[gi2]!.AdminUp);
        Assert.Equal(AdjacencyKind.Incomplete, AdjacencyFor(router, Net203));
        Assert.True(router.Ask<RouteList>(router.Fman, GetRoutes.Instance).Routes.Single(r => r.Kind == RouteKind.Static).Active);
    }

    [Fact]
    public void Mtu_changes_within_the_packet_buffer_apply_and_others_are_refused_with_nothing_changed()
    {
        using var router = StartRouter(TestConfigs.TwoInterfaces());
        var gi1 = router.DataPlane.Interfaces.FindByName("GigabitEthernet1")!.Index;

        Assert.IsType<CommandSucceeded>(Send(router, new SetInterfaceMtu("GigabitEthernet1", 1400)));
        Assert.Equal(1400, router.DataPlane.Interfaces[gi1]!.Mtu);

        var tooBig = Assert.IsType<CommandFailed>(Send(router, new SetInterfaceMtu("GigabitEthernet1", 9000)));
        // FMAN refuses it by the loader's rule, before the data plane is asked.
        Assert.Equal("GigabitEthernet1: mtu 9000 does not fit a packet buffer: headroom 128 + frame 9018 (mtu + Ethernet header 14 + 802.1Q tag 4) = 9146 bytes > buffer-size 2048", tooBig.Reason);
        var tooSmall = Assert.IsType<CommandFailed>(Send(router, new SetInterfaceMtu("GigabitEthernet1", 40)));
        Assert.Equal("GigabitEthernet1: mtu 40 is out of range 68..9000", tooSmall.Reason);
        Assert.Equal("no interface GigabitEthernet9", Assert.IsType<CommandFailed>(Send(router, new SetInterfaceMtu("GigabitEthernet9", 1400))).Reason);

        Assert.Equal(1400, router.DataPlane.Interfaces[gi1]!.Mtu);
        Assert.Equal(1400, router.Interfaces().Single(i => i.Name == "GigabitEthernet1").Mtu);
        Assert.Equal(1400, router.Ask<RunningConfig>(router.Fman, GetRunningConfig.Instance).Config.Interfaces[0].Mtu);
    }

    [Fact]
    public void Address_changes_apply_and_invalid_or_overlapping_addresses_are_refused()
    {
        using var router = StartRouter(TestConfigs.TwoInterfaces());
        var gi2 = router.DataPlane.Interfaces.FindByName("GigabitEthernet2")!.Index;

        Assert.IsType<CommandSucceeded>(Send(router, new SetInterfaceAddress("GigabitEthernet2", Ipv4Cidr.Parse("198.51.100.5/25"))));
        Assert.Equal(Ipv4Text.Parse("198.51.100.5"), router.DataPlane.Interfaces[gi2]!.Ipv4Address);
        Assert.Equal(25, router.DataPlane.Interfaces[gi2]!.Ipv4PrefixLength);
        Assert.Equal(AdjacencyKind.Receive, AdjacencyFor(router, Ipv4Text.Parse("198.51.100.5")));

        Assert.Equal("GigabitEthernet2: 192.0.2.77/24 overlaps GigabitEthernet1's subnet 192.0.2.1/24",
            Assert.IsType<CommandFailed>(Send(router, new SetInterfaceAddress("GigabitEthernet2", Ipv4Cidr.Parse("192.0.2.77/24")))).Reason);
        Assert.Equal("GigabitEthernet2: 198.51.100.0/24 is the network address of its subnet",
            Assert.IsType<CommandFailed>(Send(router, new SetInterfaceAddress("GigabitEthernet2", Ipv4Cidr.Parse("198.51.100.0/24")))).Reason);
        Assert.IsType<CommandFailed>(Send(router, new SetInterfaceAddress("GigabitEthernet2", Ipv4Cidr.Parse("224.0.0.1/24"))));

        Assert.Equal(Ipv4Text.Parse("198.51.100.5"), router.DataPlane.Interfaces[gi2]!.Ipv4Address);
        Assert.Equal(Ipv4Cidr.Parse("198.51.100.5/25"), router.Interfaces().Single(i => i.Name == "GigabitEthernet2").Address);

        Assert.IsType<CommandSucceeded>(Send(router, new SetInterfaceAddress("GigabitEthernet2", null)));
        Assert.Equal(0u, router.DataPlane.Interfaces[gi2]!.Ipv4Address);
        Assert.Null(router.Ask<RunningConfig>(router.Fman, GetRunningConfig.Instance).Config.Interfaces[1].Ipv4);
    }

    [Fact]
    public void Static_routes_are_added_and_removed_and_bad_ones_are_refused()
    {
        using var router = StartRouter(TestConfigs.TwoInterfaces());
        var tenNet = Ipv4Text.Parse("10.1.2.3");
        Assert.Equal(AdjacencyKind.None, AdjacencyFor(router, tenNet));

        var route = new StaticRouteConfig(Ipv4Cidr.Parse("10.0.0.0/8"), Ipv4Text.Parse("192.0.2.2"), null);
        Assert.IsType<CommandSucceeded>(Send(router, new AddStaticRoute(route)));
        Assert.Equal(AdjacencyKind.Incomplete, AdjacencyFor(router, tenNet));
        Assert.Contains(new RouteStatus(RouteKind.Static, route.Prefix, route.NextHop, "GigabitEthernet1", true),
            router.Ask<RouteList>(router.Fman, GetRoutes.Instance).Routes);

        Assert.Equal("static route 10.0.0.0/8 via 192.0.2.2 already exists",
            Assert.IsType<CommandFailed>(Send(router, new AddStaticRoute(route))).Reason);
        Assert.Contains("has host bits set",
            Assert.IsType<CommandFailed>(Send(router, new AddStaticRoute(route with { Prefix = Ipv4Cidr.Parse("10.0.0.1/8") }))).Reason);
        Assert.Equal("next hop 192.0.2.1 is GigabitEthernet1's own address",
            Assert.IsType<CommandFailed>(Send(router, new AddStaticRoute(route with { NextHop = Ipv4Text.Parse("192.0.2.1") }))).Reason);
        Assert.Equal("no static route 172.16.0.0/12 via 192.0.2.2",
            Assert.IsType<CommandFailed>(Send(router, new RemoveStaticRoute(Ipv4Cidr.Parse("172.16.0.0/12"), route.NextHop))).Reason);

        var running = router.Ask<RunningConfig>(router.Fman, GetRunningConfig.Instance);
        Assert.Equal(2, running.Config.StaticRoutes.Count);
        Assert.Contains("prefix = \"10.0.0.0/8\"", running.Text);
        Assert.Equal(running.Config, RouterConfigLoader.LoadString(running.Text, "running-config"));

        Assert.IsType<CommandSucceeded>(Send(router, new RemoveStaticRoute(route.Prefix, route.NextHop)));
        Assert.Equal(AdjacencyKind.None, AdjacencyFor(router, tenNet));
        Assert.Single(router.Ask<RunningConfig>(router.Fman, GetRunningConfig.Instance).Config.StaticRoutes);
    }

    [Fact]
    public void Frames_the_driver_drops_before_the_data_plane_show_as_input_drops_of_their_interface()
    {
        using var router = StartRouter(TestConfigs.TwoInterfaces());
        // Longer than any GPM buffer can hold: the memory driver refuses them as a NIC's ring would.
        var oversize = new byte[router.DataPlane.Gpm.MaxFrameLength + 100];
        var host = router.Wire("mem0").B;
        for (var i = 0; i < 3; i++)
        {
            Assert.True(host.Send(oversize));
        }

        AwaitCondition(() => router.Interfaces().Single(i => i.Name == "GigabitEthernet1").InputDrops == 3, TimeSpan.FromSeconds(10));
        var gi1 = router.Interfaces().Single(i => i.Name == "GigabitEthernet1");
        Assert.Equal(0, gi1.OutputDrops);
        Assert.Equal(0, gi1.RxPackets); // never reached the data plane
        var gi2 = router.Interfaces().Single(i => i.Name == "GigabitEthernet2");
        Assert.Equal((0, 0), (gi2.InputDrops, gi2.OutputDrops));
    }
}
