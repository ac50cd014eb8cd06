using ActorRouter.DataPlane.Threads;

namespace ActorRouter.DataPlane.Tests.Units;

public class LayoutPlannerTests
{
    [Theory]
    [InlineData(new[] { 0 }, 1, new[] { 0 })]
    [InlineData(new[] { 0, 1 }, 1, new[] { 1 })]
    [InlineData(new[] { 0, 1, 2, 3 }, 3, new[] { 1, 2, 3 })]
    [InlineData(new[] { 2, 5, 7 }, 2, new[] { 5, 7 })]
    public void Auto_is_collapsed_with_a_pinned_worker_on_every_core_but_the_first(int[] cores, int workers, int[] workerCores)
    {
        var plan = LayoutPlanner.Plan(new DataPlaneOptions { Layout = DataPlaneLayout.Auto }, cores);

        Assert.Equal(DataPlaneLayout.Collapsed, plan.Layout);
        Assert.Equal(workers, plan.Workers);
        Assert.Equal(workerCores, plan.WorkerCores);
    }

    [Fact]
    public void Collapsed_has_one_unpinned_worker_per_core_unless_told_otherwise()
    {
        Assert.Equal([-1, -1, -1, -1], LayoutPlanner.Plan(new DataPlaneOptions { Layout = DataPlaneLayout.Collapsed }, [0, 1, 2, 3]).WorkerCores);
        var told = LayoutPlanner.Plan(new DataPlaneOptions { Layout = DataPlaneLayout.Collapsed, Workers = 3, WorkerCores = [2, 0] }, [0, 1]);
        Assert.Equal(3, told.Workers);
        Assert.Equal([2, 0, -1], told.WorkerCores);
    }

    [Fact]
    public void Split_is_split_and_the_data_plane_builds_the_threads_the_plan_names()
    {
        Assert.Equal(DataPlaneLayout.Split, LayoutPlanner.Plan(new DataPlaneOptions { Layout = DataPlaneLayout.Split }, [0, 1]).Layout);
        using var split = new QfpDataPlane(new DataPlaneOptions { BufferCount = 4096, PpeThreads = 2 });
        Assert.Equal(["rx", "ppe0", "ppe1", "hqf"], split.Workers.Select(w => w.Name));
        using var collapsed = new QfpDataPlane(new DataPlaneOptions { BufferCount = 4096, Layout = DataPlaneLayout.Collapsed, Workers = 3 });
        Assert.Equal(["worker0", "worker1", "worker2"], collapsed.Workers.Select(w => w.Name));
        Assert.Empty(collapsed.Ppes);
        Assert.Throws<InvalidOperationException>(() => collapsed.Rx);
    }
}
