using System.Text;
using ActorRouter.ControlPlane.Punt;
using ActorRouter.DataPlane.Counters;
using ActorRouter.Packets;
using static ActorRouter.ControlPlane.Tests.Punt.TestRouter;

namespace ActorRouter.ControlPlane.Tests.Punt;

public class IcmpEchoTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly byte[] Data = Encoding.ASCII.GetBytes("abcdefghijklmnopqrstuvwabcdefghi");

    [Fact]
    public void Echo_request_to_the_interface_address_gets_an_exact_reply()
    {
        using var router = new TestRouter();
        router.StartPuntPath(Sys, CreateTestProbe());
        var request = PacketBuilder.IcmpEchoRequest(HostMac1, RouterMac1, Host1, Router1, 0x1234, 7, Data,
            new Ipv4Fields { Ttl = 128, Identification = 0x5555, Dscp = 10 });

        Assert.True(router.Far1.Send(request));

        var reply = ReceiveRequired(router.Far1);
        byte[] expectedHeaders =
        [
            0x02, 0x00, 0x00, 0x00, 0x01, 0x0A, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
            0x45, 0x28, 0x00, 0x3C, 0x00, 0x00, 0x00, 0x00, 0x40, 0x01, 0xF6, 0x8D, // TOS kept, ID 0, TTL 64
            192, 0, 2, 1, 192, 0, 2, 10,
            0x00, 0x00, 0x43, 0x21, 0x12, 0x34, 0x00, 0x07, // echo reply, same identifier and sequence
        ];
        Assert.Equal(expectedHeaders, reply[..42]);
        Assert.Equal(Data, reply[42..]);
        Assert.Equal(PacketBuilder.IcmpEchoReply(RouterMac1, HostMac1, Router1, Host1, 0x1234, 7, Data, new Ipv4Fields { Dscp = 10 }), reply);
        Assert.True(InternetChecksum.IsValid(reply.AsSpan(14, 20)));
        Assert.True(InternetChecksum.IsValid(reply.AsSpan(34)));
        Assert.Equal(1, router.Icmp!.RepliesSent);
        Assert.Equal(1, router.Reader!.Counters.IcmpEcho);
    }

    [Fact]
    public void Echo_to_the_other_interfaces_address_is_answered_from_that_address_out_the_arrival_interface()
    {
        using var router = new TestRouter();
        router.StartPuntPath(Sys, CreateTestProbe());

        Assert.True(router.Far1.Send(PacketBuilder.IcmpEchoRequest(HostMac1, RouterMac1, Host1, Router2, 1, 1, Data)));
        Assert.True(router.Far1.Send(PacketBuilder.IcmpEchoRequest(HostMac1, RouterMac1, Host1, Router1, 1, 2, Data)));

        Assert.Equal(PacketBuilder.IcmpEchoReply(RouterMac1, HostMac1, Router2, Host1, 1, 1, Data), ReceiveRequired(router.Far1));
        Assert.Equal(PacketBuilder.IcmpEchoReply(RouterMac1, HostMac1, Router1, Host1, 1, 2, Data, new Ipv4Fields { Identification = 1 }), ReceiveRequired(router.Far1));
        Assert.Null(Receive(router.Far2, TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public void Other_packets_for_the_router_are_counted_unhandled_bad_echoes_dropped_and_every_buffer_released()
    {
        using var router = new TestRouter();
        router.StartPuntPath(Sys, CreateTestProbe());
        var badChecksum = PacketBuilder.IcmpEchoRequest(HostMac1, RouterMac1, Host1, Router1, 1, 1, Data);
        badChecksum[^1] ^= 0xFF;

        Assert.True(router.Far1.Send(PacketBuilder.Udp(HostMac1, RouterMac1, Host1, Router1, 40000, 161, [1, 2, 3])));
        Assert.True(router.Far1.Send(PacketBuilder.Udp(HostMac1, MacAddress.Broadcast, Host1, 0xFFFFFFFF, 68, 67, [1])));
        Assert.True(router.Far1.Send(PacketBuilder.IcmpEchoReply(HostMac1, RouterMac1, Host1, Router1, 1, 1, Data)));
        Assert.True(router.Far1.Send(badChecksum));
        WaitUntil(() => router.Reader!.Counters.Taken == 4, TimeSpan.FromSeconds(5), "four punts");

        Assert.Null(Receive(router.Far1, TimeSpan.FromMilliseconds(200)));
        Assert.Equal(new PuntCounterSnapshot(Taken: 4, Arp: 0, Glean: 0, ForUs: 4, IcmpEcho: 1, Unhandled: 3, HandlerFaults: 0), router.Reader!.Counters);
        Assert.Equal(1, router.Icmp!.BadRequests);
        Assert.Equal(0, router.Icmp.RepliesSent);
        Assert.Contains(("punt-unhandled", 3L), router.Reader.Counters.Named);

        // Anything the reader kept would show as held by the control plane once the data plane stops.
        router.Reader.Stop();
        router.DataPlane.Stop();
        Assert.True(router.DataPlane.Gpm.ReadAccounting().AllFree, router.DataPlane.Gpm.ReadAccounting().ToString());
    }

    [Fact]
    public void Echo_flood_is_policed_by_the_punt_limiter_every_packet_is_accounted_for_and_a_later_ping_is_answered()
    {
        const int Flood = 20_000;
        using var router = new TestRouter(puntRatePerSecond: 200, puntBurst: 20);
        router.StartPuntPath(Sys, CreateTestProbe());
        var request = PacketBuilder.IcmpEchoRequest(HostMac1, RouterMac1, Host1, Router1, 9, 1, Data);
        var replies = 0;
        void Drain()
        {
            while (router.Far1.TryReceive() is not null)
            {
                replies++;
            }
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        for (var sent = 0; sent < Flood; sent++)
        {
            // The wire holds 512 frames; when it is full the router has not read them yet, so wait for it.
            while (!router.Far1.Send(request))
            {
                Drain();
                Assert.True(DateTime.UtcNow < deadline, $"the router stopped reading after {sent} frames");
                Thread.Yield();
            }
        }
        long Policed() => router.DataPlane.ReadDrops(DropReason.PuntRateLimit) + router.DataPlane.ReadDrops(DropReason.PuntRingFull);
        WaitUntil(() => { Drain(); return replies + Policed() == Flood; }, TimeSpan.FromSeconds(20), "every request to be answered or dropped");

        Assert.Equal(Flood, replies + router.DataPlane.ReadDrops(DropReason.PuntRateLimit) + router.DataPlane.ReadDrops(DropReason.PuntRingFull));
        Assert.True(router.DataPlane.ReadDrops(DropReason.PuntRateLimit) > Flood / 2, $"rate-limited {router.DataPlane.ReadDrops(DropReason.PuntRateLimit)}");
        Assert.Equal(replies, router.Icmp!.RepliesSent);
        Assert.Equal(replies, router.Reader!.Counters.IcmpEcho);
        Assert.Equal(0, router.DataPlane.ReadDrops(DropReason.NoBuffer));

        Thread.Sleep(100); // the limiter refills at 200 per second
        Assert.True(router.Far1.Send(PacketBuilder.IcmpEchoRequest(HostMac1, RouterMac1, Host1, Router1, 9, 0xBEEF, Data)));
        Assert.Equal(
            PacketBuilder.IcmpEchoReply(RouterMac1, HostMac1, Router1, Host1, 9, 0xBEEF, Data, new Ipv4Fields { Identification = (ushort)replies }),
            ReceiveRequired(router.Far1));
    }
}
