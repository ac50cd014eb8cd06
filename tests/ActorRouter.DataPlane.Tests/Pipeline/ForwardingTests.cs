using ActorRouter.DataPlane.Counters;
using ActorRouter.Packets;
using static ActorRouter.DataPlane.Tests.Pipeline.TestRouter;

namespace ActorRouter.DataPlane.Tests.Pipeline;

public class ForwardingTests
{
    [Fact]
    public void Frame_to_a_connected_host_leaves_the_right_port_with_new_macs_ttl_and_checksum()
    {
        using var router = new TestRouter();
        var sent = UdpFrom(0, HostAddresses[1]);
        router.Send(0, sent);

        var received = Receive(router.Host(1));

        Assert.NotNull(received);
        Assert.Equal(Expected(sent, via: 0, to: 1), received);
        Assert.Equal(63, received![14 + 8]);
        Assert.True(InternetChecksum.IsValid(received.AsSpan(14, 20)));
        Assert.Null(router.Host(0).TryReceive());
        Assert.Null(router.Host(2).TryReceive());
        Assert.True(WaitUntil(() => router.DataPlane.ReadInterfaceCounter(1, InterfaceCounter.TxPackets) == 1));
        Assert.Equal(1, router.DataPlane.ReadInterfaceCounter(0, InterfaceCounter.RxPackets));
        Assert.Equal(sent.Length, router.DataPlane.ReadInterfaceCounter(0, InterfaceCounter.RxBytes));
        Assert.Equal(sent.Length, router.DataPlane.ReadInterfaceCounter(1, InterfaceCounter.TxBytes));
    }

    [Fact]
    public void Static_route_forwards_through_its_next_hop()
    {
        using var router = new TestRouter();
        var sent = UdpFrom(2, Ipv4Address.Parse("10.99.3.4"));
        router.Send(2, sent);

        Assert.Equal(Expected(sent, via: 2, to: 1), Receive(router.Host(1)));
    }

    [Fact]
    public void Frame_tagged_for_a_subinterface_is_forwarded_untagged()
    {
        using var router = new TestRouter();
        // Only a configured 802.1Q subinterface accepts a tag (any other tagged frame is dropped: no VLAN hopping).
        var sub = router.DataPlane.CreateSubinterfaceUidb("GigabitEthernet1.100", 0, 100, 1500);
        router.DataPlane.SetAdminState(sub.Index, true);
        var tagged = PacketBuilder.Udp(HostMacs[0], RouterMacs[0], HostAddresses[0], HostAddresses[1], 1000, 2000, new byte[18],
            new Ipv4Fields { Identification = 1 }, new VlanTci(100));
        var untagged = PacketBuilder.Udp(HostMacs[0], RouterMacs[0], HostAddresses[0], HostAddresses[1], 1000, 2000, new byte[18],
            new Ipv4Fields { Identification = 1 });
        router.Send(0, tagged);

        Assert.Equal(Expected(untagged, 0, 1), Receive(router.Host(1)));
    }

    [Fact]
    public void Ethernet_padding_is_trimmed_to_the_ip_total_length()
    {
        using var router = new TestRouter();
        var sent = UdpFrom(0, HostAddresses[1], payloadLength: 2);
        var padded = new byte[60];
        sent.CopyTo(padded, 0);
        router.Send(0, padded);

        Assert.Equal(Expected(sent, 0, 1), Receive(router.Host(1)));
    }

    [Fact]
    public void Interface_shut_down_drops_and_counts_then_no_shutdown_restores()
    {
        using var router = new TestRouter();
        router.DataPlane.SetAdminState(1, false);
        router.DataPlane.PublishRoutes(router.StaticRoutes, router.Neighbors);
        router.Send(0, UdpFrom(0, HostAddresses[1]));
        Assert.True(WaitUntil(() => router.DataPlane.ReadDrops(DropReason.NoRoute) + router.DataPlane.ReadDrops(DropReason.InterfaceDown) == 1));
        Assert.Null(router.Host(1).TryReceive());

        router.DataPlane.SetAdminState(1, true);
        router.DataPlane.PublishRoutes(router.StaticRoutes, router.Neighbors);
        var sent = UdpFrom(0, HostAddresses[1]);
        router.Send(0, sent);
        Assert.Equal(Expected(sent, 0, 1), Receive(router.Host(1)));
    }

    [Fact]
    public void After_stop_every_buffer_is_back_in_gpm()
    {
        using var router = new TestRouter(ppeThreads: 2);
        for (var i = 0; i < 3000; i++)
        {
            router.Send(0, UdpFrom(0, HostAddresses[1], id: (ushort)i));
        }
        // Leave frames in flight: stop while the far end has not drained its ring.
        var accounting = router.StopAndAccount();

        Assert.True(accounting.AllFree, accounting.ToString());
        Assert.Equal(8192, accounting.Total);
    }
}
