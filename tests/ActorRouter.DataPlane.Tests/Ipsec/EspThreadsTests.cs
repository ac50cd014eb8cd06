using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Ipsec;
using ActorRouter.DataPlane.Tests.Pipeline;
using ActorRouter.IO.Crypto;
using ActorRouter.Packets;
using static ActorRouter.DataPlane.Tests.Ipsec.EspGraphTests;
using static ActorRouter.DataPlane.Tests.Pipeline.TestRouter;

namespace ActorRouter.DataPlane.Tests.Ipsec;

/// <summary>
/// The recycle path on running threads, in both layouts: a packet routed into Tunnel1 leaves Gi2 as ESP
/// (through HQF, the recycle ring and the dispatcher back into a PPE for the outer lookup), and ESP from
/// the peer comes out of Gi1 as its inner packet; every buffer is back in GPM afterwards.
/// </summary>
public sealed class EspThreadsTests
{
    public static TheoryData<string, DataPlaneOptions> Layouts => new()
    {
        { "split, 2 PPEs", new DataPlaneOptions { BufferCount = 8192, PpeThreads = 2, Layout = DataPlaneLayout.Split } },
        { "collapsed, 1 worker", new DataPlaneOptions { BufferCount = 8192, Layout = DataPlaneLayout.Collapsed, Workers = 1 } },
        { "collapsed, 2 workers", new DataPlaneOptions { BufferCount = 8192, Layout = DataPlaneLayout.Collapsed, Workers = 2 } },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Traffic_crosses_the_tunnel_both_ways_through_the_recycle_ring(string layout, DataPlaneOptions options)
    {
        using var router = new TestRouter(options: options, start: false);
        var (tunnel, outbound, inbound) = AddTunnel(router, router.DataPlane.GraphThreadCount, NativeAesGcmEngine.BestAvailable);
        router.DataPlane.Start();

        // Out: 20 packets into the tunnel, in order, sequence numbers 1..20.
        for (var i = 0; i < 20; i++)
        {
            router.Send(0, UdpFrom(0, Ipv4Address.Parse("10.98.0.5"), id: (ushort)(100 + i)));
        }
        var sequences = new List<uint>();
        for (uint i = 1; i <= 20; i++)
        {
            var frame = Receive(router.Host(1));
            Assert.True(frame is not null, $"{layout}: ESP packet {i} did not leave Gi2");
            Assert.True(Ipv4Header.TryParse(frame.AsSpan(14), out var outer));
            Assert.Equal((IpProtocols.Esp, RouterAddresses[1], HostAddresses[1], (byte)63), (outer.Protocol, outer.Source, outer.Destination, outer.Ttl));
            Assert.Equal(OutboundSpi, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(outer.Payload));
            sequences.Add(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(outer.Payload[4..]));
        }
        // Each sequence number once. With one graph thread per SA's traffic they also leave in order; two PPEs
        // encrypt their bursts at the same time, so numbers follow encryption, not arrival (the packets themselves
        // leave in arrival order), a reordering RFC 4303's anti-replay window accepts.
        Assert.Equal(Enumerable.Range(1, 20).Select(n => (uint)n), sequences.Order());
        if (router.DataPlane.GraphThreadCount == 1)
        {
            Assert.Equal(Enumerable.Range(1, 20).Select(n => (uint)n), sequences);
        }
        Assert.Equal(20, outbound.Read(SaCounter.Packets));

        // In: the peer's ESP, decrypted and forwarded to host 0.
        router.Send(1, Frame(EspIn, RouterMacs[1], HostMacs[1]));
        var inner = Receive(router.Host(0));
        Assert.NotNull(inner);
        Assert.Equal(Expected(Frame(InnerEchoReply, RouterMacs[0], HostMacs[0]), 0, 0), inner);
        Assert.True(WaitUntil(() => inbound.Read(SaCounter.Packets) == 1));
        Assert.Equal(1, router.DataPlane.ReadInterfaceCounter(tunnel, InterfaceCounter.RxPackets));
        Assert.Equal(20, router.DataPlane.ReadInterfaceCounter(tunnel, InterfaceCounter.TxPackets));

        var accounting = router.StopAndAccount();
        Assert.True(accounting.AllFree, $"{layout}: {accounting}");
        Assert.Equal(0, router.DataPlane.RecycleRingDepth);
    }

    private static byte[] Frame(byte[] ip, MacAddress destination, MacAddress source)
    {
        var frame = new byte[14 + ip.Length];
        destination.Write(frame.AsSpan(0, 6));
        source.Write(frame.AsSpan(6, 6));
        frame[12] = 0x08;
        ip.CopyTo(frame, 14);
        return frame;
    }
}

/// <summary>The recycle ring's bound: what does not fit is dropped and counted, never queued without limit.</summary>
public sealed class RecycleRingTests
{
    [Fact]
    public void A_full_recycle_ring_drops_and_counts_what_does_not_fit_and_the_worker_takes_the_rest_back_in()
    {
        using var router = new TestRouter(start: false, options: new DataPlaneOptions
        {
            BufferCount = 8192, Layout = DataPlaneLayout.Collapsed, Workers = 1, RecycleRingSize = 32,
        });
        var dataPlane = router.DataPlane;
        var worker = dataPlane.CollapsedWorkers[0];
        var gpm = dataPlane.Gpm;
        var buffers = new uint[40];
        Assert.Equal(40, gpm.AllocateBulk(buffers, Memory.BufferOwner.Ppe));
        for (var i = 0; i < buffers.Length; i++)
        {
            gpm.ResetMeta(buffers[i], 60, Memory.BufferOwner.Ppe);
            ref var meta = ref gpm.Meta(buffers[i]);
            meta.TxInterface = Graph.Nodes.RecycleNode.RecycleInterface;
            meta.RxInterface = 2;
        }

        worker.HqfStage.EnqueueProcessed(buffers);

        Assert.Equal(32, dataPlane.RecycleRingDepth);
        Assert.Equal(8, worker.Counters.ReadDrops(2, DropReason.RecycleRingFull));

        // Running, the worker takes the ring back into its graph: these name no graph entry (NodeArgument 0), so each
        // is dropped and counted as bad recycle input.
        dataPlane.Start();
        Assert.True(WaitUntil(() => worker.Counters.ReadDrops(2, DropReason.RecycleLoop) == 32), $"{dataPlane.RecycleRingDepth} still on the ring");
        var accounting = router.StopAndAccount();
        Assert.True(accounting.AllFree, accounting.ToString());
        Assert.Equal(0, dataPlane.RecycleRingDepth);
    }
}
