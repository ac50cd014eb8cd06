using ActorRouter.DataPlane.Threads;

namespace ActorRouter.DataPlane.Tests.Units;

/// <summary>
/// The console host's isolation of the data-plane cores: threads of the process that may run on a pinned
/// worker's core — such as a thread a worker created, which inherits the worker's single-core mask — are
/// moved to the other cores, the worker stays where it is, and stopping gives the moved threads their mask
/// back. These tests move the test process's own threads for a moment; the data plane restores them.
/// </summary>
[Collection("Load")] // it moves the process's threads for a moment: not beside tests that check where theirs are pinned
public class WorkerCoreIsolationTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [SkippableFact]
    public void A_thread_on_the_worker_core_is_moved_off_it_and_gets_its_mask_back_when_the_data_plane_stops()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "thread affinity is set on Linux only");
        var cores = LayoutPlanner.AvailableCores();
        Skip.If(cores.Length < 2, $"needs two cores in the process's CPU mask; it has [{string.Join(", ", cores)}]");
        var workerCore = cores[^1];
        var housekeeping = cores[..^1];
        using var dataPlane = new QfpDataPlane(new DataPlaneOptions
        {
            BufferCount = 4096,
            Layout = DataPlaneLayout.Collapsed,
            Workers = 1,
            WorkerCores = [workerCore],
            IsolateWorkerCores = true,
        });
        dataPlane.Start();
        var worker = dataPlane.Workers[0];
        WaitFor(() => worker.OsThreadId != 0 && worker.PinnedToCore, "the worker pinned");

        // A thread that pins itself to the worker's core after the start: what a thread created by the worker looks like.
        using var release = new ManualResetEventSlim();
        var strayTid = 0;
        var stray = new Thread(() =>
        {
            ThreadAffinity.TryPinCurrentThread(workerCore);
            Volatile.Write(ref strayTid, ThreadAffinity.CurrentOsThreadId());
            release.Wait();
        }) { IsBackground = true, Name = "stray" };
        stray.Start();
        WaitFor(() => Volatile.Read(ref strayTid) != 0, "the stray thread started");

        WaitFor(() => WorkerCoreIsolation.AffinityOf(strayTid).SequenceEqual(housekeeping), $"the stray thread moved to [{string.Join(", ", housekeeping)}]");
        Assert.Equal([workerCore], WorkerCoreIsolation.AffinityOf(worker.OsThreadId));
        Assert.Equal(housekeeping, WorkerCoreIsolation.AffinityOf(ThreadAffinity.CurrentOsThreadId()));
        Assert.True(dataPlane.Isolation!.ThreadsMoved >= 2);
        Assert.Equal($"other threads kept on cores [{string.Join(", ", housekeeping)}], off the data-plane cores [{workerCore}]", dataPlane.IsolationNote);

        dataPlane.Stop();
        Assert.Null(dataPlane.Isolation);
        Assert.Equal(cores, WorkerCoreIsolation.AffinityOf(strayTid));
        Assert.Equal(cores, WorkerCoreIsolation.AffinityOf(ThreadAffinity.CurrentOsThreadId()));
        release.Set();
        stray.Join();
    }

    [SkippableFact]
    public void Without_the_option_no_thread_is_moved()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "thread affinity is set on Linux only");
        var cores = LayoutPlanner.AvailableCores();
        Skip.If(cores.Length < 2, $"needs two cores in the process's CPU mask; it has [{string.Join(", ", cores)}]");
        using var dataPlane = new QfpDataPlane(new DataPlaneOptions { BufferCount = 4096, Layout = DataPlaneLayout.Collapsed, Workers = 1, WorkerCores = [cores[^1]] });
        dataPlane.Start();
        WaitFor(() => dataPlane.Workers[0].PinnedToCore, "the worker pinned");
        Assert.Null(dataPlane.Isolation);
        Assert.Null(dataPlane.IsolationNote);
        Assert.Equal(cores, WorkerCoreIsolation.AffinityOf(ThreadAffinity.CurrentOsThreadId()));
    }

    [SkippableFact]
    public void Nothing_is_isolated_when_no_thread_is_pinned_or_the_pinned_threads_hold_every_core()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "thread affinity is set on Linux only");
        Assert.Null(WorkerCoreIsolation.Start(() => [], [0, 1], [-1, -1], out var unpinned));
        Assert.Equal("no data-plane thread is pinned", unpinned);
        Assert.Null(WorkerCoreIsolation.Start(() => [], [0, 1], [1, 0], out var everyCore));
        Assert.Equal("the pinned data-plane threads hold every core of the process (0, 1)", everyCore);
    }

    private static void WaitFor(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not within {Deadline.TotalSeconds} s: {what}");
            Thread.Sleep(10);
        }
    }
}
