using System.Runtime.InteropServices;

namespace ActorRouter.DataPlane.Threads;

/// <summary>The threads a data plane will run: the layout resolved, and where each thread is pinned (-1: unpinned).</summary>
public sealed record LayoutPlan(DataPlaneLayout Layout, int Workers, IReadOnlyList<int> WorkerCores, string Reason)
{
    public override string ToString() => Layout == DataPlaneLayout.Split
        ? $"split ({Reason})"
        : $"collapsed, {Workers} worker{(Workers == 1 ? "" : "s")} on cores [{string.Join(", ", WorkerCores)}] ({Reason})";
}

/// <summary>
/// Resolves <see cref="DataPlaneLayout.Auto"/> from the cores the process may run on.
/// <para>
/// Why collapsed, one worker per core: a packet then costs no hand-off between threads. In the split
/// layout each burst crosses two SPSC rings and can wake two sleeping threads (Rx → PPE → HQF), and
/// on a machine with fewer cores than busy threads those threads take turns on a core, so each burst
/// also waits for the scheduler. Measured on the 2-core development machine in repeated runs of
/// <c>dotnet run -c Release --project tests/ActorRouter.Benchmarks -- pipeline</c> (figures in
/// config/README.md, "data-plane.layout"): one collapsed worker pinned to the second core forwarded
/// a median 3.6 Mpps, one unpinned 3.0, against 1.6 for split with one PPE and 1.3 with two; with
/// fewer threads it also sleeps and wakes less.
/// </para>
/// <para>
/// Why a worker per core and not more: a worker never waits for another stage, so a second worker on
/// the same core only takes turns with the first. Ports are spread over the workers by index (see
/// <see cref="CollapsedWorker.OwnerOf"/>), so more workers than registered ports leave some idle
/// (asleep, at no cost). Auto pins each worker to its core, as VPP does, so a worker keeps its caches;
/// the first core is left to the kernel (interrupts, the softirq work of AF_PACKET and veth, a local
/// sender) and the control plane. The price, measured on the loaded development machine: a pinned
/// worker waits for its own core when other processes hold it, so light-load latency suffers on a
/// shared machine (there, collapsed with unpinned workers is the better choice).
/// </para>
/// </summary>
public static partial class LayoutPlanner
{
    [LibraryImport("libc", EntryPoint = "sched_getaffinity", SetLastError = true)]
    private static partial int SchedGetAffinity(int pid, nuint cpuSetSize, Span<ulong> mask);

    /// <summary>The CPUs this process may run on (its affinity mask), in ascending order.</summary>
    public static int[] AvailableCores()
    {
        if (OperatingSystem.IsLinux())
        {
            Span<ulong> mask = stackalloc ulong[16]; // 1024 CPUs
            if (SchedGetAffinity(0, (nuint)(mask.Length * sizeof(ulong)), mask) == 0)
            {
                var cores = new List<int>();
                for (var word = 0; word < mask.Length; word++)
                {
                    for (var bit = 0; bit < 64; bit++)
                    {
                        if ((mask[word] & (1UL << bit)) != 0)
                        {
                            cores.Add(word * 64 + bit);
                        }
                    }
                }
                if (cores.Count > 0)
                {
                    return cores.ToArray();
                }
            }
        }
        var all = new int[Environment.ProcessorCount];
        for (var i = 0; i < all.Length; i++)
        {
            all[i] = i;
        }
        return all;
    }

    public static LayoutPlan Plan(DataPlaneOptions options) => Plan(options, AvailableCores());

    public static LayoutPlan Plan(DataPlaneOptions options, IReadOnlyList<int> availableCores)
    {
        switch (options.Layout)
        {
            case DataPlaneLayout.Split:
                return new LayoutPlan(DataPlaneLayout.Split, 0, Array.Empty<int>(), "configured");
            case DataPlaneLayout.Collapsed:
            {
                var workers = options.Workers > 0 ? options.Workers : Math.Max(1, availableCores.Count);
                var cores = new int[workers];
                for (var i = 0; i < workers; i++)
                {
                    cores[i] = i < options.WorkerCores.Count ? options.WorkerCores[i] : -1;
                }
                return new LayoutPlan(DataPlaneLayout.Collapsed, workers, cores,
                    options.Workers > 0 ? "configured" : $"one per core of {availableCores.Count}");
            }
            default:
            {
                // VPP's placement: the first core stays with the kernel (interrupts, softirq, the
                // veth and AF_PACKET work of the sending side) and the control plane; a worker on
                // each other core. With one or two cores that is one worker, on the last core.
                var pool = availableCores.Count > 1 ? availableCores.Skip(1).ToArray() : availableCores.ToArray();
                var workers = options.Workers > 0 ? options.Workers : Math.Max(1, pool.Length);
                var cores = new int[workers];
                for (var i = 0; i < workers; i++)
                {
                    cores[i] = i < options.WorkerCores.Count ? options.WorkerCores[i] : pool.Length > 0 ? pool[i % pool.Length] : -1;
                }
                return new LayoutPlan(DataPlaneLayout.Collapsed, workers, cores,
                    $"auto: {availableCores.Count} core{(availableCores.Count == 1 ? "" : "s")}, a pinned worker on each but the first");
            }
        }
    }
}
