using System.Runtime.InteropServices;
using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Vnic;

namespace ActorRouter.DataPlane.Threads;

public enum WorkerState
{
    Created,
    Running,
    Stopped,
    Faulted,
}

/// <summary>What the supervisor learns when a data-plane thread dies.</summary>
public sealed record WorkerFault(string Worker, Exception Exception, DateTime At);

/// <summary>
/// A pinned data-plane thread (Rx, PPE or HQF): a loop that does bursts of work, spins briefly
/// when idle and then sleeps on its <see cref="WakeSignal"/>. It counts a heartbeat on every turn,
/// and an exception ends the thread (never the process) and is reported to the supervisor, which
/// may restart the same worker — same rings, same counters — after it has reclaimed the buffers the
/// dead thread held.
/// </summary>
public abstract class DataPlaneWorker : ActorRouter.DataPlane.Ports.ISupervisedThread
{
    /// <summary>How long an idle thread keeps polling before it sleeps: long enough that a steady
    /// flow never pays a wake-up per burst, short enough that an idle router uses next to no CPU.</summary>
    private static readonly long IdlePollTicks = System.Diagnostics.Stopwatch.Frequency / 5000; // 200 µs
    private const int DefaultSleepTimeoutMilliseconds = 100;
    private Thread? _thread;
    private volatile bool _stopRequested;
    private volatile bool _faultRequested;
    private int _stallMilliseconds;
    private long _epoch;
    private long _heartbeat;
    private long _allocatedBytes;
    private int _restarts;
    private volatile WorkerState _state = WorkerState.Created;

    protected DataPlaneWorker(string name, int core, ThreadCounters counters)
    {
        Name = name;
        Core = core;
        Counters = counters;
    }

    public string Name { get; }

    /// <summary>CPU the thread is pinned to, or -1 when unpinned.</summary>
    public int Core { get; }

    public ThreadCounters Counters { get; }
    public WakeSignal Signal { get; } = new();
    public WorkerState State => _state;
    public long Heartbeat => Volatile.Read(ref _heartbeat);
    public int Restarts => Volatile.Read(ref _restarts);
    public WorkerFault? LastFault { get; private set; }

    /// <summary>
    /// Bytes the thread has allocated on the managed heap since it started, as the thread itself
    /// last read it (every 1024 turns and before each sleep). Steady-state forwarding keeps it flat.
    /// </summary>
    public long AllocatedBytes => Volatile.Read(ref _allocatedBytes);

    /// <summary>The Linux thread id of the running thread (for /proc/self/task and tools like top -H), 0 before start.</summary>
    public int OsThreadId { get; private set; }

    /// <summary>True when the last pinning attempt succeeded (or no pinning was asked for).</summary>
    public bool Pinned { get; private set; }

    /// <summary>Bound to the core it asked for (false when it asked for none).</summary>
    public bool PinnedToCore => Core >= 0 && Pinned;

    /// <summary>Raised on the dying thread when the loop throws.</summary>
    public event Action<WorkerFault>? Faulted;

    /// <summary>Odd while inside a burst; see <see cref="IsQuiescentSince"/>.</summary>
    internal long Epoch => Interlocked.Read(ref _epoch);

    /// <summary>True if the thread has left every burst it was in when <paramref name="epoch"/> was read.</summary>
    internal bool IsQuiescentSince(long epoch)
    {
        var now = Epoch;
        return (now & 1) == 0 || now > epoch || _state != WorkerState.Running;
    }

    public void Start()
    {
        if (_state == WorkerState.Running)
        {
            throw new InvalidOperationException($"{Name} is already running");
        }
        _stopRequested = false;
        _faultRequested = false;
        _state = WorkerState.Running;
        _thread = new Thread(Loop) { IsBackground = true, Name = Name };
        _thread.Start();
    }

    /// <summary>Asks the loop to end and waits for it; safe to call on a faulted or stopped worker.</summary>
    public void Stop()
    {
        _stopRequested = true;
        Signal.Wake();
        var thread = _thread;
        if (thread is not null && thread != Thread.CurrentThread)
        {
            thread.Join();
        }
        if (_state == WorkerState.Running)
        {
            _state = WorkerState.Stopped;
        }
    }

    /// <summary>
    /// Restarts a faulted (or stopped) worker on the same rings: first returns to GPM every buffer
    /// the old thread held, then starts a new thread.
    /// </summary>
    public void Restart()
    {
        Stop();
        ReclaimHeldBuffers();
        Interlocked.Increment(ref _restarts);
        Start();
    }

    /// <summary>Fault injection: the thread throws at its next turn, while it holds buffers.</summary>
    public void InjectFault()
    {
        _faultRequested = true;
        Signal.Wake();
    }

    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    /// <summary>Fault injection: the thread stops turning (no heartbeat) for <paramref name="duration"/>, as a hung thread would.</summary>
    public void InjectStall(TimeSpan duration)
    {
        Volatile.Write(ref _stallMilliseconds, (int)Math.Clamp(duration.TotalMilliseconds, 1, int.MaxValue));
        Signal.Wake();
    }

    private void Loop()
    {
        Pinned = Core < 0 || ThreadAffinity.TryPinCurrentThread(Core);
        // Published last: a non-zero id tells observers the thread is set up.
        OsThreadId = ThreadAffinity.CurrentOsThreadId();
        long idleSince = 0;
        try
        {
            while (!_stopRequested)
            {
                Interlocked.Increment(ref _epoch);
                bool worked;
                try
                {
                    worked = RunOnce();
                    if (_faultRequested && !worked)
                    {
                        // Idle: fail here rather than wait for traffic to reach the fault point.
                        FailIfFaultInjected();
                    }
                }
                finally
                {
                    Interlocked.Increment(ref _epoch);
                }
                if (Volatile.Read(ref _stallMilliseconds) != 0)
                {
                    Thread.Sleep(Interlocked.Exchange(ref _stallMilliseconds, 0));
                }
                Volatile.Write(ref _heartbeat, _heartbeat + 1);
                if ((_heartbeat & 1023) == 0)
                {
                    Volatile.Write(ref _allocatedBytes, GC.GetAllocatedBytesForCurrentThread());
                }
                if (worked)
                {
                    idleSince = 0;
                    continue;
                }
                var now = System.Diagnostics.Stopwatch.GetTimestamp();
                if (idleSince == 0)
                {
                    idleSince = now;
                }
                if (now - idleSince < IdlePollTicks)
                {
                    // Give the core to any other runnable thread (several data-plane threads may share one).
                    Thread.Yield();
                    continue;
                }
                idleSince = 0;
                Signal.PrepareToSleep();
                if (HasPendingWork() || _stopRequested || _faultRequested)
                {
                    Signal.CancelSleep();
                    continue;
                }
                Counters.Sleeps++;
                Volatile.Write(ref _allocatedBytes, GC.GetAllocatedBytesForCurrentThread());
                Signal.Sleep(SleepTimeout, SleepFileDescriptors);
            }
            _state = WorkerState.Stopped;
        }
        catch (Exception ex)
        {
            var fault = new WorkerFault(Name, ex, DateTime.UtcNow);
            LastFault = fault;
            _state = WorkerState.Faulted;
            Faulted?.Invoke(fault);
        }
    }

    /// <summary>Called by workers while they hold a burst, so an injected fault strands buffers as a real crash would.</summary>
    protected void FailIfFaultInjected()
    {
        if (_faultRequested)
        {
            _faultRequested = false;
            throw new InjectedFaultException(Name);
        }
    }

    /// <summary>One turn of work; true if anything was done.</summary>
    protected abstract bool RunOnce();

    /// <summary>Longest sleep; the heartbeat advances at least this often when idle.</summary>
    protected virtual int SleepTimeout => DefaultSleepTimeoutMilliseconds;

    /// <summary>File descriptors that also end a sleep when readable (AF_PACKET rings of the Rx thread's ports).</summary>
    protected virtual ReadOnlySpan<int> SleepFileDescriptors => default;

    /// <summary>The last look before sleeping: is anything waiting?</summary>
    protected abstract bool HasPendingWork();

    /// <summary>Returns to GPM the buffers the (stopped or dead) thread held privately.</summary>
    protected internal abstract void ReclaimHeldBuffers();
}

/// <summary>The exception a worker throws when fault injection asks it to fail.</summary>
public sealed class InjectedFaultException(string worker) : Exception($"fault injected into {worker}");

/// <summary>Pins the calling thread to one CPU with Linux sched_setaffinity.</summary>
public static partial class ThreadAffinity
{
    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static partial int SchedSetAffinity(int pid, nuint cpuSetSize, ref ulong mask);

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetTid();

    public static int CurrentOsThreadId() => OperatingSystem.IsLinux() ? GetTid() : Environment.CurrentManagedThreadId;

    public static bool TryPinCurrentThread(int core)
    {
        if (!OperatingSystem.IsLinux() || core < 0 || core >= 64)
        {
            return false;
        }
        var mask = 1UL << core;
        // pid 0 is the calling thread.
        return SchedSetAffinity(0, sizeof(ulong), ref mask) == 0;
    }
}
