using ActorRouter.ControlPlane.Messages;
using ActorRouter.ControlPlane.Supervision;
using ActorRouter.DataPlane.Threads;
using ActorRouter.IO.Memory;
using Xunit.Abstractions;

namespace ActorRouter.ControlPlane.Tests.ControlPlane;

/// <summary>
/// Frames from host A on the far end of mem0 to host B on the far end of mem1, sent and counted on
/// their own threads while a test crashes parts of the router.
/// </summary>
public sealed class Traffic : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _sender;
    private readonly Thread _receiver;
    private long _received;

    public Traffic(MemoryWire from, MemoryWire to)
    {
        _sender = new Thread(() =>
        {
            ushort sequence = 0;
            while (!_stop.IsCancellationRequested)
            {
                for (var i = 0; i < 8; i++)
                {
                    from.B.Send(TestConfigs.FrameAToB(sequence++));
                }
                Thread.Sleep(1);
            }
        }) { IsBackground = true, Name = "test-sender" };
        _receiver = new Thread(() =>
        {
            while (!_stop.IsCancellationRequested)
            {
                if (to.B.TryReceive() is byte[] frame)
                {
                    // Ethernet (14) + IPv4 destination at offset 16 of the IP header.
                    if (frame.Length >= 34 && System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(30)) == TestConfigs.HostB)
                    {
                        Interlocked.Increment(ref _received);
                    }
                    continue;
                }
                Thread.Sleep(1);
            }
        }) { IsBackground = true, Name = "test-receiver" };
        _sender.Start();
        _receiver.Start();
    }

    public long Received => Interlocked.Read(ref _received);

    public void Dispose()
    {
        _stop.Cancel();
        _sender.Join();
        _receiver.Join();
    }
}

/// <summary>Supervision: data-plane threads and control-plane actors crash; forwarding goes on.</summary>
[Collection(DataPlaneCollection.Name)]
public sealed class SupervisionTests(ITestOutputHelper output) : ControlPlaneTestKit(output)
{
    private RunningRouter StartForwarding(out Traffic traffic)
    {
        var router = StartRouter(TestConfigs.TwoInterfaces(faultInjection: true));
        var gi2 = router.DataPlane.Interfaces.FindByName("GigabitEthernet2")!.Index;
        // Stands in for ARP: host B's MAC, so frames to it are rewritten and sent out of mem1.
        router.Fman.Tell(new NeighborResolved(gi2, TestConfigs.HostB, TestConfigs.HostBMac), TestActor);
        traffic = new Traffic(router.Wire("mem0"), router.Wire("mem1"));
        var flowing = traffic;
        AwaitAssert(() => Assert.True(flowing.Received > 100, $"{flowing.Received} frames arrived"), Long, TimeSpan.FromMilliseconds(50));
        return router;
    }

    private void AssertStillForwarding(Traffic traffic, int frames = 200)
    {
        var before = traffic.Received;
        AwaitAssert(() => Assert.True(traffic.Received >= before + frames, $"{traffic.Received - before} frames arrived since {before}"),
            Long, TimeSpan.FromMilliseconds(50));
    }

    [Theory]
    [InlineData("ppe0")]
    [InlineData("ppe1")]
    [InlineData("rx")]
    [InlineData("hqf")]
    public void A_crashed_data_plane_thread_is_restarted_once_and_forwarding_resumes(string thread)
    {
        var router = StartForwarding(out var traffic);
        try
        {
            var worker = router.DataPlane.FindWorker(thread)!;

            Assert.Equal(new FaultInjected(thread), router.Ask<object>(router.Supervisor, new InjectFault(thread)));

            AwaitAssert(() =>
            {
                Assert.Equal(1, worker.Restarts);
                Assert.Equal(WorkerState.Running, worker.State);
            }, Long, TimeSpan.FromMilliseconds(20));
            AssertStillForwarding(traffic);
            var health = router.Ask<DataPlaneHealth>(router.Supervisor, GetDataPlaneHealth.Instance).Workers.Single(w => w.Name == thread);
            Assert.Equal(1, health.Restarts);
            Assert.Contains($"fault injected into {thread}", health.LastFault);
            Assert.All(router.DataPlane.Workers.Where(w => w.Name != thread), w => Assert.Equal(0, w.Restarts));
        }
        finally
        {
            traffic.Dispose();
        }
        var stopped = router.Stop();
        Assert.True(stopped.Accounting.AllFree, stopped.Accounting.ToString());
        router.Dispose();
    }

    [Fact]
    public void A_thread_that_keeps_failing_is_restarted_every_time_with_backoff()
    {
        var router = StartForwarding(out var traffic);
        try
        {
            var ppe0 = router.DataPlane.FindWorker("ppe0")!;
            for (var fault = 1; fault <= 3; fault++)
            {
                Assert.IsType<FaultInjected>(router.Ask<object>(router.Supervisor, new InjectFault("ppe0")));
                var expected = fault;
                AwaitAssert(() =>
                {
                    Assert.Equal(expected, ppe0.Restarts);
                    Assert.Equal(WorkerState.Running, ppe0.State);
                }, Long, TimeSpan.FromMilliseconds(20));
            }
            AssertStillForwarding(traffic);
            Assert.Equal(3, router.Ask<DataPlaneHealth>(router.Supervisor, GetDataPlaneHealth.Instance).Workers.Single(w => w.Name == "ppe0").Restarts);
        }
        finally
        {
            traffic.Dispose();
        }
        var stopped = router.Stop();
        Assert.True(stopped.Accounting.AllFree, stopped.Accounting.ToString());
        router.Dispose();
    }

    [Fact]
    public void Fman_and_the_qfp_client_crash_while_frames_keep_flowing_and_fman_resyncs()
    {
        var router = StartForwarding(out var traffic);
        try
        {
            var atCrash = traffic.Received;
            EventFilter.Info(contains: "resynced 2 interface(s) from the data plane").ExpectOne(Long, () =>
            {
                Assert.Equal(new FaultInjected("fman"), router.Ask<object>(router.Supervisor, new InjectFault(DataPlaneSupervisor.FmanName)));
                Assert.Equal(new FaultInjected("qfp-client"), router.Ask<object>(router.Supervisor, new InjectFault(DataPlaneSupervisor.QfpClientName)));
            });
            Assert.True(traffic.Received >= atCrash);
            // The resync republished routes from the kept neighbor set: forwarding still reaches host B.
            AssertStillForwarding(traffic);

            var interfaces = router.Interfaces();
            Assert.Equal(["GigabitEthernet1", "GigabitEthernet2"], interfaces.Select(i => i.Name).Order());
            Assert.All(interfaces, i => Assert.True(i.OperUp));
            Assert.True(interfaces.Single(i => i.Name == "GigabitEthernet2").TxPackets >= 100);
            Assert.Single(router.Ask<RunningConfig>(router.Fman, GetRunningConfig.Instance).Config.StaticRoutes);
            Assert.IsType<CommandSucceeded>(router.Ask<object>(router.Fman, new SetInterfaceMtu("GigabitEthernet1", 1400)));

            Assert.Equal(new FaultInjected("platform"), router.Ask<object>(router.Supervisor, new InjectFault(DataPlaneSupervisor.PlatformName)));
            AssertStillForwarding(traffic);
            Assert.All(router.DataPlane.Workers, w => Assert.Equal(0, w.Restarts));
            Assert.Equal(2, router.DataPlane.Interfaces.All.Count());
        }
        finally
        {
            traffic.Dispose();
        }
        var stopped = router.Stop();
        Assert.True(stopped.Accounting.AllFree, stopped.Accounting.ToString());
        router.Dispose();
    }

    private WorkerHealth HealthOf(RunningRouter router, string thread) =>
        router.Ask<DataPlaneHealth>(router.Supervisor, GetDataPlaneHealth.Instance).Workers.Single(w => w.Name == thread);

    [Fact]
    public void A_ppe_hung_under_traffic_is_fenced_and_restarted_while_traffic_flows_through_the_other_ppe()
    {
        var router = StartForwarding(out var traffic);
        try
        {
            var dp = router.DataPlane;
            var ppe1 = dp.FindWorker("ppe1")!;
            Assert.Equal(0, HealthOf(router, "ppe1").Hangs);

            // Hung for 5 s at its next burst, holding it: longer than the 2 s the supervisor allows a heartbeat to stand still.
            Assert.Equal(new FaultInjected("ppe1"), router.Ask<object>(router.Supervisor, new InjectFault("ppe1", TimeSpan.FromSeconds(5))));

            // Before the supervisor acts, the HQF stops waiting for ppe1 and the dispatcher passes it over: traffic goes on through ppe0.
            AwaitAssert(() => Assert.True(dp.Dispatch!.IsLagging(1), "the HQF still waits for ppe1"), Long, TimeSpan.FromMilliseconds(10));
            var atLag = traffic.Received;
            AwaitAssert(() => Assert.True(traffic.Received >= atLag + 200 || ppe1.Restarts > 0, $"{traffic.Received - atLag} frames since ppe1 lagged"),
                Long, TimeSpan.FromMilliseconds(20));
            Assert.True(traffic.Received >= atLag + 200, $"only {traffic.Received - atLag} frames got through while ppe1 hung");
            Assert.Equal(0, ppe1.Restarts);

            // Then the supervisor finds the heartbeat standing still, fences ppe1 and restarts it with its buffers reclaimed.
            AwaitAssert(() =>
            {
                var health = HealthOf(router, "ppe1");
                Assert.Equal(1, health.Hangs);
                Assert.Equal(1, health.Fences);
                Assert.Equal(1, health.Restarts);
                Assert.Equal("Running", health.State);
                Assert.StartsWith("hung: heartbeat ", health.LastFault);
            }, Long, TimeSpan.FromMilliseconds(50));
            AwaitAssert(() => Assert.True(dp.Dispatch!.Accepts(1), "ppe1 did not rejoin the dispatch"), Long, TimeSpan.FromMilliseconds(20));
            AssertStillForwarding(traffic);
            // The fenced thread wakes after its 5 s and leaves touching nothing.
            AwaitAssert(() => Assert.Equal(0, HealthOf(router, "ppe1").AbandonedThreads), Long, TimeSpan.FromMilliseconds(100));
            AssertStillForwarding(traffic);
            Assert.All(router.DataPlane.Workers.Where(w => w.Name != "ppe1"), w =>
            {
                var health = HealthOf(router, w.Name);
                Assert.Equal(0, health.Hangs);
                Assert.Equal(0, health.Restarts);
            });
        }
        finally
        {
            traffic.Dispose();
        }
        var stopped = router.Stop();
        Assert.True(stopped.Accounting.AllFree, stopped.Accounting.ToString());
        router.Dispose();
    }

    [Fact]
    public void A_thread_failing_past_its_restart_limit_gets_the_data_plane_reloaded_and_forwarding_recovers()
    {
        var timings = SupervisionTimings.Default with { ThreadRestartLimit = 2 };
        var router = StartRouter(TestConfigs.TwoInterfaces(faultInjection: true), timings: timings);
        var gi2 = router.DataPlane.Interfaces.FindByName("GigabitEthernet2")!.Index;
        router.Fman.Tell(new NeighborResolved(gi2, TestConfigs.HostB, TestConfigs.HostBMac), TestActor);
        var traffic = new Traffic(router.Wire("mem0"), router.Wire("mem1"));
        try
        {
            AwaitAssert(() => Assert.True(traffic.Received > 100, $"{traffic.Received} frames arrived"), Long, TimeSpan.FromMilliseconds(50));
            var ppe0 = router.DataPlane.FindWorker("ppe0")!;
            for (var fault = 1; fault <= 2; fault++)
            {
                Assert.IsType<FaultInjected>(router.Ask<object>(router.Supervisor, new InjectFault("ppe0")));
                var expected = fault;
                AwaitAssert(() =>
                {
                    Assert.Equal(expected, ppe0.Restarts);
                    Assert.Equal(WorkerState.Running, ppe0.State);
                }, Long, TimeSpan.FromMilliseconds(20));
            }
            Assert.Equal(0, router.Ask<DataPlaneHealth>(router.Supervisor, GetDataPlaneHealth.Instance).DataPlaneReloads);

            EventFilter.Error(start: "escalation: data-plane thread ppe0 failed 3 times within 30 s").ExpectOne(Long, () =>
                Assert.IsType<FaultInjected>(router.Ask<object>(router.Supervisor, new InjectFault("ppe0"))));

            AwaitAssert(() =>
            {
                var health = router.Ask<DataPlaneHealth>(router.Supervisor, GetDataPlaneHealth.Instance);
                Assert.Equal(1, health.DataPlaneReloads);
                Assert.Equal(0, health.ControlPlaneEscalations);
                Assert.EndsWith(": reloaded the data plane", health.LastEscalation);
                Assert.Contains("data-plane thread ppe0 failed 3 times within 30 s", health.LastEscalation);
                Assert.All(health.Workers, w => Assert.Equal("Running", w.State));
            }, Long, TimeSpan.FromMilliseconds(20));
            // The reload restarted every thread rather than ppe0 once more.
            Assert.Equal(2, ppe0.Restarts);
            AssertStillForwarding(traffic);

            // The count starts afresh: the next fault is an ordinary restart.
            Assert.IsType<FaultInjected>(router.Ask<object>(router.Supervisor, new InjectFault("ppe0")));
            AwaitAssert(() => Assert.Equal(3, ppe0.Restarts), Long, TimeSpan.FromMilliseconds(20));
            AssertStillForwarding(traffic);
            Assert.Equal(1, router.Ask<DataPlaneHealth>(router.Supervisor, GetDataPlaneHealth.Instance).DataPlaneReloads);
        }
        finally
        {
            traffic.Dispose();
        }
        var stopped = router.Stop();
        Assert.True(stopped.Accounting.AllFree, stopped.Accounting.ToString());
        router.Dispose();
    }

    [Fact]
    public void A_control_plane_actor_failing_past_its_limit_gets_every_actor_restarted_and_is_never_stopped()
    {
        var timings = SupervisionTimings.Default with { ChildRestartLimit = 2 };
        var router = StartRouter(TestConfigs.TwoInterfaces(faultInjection: true), timings: timings);
        var gi2 = router.DataPlane.Interfaces.FindByName("GigabitEthernet2")!.Index;
        router.Fman.Tell(new NeighborResolved(gi2, TestConfigs.HostB, TestConfigs.HostBMac), TestActor);
        var traffic = new Traffic(router.Wire("mem0"), router.Wire("mem1"));
        try
        {
            AwaitAssert(() => Assert.True(traffic.Received > 100, $"{traffic.Received} frames arrived"), Long, TimeSpan.FromMilliseconds(50));
            var watcher = CreateTestProbe();
            watcher.Watch(router.Fman);
            for (var kill = 1; kill <= 2; kill++)
            {
                EventFilter.Info(contains: "resynced 2 interface(s) from the data plane").ExpectOne(Long, () =>
                    Assert.Equal(new FaultInjected("fman"), router.Ask<object>(router.Supervisor, new InjectFault(DataPlaneSupervisor.FmanName))));
            }
            Assert.Equal(0, router.Ask<DataPlaneHealth>(router.Supervisor, GetDataPlaneHealth.Instance).ControlPlaneEscalations);

            // The third failure within the minute: every control-plane actor is restarted (FMAN resyncs once more), none is stopped.
            EventFilter.Error(start: "escalation: control-plane actor fman failed 3 times within 60 s").ExpectOne(Long, () =>
                EventFilter.Info(contains: "resynced 2 interface(s) from the data plane").ExpectOne(Long, () =>
                    Assert.Equal(new FaultInjected("fman"), router.Ask<object>(router.Supervisor, new InjectFault(DataPlaneSupervisor.FmanName)))));

            var health = router.Ask<DataPlaneHealth>(router.Supervisor, GetDataPlaneHealth.Instance);
            Assert.Equal(1, health.ControlPlaneEscalations);
            Assert.Equal(0, health.DataPlaneReloads);
            Assert.EndsWith("fman failed 3 times within 60 s: restarted every control-plane child", health.LastEscalation);
            watcher.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
            // FMAN and the QFP client behind it answer and act: a change goes through to the data plane.
            Assert.Equal(["GigabitEthernet1", "GigabitEthernet2"], router.Interfaces().Select(i => i.Name).Order());
            Assert.IsType<CommandSucceeded>(router.Ask<object>(router.Fman, new SetInterfaceMtu("GigabitEthernet1", 1400)));
            AwaitAssert(() => Assert.Equal(1400, router.DataPlane.Interfaces.FindByName("GigabitEthernet1")!.Mtu), Long, TimeSpan.FromMilliseconds(20));
            AssertStillForwarding(traffic);
            Assert.All(router.DataPlane.Workers, w => Assert.Equal(0, w.Restarts));
        }
        finally
        {
            traffic.Dispose();
        }
        var stopped = router.Stop();
        Assert.True(stopped.Accounting.AllFree, stopped.Accounting.ToString());
        router.Dispose();
    }

    [Fact]
    public void Fault_injection_is_refused_when_disabled_and_nothing_crashes()
    {
        using var router = StartRouter(TestConfigs.TwoInterfaces(faultInjection: false));

        foreach (var target in new[] { "ppe0", "fman" })
        {
            var refused = Assert.IsType<FaultInjectionRefused>(router.Ask<object>(router.Supervisor, new InjectFault(target)));
            Assert.Equal("fault injection is disabled (set actorrouter.fault-injection.enabled = true)", refused.Reason);
        }
        ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        Assert.All(router.DataPlane.Workers, w =>
        {
            Assert.Equal(WorkerState.Running, w.State);
            Assert.Equal(0, w.Restarts);
        });
        Assert.Equal(2, router.Interfaces().Count);
    }

    [Fact]
    public void An_unknown_fault_target_is_refused_with_the_valid_targets()
    {
        using var router = StartRouter(TestConfigs.TwoInterfaces(faultInjection: true));

        var refused = Assert.IsType<FaultInjectionRefused>(router.Ask<object>(router.Supervisor, new InjectFault("ppe7")));

        Assert.Equal("no thread or actor named 'ppe7' (targets: rx, ppe0, ppe1, hqf, fman, platform, qfp-client)", refused.Reason);
    }
}
