using ActorRouter.DataPlane.Counters;
using ActorRouter.Packets;
using static ActorRouter.DataPlane.Tests.Pipeline.TestRouter;

namespace ActorRouter.DataPlane.Tests.Pipeline;

/// <summary>Punted traffic is policed by class: each class has its own token bucket and its own share of the punt ring.</summary>
public class PuntClassTests
{
    // In PuntClass order: arp, glean, icmp-for-us, other-for-us, icmp-error, broadcast.
    private static PuntPolicy Policy(PuntClassLimit arp, PuntClassLimit glean, PuntClassLimit icmp, PuntClassLimit other, PuntClassLimit broadcast) =>
        new([arp, glean, icmp, other, new PuntClassLimit(100, 10, 0), broadcast]);

    private static readonly PuntClassLimit Open = new(1_000_000, 100_000, 16);

    /// <summary>An unused address of GigabitEthernet2's subnet (198.51.100.0/24): .2 to .251.</summary>
    private static uint Unused(int i) => 0xC6336400u | (uint)(2 + i % 250);

    private static PuntClassStatistics Class(TestRouter router, PuntClass punt) =>
        router.DataPlane.ReadPuntStatistics().Classes.Single(c => c.Class == punt);

    private static (long Received, long Policed, long Queued, long Dropped, long Waiting) Counts(TestRouter router, PuntClass punt)
    {
        var c = Class(router, punt);
        return (c.Received, c.Policed, c.Queued, c.Dropped, c.Waiting);
    }

    private static int TakeAll(TestRouter router)
    {
        Span<uint> buffers = stackalloc uint[64];
        var total = 0;
        int n;
        while ((n = router.DataPlane.TakePunted(buffers)) > 0)
        {
            router.DataPlane.ReleasePunted(buffers[..n]);
            total += n;
        }
        return total;
    }

    private static byte[] ArpFromHost(int i) =>
        PacketBuilder.ArpRequest(new MacAddress(0x0200_0000_9000UL + (ulong)i), HostAddresses[0] + 100 + (uint)i, RouterAddresses[0]);

    [Fact]
    public void A_glean_flood_is_policed_in_its_own_class_and_every_arp_request_among_it_still_reaches_the_ring()
    {
        var policy = Policy(arp: new(0.001, 20, 500), glean: new(0.001, 10, 500), Open, Open, Open);
        using var router = new TestRouter(resolveNeighbors: false,
            options: new DataPlaneOptions { BufferCount = 8192, PpeThreads = 1, PuntRingSize = 1024, PuntPolicy = policy });
        const int gleans = 500, arps = 20;
        for (var i = 0; i < gleans; i++)
        {
            // Towards unused addresses of GigabitEthernet2's subnet.
            router.Send(0, UdpFrom(0, Unused(i), id: (ushort)i));
            if (i % (gleans / arps) == 0)
            {
                router.Send(0, ArpFromHost(i));
            }
        }
        Assert.True(WaitUntil(() => Class(router, PuntClass.Glean).Received == gleans && Class(router, PuntClass.Arp).Received == arps, 10_000));

        Assert.Equal((gleans, gleans - 10, 10L, 0L, 10L), Counts(router, PuntClass.Glean));
        Assert.Equal((arps, 0L, arps, 0L, arps), Counts(router, PuntClass.Arp));
        // Every glean's packet is a no-adjacency drop whatever became of its request; no ARP was dropped.
        Assert.Equal(gleans, router.DataPlane.ReadDrops(DropReason.NoAdjacency, 0));
        Assert.Equal(0, router.DataPlane.ReadDrops(DropReason.PuntRateLimit, 0));
        Assert.Equal(arps, router.DataPlane.ReadInterfaceCounter(0, InterfaceCounter.Punted));
        Assert.Equal(arps + 10, TakeAll(router));
        Assert.True(router.StopAndAccount().AllFree);
    }

    [Fact]
    public void A_class_fills_only_its_share_of_the_ring_and_gets_its_room_back_once_the_reader_takes_its_packets()
    {
        var policy = Policy(Open, glean: new(1_000_000, 100_000, 8), icmp: new(1_000_000, 100_000, 4), Open, Open);
        using var router = new TestRouter(resolveNeighbors: false,
            options: new DataPlaneOptions { BufferCount = 8192, PpeThreads = 1, PuntRingSize = 64, PuntPolicy = policy });
        for (var i = 0; i < 50; i++)
        {
            router.Send(0, UdpFrom(0, Unused(i), id: (ushort)i));
        }
        for (var i = 0; i < 6; i++)
        {
            router.Send(0, PacketBuilder.IcmpEchoRequest(HostMacs[0], RouterMacs[0], HostAddresses[0], RouterAddresses[0], 7, (ushort)i, new byte[8]));
        }
        Assert.True(WaitUntil(() => Class(router, PuntClass.Glean).Received == 50 && Class(router, PuntClass.IcmpForUs).Received == 6, 10_000));

        Assert.Equal((50L, 0L, 8L, 42L, 8L), Counts(router, PuntClass.Glean));
        Assert.Equal((6L, 0L, 4L, 2L, 4L), Counts(router, PuntClass.IcmpForUs));
        Assert.Equal(2, router.DataPlane.ReadDrops(DropReason.PuntRingFull, 0));

        Assert.Equal(12, TakeAll(router));
        // The punt node sees what the reader took at its next call: a glean after the take finds its share empty.
        router.Send(0, UdpFrom(0, Unused(100)));
        Assert.True(WaitUntil(() => Class(router, PuntClass.Glean).Received == 51, 10_000));
        Assert.Equal((51L, 0L, 9L, 42L, 1L), Counts(router, PuntClass.Glean));
        Assert.Equal(0, Class(router, PuntClass.IcmpForUs).Waiting);
        Assert.Equal(1, TakeAll(router));
        Assert.True(router.StopAndAccount().AllFree);
    }

    [Fact]
    public void Packets_for_the_router_are_classed_by_destination_and_protocol()
    {
        using var router = new TestRouter(options: new DataPlaneOptions
        {
            BufferCount = 8192, PpeThreads = 1, PuntRingSize = 1024, PuntPolicy = Policy(Open, Open, Open, Open, Open),
        });
        router.Send(0, ArpFromHost(1));
        router.Send(0, PacketBuilder.IcmpEchoRequest(HostMacs[0], RouterMacs[0], HostAddresses[0], RouterAddresses[0], 7, 1, new byte[8]));
        router.Send(0, PacketBuilder.Udp(HostMacs[0], RouterMacs[0], HostAddresses[0], RouterAddresses[0], 5000, 161, new byte[8]));
        router.Send(0, PacketBuilder.Udp(HostMacs[0], RouterMacs[0], HostAddresses[0], RouterAddresses[0], 5000, 162, new byte[8]));
        router.Send(0, PacketBuilder.Udp(HostMacs[0], MacAddress.Broadcast, HostAddresses[0], 0xFFFFFFFF, 68, 67, new byte[8]));
        router.Send(0, PacketBuilder.Udp(HostMacs[0], MacAddress.Broadcast, HostAddresses[0], RouterAddresses[0], 5000, 520, new byte[8]));

        Assert.True(WaitUntil(() => router.DataPlane.ReadPuntStatistics().Classes.Sum(c => c.Queued) == 6, 10_000));

        var queued = router.DataPlane.ReadPuntStatistics().Classes.ToDictionary(c => c.Name, c => c.Queued);
        Assert.Equal(new Dictionary<string, long>
        {
            ["arp"] = 1, ["glean"] = 0, ["icmp-for-us"] = 1, ["other-for-us"] = 2, ["icmp-error"] = 0, ["broadcast"] = 2,
        }, queued);
        Assert.Equal(6, TakeAll(router));
        Assert.True(router.StopAndAccount().AllFree);
    }

    [Fact]
    public void The_icmp_error_class_reports_ip4_icmp_errors_limiter()
    {
        using var router = new TestRouter(options: new DataPlaneOptions
        {
            BufferCount = 8192, PpeThreads = 1, IcmpErrorRatePerSecond = 0.001, IcmpErrorBurst = 3,
        });
        for (var i = 0; i < 10; i++)
        {
            router.Send(0, UdpFrom(0, HostAddresses[1], ttl: 1, id: (ushort)i));
        }
        Assert.True(WaitUntil(() => router.DataPlane.ReadDrops(DropReason.TtlExpired, 0) == 10, 10_000));

        var icmpError = Class(router, PuntClass.IcmpError);
        Assert.Equal((0.001, 3.0, 0), (icmpError.RatePerSecond, icmpError.Burst, icmpError.RingShare));
        Assert.Equal((10L, 7L, 3L, 0L, 0L), (icmpError.Received, icmpError.Policed, icmpError.Queued, icmpError.Dropped, icmpError.Waiting));
        Assert.True(router.StopAndAccount().AllFree);
    }
}
