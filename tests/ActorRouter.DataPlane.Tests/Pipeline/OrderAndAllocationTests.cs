using ActorRouter.DataPlane.Counters;
using ActorRouter.Packets;
using static ActorRouter.DataPlane.Tests.Pipeline.TestRouter;

namespace ActorRouter.DataPlane.Tests.Pipeline;

[Collection("Load")]
public class OrderAndAllocationTests
{
    [Fact]
    public void Per_flow_order_holds_with_several_ppe_threads_under_load()
    {
        using var router = new TestRouter(ppeThreads: 3);
        const int flows = 8;
        const int perFlow = 5000;
        var lastSequence = new int[flows];
        Array.Fill(lastSequence, -1);
        var received = 0;
        var outOfOrder = 0;
        var stop = false;
        var receiver = new Thread(() =>
        {
            var buffer = new byte[2048];
            while (!Volatile.Read(ref stop) || router.Host(1).RxPending > 0)
            {
                if (!router.Host(1).TryReceive(buffer, out _))
                {
                    Thread.Yield();
                    continue;
                }
                var flow = buffer[42];
                var sequence = buffer[43] << 24 | buffer[44] << 16 | buffer[45] << 8 | buffer[46];
                if (sequence <= lastSequence[flow])
                {
                    outOfOrder++;
                }
                lastSequence[flow] = sequence;
                Volatile.Write(ref received, received + 1);
            }
        });
        receiver.Start();

        var frame = UdpFrom(0, HostAddresses[1], payloadLength: 8);
        var sent = 0;
        for (var s = 0; s < perFlow; s++)
        {
            for (var f = 0; f < flows; f++)
            {
                frame[36] = 0x10;
                frame[37] = (byte)f; // destination port identifies the flow
                frame[42] = (byte)f;
                frame[43] = (byte)(s >> 24);
                frame[44] = (byte)(s >> 16);
                frame[45] = (byte)(s >> 8);
                frame[46] = (byte)s;
                router.Send(0, frame);
                sent++;
                // Keep no more in flight than the egress queue holds, so the slow test receiver
                // on a loaded machine does not turn this into a tail-drop test.
                while (sent - Volatile.Read(ref received) > 768)
                {
                    Thread.Yield();
                }
            }
        }
        var dp = router.DataPlane;
        Assert.True(WaitUntil(() => dp.ReadInterfaceCounter(1, InterfaceCounter.TxPackets) + dp.ReadInterfaceCounter(1, InterfaceCounter.Drops) + dp.ReadInterfaceCounter(0, InterfaceCounter.Drops) == flows * perFlow, 20000));
        Volatile.Write(ref stop, true);
        Assert.True(receiver.Join(10000));

        Assert.Equal(0, outOfOrder);
        Assert.Equal(dp.ReadInterfaceCounter(1, InterfaceCounter.TxPackets), received);
        Assert.Equal(flows * perFlow, received);
        // Each PPE did part of the work.
        foreach (var ppe in dp.Ppes)
        {
            Assert.True(ppe.Counters.Packets > 0, $"{ppe.Name} processed nothing");
        }
        Assert.True(router.StopAndAccount().AllFree);
    }

    [Theory]
    [InlineData("split")]
    [InlineData("collapsed-1")]
    [InlineData("collapsed-2")]
    public void Steady_state_forwarding_allocates_nothing_on_the_data_plane_threads(string layout)
    {
        using var router = new TestRouter(options: new DataPlaneOptions
        {
            BufferCount = 8192,
            PpeThreads = 2,
            Layout = layout == "split" ? DataPlaneLayout.Split : DataPlaneLayout.Collapsed,
            // Two workers: Gi1 (receiving) is worker0's and Gi2 (transmitting) worker1's, so the ring between them is on the path.
            Workers = layout == "collapsed-2" ? 2 : 1,
        });
        var frame = UdpFrom(0, HostAddresses[1], payloadLength: 18);
        var sink = new byte[2048];
        long sent = 0;
        void Pump(int count)
        {
            for (var i = 0; i < count; i++)
            {
                router.Send(0, frame);
                while (router.Host(1).TryReceive(sink, out _))
                {
                }
            }
            sent += count;
            // Until every frame sent was received (some may still wait in the RX ring) and has left or been dropped.
            var dp = router.DataPlane;
            var deadline = Environment.TickCount64 + 20000;
            while (Environment.TickCount64 < deadline
                && (dp.ReadInterfaceCounter(0, InterfaceCounter.RxPackets) < sent
                    || dp.ReadInterfaceCounter(1, InterfaceCounter.TxPackets) + dp.ReadInterfaceCounter(1, InterfaceCounter.Drops) < sent))
            {
                while (router.Host(1).TryReceive(sink, out _))
                {
                }
                Thread.Yield();
            }
            // Let every thread go to sleep twice after the traffic (it records its allocation reading before each sleep).
            var sleeps = dp.Workers.Select(w => Volatile.Read(ref w.Counters.Sleeps)).ToArray();
            while (Environment.TickCount64 < deadline && dp.Workers.Select((w, i) => Volatile.Read(ref w.Counters.Sleeps) - sleeps[i]).Any(d => d < 2))
            {
                Thread.Sleep(20);
            }
        }

        Pump(20_000);
        var before = router.DataPlane.Workers.Select(w => (w.Name, w.AllocatedBytes)).ToArray();
        Pump(200_000);
        var after = router.DataPlane.Workers.Select(w => (w.Name, w.AllocatedBytes)).ToArray();

        Assert.True(before.SequenceEqual(after), $"allocated on data-plane threads: before {string.Join(", ", before)}; after {string.Join(", ", after)}");
        var dp = router.DataPlane;
        Assert.Equal(220_000, dp.ReadInterfaceCounter(0, InterfaceCounter.RxPackets));
        Assert.Equal(220_000, dp.ReadInterfaceCounter(1, InterfaceCounter.TxPackets) + dp.ReadInterfaceCounter(1, InterfaceCounter.Drops));
    }
}
