using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Fman;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.ControlPlane.Qfp;
using ActorRouter.ControlPlane.Tests.Configuration;
using ActorRouter.DataPlane.Forwarding;
using ActorRouter.DataPlane.Ipsec;
using Akka.Actor;
using Xunit.Abstractions;

namespace ActorRouter.ControlPlane.Tests.ControlPlane;

/// <summary>A configured tunnel interface brought up by the real actors: its uIDB, its SAs in the data plane, its routes, and arctl's creation of another.</summary>
[Collection(DataPlaneCollection.Name)]
public sealed class TunnelEndToEndTests(ITestOutputHelper output) : ControlPlaneTestKit(output)
{
    private static RouterConfig Config() => TestConfigs.Build(
        [
            TestConfigs.Interface("mem0", "GigabitEthernet1", "192.0.2.1/24", "02:00:00:00:00:01"),
            TestConfigs.Interface("mem1", "GigabitEthernet2", "198.51.100.1/24", "02:00:00:00:00:02"),
            TunnelConfigTests.Tunnel(),
        ],
        """{ prefix = "203.0.113.0/25", next-hop = "203.0.113.254" }""");

    [Fact]
    public void A_configured_tunnel_comes_up_with_its_sas_in_the_data_plane_and_routes_into_it()
    {
        using var router = StartRouter(Config());

        Assert.Equal(["GigabitEthernet1", "GigabitEthernet2", "Tunnel1"], router.Outcomes.Cast<InterfaceUp>().Select(u => u.Name).Order());
        var tunnel = router.DataPlane.Interfaces.FindByName("Tunnel1")!;
        Assert.True(tunnel.IsTunnel && tunnel.AdminUp && router.DataPlane.Interfaces.Up[tunnel.Index]);
        Assert.Equal(1400, tunnel.Mtu);
        var published = Assert.Single(router.DataPlane.Ipsec.Current.Tunnels);
        Assert.Equal((tunnel.Index, Ipv4Text.Parse("198.51.100.1"), Ipv4Text.Parse("198.51.100.10")), (published.InterfaceIndex, published.Source, published.Destination));
        Assert.Equal((0xa5f8u, SaDirection.Outbound, 16), (published.Outbound.Spi, published.Outbound.Direction, published.Outbound.KeyLength));
        Assert.Equal((4097u, SaDirection.Inbound, 32), (published.Inbound.Spi, published.Inbound.Direction, published.Inbound.KeyLength));

        // 203.0.113.0/25 via the tunnel's peer, and the tunnel's own /30, resolve to the tunnel adjacency.
        var fib = router.DataPlane.Forwarding;
        foreach (var destination in new[] { "203.0.113.5", "203.0.113.254" })
        {
            var adjacency = fib.Adjacencies[fib.Fib.Lookup(Ipv4Text.Parse(destination))];
            Assert.Equal((AdjacencyKind.Tunnel, (ushort)tunnel.Index), (adjacency.Kind, adjacency.Interface));
        }

        var interfaces = router.Interfaces();
        Assert.True(interfaces.Single(i => i.Name == "Tunnel1").OperUp);
    }

    [Fact]
    public void Show_crypto_ipsec_sa_reads_both_sas_and_arctl_creates_a_second_tunnel_at_run_time()
    {
        using var router = StartRouter(Config());
        var actors = router.Ask<ControlPlaneActors>(router.Supervisor, GetControlPlaneActors.Instance);

        var sas = router.Ask<IpsecSaSnapshot>(actors.QfpClient, ReadIpsecSas.Instance).Sas;
        Assert.Equal([("Tunnel1", "inbound", 4097u, 256), ("Tunnel1", "outbound", 0xa5f8u, 128)], sas.Select(s => (s.Tunnel, s.Direction, s.Spi, s.KeyBits)));
        Assert.All(sas, s => Assert.Equal((0, 0, 0, 0), (s.Packets, s.Bytes, s.AuthFailures, s.Replays)));

        var second = new TunnelConfig(Ipv4Text.Parse("192.0.2.1"), Ipv4Text.Parse("192.0.2.20"),
            new EspSaConfig(0x2001, new string('A', 32), 1), new EspSaConfig(0x2002, new string('B', 64), 2));
        var answer = router.Ask<object>(router.Fman, new CreateTunnel("Tunnel2", second));
        Assert.Equal("Tunnel2", Assert.IsType<InterfaceUp>(answer).Name);
        Assert.Equal(["Tunnel1", "Tunnel2"], router.DataPlane.Ipsec.Current.Tunnels.Select(t => t.Name));

        // The first tunnel's SAs were kept (the same objects, so their sequence numbers and windows too).
        var first = router.DataPlane.Ipsec.Current.Tunnels[0];
        Assert.Same(first.Outbound, router.DataPlane.Ipsec.Current.BySpi[4097].Outbound);

        var duplicate = router.Ask<object>(router.Fman, new CreateTunnel("Tunnel3", second));
        Assert.Equal("inbound SPI 8194 is already used by Tunnel2", Assert.IsType<InterfaceInitFailed>(duplicate).Reason);

        var running = router.Ask<RunningConfig>(router.Fman, GetRunningConfig.Instance).Config;
        Assert.Equal(second, running.Interfaces.Single(i => i.Name == "Tunnel2").Tunnel);
    }
}
