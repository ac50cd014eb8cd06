using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Forwarding;
using ActorRouter.Packets;
using static ActorRouter.DataPlane.Tests.Pipeline.TestRouter;

namespace ActorRouter.DataPlane.Tests.Pipeline;

/// <summary>
/// 802.1Q subinterfaces and interface state in the data plane. The test router's Gi1 (index 0) is
/// narrowed to 192.0.2.1/25 and gets GigabitEthernet1.100 (index 3, VLAN 100) with 192.0.2.129/25,
/// whose host 192.0.2.130 sits on Gi1's wire sending and receiving frames tagged 100.
/// </summary>
public class SubinterfaceTests
{
    private const ushort Vlan = 100;
    private static readonly MacAddress SubHostMac = MacAddress.Parse("02:00:00:00:0b:01");
    private static readonly uint SubRouterAddress = Ipv4Address.Parse("192.0.2.129");
    private static readonly uint SubHostAddress = Ipv4Address.Parse("192.0.2.130");

    private static (TestRouter Router, int Sub) RouterWithSubinterface(bool subUp = true)
    {
        var router = new TestRouter();
        var dataPlane = router.DataPlane;
        dataPlane.SetIpv4Address(0, RouterAddresses[0], 25);
        var sub = dataPlane.CreateSubinterfaceUidb("GigabitEthernet1.100", 0, Vlan, 1500);
        Assert.Equal(3, sub.Index);
        Assert.Equal(0, sub.ParentIndex);
        Assert.Equal(Vlan, sub.Vlan);
        Assert.Equal(RouterMacs[0].Value, sub.Mac);
        dataPlane.SetIpv4Address(sub.Index, SubRouterAddress, 25);
        dataPlane.SetAdminState(sub.Index, subUp);
        router.Neighbors.Add(new Neighbor(sub.Index, SubHostAddress, SubHostMac.Value));
        dataPlane.PublishRoutes(router.StaticRoutes, router.Neighbors);
        return (router, sub.Index);
    }

    private static byte[] UdpFromSubHost(uint destination, byte ttl = 64, ushort vlan = Vlan)
        => PacketBuilder.Udp(SubHostMac, RouterMacs[0], SubHostAddress, destination, 1000, 2000, new byte[18],
            new Ipv4Fields { Ttl = ttl, Identification = 7 }, new VlanTci(vlan));

    private static List<(byte[] Frame, PuntReason Reason, int RxInterface)> TakePunted(TestRouter router, int expected)
    {
        var result = new List<(byte[], PuntReason, int)>();
        Span<uint> buffers = stackalloc uint[64];
        var deadline = Environment.TickCount64 + 5000;
        while (result.Count < expected && Environment.TickCount64 < deadline)
        {
            var n = router.DataPlane.TakePunted(buffers);
            for (var i = 0; i < n; i++)
            {
                var meta = router.DataPlane.Gpm.Meta(buffers[i]);
                result.Add((router.DataPlane.Gpm.Frame(buffers[i]).ToArray(), (PuntReason)meta.PuntReason, meta.RxInterface));
            }
            router.DataPlane.ReleasePunted(buffers[..n]);
            if (n == 0)
            {
                Thread.Sleep(1);
            }
        }
        return result;
    }

    [Fact]
    public void Tagged_frame_from_a_subinterface_is_forwarded_untagged_and_counted_on_the_subinterface()
    {
        var (router, sub) = RouterWithSubinterface();
        using var _ = router;
        router.Send(0, UdpFromSubHost(HostAddresses[1]));

        var expected = PacketBuilder.Udp(RouterMacs[1], HostMacs[1], SubHostAddress, HostAddresses[1], 1000, 2000, new byte[18],
            new Ipv4Fields { Ttl = 63, Identification = 7 });
        Assert.Equal(expected, Receive(router.Host(1)));
        Assert.Equal(1, router.DataPlane.ReadInterfaceCounter(sub, InterfaceCounter.RxPackets));
        Assert.Equal(1, router.DataPlane.ReadInterfaceCounter(1, InterfaceCounter.TxPackets));
    }

    [Fact]
    public void Frame_routed_to_a_subinterface_leaves_the_parent_port_tagged_and_is_counted_on_the_subinterface()
    {
        var (router, sub) = RouterWithSubinterface();
        using var _ = router;
        router.Send(1, UdpFrom(1, SubHostAddress, id: 9));

        var expected = PacketBuilder.Udp(RouterMacs[0], SubHostMac, HostAddresses[1], SubHostAddress, 1000, 2000,
            Enumerable.Range(0, 18).Select(i => (byte)i).ToArray(), new Ipv4Fields { Ttl = 63, Identification = 9 }, new VlanTci(Vlan));
        Assert.Equal(expected, Receive(router.Host(0)));
        Assert.True(WaitUntil(() => router.DataPlane.ReadInterfaceCounter(sub, InterfaceCounter.TxPackets) == 1));
        Assert.Equal(0, router.DataPlane.ReadInterfaceCounter(0, InterfaceCounter.TxPackets));
    }

    [Fact]
    public void Icmp_error_about_a_packet_from_a_subinterface_goes_back_tagged()
    {
        var (router, _) = RouterWithSubinterface();
        using var __ = router;
        var sent = UdpFromSubHost(HostAddresses[1], ttl: 1);
        router.Send(0, sent);

        var error = Receive(router.Host(0));
        Assert.NotNull(error);
        // Tagged with the subinterface's VLAN, from its MAC and address, to the host.
        Assert.Equal(SubHostMac.Value, MacAddress.Read(error.AsSpan(0, 6)).Value);
        Assert.Equal(RouterMacs[0].Value, MacAddress.Read(error.AsSpan(6, 6)).Value);
        Assert.Equal(new byte[] { 0x81, 0x00, 0x00, 0x64, 0x08, 0x00 }, error.AsSpan(12, 6).ToArray());
        Assert.True(Ipv4Header.TryParse(error.AsSpan(18), out var ip));
        Assert.Equal(SubRouterAddress, ip.Source);
        Assert.Equal(SubHostAddress, ip.Destination);
        Assert.Equal(IcmpTypes.TimeExceeded, ip.Payload[0]);
        // The quote is the original IP packet, untagged.
        Assert.Equal(sent.AsSpan(18, 28).ToArray(), ip.Payload.Slice(8, 28).ToArray());
    }

    [Fact]
    public void Arp_and_ping_on_a_subinterface_are_punted_untagged_with_its_index_and_injection_on_it_leaves_tagged()
    {
        var (router, sub) = RouterWithSubinterface();
        using var _ = router;
        var arp = PacketBuilder.ArpRequest(SubHostMac, SubHostAddress, SubRouterAddress, new VlanTci(Vlan));
        var ping = PacketBuilder.IcmpEchoRequest(SubHostMac, RouterMacs[0], SubHostAddress, SubRouterAddress, 7, 1, new byte[16], vlan: new VlanTci(Vlan));
        router.Send(0, arp);
        router.Send(0, ping);

        var punted = TakePunted(router, 2);

        Assert.Equal(2, punted.Count);
        Assert.Contains(punted, p => p.Reason == PuntReason.Arp && p.Frame.AsSpan().SequenceEqual(PacketBuilder.ArpRequest(SubHostMac, SubHostAddress, SubRouterAddress)));
        Assert.Contains(punted, p => p.Reason == PuntReason.ForUs && p.Frame.AsSpan().SequenceEqual(
            PacketBuilder.IcmpEchoRequest(SubHostMac, RouterMacs[0], SubHostAddress, SubRouterAddress, 7, 1, new byte[16])));
        Assert.All(punted, p => Assert.Equal(sub, p.RxInterface));
        Assert.Equal(2, router.DataPlane.ReadInterfaceCounter(sub, InterfaceCounter.Punted));

        var reply = PacketBuilder.IcmpEchoReply(RouterMacs[0], SubHostMac, SubRouterAddress, SubHostAddress, 7, 1, new byte[16]);
        Assert.True(router.DataPlane.Inject(sub, reply));
        Assert.Equal(PacketBuilder.IcmpEchoReply(RouterMacs[0], SubHostMac, SubRouterAddress, SubHostAddress, 7, 1, new byte[16], vlan: new VlanTci(Vlan)),
            Receive(router.Host(0)));
        Assert.True(router.StopAndAccount().AllFree);
    }

    [Theory]
    [InlineData(200, 0x8100)]  // a VLAN with no subinterface
    [InlineData(100, 0x88A8)]  // QinQ service tag
    [InlineData(100, 0x9100)]  // pre-standard QinQ
    public void Frame_with_an_unknown_tag_is_dropped_and_counted(ushort vlan, ushort tpid)
    {
        var (router, sub) = RouterWithSubinterface();
        using var _ = router;
        var frame = UdpFromSubHost(HostAddresses[1], vlan: vlan);
        frame[12] = (byte)(tpid >> 8);
        frame[13] = (byte)tpid;
        router.Send(0, frame);

        Assert.True(WaitUntil(() => router.DataPlane.ReadDrops(DropReason.UnknownVlan, 0) == 1));
        Assert.Equal(1, router.DataPlane.ReadDrops(DropReason.UnknownVlan));
        Assert.Null(Receive(router.Host(1), timeoutMs: 200));
        Assert.Equal(0, router.DataPlane.ReadInterfaceCounter(sub, InterfaceCounter.RxPackets));
    }

    [Fact]
    public void Tagged_frame_on_an_interface_without_subinterfaces_is_dropped_not_routed()
    {
        using var router = new TestRouter();
        var tagged = PacketBuilder.Udp(HostMacs[2], RouterMacs[2], HostAddresses[2], HostAddresses[1], 1000, 2000, new byte[18],
            new Ipv4Fields(), new VlanTci(100));
        var arp = PacketBuilder.ArpRequest(HostMacs[2], HostAddresses[2], RouterAddresses[2], new VlanTci(100));
        router.Send(2, tagged);
        router.Send(2, arp);

        Assert.True(WaitUntil(() => router.DataPlane.ReadDrops(DropReason.UnknownVlan, 2) == 2));
        Assert.Null(Receive(router.Host(1), timeoutMs: 200));
        Assert.False(router.DataPlane.HasPunted);
    }

    [Fact]
    public void A_shut_subinterface_receives_nothing_and_a_shut_parent_takes_its_subinterfaces_down()
    {
        var (router, sub) = RouterWithSubinterface(subUp: false);
        using var _ = router;
        var dataPlane = router.DataPlane;
        router.Send(0, UdpFromSubHost(HostAddresses[1]));
        router.Send(0, PacketBuilder.ArpRequest(SubHostMac, SubHostAddress, SubRouterAddress, new VlanTci(Vlan)));
        Assert.True(WaitUntil(() => dataPlane.ReadDrops(DropReason.RxInterfaceDown, sub) == 2));
        Assert.False(dataPlane.HasPunted);
        Assert.False(dataPlane.Interfaces.Up[sub]);

        dataPlane.SetAdminState(sub, true);
        Assert.True(dataPlane.Interfaces.Up[sub]);
        dataPlane.SetAdminState(0, false);
        Assert.False(dataPlane.Interfaces.Up[sub]);
        Assert.False(dataPlane.Inject(sub, PacketBuilder.ArpRequest(RouterMacs[0], SubRouterAddress, SubHostAddress)));
        Assert.Equal(1, dataPlane.ReadDrops(DropReason.InterfaceDown, sub));

        dataPlane.SetAdminState(0, true);
        dataPlane.PublishRoutes(router.StaticRoutes, router.Neighbors);
        router.Send(0, UdpFromSubHost(HostAddresses[1]));
        Assert.NotNull(Receive(router.Host(1)));
    }

    [Fact]
    public void A_shut_interface_forwards_and_answers_nothing_until_no_shutdown()
    {
        using var router = new TestRouter();
        var dataPlane = router.DataPlane;
        dataPlane.SetAdminState(0, false);
        router.Send(0, UdpFrom(0, HostAddresses[1]));
        router.Send(0, PacketBuilder.ArpRequest(HostMacs[0], HostAddresses[0], RouterAddresses[0]));
        router.Send(0, PacketBuilder.IcmpEchoRequest(HostMacs[0], RouterMacs[0], HostAddresses[0], RouterAddresses[0], 7, 1, new byte[16]));

        Assert.True(WaitUntil(() => dataPlane.ReadDrops(DropReason.RxInterfaceDown, 0) == 3));
        Assert.Equal(3, dataPlane.ReadInterfaceCounter(0, InterfaceCounter.Drops));
        Assert.Equal(0, dataPlane.ReadInterfaceCounter(0, InterfaceCounter.Punted));
        Assert.False(dataPlane.HasPunted);
        Assert.Null(Receive(router.Host(1), timeoutMs: 200));
        Assert.False(dataPlane.Inject(0, PacketBuilder.ArpRequest(RouterMacs[0], RouterAddresses[0], HostAddresses[0])));
        Assert.Equal(1, dataPlane.ReadDrops(DropReason.InterfaceDown, 0));

        dataPlane.SetAdminState(0, true);
        var sent = UdpFrom(0, HostAddresses[1]);
        router.Send(0, sent);
        Assert.Equal(Expected(sent, 0, 1), Receive(router.Host(1)));
        Assert.True(router.StopAndAccount().AllFree);
    }

    [Fact]
    public void Subinterface_commands_refuse_what_cannot_work()
    {
        using var router = new TestRouter(start: false);
        var dataPlane = router.DataPlane;
        var sub = dataPlane.CreateSubinterfaceUidb("GigabitEthernet1.100", 0, Vlan, 1500);

        Assert.Contains("already GigabitEthernet1.100", Assert.Throws<DataPlaneCommandException>(() => dataPlane.CreateSubinterfaceUidb("GigabitEthernet1.101", 0, Vlan, 1500)).Message);
        Assert.Contains("outside 1..4094", Assert.Throws<DataPlaneCommandException>(() => dataPlane.CreateSubinterfaceUidb("GigabitEthernet1.0", 0, 0, 1500)).Message);
        Assert.Contains("outside 1..4094", Assert.Throws<DataPlaneCommandException>(() => dataPlane.CreateSubinterfaceUidb("GigabitEthernet1.4095", 0, 4095, 1500)).Message);
        Assert.Contains("itself a subinterface", Assert.Throws<DataPlaneCommandException>(() => dataPlane.CreateSubinterfaceUidb("GigabitEthernet1.100.5", sub.Index, 5, 1500)).Message);
        Assert.Contains("no parent uIDB", Assert.Throws<DataPlaneCommandException>(() => dataPlane.CreateSubinterfaceUidb("GigabitEthernet9.5", 40, 5, 1500)).Message);
        Assert.Contains("remove its subinterfaces first", Assert.Throws<DataPlaneCommandException>(() => dataPlane.DeleteUidb(0)).Message);
        Assert.Contains("parent's port", Assert.Throws<DataPlaneCommandException>(() => dataPlane.RegisterPort(sub.Index, router.Wires[0].A)).Message);

        // The same VLAN on another parent is another subinterface.
        var other = dataPlane.CreateSubinterfaceUidb("GigabitEthernet2.100", 1, Vlan, 1500);
        Assert.Equal(sub.Index, dataPlane.Interfaces.FindSubinterface(0, Vlan));
        Assert.Equal(other.Index, dataPlane.Interfaces.FindSubinterface(1, Vlan));
        Assert.Equal(-1, dataPlane.Interfaces.FindSubinterface(2, Vlan));
        Assert.Same(router.Wires[1].A, dataPlane.Interfaces.Ports[other.Index]);
        Assert.DoesNotContain(other.Index, dataPlane.Interfaces.RegisteredIndices);

        dataPlane.DeleteUidb(sub.Index);
        dataPlane.DeleteUidb(0);
        Assert.Equal(-1, dataPlane.Interfaces.FindSubinterface(0, Vlan));
    }
}
