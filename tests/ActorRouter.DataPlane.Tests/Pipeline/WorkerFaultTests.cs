using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Threads;
using static ActorRouter.DataPlane.Tests.Pipeline.TestRouter;

namespace ActorRouter.DataPlane.Tests.Pipeline;

public class WorkerFaultTests
{
    [Theory]
    [InlineData("split", "rx")]
    [InlineData("split", "ppe0")]
    [InlineData("split", "ppe1")]
    [InlineData("split", "hqf")]
    // Collapsed, two workers: Gi1 (the sender's) is worker0's, Gi2 worker1's, so the traffic crosses their ring.
    [InlineData("collapsed-2", "worker0")]
    [InlineData("collapsed-2", "worker1")]
    [InlineData("collapsed-1", "worker0")]
    public void A_faulted_thread_is_reported_restarted_on_the_same_rings_and_loses_no_buffer(string layout, string name)
    {
        var options = new DataPlaneOptions
        {
            BufferCount = 8192,
            PpeThreads = 2,
            Layout = layout == "split" ? DataPlaneLayout.Split : DataPlaneLayout.Collapsed,
            Workers = layout == "collapsed-2" ? 2 : 1,
        };
        using var router = new TestRouter(options: options);
        var worker = router.DataPlane.FindWorker(name)!;
        WorkerFault? reported = null;
        worker.Faulted += f => reported = f;

        // Traffic before, during and after the fault.
        for (var i = 0; i < 200; i++)
        {
            router.Send(0, UdpFrom(0, HostAddresses[1], id: (ushort)i));
        }
        worker.InjectFault();
        for (var i = 0; i < 200; i++)
        {
            router.Send(0, UdpFrom(0, HostAddresses[1], id: (ushort)i));
        }
        // The fault is reported just after the state changes, from the dying thread: wait for both.
        Assert.True(WaitUntil(() => worker.State == WorkerState.Faulted && reported is not null), $"{name} did not fail");
        Assert.IsType<InjectedFaultException>(reported!.Exception);
        Assert.Equal(name, reported.Worker);

        worker.Restart();
        Assert.Equal(1, worker.Restarts);
        Assert.Equal(WorkerState.Running, worker.State);
        var sink = new byte[2048];
        while (router.Host(1).TryReceive(sink, out _))
        {
        }
        var sent = UdpFrom(0, HostAddresses[1], id: 4242);
        router.Send(0, sent);
        byte[]? got = null;
        Assert.True(WaitUntil(() =>
        {
            var f = router.Host(1).TryReceive();
            if (f is not null && f[18] == 0x10 && f[19] == 0x92)
            {
                got = f;
            }
            return got is not null;
        }), "no forwarding after the restart");
        Assert.Equal(Expected(sent, 0, 1), got);

        var accounting = router.StopAndAccount();
        Assert.True(accounting.AllFree, accounting.ToString());
        var dp = router.DataPlane;
        var rx = dp.ReadInterfaceCounter(0, InterfaceCounter.RxPackets);
        // Every frame received was either transmitted or dropped under a counted reason.
        var drops = Enum.GetValues<DropReason>().Sum(r => dp.ReadDrops(r));
        Assert.Equal(rx, dp.ReadInterfaceCounter(1, InterfaceCounter.TxPackets) + drops);
    }

    [Theory]
    [InlineData("split", "ppe0")]
    [InlineData("collapsed-1", "worker0")]
    public void A_fault_inside_the_feature_path_after_allocating_fragments_loses_no_buffer_and_frees_none_twice(string layout, string name)
    {
        var options = new DataPlaneOptions
        {
            BufferCount = 8192,
            PpeThreads = 1,
            Layout = layout == "split" ? DataPlaneLayout.Split : DataPlaneLayout.Collapsed,
            Workers = 1,
        };
        // Gi2's MTU of 576 splits a 1400-byte datagram into three fragments, each a buffer the frag node allocates.
        using var router = new TestRouter(mtus: [1500, 576, 1500], options: options);
        var dp = router.DataPlane;
        var worker = dp.FindWorker(name)!;
        var cache = (worker is PpeWorker ppe ? ppe.Graph : ((CollapsedWorker)worker).Graph).Context.Cache;
        WorkerFault? reported = null;
        worker.Faulted += f => reported = f;

        // The third allocation fails: two fragments written and tagged, the third handed out and not yet written.
        cache.FailAfterAllocations(3);
        router.Send(0, UdpFrom(0, HostAddresses[1], payloadLength: 1400, id: 1));
        Assert.True(WaitUntil(() => worker.State == WorkerState.Faulted), $"{name} did not fail");
        Assert.Equal("fault injected into the feature path (after a buffer allocation)", worker.LastFault!.Exception.Message);
        Assert.True(WaitUntil(() => reported is not null), "the fault was not reported");

        worker.Restart();
        Assert.Equal(1, dp.ReadDrops(DropReason.ThreadFault));
        var sent = UdpFrom(0, HostAddresses[1], payloadLength: 1400, id: 2);
        router.Send(0, sent);
        var fragments = new List<byte[]>();
        Assert.True(WaitUntil(() =>
        {
            while (router.Host(1).TryReceive() is { } frame)
            {
                fragments.Add(frame);
            }
            return fragments.Count == 3;
        }), $"{fragments.Count} of 3 fragments arrived after the restart: {string.Join(", ", fragments.Select(f => $"{f.Length}:{f[12]:x2}{f[13]:x2}:{f[18] << 8 | f[19]}"))}");
        Assert.All(fragments, f => Assert.Equal(2, f[18] << 8 | f[19]));

        // Every buffer is back: the input, the two written fragments and the one handed out in the fault.
        var accounting = router.StopAndAccount();
        Assert.True(accounting.AllFree, accounting.ToString());
        Assert.Equal(0, dp.ReadDrops(DropReason.NoBuffer));
    }
}
