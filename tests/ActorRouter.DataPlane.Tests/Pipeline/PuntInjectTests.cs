using ActorRouter.DataPlane.Counters;
using ActorRouter.Packets;
using static ActorRouter.DataPlane.Tests.Pipeline.TestRouter;

namespace ActorRouter.DataPlane.Tests.Pipeline;

public class PuntInjectTests
{
    private static List<(byte[] Frame, PuntReason Reason, uint NextHop, int RxInterface)> TakePunted(TestRouter router, int expected)
    {
        var result = new List<(byte[], PuntReason, uint, int)>();
        Span<uint> buffers = stackalloc uint[64];
        var deadline = Environment.TickCount64 + 5000;
        while (result.Count < expected && Environment.TickCount64 < deadline)
        {
            var n = router.DataPlane.TakePunted(buffers);
            for (var i = 0; i < n; i++)
            {
                var meta = router.DataPlane.Gpm.Meta(buffers[i]);
                result.Add((router.DataPlane.Gpm.Frame(buffers[i]).ToArray(), (PuntReason)meta.PuntReason, meta.NextHop, meta.RxInterface));
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
    public void Arp_ping_to_the_router_and_limited_broadcast_are_punted_intact_with_their_reason()
    {
        using var router = new TestRouter();
        var arp = PacketBuilder.ArpRequest(HostMacs[0], HostAddresses[0], RouterAddresses[0]);
        var ping = PacketBuilder.IcmpEchoRequest(HostMacs[0], RouterMacs[0], HostAddresses[0], RouterAddresses[0], 7, 1, new byte[16]);
        var pingOtherInterface = PacketBuilder.IcmpEchoRequest(HostMacs[0], RouterMacs[0], HostAddresses[0], RouterAddresses[2], 7, 2, new byte[16]);
        var broadcast = PacketBuilder.Udp(HostMacs[0], MacAddress.Broadcast, HostAddresses[0], 0xFFFFFFFF, 68, 67, new byte[8]);
        router.Send(0, arp);
        router.Send(0, ping);
        router.Send(0, pingOtherInterface);
        router.Send(0, broadcast);

        var punted = TakePunted(router, 4);

        Assert.Equal(4, punted.Count);
        // Punts within one burst may leave in a different order (limited broadcast is decided before the lookup).
        PuntReason ReasonOf(byte[] frame) => Assert.Single(punted, p => p.Frame.AsSpan().SequenceEqual(frame)).Reason;
        Assert.Equal(PuntReason.Arp, ReasonOf(arp));
        Assert.Equal(PuntReason.ForUs, ReasonOf(ping));
        Assert.Equal(PuntReason.ForUs, ReasonOf(pingOtherInterface));
        Assert.Equal(PuntReason.ForUs, ReasonOf(broadcast));
        Assert.All(punted, p => Assert.Equal(0, p.RxInterface));
        Assert.Equal(4, router.DataPlane.ReadInterfaceCounter(0, InterfaceCounter.Punted));
        Assert.True(router.StopAndAccount().AllFree);
    }

    [Fact]
    public void Unresolved_neighbor_is_gleaned_and_the_packet_counted_as_no_adjacency()
    {
        using var router = new TestRouter(resolveNeighbors: false);
        router.Send(0, UdpFrom(0, HostAddresses[1]));
        router.Send(2, UdpFrom(2, Ipv4Address.Parse("10.99.1.1")));

        var punted = TakePunted(router, 2);

        Assert.Equal(2, punted.Count);
        Assert.Equal((PuntReason.Glean, HostAddresses[1]), (punted[0].Reason, punted[0].NextHop));
        // Static route via an unresolved gateway: the glean asks for the gateway, not the destination.
        Assert.Equal((PuntReason.Glean, HostAddresses[1]), (punted[1].Reason, punted[1].NextHop));
        Assert.Equal(1, router.DataPlane.ReadDrops(DropReason.NoAdjacency, 0));
        Assert.Equal(1, router.DataPlane.ReadDrops(DropReason.NoAdjacency, 2));
        Assert.Null(router.Host(1).TryReceive());

        // Once the control plane installs the neighbor, the same flow is forwarded.
        router.Neighbors.Add(new(1, HostAddresses[1], HostMacs[1].Value));
        router.DataPlane.PublishRoutes(router.StaticRoutes, router.Neighbors);
        var sent = UdpFrom(0, HostAddresses[1]);
        router.Send(0, sent);
        Assert.Equal(Expected(sent, 0, 1), Receive(router.Host(1)));
    }

    [Fact]
    public void Punt_flood_beyond_the_rate_limit_is_dropped_and_counted_exactly()
    {
        using var router = new TestRouter(options: new DataPlaneOptions { BufferCount = 8192, PpeThreads = 1, PuntRatePerSecond = 0.001, PuntBurst = 10, PuntRingSize = 1024 });
        const int sent = 500;
        for (var i = 0; i < sent; i++)
        {
            router.Send(0, PacketBuilder.IcmpEchoRequest(HostMacs[0], RouterMacs[0], HostAddresses[0], RouterAddresses[0], 1, (ushort)i, new byte[8]));
        }
        Assert.True(WaitUntil(() => router.DataPlane.ReadDrops(DropReason.PuntRateLimit, 0) + router.DataPlane.ReadInterfaceCounter(0, InterfaceCounter.Punted) == sent));

        var punted = TakePunted(router, 10);
        Assert.Equal(10, punted.Count);
        Assert.Equal(sent - 10, router.DataPlane.ReadDrops(DropReason.PuntRateLimit, 0));
        Assert.True(router.StopAndAccount().AllFree);
    }

    [Fact]
    public void Injected_frame_leaves_its_interface_unchanged()
    {
        using var router = new TestRouter();
        var frame = PacketBuilder.ArpReply(RouterMacs[1], RouterAddresses[1], HostMacs[1], HostAddresses[1]);

        Assert.True(router.DataPlane.Inject(1, frame));

        Assert.Equal(frame, Receive(router.Host(1)));
        Assert.False(router.DataPlane.Inject(40, frame));
        Assert.False(router.DataPlane.Inject(1, new byte[5]));
        Assert.Equal(2, router.DataPlane.ReadDrops(DropReason.InjectInvalid));
    }
}
