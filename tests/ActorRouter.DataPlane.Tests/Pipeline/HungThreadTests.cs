using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Threads;
using static ActorRouter.DataPlane.Tests.Pipeline.TestRouter;

namespace ActorRouter.DataPlane.Tests.Pipeline;

/// <summary>
/// A flow of sequence-numbered UDP frames (the IPv4 identification is the sequence number) from host 0 to
/// host 1, sent on one thread and collected on another, so a test can hang or crash parts of the router
/// meanwhile and then check what arrived: how many, and in which order.
/// </summary>
public sealed class SequencedFlow : IDisposable
{
    private readonly TestRouter _router;
    private readonly Thread _sender;
    private readonly Thread _receiver;
    private readonly List<ushort> _arrived = new();
    private volatile bool _stopSending;
    private volatile bool _stopReceiving;
    private int _sent;

    public SequencedFlow(TestRouter router)
    {
        _router = router;
        _sender = new Thread(() =>
        {
            // Small batches with a pause: bursts of a few frames, so both PPEs get bursts all the time.
            while (!_stopSending && _sent < ushort.MaxValue - 8)
            {
                for (var i = 0; i < 4; i++)
                {
                    var frame = UdpFrom(0, HostAddresses[1], id: (ushort)_sent);
                    if (!_router.Host(0).Send(frame))
                    {
                        break; // the router's RX ring is full (back-pressure): try again after the pause
                    }
                    Interlocked.Increment(ref _sent);
                }
                Thread.Sleep(1);
            }
        }) { IsBackground = true, Name = "flow-sender" };
        _receiver = new Thread(() =>
        {
            while (!_stopReceiving)
            {
                if (_router.Host(1).TryReceive() is { } frame)
                {
                    lock (_arrived)
                    {
                        _arrived.Add((ushort)(frame[18] << 8 | frame[19]));
                    }
                    continue;
                }
                Thread.Sleep(1);
            }
        }) { IsBackground = true, Name = "flow-receiver" };
        _sender.Start();
        _receiver.Start();
    }

    public int Sent => Volatile.Read(ref _sent);

    public int Arrived
    {
        get
        {
            lock (_arrived)
            {
                return _arrived.Count;
            }
        }
    }

    /// <summary>Stops sending, waits until the router has been quiet for a while, then stops receiving.</summary>
    public IReadOnlyList<ushort> Finish()
    {
        _stopSending = true;
        _sender.Join();
        var last = -1;
        while (Arrived != last)
        {
            last = Arrived;
            Thread.Sleep(300);
        }
        _stopReceiving = true;
        _receiver.Join();
        lock (_arrived)
        {
            return _arrived.ToList();
        }
    }

    public void Dispose()
    {
        _stopSending = true;
        _stopReceiving = true;
        _sender.Join();
        _receiver.Join();
    }
}

/// <summary>
/// Hung data-plane threads: fenced off (a managed thread cannot be killed), their buffers reclaimed, a new
/// thread started on the same rings; in the split layout the dispatcher and the HQF go on with the other
/// PPE meanwhile, and the flow stays in order.
/// </summary>
public class HungThreadTests
{
    private static void AssertStrictlyIncreasing(IReadOnlyList<ushort> arrived)
    {
        for (var i = 1; i < arrived.Count; i++)
        {
            Assert.True(arrived[i] > arrived[i - 1], $"frame {arrived[i]} arrived after {arrived[i - 1]} (position {i})");
        }
    }

    /// <summary>Every frame received on Gi1 was sent on Gi2 or dropped under one of <paramref name="reasons"/>; no other drop.</summary>
    private static void AssertEveryFrameAccounted(QfpDataPlane dp, int arrived, params DropReason[] reasons)
    {
        var rx = dp.ReadInterfaceCounter(0, InterfaceCounter.RxPackets);
        var tx = dp.ReadInterfaceCounter(1, InterfaceCounter.TxPackets);
        Assert.Equal(arrived, tx);
        foreach (var reason in Enum.GetValues<DropReason>().Except(reasons))
        {
            Assert.True(dp.ReadDrops(reason) == 0, $"{dp.ReadDrops(reason)} drops for {reason}");
        }
        Assert.Equal(rx, tx + reasons.Sum(r => dp.ReadDrops(r)));
    }

    [Fact]
    public void A_hung_ppe_is_fenced_and_restarted_while_the_other_ppe_keeps_the_flow_going_in_order()
    {
        var options = new DataPlaneOptions
        {
            BufferCount = 8192,
            PpeThreads = 2,
            Layout = DataPlaneLayout.Split,
            PpeOrderWait = TimeSpan.FromMilliseconds(100),
        };
        using var router = new TestRouter(options: options);
        var dp = router.DataPlane;
        var ppe0 = (PpeWorker)dp.FindWorker("ppe0")!;
        using var flow = new SequencedFlow(router);
        Assert.True(WaitUntil(() => flow.Arrived > 200 && ppe0.Counters.Packets > 50), $"no steady flow: {flow.Arrived} arrived");

        // Hangs at its next burst, with that burst in hand, for longer than the rest of the test needs.
        ppe0.InjectStall(TimeSpan.FromSeconds(4));
        Assert.True(WaitUntil(() => dp.Dispatch!.IsLagging(0)), "the HQF never stopped waiting for the hung ppe0");
        var atLag = flow.Arrived;
        Assert.True(WaitUntil(() => flow.Arrived >= atLag + 300), $"the flow did not go on through ppe1 while ppe0 hung ({flow.Arrived - atLag} arrived)");
        Assert.Equal(WorkerState.Running, ppe0.State);
        Assert.False(dp.Dispatch!.Accepts(0));

        // What the supervisor does once the heartbeat has stood still for its hang limit.
        Assert.True(ppe0.Fence("heartbeat stood still (test)", TimeSpan.FromMilliseconds(100)));
        Assert.Equal(WorkerState.Faulted, ppe0.State);
        Assert.Equal(1, ppe0.AbandonedThreads);
        Assert.True(dp.Dispatch.IsDown(0));
        ppe0.Restart();
        Assert.Equal(1, ppe0.Restarts);
        Assert.Equal(1, ppe0.Fences);
        // The burst the hung thread held was reclaimed; the bursts the HQF skipped are paid off; ppe0 takes bursts again.
        Assert.True(dp.ReadDrops(DropReason.ThreadFault) >= 1, "the burst the hung ppe0 held was not reclaimed as a thread-fault drop");
        Assert.True(WaitUntil(() => dp.Dispatch.Accepts(0)), "ppe0 did not rejoin the dispatch");
        var processed = ppe0.Counters.Packets;
        Assert.True(WaitUntil(() => ppe0.Counters.Packets > processed + 100), "the restarted ppe0 processes nothing");

        // The old thread wakes after its 4 s, meets the fence and leaves without touching a ring or a buffer.
        Assert.True(WaitUntil(() => ppe0.AbandonedThreads == 0, 10_000), "the fenced thread never left");
        var atWake = flow.Arrived;
        Assert.True(WaitUntil(() => flow.Arrived >= atWake + 200), "the flow stopped after the fenced thread woke");

        var arrived = flow.Finish();
        AssertStrictlyIncreasing(arrived);
        Assert.Equal(WorkerState.Running, ppe0.State);
        Assert.Equal(0, dp.Hqf.SkippedBurstsOwed);
        Assert.True(dp.Dispatch.Accepts(0));
        var accounting = router.StopAndAccount();
        Assert.True(accounting.AllFree, accounting.ToString());
        // QueueFull too: on a loaded machine the receiving thread can fall behind the egress queue (counted, never lost).
        AssertEveryFrameAccounted(dp, arrived.Count, DropReason.ThreadFault, DropReason.PpeStalled, DropReason.QueueFull);
    }

    [Fact]
    public void A_crashed_ppe_left_down_is_passed_over_and_every_frame_sent_meanwhile_arrives_in_order_through_the_other()
    {
        var options = new DataPlaneOptions { BufferCount = 8192, PpeThreads = 2, Layout = DataPlaneLayout.Split };
        using var router = new TestRouter(options: options);
        var dp = router.DataPlane;
        var ppe1 = dp.FindWorker("ppe1")!;
        ppe1.InjectFault();
        Assert.True(WaitUntil(() => ppe1.State == WorkerState.Faulted), "ppe1 did not fail");
        Assert.True(dp.Dispatch!.IsDown(1));
        // Idle when it failed (no burst in hand): nothing was lost, and nothing is owed.
        Assert.Equal(0, dp.ReadDrops(DropReason.ThreadFault));

        for (var i = 0; i < 300; i++)
        {
            router.Send(0, UdpFrom(0, HostAddresses[1], id: (ushort)i));
        }
        var arrived = new List<ushort>();
        Assert.True(WaitUntil(() =>
        {
            while (router.Host(1).TryReceive() is { } frame)
            {
                arrived.Add((ushort)(frame[18] << 8 | frame[19]));
            }
            return arrived.Count == 300;
        }), $"{arrived.Count} of 300 frames arrived with ppe1 down");
        Assert.Equal(Enumerable.Range(0, 300).Select(i => (ushort)i), arrived);
        Assert.Equal(300, dp.FindWorker("ppe0")!.Counters.Packets);
        Assert.Equal(0, ppe1.Counters.Packets);

        ppe1.Restart();
        Assert.False(dp.Dispatch.IsDown(1));
        for (var i = 300; i < 600; i++)
        {
            router.Send(0, UdpFrom(0, HostAddresses[1], id: (ushort)i));
        }
        Assert.True(WaitUntil(() =>
        {
            while (router.Host(1).TryReceive() is { } frame)
            {
                arrived.Add((ushort)(frame[18] << 8 | frame[19]));
            }
            return arrived.Count == 600;
        }), $"{arrived.Count} of 600 frames arrived after ppe1's restart");
        Assert.Equal(Enumerable.Range(0, 600).Select(i => (ushort)i), arrived);
        Assert.True(ppe1.Counters.Packets > 0, "the restarted ppe1 got no burst");

        var accounting = router.StopAndAccount();
        Assert.True(accounting.AllFree, accounting.ToString());
        AssertEveryFrameAccounted(dp, 600);
    }

    [Theory]
    [InlineData("split", "rx")]
    [InlineData("split", "hqf")]
    [InlineData("collapsed-2", "worker0")]
    [InlineData("collapsed-1", "worker0")]
    public void A_hung_thread_is_fenced_restarted_with_its_buffers_reclaimed_and_the_woken_thread_touches_nothing(string layout, string name)
    {
        var options = new DataPlaneOptions
        {
            BufferCount = 8192,
            PpeThreads = 2,
            Layout = layout == "split" ? DataPlaneLayout.Split : DataPlaneLayout.Collapsed,
            Workers = layout == "collapsed-2" ? 2 : 1,
        };
        using var router = new TestRouter(options: options);
        var dp = router.DataPlane;
        var worker = dp.FindWorker(name)!;
        using var flow = new SequencedFlow(router);
        Assert.True(WaitUntil(() => flow.Arrived > 200), $"no steady flow: {flow.Arrived} arrived");

        worker.InjectStall(TimeSpan.FromSeconds(2));
        Assert.True(WaitUntil(() => !worker.StallPending), $"{name} never reached the hang");
        var beat = worker.Heartbeat;
        Thread.Sleep(300);
        Assert.True(worker.Heartbeat <= beat + 1, "the heartbeat moved while the thread hung");
        Assert.True(worker.Fence("heartbeat stood still (test)", TimeSpan.FromMilliseconds(100)));
        worker.Restart();
        Assert.Equal(WorkerState.Running, worker.State);
        var atRestart = flow.Arrived;
        Assert.True(WaitUntil(() => flow.Arrived >= atRestart + 200), $"no forwarding after the restart ({flow.Arrived - atRestart} arrived)");
        Assert.True(WaitUntil(() => worker.AbandonedThreads == 0, 10_000), "the fenced thread never left");
        var atWake = flow.Arrived;
        Assert.True(WaitUntil(() => flow.Arrived >= atWake + 200), "the flow stopped after the fenced thread woke");

        var arrived = flow.Finish();
        AssertStrictlyIncreasing(arrived);
        var accounting = router.StopAndAccount();
        Assert.True(accounting.AllFree, accounting.ToString());
        // A hung HQF holds no burst at its hang point (it hangs before taking one); the others strand theirs.
        AssertEveryFrameAccounted(dp, arrived.Count, DropReason.ThreadFault, DropReason.PpeStalled, DropReason.QueueFull);
        Assert.Equal(1, worker.Fences);
        Assert.Equal(1, worker.Restarts);
    }

    [Fact]
    public void Stopping_the_data_plane_with_a_hung_thread_fences_it_and_still_returns_every_buffer()
    {
        using var router = new TestRouter(options: new DataPlaneOptions { BufferCount = 8192, PpeThreads = 2, Layout = DataPlaneLayout.Split });
        var dp = router.DataPlane;
        var ppe0 = dp.FindWorker("ppe0")!;
        for (var i = 0; i < 64; i++)
        {
            router.Send(0, UdpFrom(0, HostAddresses[1], id: (ushort)i));
        }
        ppe0.InjectStall(TimeSpan.FromSeconds(8));
        for (var i = 64; i < 128; i++)
        {
            router.Send(0, UdpFrom(0, HostAddresses[1], id: (ushort)i));
        }
        Assert.True(WaitUntil(() => dp.ReadInterfaceCounter(0, InterfaceCounter.RxPackets) == 128), "the router did not take every frame in");
        Assert.True(WaitUntil(() => !ppe0.StallPending), "ppe0 never reached the hang");

        // Stop waits 5 s for each thread, then fences the one that does not stop; the reload escalation relies on this.
        var accounting = router.StopAndAccount();
        Assert.True(accounting.AllFree, accounting.ToString());
        Assert.Equal(1, ppe0.Fences);
        Assert.Equal(WorkerState.Faulted, ppe0.State);

        // The data plane starts again on emptied rings, and forwards.
        dp.Start();
        Assert.False(dp.Dispatch!.IsDown(0));
        var sent = UdpFrom(0, HostAddresses[1], id: 4242);
        while (router.Host(1).TryReceive() is not null)
        {
        }
        router.Send(0, sent);
        Assert.Equal(Expected(sent, 0, 1), Receive(router.Host(1)));
        Assert.True(WaitUntil(() => ppe0.AbandonedThreads == 0, 10_000), "the fenced thread never left");
        accounting = router.StopAndAccount();
        Assert.True(accounting.AllFree, accounting.ToString());
    }
}
