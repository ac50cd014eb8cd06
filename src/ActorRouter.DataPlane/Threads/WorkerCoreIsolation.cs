using System.Runtime.InteropServices;

namespace ActorRouter.DataPlane.Threads;

/// <summary>
/// Keeps every thread of the process but the pinned data-plane threads off the cores those threads
/// are pinned to (VPP's main-core/worker-core split), for a process that is a router and nothing else.
/// <para>
/// Why: a pinned worker shares its core with whatever the scheduler puts there, and a thread inherits
/// the CPU mask of the thread that creates it. The runtime creates threads on demand — the tiered JIT's
/// background compiler, thread-pool workers — and when the creator is a worker (its methods reach their
/// call-count threshold on the worker thread), the new thread is pinned to the worker's core. Measured
/// on the 2-core development machine with AF_XDP at ~500 kpps: the tiered compiler ran on the worker's
/// core in slices of 2–4 ms (`perf sched timehist`), about 4 % of the core for seconds after the
/// router started; a 4 ms gap is 2000 frames at that rate, four times a 512-slot RX ring, and every one
/// of those gaps lost frames.
/// </para>
/// <para>
/// How: no runtime hook announces a new thread, so the threads are swept: at start, every
/// <see cref="SweepInterval"/> for ten seconds and every <see cref="SettledSweepInterval"/> after that, each thread listed in /proc/self/task that is not a pinned data-plane
/// thread and may run on a worker core gets the housekeeping mask (the cores the process had, less the
/// worker cores). A sweep reads a directory and makes one system call per thread (tens of microseconds),
/// so an idle router stays far under 1 % of a core. Disposing gives every thread it moved the mask the
/// process had before.
/// </para>
/// </summary>
public sealed partial class WorkerCoreIsolation : IDisposable
{
    /// <summary>The sweep's period in the first seconds, while the runtime still creates threads (its JIT, the thread pool growing).</summary>
    public static readonly TimeSpan SweepInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>The period once the process has settled: an idle router's sweeps stay negligible.</summary>
    public static readonly TimeSpan SettledSweepInterval = TimeSpan.FromSeconds(1);

    private const int SweepsBeforeSettling = 100; // ten seconds at the first period

    private const int MaskWords = 16; // 1024 CPUs, as LayoutPlanner reads them

    private readonly Func<IReadOnlyList<DataPlaneWorker>> _workers;
    private readonly ulong[] _housekeeping = new ulong[MaskWords];
    private readonly ulong[] _workerCores = new ulong[MaskWords];
    private readonly ulong[] _processCores = new ulong[MaskWords];
    private readonly HashSet<int> _moved = [];
    private readonly Lock _sweepLock = new();
    private readonly Timer _timer;
    private bool _disposed;
    private long _threadsMoved;

    private WorkerCoreIsolation(Func<IReadOnlyList<DataPlaneWorker>> workers, IReadOnlyList<int> processCores, IReadOnlyList<int> workerCores)
    {
        _workers = workers;
        foreach (var core in processCores)
        {
            SetBit(_processCores, core);
            SetBit(_housekeeping, core);
        }
        foreach (var core in workerCores)
        {
            SetBit(_workerCores, core);
            _housekeeping[core / 64] &= ~(1UL << (core % 64));
        }
        HousekeepingCores = Cores(_housekeeping);
        WorkerCores = Cores(_workerCores);
        Sweep();
        _timer = new Timer(_ => TimedSweep(), null, SweepInterval, SweepInterval);
    }

    /// <summary>The cores every other thread is kept on.</summary>
    public IReadOnlyList<int> HousekeepingCores { get; }

    /// <summary>The cores of the pinned data-plane threads.</summary>
    public IReadOnlyList<int> WorkerCores { get; }

    /// <summary>How many times a thread was moved off the worker cores (a thread created there counts once per move).</summary>
    public long ThreadsMoved => Interlocked.Read(ref _threadsMoved);

    /// <summary>
    /// Starts keeping other threads off the cores of <paramref name="workers"/>' pinned threads, or
    /// returns null with the reason when there is nothing to do: not Linux, no pinned thread, or the
    /// pinned threads hold every core the process may use (nowhere to move the rest).
    /// </summary>
    public static WorkerCoreIsolation? Start(Func<IReadOnlyList<DataPlaneWorker>> workers, IReadOnlyList<int> processCores, IReadOnlyList<int> workerCores, out string? whyNot)
    {
        ArgumentNullException.ThrowIfNull(workers);
        whyNot = null;
        if (!OperatingSystem.IsLinux())
        {
            whyNot = "thread affinity is set on Linux only";
            return null;
        }
        var pinned = new List<int>();
        foreach (var core in workerCores)
        {
            if (core >= 0 && core < MaskWords * 64 && !pinned.Contains(core))
            {
                pinned.Add(core);
            }
        }
        if (pinned.Count == 0)
        {
            whyNot = "no data-plane thread is pinned";
            return null;
        }
        var left = 0;
        foreach (var core in processCores)
        {
            if (!pinned.Contains(core))
            {
                left++;
            }
        }
        if (left == 0)
        {
            whyNot = $"the pinned data-plane threads hold every core of the process ({string.Join(", ", processCores)})";
            return null;
        }
        return new WorkerCoreIsolation(workers, processCores, pinned);
    }

    private int _timedSweeps;

    private void TimedSweep()
    {
        Sweep();
        if (++_timedSweeps == SweepsBeforeSettling)
        {
            try
            {
                _timer.Change(SettledSweepInterval, SettledSweepInterval);
            }
            catch (ObjectDisposedException)
            {
                // Disposed meanwhile: nothing to reschedule.
            }
        }
    }

    /// <summary>One sweep now (the timer runs one every <see cref="SweepInterval"/>, then every <see cref="SettledSweepInterval"/>).</summary>
    public void Sweep()
    {
        lock (_sweepLock)
        {
            if (_disposed)
            {
                return;
            }
            var keep = PinnedThreadIds(out var names);
            Span<ulong> mask = stackalloc ulong[MaskWords];
            foreach (var tid in ThreadIds())
            {
                if (keep.Contains(tid))
                {
                    continue;
                }
                mask.Clear();
                if (SchedGetAffinity(tid, MaskWords * sizeof(ulong), mask) != 0 || !Intersects(mask, _workerCores))
                {
                    continue; // gone meanwhile, or already off the worker cores
                }
                if (names.Contains(ThreadName(tid)))
                {
                    continue; // a data-plane thread that has pinned itself but not yet published its id (a restart)
                }
                if (SchedSetAffinity(tid, MaskWords * sizeof(ulong), _housekeeping) == 0)
                {
                    _moved.Add(tid);
                    Interlocked.Increment(ref _threadsMoved);
                }
            }
        }
    }

    /// <summary>Stops sweeping and gives every thread it moved the process's mask back.</summary>
    public void Dispose()
    {
        _timer.Dispose();
        lock (_sweepLock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            var alive = new HashSet<int>(ThreadIds());
            foreach (var tid in _moved)
            {
                if (alive.Contains(tid))
                {
                    SchedSetAffinity(tid, MaskWords * sizeof(ulong), _processCores);
                }
            }
            _moved.Clear();
        }
    }

    private HashSet<int> PinnedThreadIds(out HashSet<string> names)
    {
        var ids = new HashSet<int>();
        names = [];
        foreach (var worker in _workers())
        {
            if (worker.Core < 0)
            {
                continue;
            }
            // Linux keeps 15 characters of a thread's name.
            names.Add(worker.Name.Length > 15 ? worker.Name[..15] : worker.Name);
            if (worker.PinnedToCore && worker.OsThreadId != 0)
            {
                ids.Add(worker.OsThreadId);
            }
        }
        return ids;
    }

    private static string ThreadName(int tid)
    {
        try
        {
            return File.ReadAllText($"/proc/self/task/{tid}/comm").TrimEnd('\n');
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static List<int> ThreadIds()
    {
        var ids = new List<int>();
        try
        {
            foreach (var path in Directory.EnumerateDirectories("/proc/self/task"))
            {
                if (int.TryParse(Path.GetFileName(path), out var tid))
                {
                    ids.Add(tid);
                }
            }
        }
        catch (IOException)
        {
            // /proc unreadable: nothing to sweep this time.
        }
        catch (UnauthorizedAccessException)
        {
        }
        return ids;
    }

    private static bool Intersects(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b)
    {
        for (var i = 0; i < a.Length; i++)
        {
            if ((a[i] & b[i]) != 0)
            {
                return true;
            }
        }
        return false;
    }

    private static void SetBit(ulong[] mask, int core)
    {
        if (core >= 0 && core < MaskWords * 64)
        {
            mask[core / 64] |= 1UL << (core % 64);
        }
    }

    private static int[] Cores(ReadOnlySpan<ulong> mask)
    {
        var cores = new List<int>();
        for (var core = 0; core < MaskWords * 64; core++)
        {
            if ((mask[core / 64] & (1UL << (core % 64))) != 0)
            {
                cores.Add(core);
            }
        }
        return cores.ToArray();
    }

    /// <summary>The CPU mask of thread <paramref name="tid"/> (tests read it).</summary>
    public static int[] AffinityOf(int tid)
    {
        Span<ulong> mask = stackalloc ulong[MaskWords];
        return SchedGetAffinity(tid, MaskWords * sizeof(ulong), mask) == 0 ? Cores(mask) : [];
    }

    [LibraryImport("libc", EntryPoint = "sched_getaffinity", SetLastError = true)]
    private static partial int SchedGetAffinity(int tid, nuint cpuSetSize, Span<ulong> mask);

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static partial int SchedSetAffinity(int tid, nuint cpuSetSize, ReadOnlySpan<ulong> mask);
}
