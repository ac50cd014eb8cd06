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
    /// <summary>How long <see cref="Stop"/> waits for the thread to leave its loop before it fences it as hung.</summary>
    private static readonly TimeSpan StopJoinTimeout = TimeSpan.FromSeconds(5);
    /// <summary>The generation the running thread was started with, as that thread sees it (each thread runs one worker loop).</summary>
    [ThreadStatic]
    private static long t_ownGeneration;
    private Thread? _thread;
    private volatile bool _stopRequested;
    private volatile bool _faultRequested;
    private int _stallMilliseconds;
    // The fence: a thread may touch this worker's rings, buffers and fields only while this still equals the
    // generation it was started with. Fence() moves it on; the old thread, should it ever run again, meets the
    // changed value at its next burst checkpoint and leaves without touching anything.
    private long _generation;
    // Fenced threads that have not left yet; while any is out there, every burst checkpoint looks at the fence.
    private int _abandonedThreads;
    private int _fences;
    private bool _everStarted;
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

    /// <summary>Times a hung thread of this worker was fenced off (and its work given to a new thread).</summary>
    public int Fences => Volatile.Read(ref _fences);

    /// <summary>Fenced threads that are still stuck where they hung (they leave, touching nothing, if they ever wake).</summary>
    public int AbandonedThreads => Volatile.Read(ref _abandonedThreads);

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
        // A thread that died (or was fenced) inside a burst left the epoch odd: the new thread starts outside any burst.
        if ((Interlocked.Read(ref _epoch) & 1) != 0)
        {
            Interlocked.Increment(ref _epoch);
        }
        _state = WorkerState.Running;
        _everStarted = true;
        var generation = Interlocked.Read(ref _generation);
        _thread = new Thread(() => Loop(generation)) { IsBackground = true, Name = Name };
        _thread.Start();
        OnThreadStarted();
    }

    /// <summary>Asks the loop to end and waits for it; safe to call on a faulted or stopped worker.</summary>
    public void Stop()
    {
        _stopRequested = true;
        Signal.Wake();
        var thread = _thread;
        if (thread is not null && thread != Thread.CurrentThread && !thread.Join(StopJoinTimeout))
        {
            // Hung: it cannot be joined (nor killed); fence it so the buffers it held can be reclaimed safely.
            Fence("did not stop within " + StopJoinTimeout.TotalSeconds + " s");
        }
        _thread = null;
        if (_state == WorkerState.Running)
        {
            _state = WorkerState.Stopped;
        }
    }

    /// <summary>
    /// Fences off a hung thread. A managed thread cannot be killed, so it is disowned instead: the
    /// worker's generation moves on, and the old thread checks it at every burst checkpoint (and right
    /// after a hang point) before it touches a ring, a buffer or this worker's fields, so if it ever
    /// wakes it leaves without touching anything. Afterwards the worker is Faulted and
    /// <see cref="Restart"/> reclaims what the old thread held and starts a new thread on the same rings.
    /// The thread is given <paramref name="grace"/> to leave by itself first (it was only slow): then
    /// nothing of it is left behind. False when no thread was running.
    /// <para>
    /// The fence is checked once per burst (at the burst checkpoint, after the graph, at the top of every
    /// turn), not per packet: a thread stuck for good (a loop that never ends) never touches anything again,
    /// and an injected hang wakes exactly at a fence. A thread that hangs inside a graph node and resumes
    /// after the hang limit finishes that node's loop over its burst before it meets the fence — the one
    /// window a per-burst check leaves; the hang limit (seconds) is kept far above any burst's time.
    /// </para>
    /// </summary>
    public bool Fence(string reason, TimeSpan grace = default)
    {
        var thread = _thread;
        if (_state != WorkerState.Running || thread is null)
        {
            return false;
        }
        Interlocked.Increment(ref _abandonedThreads);
        Interlocked.Increment(ref _generation);
        Interlocked.Increment(ref _fences);
        Signal.Wake();
        if (grace > TimeSpan.Zero && thread != Thread.CurrentThread)
        {
            thread.Join(grace);
        }
        _thread = null;
        LastFault = new WorkerFault(Name, new WorkerHungException(Name, reason), DateTime.UtcNow);
        _state = WorkerState.Faulted;
        OnThreadLost();
        return true;
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

    /// <summary>The thread died or was fenced (called on the dying thread, or by <see cref="Fence"/>): no allocation, no lock.</summary>
    protected virtual void OnThreadLost()
    {
    }

    /// <summary>A thread runs again (after <see cref="Start"/>, whether a restart or a reload of the whole data plane).</summary>
    protected virtual void OnThreadStarted()
    {
    }

    /// <summary>Fault injection: the thread throws at its next turn, while it holds buffers.</summary>
    public void InjectFault()
    {
        _faultRequested = true;
        Signal.Wake();
    }

    /// <summary>
    /// Fault injection: at its next burst checkpoint (with a burst in hand; or at once when idle) the thread
    /// stops turning for <paramref name="duration"/>, as a hung thread would: no heartbeat, and it looks at
    /// nothing while it hangs. When it wakes it meets the fence if the supervisor fenced it meanwhile.
    /// </summary>
    /// <summary>An injected hang not yet begun (the thread has not reached a checkpoint since).</summary>
    internal bool StallPending => Volatile.Read(ref _stallMilliseconds) != 0;

    public void InjectStall(TimeSpan duration)
    {
        Volatile.Write(ref _stallMilliseconds, (int)Math.Clamp(duration.TotalMilliseconds, 1, int.MaxValue));
        Signal.Wake();
    }

    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Loop(long generation)
    {
        t_ownGeneration = generation;
        Pinned = Core < 0 || ThreadAffinity.TryPinCurrentThread(Core);
        if (_napNanoseconds > 0)
        {
            // Linux lets a normal thread's sleep run 50 µs late by default, longer than the nap itself.
            ThreadNap.SetTimerSlack(1000);
        }
        // Published last: a non-zero id tells observers the thread is set up.
        OsThreadId = ThreadAffinity.CurrentOsThreadId();
        long idleSince = 0;
        long lastWorkAt = 0;
        var previousReceived = 0;
        var wokeIdle = false;
        var lastWorkedReceived = 0;
        try
        {
            while (!_stopRequested)
            {
                if (Interlocked.Read(ref _generation) != generation)
                {
                    throw new ThreadFencedException();
                }
                Interlocked.Increment(ref _epoch);
                var worked = RunOnce();
                if (!worked)
                {
                    // Idle: a requested fault or hang strikes here rather than wait for traffic to reach its point.
                    BurstCheckpoint();
                }
                Interlocked.Increment(ref _epoch);
                Volatile.Write(ref _heartbeat, _heartbeat + 1);
                if ((_heartbeat & 1023) == 0)
                {
                    Volatile.Write(ref _allocatedBytes, GC.GetAllocatedBytesForCurrentThread());
                }
                var received = PassReceived;
                if (_napNanoseconds > 0 && received > 0 && previousReceived > 0)
                {
                    Coalesce(received);
                }
                previousReceived = received;
                if (worked)
                {
                    idleSince = 0;
                    wokeIdle = false;
                    lastWorkedReceived = received;
                    continue;
                }
                var now = System.Diagnostics.Stopwatch.GetTimestamp();
                if (idleSince == 0)
                {
                    idleSince = now;
                    if (!wokeIdle)
                    {
                        // The first idle pass after work: the last frame was just now.
                        lastWorkAt = now;
                    }
                }
                // Polling on after work keeps the next frame's latency low; after a sleep that ended with nothing to do
                // (its timeout: an idle router wakes ten times a second) it would only burn the core.
                if (!wokeIdle && now - idleSince < IdlePollTicks)
                {
                    if (_napNanoseconds > 0 && lastWorkedReceived >= 2)
                    {
                        // A gap in a stream (the last batch had several frames): nap rather than spin, as coalescing
                        // does. After a lone frame (a ping) the worker spins, so its answer is not kept waiting.
                        Nap();
                        continue;
                    }
                    // Give the core to any other runnable thread (several data-plane threads may share one).
                    Thread.Yield();
                    continue;
                }
                idleSince = 0;
                Signal.PrepareToSleep();
                if (HasPendingWork() || _stopRequested || _faultRequested || Volatile.Read(ref _stallMilliseconds) != 0)
                {
                    Signal.CancelSleep();
                    continue;
                }
                Counters.Sleeps++;
                Volatile.Write(ref _allocatedBytes, GC.GetAllocatedBytesForCurrentThread());
                var timeout = _lingerTicks > 0 && now - lastWorkAt < _lingerTicks ? LingerSleepMilliseconds : SleepTimeout;
                Signal.Sleep(timeout, SleepFileDescriptors);
                CountIfLate(now, timeout * System.Diagnostics.Stopwatch.Frequency / 1000);
                wokeIdle = true;
            }
            if (Interlocked.Read(ref _generation) != generation)
            {
                throw new ThreadFencedException();
            }
            _state = WorkerState.Stopped;
        }
        catch (Exception ex)
        {
            if (Interlocked.Read(ref _generation) != generation)
            {
                // Fenced: this thread is no longer the worker's. Whatever it was doing, it leaves now and
                // touches nothing shared (its buffers were reclaimed, a new thread may own the rings).
                Interlocked.Decrement(ref _abandonedThreads);
                return;
            }
            var fault = new WorkerFault(Name, ex, DateTime.UtcNow);
            LastFault = fault;
            _state = WorkerState.Faulted;
            OnThreadLost();
            Faulted?.Invoke(fault);
        }
    }

    /// <summary>
    /// Called by workers once per burst, while they hold it: where an injected fault strikes (stranding
    /// the burst as a real crash would), where an injected hang holds the thread, and where a fenced
    /// thread leaves without touching anything. The common case is three reads of rarely written fields.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    protected void BurstCheckpoint()
    {
        if (_faultRequested | Volatile.Read(ref _stallMilliseconds) != 0 | Volatile.Read(ref _abandonedThreads) != 0)
        {
            AttendToRequests();
        }
    }

    /// <summary>
    /// The fence alone (no fault or hang strikes here): for the point after a burst's processing where a
    /// thread that hung inside it and was fenced meanwhile must not hand anything on.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    protected void FenceCheckpoint()
    {
        if (Volatile.Read(ref _abandonedThreads) != 0 && _everStarted)
        {
            ThrowIfFenced();
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void AttendToRequests()
    {
        // A worker run as a stage of another (the collapsed layout's HQF stage) has no thread of its own:
        // its owner's checkpoint guards it.
        if (!_everStarted)
        {
            return;
        }
        ThrowIfFenced();
        if (_faultRequested)
        {
            _faultRequested = false;
            throw new InjectedFaultException(Name);
        }
        var stall = Interlocked.Exchange(ref _stallMilliseconds, 0);
        if (stall != 0)
        {
            // Hung: it looks at nothing (not the fence either) until the time is up.
            Thread.Sleep(stall);
            ThrowIfFenced();
        }
    }

    private void ThrowIfFenced()
    {
        if (Interlocked.Read(ref _generation) != t_ownGeneration)
        {
            throw new ThreadFencedException();
        }
    }

    /// <summary>One turn of work; true if anything was done.</summary>
    protected abstract bool RunOnce();

    private long _napNanoseconds;
    private long _napTicks;
    private int _napTarget;
    private long _lingerTicks;

    /// <summary>The sleep of a lingering thread (see <see cref="SetLinger"/>).</summary>
    private const int LingerSleepMilliseconds = 1;

    /// <summary>
    /// Linger (<see cref="DataPlaneOptions.LingerMilliseconds"/>): for this long after its last work an idle thread
    /// sleeps at most a millisecond at a time, then up to its full sleep timeout. A core that has slept for a
    /// millisecond wakes for a frame much sooner than one that has slept for tens: measured on the 2-core VM, a
    /// thread blocked in poll() and woken from the other core answered in 27–35 µs (median) when its sleeps were
    /// 0.2–1 ms long and in 72–82 µs after 50 ms. So a ping every 50 ms is not kept waiting for a deep wake-up,
    /// while an idle router (no traffic for longer than this) still sleeps ten times a second. 0 turns it off.
    /// </summary>
    internal void SetLinger(int milliseconds) => _lingerTicks = milliseconds * System.Diagnostics.Stopwatch.Frequency / 1000;

    /// <summary>Packets the last <see cref="RunOnce"/> received; int.MaxValue where the worker does not count them.</summary>
    protected int PassReceived { get; set; } = int.MaxValue;

    /// <summary>
    /// Receive coalescing (<see cref="DataPlaneOptions.CoalesceMicroseconds"/>): after a pass that received some but
    /// fewer than <paramref name="target"/> frames, following a pass that received some too, the thread sleeps
    /// <paramref name="microseconds"/> before the next pass, as a NIC's interrupt moderation waits for more frames.
    /// 0 turns it off.
    /// </summary>
    internal void SetCoalescing(int microseconds, int target)
    {
        _napNanoseconds = microseconds * 1000L;
        _napTicks = microseconds * System.Diagnostics.Stopwatch.Frequency / 1_000_000;
        _napTarget = target;
    }

    /// <summary>
    /// After a pass in a stream of passes: a batch short of the target is followed by a nap, so the next pass finds
    /// more frames waiting. A fixed nap measured better than one adapted to the offered rate (which aimed at larger
    /// batches): 0.93–0.96 µs of CPU per frame against 1.13–1.27 at 640–860 kpps, alternating runs, 2-core machine.
    /// </summary>
    private void Coalesce(int received)
    {
        if (received < _napTarget)
        {
            Nap();
        }
    }

    private void Nap()
    {
        Counters.Naps++;
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        ThreadNap.Sleep(_napNanoseconds);
        CountIfLate(start, _napTicks);
    }

    /// <summary>How late a nap or sleep must end to count as a late wake (<see cref="ThreadCounters.LateWakes"/>).</summary>
    public const int LateWakeMilliseconds = 1;

    private static readonly long LateWakeTicks = LateWakeMilliseconds * System.Diagnostics.Stopwatch.Frequency / 1000;

    /// <summary>Counts a nap or sleep that began at <paramref name="start"/>, asked for at most <paramref name="askedTicks"/>, and ended <see cref="LateWakeMilliseconds"/> or more past that.</summary>
    private void CountIfLate(long start, long askedTicks)
    {
        if (IsLate(System.Diagnostics.Stopwatch.GetTimestamp() - start, askedTicks))
        {
            Counters.LateWakes++;
        }
    }

    /// <summary>Whether a wait that took <paramref name="elapsedTicks"/> for at most <paramref name="askedTicks"/> ended late.</summary>
    internal static bool IsLate(long elapsedTicks, long askedTicks) => elapsedTicks - askedTicks >= LateWakeTicks;

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

/// <summary>Why a worker whose heartbeat stopped was fenced off and restarted.</summary>
public sealed class WorkerHungException(string worker, string reason) : Exception($"{worker} hung: {reason}");

/// <summary>
/// Thrown inside a fenced thread when it wakes at a checkpoint: the one way to leave a burst from any depth
/// without touching anything more. Once per fenced thread, never per packet.
/// </summary>
internal sealed class ThreadFencedException() : Exception("this thread was fenced off");

/// <summary>
/// Short sleeps of a data-plane thread (receive coalescing): nanosleep, with the thread's timer slack lowered so that a
/// 30 µs sleep is not stretched to Linux's default 50 µs of slack.
/// </summary>
public static unsafe partial class ThreadNap
{
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "nanosleep")]
    private static partial int NanoSleep(TimeSpec* request, TimeSpec* remaining);

    [LibraryImport("libc", EntryPoint = "prctl")]
    private static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    private const int PrSetTimerSlack = 29;

    public static void SetTimerSlack(long nanoseconds)
    {
        if (OperatingSystem.IsLinux())
        {
            Prctl(PrSetTimerSlack, (nuint)nanoseconds, 0, 0, 0);
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static void Sleep(long nanoseconds)
    {
        var request = new TimeSpec { Seconds = nanoseconds / 1_000_000_000, Nanoseconds = nanoseconds % 1_000_000_000 };
        NanoSleep(&request, null);
    }
}

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
