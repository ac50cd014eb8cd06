using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace ActorRouter.DataPlane.Graph;

/// <summary>
/// What the graph observes besides its counters: the time each node spends (<c>show platform
/// runtime</c>), and, while armed, packet trace and capture. The plain dispatch loop pays one
/// countdown and one reference check per burst for all of it; the work happens in
/// <see cref="RunObserved"/>, which runs on sampled bursts (the only ones timed) and on every burst
/// while a trace or a capture is armed.
/// </summary>
public sealed partial class PpeGraph
{
    /// <summary>
    /// Bursts between two timed ones: two clock readings per node call on every burst cost the ppe
    /// benchmark a visible share of its speed (measured: 7.8 against 11.1 Mpps at best on a loaded
    /// machine); one burst in 256 costs nothing measurable and still gives a steady figure within seconds.
    /// </summary>
    public const int DefaultRuntimeSampleInterval = 256;

    private long[] _clockTicks = [];
    private long[] _timedCalls = [];
    private long[] _timedPackets = [];
    /// <summary>Nodes that have run at least once in the observed loop (so their code is compiled).</summary>
    private bool[] _warm = [];
    private NodeFrame[][] _nextFrames = [];
    private int _burstsUntilTimed;
    private int _runtimeSampleInterval = DefaultRuntimeSampleInterval;
    private volatile GraphObservers? _observers;

    /// <summary>
    /// One burst in this many is timed per node (clocks per packet are measured on those and
    /// extrapolate to the rest); calls and packets are counted on every burst. 1: every burst.
    /// </summary>
    public int RuntimeSampleInterval
    {
        get => _runtimeSampleInterval;
        set => _runtimeSampleInterval = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "at least 1");
    }

    /// <summary>The trace and capture taps armed on this graph, or null (set by the control side, read once per burst).</summary>
    internal GraphObservers? Observers
    {
        get => _observers;
        set => _observers = value;
    }

    private void WireObservation()
    {
        _clockTicks = new long[_nodes.Count];
        _timedCalls = new long[_nodes.Count];
        _timedPackets = new long[_nodes.Count];
        _warm = new bool[_nodes.Count];
        _nextFrames = new NodeFrame[_nodes.Count][];
        foreach (var node in _nodes)
        {
            var frames = new NodeFrame[node.NextNodes.Count];
            for (var slot = 0; slot < frames.Length; slot++)
            {
                frames[slot] = _byName[node.NextNodes[slot]].Input;
            }
            _nextFrames[node.Index] = frames;
        }
        WireTrace();
    }

    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunObserved(GraphNode[] nodes)
    {
        // Armed taps bring every burst here; the clock is still read on one burst in the interval only.
        var timed = _burstsUntilTimed <= 0;
        if (timed)
        {
            _burstsUntilTimed = _runtimeSampleInterval;
        }
        var observers = _observers;
        var trace = observers?.Trace;
        var capture = observers?.Capture;
        var clockTicks = _clockTicks;
        var timedCalls = _timedCalls;
        var timedPackets = _timedPackets;
        var warm = _warm;
        _tracedCount = 0;
        if (trace is not null && !trace.Session.IsFull)
        {
            StartTraces(trace, nodes[0].Input);
        }
        for (var n = 0; n < nodes.Length; n++)
        {
            var node = nodes[n];
            var frame = node.Input;
            var count = frame.Count;
            if (count == 0)
            {
                continue;
            }
            node.Calls++;
            node.Packets += count;
            if (capture is not null)
            {
                capture.Tap(n, frame.Buffers, count);
            }
            var traced = _tracedCount > 0 && MarkTracedInputs(frame.Buffers, count) > 0;
            if (traced)
            {
                BeforeTracedNode(trace!, n, frame.Buffers, count);
            }
            // A node's first observed call may be the one that compiles its Process (milliseconds): it is never timed,
            // or that one burst would stand for every packet of a lightly loaded router in show platform runtime.
            if (timed && warm[n])
            {
                var started = Stopwatch.GetTimestamp();
                node.Process(frame.Buffers, count);
                clockTicks[n] += Stopwatch.GetTimestamp() - started;
                timedCalls[n]++;
                timedPackets[n] += count;
            }
            else
            {
                node.Process(frame.Buffers, count);
                warm[n] = true;
            }
            if (traced)
            {
                AfterTracedNode(trace!, n, frame.Buffers, count);
            }
            frame.Count = 0;
        }
        // interface-output is not dispatched (ProcessBurst empties it with Emit): its taps run here.
        var output = _output!;
        var outputFrame = output.Input;
        if (outputFrame.Count > 0)
        {
            capture?.Tap(output.Index, outputFrame.Buffers, outputFrame.Count);
            if (_tracedCount > 0 && MarkTracedInputs(outputFrame.Buffers, outputFrame.Count) > 0)
            {
                BeforeTracedNode(trace!, output.Index, outputFrame.Buffers, outputFrame.Count);
                AfterTracedNode(trace!, output.Index, outputFrame.Buffers, outputFrame.Count);
            }
        }
        _tracedCount = 0;
    }

    /// <summary>
    /// A racy reading of every node's runtime, in dispatch order (for <c>show platform runtime</c>):
    /// calls and packets of every burst, and the time measured on the timed ones.
    /// </summary>
    public IReadOnlyList<NodeRuntime> ReadRuntime()
    {
        var result = new NodeRuntime[_nodes.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var node = _nodes[i];
            result[i] = new NodeRuntime(node.Name, Volatile.Read(ref node.Calls), Volatile.Read(ref node.Packets),
                i < _clockTicks.Length ? Volatile.Read(ref _timedCalls[i]) : 0,
                i < _clockTicks.Length ? Volatile.Read(ref _timedPackets[i]) : 0,
                i < _clockTicks.Length ? Volatile.Read(ref _clockTicks[i]) : 0);
        }
        return result;
    }

    /// <summary>Zeroes calls, packets, arcs and times of every node (a reset, not a transaction: the thread may be counting).</summary>
    public void ClearRuntime()
    {
        ClearCounters();
        Array.Clear(_clockTicks);
        Array.Clear(_timedCalls);
        Array.Clear(_timedPackets);
    }
}

/// <summary>
/// A node's runtime as <c>show platform runtime</c> shows it: <paramref name="Calls"/> and
/// <paramref name="Packets"/> over every burst; <paramref name="ClockTicks"/> spent in the node over
/// the <paramref name="TimedCalls"/> timed calls that handled <paramref name="TimedPackets"/> packets
/// (in <see cref="Stopwatch"/> ticks).
/// </summary>
public sealed record NodeRuntime(string Node, long Calls, long Packets, long TimedCalls, long TimedPackets, long ClockTicks)
{
    /// <summary>Average vector size: packets per call (0 before the first call).</summary>
    public double PacketsPerCall => Calls == 0 ? 0 : (double)Packets / Calls;

    /// <summary>Nanoseconds per packet on the timed calls (0 before the first timed call).</summary>
    public double NanosecondsPerPacket => TimedPackets == 0 ? 0 : ClockTicks * (1e9 / Stopwatch.Frequency) / TimedPackets;
}

/// <summary>The taps armed on one PPE's graph: a packet trace, a capture, or both (immutable; replaced whole).</summary>
internal sealed class GraphObservers(GraphTrace? trace, CaptureTap? capture)
{
    public GraphTrace? Trace { get; } = trace;
    public CaptureTap? Capture { get; } = capture;
}

/// <summary>A packet trace session as one PPE's graph records it: the shared session and this PPE's buffer.</summary>
internal sealed class GraphTrace(PacketTraceSession session, PacketTraceBuffer buffer)
{
    public PacketTraceSession Session { get; } = session;
    public PacketTraceBuffer Buffer { get; } = buffer;
}
