using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Forwarding;
using static ActorRouter.DataPlane.Tests.Pipeline.TestRouter;

namespace ActorRouter.DataPlane.Tests.Pipeline;

[Collection("Load")]
public class ThreadBehaviourTests
{
    private static long CpuTicks(int tid)
    {
        // Fields 14 and 15 of /proc/<pid>/task/<tid>/stat: user and system time in clock ticks.
        var stat = File.ReadAllText($"/proc/self/task/{tid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11]) + long.Parse(fields[12]);
    }

    [Theory]
    [InlineData(DataPlaneLayout.Split)]
    [InlineData(DataPlaneLayout.Collapsed)]
    public void An_idle_data_plane_sleeps_and_uses_next_to_no_cpu(DataPlaneLayout layout)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        using var router = new TestRouter(options: new DataPlaneOptions { BufferCount = 8192, PpeThreads = 2, Layout = layout, Workers = 2 });
        Thread.Sleep(300);
        var before = router.DataPlane.Workers.Select(w => CpuTicks(w.OsThreadId)).ToArray();
        var sleepsBefore = router.DataPlane.Workers.Select(w => w.Counters.Sleeps).ToArray();
        Thread.Sleep(2000);
        var after = router.DataPlane.Workers.Select(w => CpuTicks(w.OsThreadId)).ToArray();

        for (var i = 0; i < before.Length; i++)
        {
            var worker = router.DataPlane.Workers[i];
            // Clock ticks are 10 ms: 10 ticks in 2 s would be 5 % of a core.
            Assert.True(after[i] - before[i] <= 10, $"{worker.Name} used {after[i] - before[i]} ticks in 2 s idle");
            Assert.True(worker.Counters.Sleeps > sleepsBefore[i], $"{worker.Name} never slept");
        }
    }

    [Fact]
    public void Threads_are_pinned_to_their_configured_cores()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        var lastCore = Environment.ProcessorCount - 1;
        using var router = new TestRouter(options: new DataPlaneOptions { BufferCount = 8192, PpeThreads = 2, RxCore = 0, PpeCores = [lastCore, 0], HqfCore = lastCore });
        Assert.True(WaitUntil(() => router.DataPlane.Workers.All(w => w.OsThreadId != 0)));

        string Allowed(int tid) => File.ReadAllLines($"/proc/self/task/{tid}/status").Single(l => l.StartsWith("Cpus_allowed_list:"))[18..].Trim();
        var dp = router.DataPlane;
        Assert.Equal("0", Allowed(dp.Rx.OsThreadId));
        Assert.Equal(lastCore.ToString(), Allowed(dp.Ppes[0].OsThreadId));
        Assert.Equal("0", Allowed(dp.Ppes[1].OsThreadId));
        Assert.Equal(lastCore.ToString(), Allowed(dp.Hqf.OsThreadId));
        Assert.All(dp.Workers, w => Assert.True(w.Pinned));
    }

    [Fact]
    public void Route_changes_under_traffic_apply_atomically_and_old_fibs_are_freed()
    {
        using var router = new TestRouter(ppeThreads: 2);
        var dp = router.DataPlane;
        var stop = false;
        var sent = 0;
        var sender = new Thread(() =>
        {
            var frame = UdpFrom(0, HostAddresses[1]);
            var sink = new byte[2048];
            while (!Volatile.Read(ref stop))
            {
                if (router.Host(0).Send(frame))
                {
                    sent++;
                }
                while (router.Host(1).TryReceive(sink, out _))
                {
                }
            }
        });
        sender.Start();
        // Republish the same routes (each a new FIB) and flip an unrelated static route, many times.
        for (var i = 0; i < 20; i++)
        {
            var routes = new List<StaticRoute>(router.StaticRoutes);
            if (i % 2 == 0)
            {
                routes.Add(new StaticRoute(0xC6336400, 24, HostAddresses[2]));
            }
            dp.PublishRoutes(routes, router.Neighbors);
            Thread.Sleep(10);
        }
        Volatile.Write(ref stop, true);
        Assert.True(sender.Join(10000));
        var drain = new byte[2048];
        Assert.True(WaitUntil(() =>
        {
            while (router.Host(1).TryReceive(drain, out _))
            {
            }
            return dp.ReadInterfaceCounter(1, InterfaceCounter.TxPackets) + dp.ReadInterfaceCounter(1, InterfaceCounter.Drops) == sent;
        }, 10000), "not every frame sent was transmitted or counted as dropped");

        // No packet met a half-built table: none was dropped for lack of a route or adjacency.
        Assert.Equal(0, dp.ReadDrops(DropReason.NoRoute));
        Assert.Equal(0, dp.ReadDrops(DropReason.NoAdjacency));
        Assert.True(sent > 0);
        Assert.True(WaitUntil(() => dp.ReclaimRetiredTables() == 0), "retired FIB snapshots were never freed");
    }
}
