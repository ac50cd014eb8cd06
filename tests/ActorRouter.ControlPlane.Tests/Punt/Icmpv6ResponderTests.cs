using System.Buffers.Binary;
using System.Text;
using ActorRouter.ControlPlane.Punt;
using ActorRouter.DataPlane.Fib;
using ActorRouter.DataPlane.Forwarding;
using ActorRouter.Packets;
using Akka.Actor;
using static ActorRouter.ControlPlane.Tests.Punt.TestRouter;

namespace ActorRouter.ControlPlane.Tests.Punt;

/// <summary>
/// ICMPv6 to the router through the whole punt path (data plane, punt reader, inject): exact bytes of echo replies and
/// neighbour advertisements, checksums computed here independently over the IPv6 pseudo-header.
/// Interface 1: 2001:db8:1::1/64 and the link-local fe80::ff:fe00:1 from MAC 02:00:00:00:00:01.
/// </summary>
public class Icmpv6ResponderTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly byte[] Data = Encoding.ASCII.GetBytes("abcdefghijklmnopqrstuvwabcdefghi");
    private static readonly UInt128 RouterGlobal = Address("2001:db8:1::1");
    private static readonly UInt128 RouterGlobal2 = Address("2001:db8:2::1");
    private static readonly UInt128 RouterLinkLocal = Address("fe80::ff:fe00:1");
    private static readonly UInt128 HostGlobal = Address("2001:db8:1::10");
    private static readonly UInt128 HostLinkLocal = Address("fe80::ff:fe00:10a");
    private static readonly UInt128 SolicitedNode = Address("ff02::1:ff00:1");

    internal static UInt128 Address(string text)
    {
        Assert.True(Ipv6Route.TryParseAddress(text, out var address), text);
        return address;
    }

    private static TestRouter StartRouter(Akka.TestKit.Xunit2.TestKit kit) => StartRouter(kit, kit.CreateTestProbe());

    private static TestRouter StartRouter(Akka.TestKit.Xunit2.TestKit kit, Akka.TestKit.TestProbe fman)
    {
        var router = new TestRouter();
        router.DataPlane.SetIpv6Addresses(router.Index1, [new Ipv6InterfaceAddress(RouterGlobal, 64)]);
        router.DataPlane.SetIpv6Addresses(router.Index2, [new Ipv6InterfaceAddress(RouterGlobal2, 64)]);
        router.StartPuntPath(kit.Sys, fman);
        return router;
    }

    /// <summary>An Ethernet + IPv6 + ICMPv6 frame, the checksum filled in by this test's own sum.</summary>
    internal static byte[] Frame(byte[] destinationMac, byte[] sourceMac, byte hopLimit, UInt128 source, UInt128 destination, byte[] icmp, byte trafficClass = 0)
    {
        var frame = new byte[14 + 40 + icmp.Length];
        destinationMac.CopyTo(frame, 0);
        sourceMac.CopyTo(frame, 6);
        frame[12] = 0x86;
        frame[13] = 0xDD;
        frame[14] = (byte)(0x60 | (trafficClass >> 4));
        frame[15] = (byte)(trafficClass << 4);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(18), (ushort)icmp.Length);
        frame[20] = 58;
        frame[21] = hopLimit;
        BinaryPrimitives.WriteUInt128BigEndian(frame.AsSpan(22), source);
        BinaryPrimitives.WriteUInt128BigEndian(frame.AsSpan(38), destination);
        icmp.CopyTo(frame, 54);
        frame[56] = 0;
        frame[57] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(56), Checksum(source, destination, frame.AsSpan(54)));
        return frame;
    }

    /// <summary>RFC 4443 §2.3: one's complement sum over source, destination, upper-layer length, next header 58 and the message.</summary>
    internal static ushort Checksum(UInt128 source, UInt128 destination, ReadOnlySpan<byte> message)
    {
        var bytes = new byte[40 + message.Length + 1];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, source);
        BinaryPrimitives.WriteUInt128BigEndian(bytes.AsSpan(16), destination);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(32), (uint)message.Length);
        bytes[39] = 58;
        message.CopyTo(bytes.AsSpan(40));
        long sum = 0;
        for (var i = 0; i + 1 < bytes.Length; i += 2)
        {
            sum += (bytes[i] << 8) | bytes[i + 1];
        }
        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (ushort)~sum;
    }

    private static readonly byte[] HostMac = [0x02, 0x00, 0x00, 0x00, 0x01, 0x0A];
    private static readonly byte[] RouterMac = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01];

    private static byte[] Echo(byte type, ushort identifier, ushort sequence) =>
        [type, 0, 0, 0, (byte)(identifier >> 8), (byte)identifier, (byte)(sequence >> 8), (byte)sequence, .. Data];

    private static byte[] Solicitation(UInt128 target, bool withSourceLinkLayer)
    {
        var message = new byte[withSourceLinkLayer ? 32 : 24];
        message[0] = 135;
        BinaryPrimitives.WriteUInt128BigEndian(message.AsSpan(8), target);
        if (withSourceLinkLayer)
        {
            message[24] = 1;
            message[25] = 1;
            HostMac.CopyTo(message, 26);
        }
        return message;
    }

    private static byte[] Advertisement(byte flags, UInt128 target) =>
        [136, 0, 0, 0, flags, 0, 0, 0, .. Bytes(target), 2, 1, .. RouterMac];

    internal static byte[] Bytes(UInt128 address)
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, address);
        return bytes;
    }

    [Fact]
    public void Echo_request_to_the_global_address_gets_an_exact_reply_with_the_pseudo_header_checksum()
    {
        using var router = StartRouter(this);
        Assert.True(router.Far1.Send(Frame(RouterMac, HostMac, 57, HostGlobal, RouterGlobal, Echo(128, 0x1234, 7), trafficClass: 0x28)));

        var reply = ReceiveRequired(router.Far1);
        var expected = Frame(HostMac, RouterMac, 64, RouterGlobal, HostGlobal, Echo(129, 0x1234, 7), trafficClass: 0x28);
        Assert.Equal(expected, reply);
        // The same frame spelled out: Ethernet, version/class/flow, length 40, ICMPv6, hop limit 64, addresses, type 129.
        Assert.Equal(
            [0x02, 0x00, 0x00, 0x00, 0x01, 0x0A, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x86, 0xDD, 0x62, 0x80, 0x00, 0x00, 0x00, 0x28, 0x3A, 0x40],
            reply[..22]);
        Assert.Equal(129, reply[54]);
        WaitUntil(() => router.Services!.Icmpv6.EchoRepliesSent == 1 && router.Reader!.Counters.Icmpv6 == 1, TimeSpan.FromSeconds(5), "the reply counted");
    }

    [Fact]
    public void Echo_to_the_link_local_address_and_to_another_interfaces_address_are_answered_from_the_pinged_address()
    {
        using var router = StartRouter(this);
        Assert.True(router.Far1.Send(Frame(RouterMac, HostMac, 64, HostLinkLocal, RouterLinkLocal, Echo(128, 1, 1))));
        Assert.Equal(Frame(HostMac, RouterMac, 64, RouterLinkLocal, HostLinkLocal, Echo(129, 1, 1)), ReceiveRequired(router.Far1));

        Assert.True(router.Far1.Send(Frame(RouterMac, HostMac, 64, HostGlobal, RouterGlobal2, Echo(128, 1, 2))));
        Assert.Equal(Frame(HostMac, RouterMac, 64, RouterGlobal2, HostGlobal, Echo(129, 1, 2)), ReceiveRequired(router.Far1));
        Assert.Null(Receive(router.Far2, TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public void Solicitation_to_the_solicited_node_group_gets_a_solicited_router_advertisement_with_the_routers_mac()
    {
        using var router = StartRouter(this);
        byte[] groupMac = [0x33, 0x33, 0xFF, 0x00, 0x00, 0x01];
        Assert.True(router.Far1.Send(Frame(groupMac, HostMac, 255, HostLinkLocal, SolicitedNode, Solicitation(RouterGlobal, withSourceLinkLayer: true))));

        var advertisement = ReceiveRequired(router.Far1);
        // RFC 4861 §7.2.4: from the target, to the soliciting host, hop limit 255, Router|Solicited|Override, target link-layer option.
        Assert.Equal(Frame(HostMac, RouterMac, 255, RouterGlobal, HostLinkLocal, Advertisement(0xE0, RouterGlobal)), advertisement);
        // Counted just after the inject: the frame can arrive first.
        WaitUntil(() => router.Services!.Icmpv6.AdvertisementsSent == 1, TimeSpan.FromSeconds(5), "the advertisement counted");
    }

    [Fact]
    public void Solicitation_for_the_link_local_address_sent_to_it_is_answered()
    {
        using var router = StartRouter(this);
        Assert.True(router.Far1.Send(Frame(RouterMac, HostMac, 255, HostLinkLocal, RouterLinkLocal, Solicitation(RouterLinkLocal, withSourceLinkLayer: false))));
        Assert.Equal(Frame(HostMac, RouterMac, 255, RouterLinkLocal, HostLinkLocal, Advertisement(0xE0, RouterLinkLocal)), ReceiveRequired(router.Far1));
    }

    [Fact]
    public void Duplicate_address_detection_for_a_router_address_is_answered_to_all_nodes_unsolicited()
    {
        using var router = StartRouter(this);
        byte[] groupMac = [0x33, 0x33, 0xFF, 0x00, 0x00, 0x01];
        Assert.True(router.Far1.Send(Frame(groupMac, HostMac, 255, UInt128.Zero, SolicitedNode, Solicitation(RouterGlobal, withSourceLinkLayer: false))));

        byte[] allNodesMac = [0x33, 0x33, 0x00, 0x00, 0x00, 0x01];
        Assert.Equal(Frame(allNodesMac, RouterMac, 255, RouterGlobal, Address("ff02::1"), Advertisement(0xA0, RouterGlobal)), ReceiveRequired(router.Far1));
    }

    [Fact]
    public void Solicitations_failing_the_checks_and_bad_checksums_are_dropped_and_counted_and_others_targets_left_unhandled()
    {
        using var router = StartRouter(this);
        byte[] groupMac = [0x33, 0x33, 0xFF, 0x00, 0x00, 0x01];
        var badChecksum = Frame(RouterMac, HostMac, 64, HostGlobal, RouterGlobal, Echo(128, 1, 1));
        badChecksum[^1] ^= 0xFF;

        Assert.True(router.Far1.Send(Frame(groupMac, HostMac, 64, HostLinkLocal, SolicitedNode, Solicitation(RouterGlobal, true)))); // hop limit not 255
        Assert.True(router.Far1.Send(Frame(groupMac, HostMac, 255, HostLinkLocal, Address("ff02::1:ff00:99"), Solicitation(RouterGlobal, true)))); // wrong group
        Assert.True(router.Far1.Send(Frame(groupMac, HostMac, 255, UInt128.Zero, SolicitedNode, Solicitation(RouterGlobal, true)))); // DAD with a link-layer option
        Assert.True(router.Far1.Send(badChecksum));
        Assert.True(router.Far1.Send(Frame(groupMac, HostMac, 255, HostLinkLocal, SolicitedNode, Solicitation(RouterGlobal2, true)))); // another link's address
        Assert.True(router.Far1.Send(Frame(RouterMac, HostMac, 64, HostGlobal, RouterGlobal, Echo(129, 1, 1)))); // an echo reply
        WaitUntil(() => router.Reader!.Counters.Taken == 6, TimeSpan.FromSeconds(5), "six punts");

        Assert.Null(Receive(router.Far1, TimeSpan.FromMilliseconds(200)));
        Assert.Equal(new PuntCounterSnapshot(Taken: 6, Arp: 0, Glean: 0, ForUs: 6, IcmpEcho: 0, Unhandled: 2, HandlerFaults: 0, Icmpv6: 4), router.Reader!.Counters);
        Assert.Equal(4, router.Services!.Icmpv6.BadMessages);
        Assert.Equal(0, router.Services.Icmpv6.AdvertisementsSent + router.Services.Icmpv6.EchoRepliesSent);
    }

    private Ipv6NeighborCounters NeighborCounters(TestRouter router)
        => router.Services!.Ipv6NeighborActor.Ask<Ipv6NeighborCounters>(GetIpv6NeighborCounters.Instance, TimeSpan.FromSeconds(10)).Result;

    private Ipv6NeighborTable NeighborTable(TestRouter router)
        => router.Services!.Ipv6NeighborActor.Ask<Ipv6NeighborTable>(GetIpv6NeighborTable.Instance, TimeSpan.FromSeconds(10)).Result;

    [Fact]
    public void A_static_route_whose_next_hop_is_unresolved_solicits_the_next_hop()
    {
        var fman = CreateTestProbe();
        using var router = StartRouter(this, fman);
        var nextHop = Address("2001:db8:2::99");
        router.DataPlane.PublishIpv6Routes([new Ipv6StaticRoute(Address("2001:db8:99::"), 48, nextHop)], []);
        Assert.True(router.Far1.Send(Udp6(RouterMac, HostGlobal, Address("2001:db8:99::1"))));

        byte[] groupMac = [0x33, 0x33, 0xFF, 0x00, 0x00, 0x99];
        byte[] solicitation = [135, 0, 0, 0, 0, 0, 0, 0, .. Bytes(nextHop), 1, 1, .. RouterMac2];
        Assert.Equal(Frame(groupMac, RouterMac2, 255, RouterGlobal2, Address("ff02::1:ff00:99"), solicitation), ReceiveRequired(router.Far2));
        byte[] advertisement = [136, 0, 0, 0, 0x60, 0, 0, 0, .. Bytes(nextHop), 2, 1, .. Host2Mac];
        Assert.True(router.Far2.Send(Frame(RouterMac2, Host2Mac, 255, nextHop, RouterGlobal2, advertisement)));
        fman.ExpectMsg(new Messages.Ipv6NeighborLearned(router.Index2, nextHop, 0x0200_0000_0214), TimeSpan.FromSeconds(5));
        Assert.Equal(1, router.Reader!.Counters.Glean);
    }

    private static readonly byte[] RouterMac2 = [0x02, 0x00, 0x00, 0x00, 0x00, 0x02];
    private static readonly byte[] Host2Mac = [0x02, 0x00, 0x00, 0x00, 0x02, 0x14];

    private static byte[] Udp6(byte[] destinationMac, UInt128 source, UInt128 destination)
    {
        var frame = Frame(destinationMac, HostMac, 64, source, destination, new byte[16]);
        frame[20] = 17; // UDP: the checksum field written above is not looked at on the way through
        return frame;
    }

    [Fact]
    public void A_host_without_a_neighbour_entry_is_solicited_once_per_interval_and_learned_from_its_advertisement()
    {
        var fman = CreateTestProbe();
        using var router = StartRouter(this, fman);
        var host2 = Address("2001:db8:2::20");
        Assert.True(router.Far1.Send(Udp6(RouterMac, HostGlobal, host2)));

        // RFC 4861 §7.2.2: to the target's solicited-node group and its 33:33 MAC, from the router's address on that
        // prefix, hop limit 255, with the router's link-layer address.
        byte[] groupMac = [0x33, 0x33, 0xFF, 0x00, 0x00, 0x20];
        byte[] solicitation = [135, 0, 0, 0, 0, 0, 0, 0, .. Bytes(host2), 1, 1, .. RouterMac2];
        Assert.Equal(Frame(groupMac, RouterMac2, 255, RouterGlobal2, Address("ff02::1:ff00:20"), solicitation), ReceiveRequired(router.Far2));

        // A second packet while the resolution is on asks again; no second solicitation goes out.
        Assert.True(router.Far1.Send(Udp6(RouterMac, HostGlobal, host2)));
        WaitUntil(() => NeighborCounters(router).GleansDeduplicated == 1, TimeSpan.FromSeconds(5), "the second glean");
        Assert.Null(Receive(router.Far2, TimeSpan.FromMilliseconds(200)));

        // The host answers; its advertisement's target link-layer address goes to FMAN.
        byte[] advertisement = [136, 0, 0, 0, 0x60, 0, 0, 0, .. Bytes(host2), 2, 1, .. Host2Mac];
        var answer = Frame(RouterMac2, Host2Mac, 255, host2, RouterGlobal2, advertisement);
        Assert.True(router.Far2.Send(answer));
        fman.ExpectMsg(new Messages.Ipv6NeighborLearned(router.Index2, host2, 0x0200_0000_0214), TimeSpan.FromSeconds(5));
        // The same again tells FMAN nothing new.
        Assert.True(router.Far2.Send(answer));
        WaitUntil(() => router.Reader!.Counters.Icmpv6 == 2, TimeSpan.FromSeconds(5), "both advertisements");
        fman.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        var counters = NeighborCounters(router);
        Assert.Equal((1L, 1L, 1L), (counters.SolicitationsSent, counters.Resolved, counters.GleansDeduplicated));
        Assert.Equal(2, router.Reader!.Counters.Glean);
        Assert.Equal(Ipv6NeighborState.Reachable, Assert.Single(NeighborTable(router).Entries).State);
    }

    [Fact]
    public void A_solicitation_with_a_source_link_layer_address_teaches_the_sender()
    {
        var fman = CreateTestProbe();
        using var router = StartRouter(this, fman);
        byte[] groupMac = [0x33, 0x33, 0xFF, 0x00, 0x00, 0x01];
        Assert.True(router.Far1.Send(Frame(groupMac, HostMac, 255, HostGlobal, SolicitedNode, Solicitation(RouterGlobal, withSourceLinkLayer: true))));
        fman.ExpectMsg(new Messages.Ipv6NeighborLearned(router.Index1, HostGlobal, 0x0200_0000_010A), TimeSpan.FromSeconds(5));
        Assert.Equal(Frame(HostMac, RouterMac, 255, RouterGlobal, HostGlobal, Advertisement(0xE0, RouterGlobal)), ReceiveRequired(router.Far1));
    }

    [Fact]
    public void Advertisements_failing_the_checks_teach_nothing()
    {
        var fman = CreateTestProbe();
        using var router = StartRouter(this, fman);
        var host = Address("2001:db8:1::30");
        byte[] valid = [136, 0, 0, 0, 0x60, 0, 0, 0, .. Bytes(host), 2, 1, .. HostMac];
        Assert.True(router.Far1.Send(Frame(RouterMac, HostMac, 64, host, RouterGlobal, valid))); // hop limit not 255
        byte[] solicitedToGroup = [.. valid];
        byte[] allNodesMac = [0x33, 0x33, 0x00, 0x00, 0x00, 0x01];
        Assert.True(router.Far1.Send(Frame(allNodesMac, HostMac, 255, host, Address("ff02::1"), solicitedToGroup))); // S flag to a group
        byte[] badOption = [136, 0, 0, 0, 0x20, 0, 0, 0, .. Bytes(host), 2, 0, 0, 0, 0, 0, 0, 0]; // option length 0
        Assert.True(router.Far1.Send(Frame(RouterMac, HostMac, 255, host, RouterGlobal, badOption)));
        WaitUntil(() => router.Services!.Icmpv6.BadMessages == 3, TimeSpan.FromSeconds(5), "three bad advertisements");
        fman.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Empty(NeighborTable(router).Entries);
    }
}
