using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Graph;
using ActorRouter.DataPlane.Memory;

namespace ActorRouter.DataPlane.Threads;

/// <summary>
/// A packet processing engine thread: takes the bursts the dispatcher assigned to it, runs the
/// graph of nodes on each with the forwarding snapshot current at that burst, and gathers the
/// result into its B4Q ring for the HQF, followed by the burst's output count.
/// </summary>
public sealed class PpeWorker : DataPlaneWorker
{
    private readonly QfpDataPlane _dataPlane;
    private readonly PpeChannel _channel;
    private readonly int _index;
    private readonly PpeGraph _graph;
    private readonly GpmCache _cache;
    private readonly uint[] _input;
    private readonly uint[] _output;
    private int _inputHeld;
    private int _outputHeld;
    private int _outputPending;
    // A processed burst whose record has not reached the B4Q burst ring yet. Not implied by _outputHeld > 0:
    // a burst whose packets were all dropped or punted still owes the HQF its (empty) record, or the
    // HQF's rotation over the PPEs would wait for it for ever.
    private bool _recordPending;

    internal PpeWorker(string name, int core, QfpDataPlane dataPlane, int index, PpeChannel channel, PpeGraph graph)
        : base(name, core, graph.Counters)
    {
        _dataPlane = dataPlane;
        _index = index;
        _channel = channel;
        _graph = graph;
        _cache = graph.Context.Cache;
        _cache.KeepBurstLedger(graph.MaxBurst * graph.MaxOutputPerPacket);
        _input = new uint[graph.MaxBurst];
        _output = new uint[graph.MaxBurst * graph.MaxOutputPerPacket];
    }

    public PpeChannel Channel => _channel;

    /// <summary>This PPE's graph of nodes (its runtime, packet trace and capture taps; the punt classes' counters).</summary>
    internal PpeGraph Graph => _graph;

    /// <summary>
    /// This PPE's graph nodes with their counters (calls, packets, per next node), read while the
    /// thread runs (a reading may be a few bursts behind): what <c>show platform runtime</c> shows.
    /// </summary>
    public IReadOnlyList<NodeRuntimeCounters> ReadNodeCounters() => _graph.ReadCounters();

    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    protected override bool RunOnce()
    {
        if (_recordPending)
        {
            return FlushOutput();
        }
        if (!_channel.InBursts.TryPeek(out var length))
        {
            return false;
        }
        var recycled = (length & PpeChannel.RecycledBurstFlag) != 0;
        length &= ~PpeChannel.RecycledBurstFlag;
        // The dispatcher writes a burst's packets before its length, so they are all there.
        var got = _channel.InPackets.DequeueBurst(_input.AsSpan(0, (int)length));
        _channel.InBursts.TryDequeue(out _);
        _inputHeld = got;
        for (var i = 0; i < got; i++)
        {
            _dataPlane.Gpm.SetOwner(_input[i], BufferOwner.Ppe);
        }
        _cache.BeginBurst(got);
        BurstCheckpoint();
        var produced = recycled
            ? _graph.ProcessRecycled(_input.AsSpan(0, got), _output, _dataPlane.Forwarding, _dataPlane.Interfaces, _dataPlane.Qos)
            : _graph.ProcessBurst(_input.AsSpan(0, got), _output, _dataPlane.Forwarding, _dataPlane.Interfaces, _dataPlane.Qos);
        // A thread that hung inside the graph and was fenced meanwhile hands nothing on.
        FenceCheckpoint();
        _outputHeld = produced;
        _inputHeld = 0;
        _outputPending = 0;
        _recordPending = true;
        FlushOutput();
        return true;
    }

    /// <summary>Moves the processed burst to the B4Q ring; waits (by returning) while the HQF is behind.</summary>
    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private bool FlushOutput()
    {
        var gpm = _dataPlane.Gpm;
        while (_outputPending < _outputHeld)
        {
            var n = _channel.OutPackets.EnqueueBurst(_output.AsSpan(_outputPending, _outputHeld - _outputPending));
            for (var i = 0; i < n; i++)
            {
                gpm.SetOwner(_output[_outputPending + i], BufferOwner.B4Q);
            }
            _outputPending += n;
            if (n == 0)
            {
                _dataPlane.HqfSignal.Notify();
                return false;
            }
        }
        if (!_channel.OutBursts.TryEnqueue((uint)_outputHeld))
        {
            _dataPlane.HqfSignal.Notify();
            return false;
        }
        _outputHeld = 0;
        _outputPending = 0;
        _recordPending = false;
        _dataPlane.HqfSignal.Notify();
        return true;
    }

    protected override bool HasPendingWork() => _recordPending || !_channel.InBursts.IsEmpty;

    protected internal override void ReclaimHeldBuffers()
    {
        var gpm = _dataPlane.Gpm;
        for (var i = 0; i < _inputHeld; i++)
        {
            // A fault inside the graph may already have released or punted some of the burst.
            if (gpm.Meta(_input[i]).Owner == BufferOwner.Ppe)
            {
                Counters.Drop(gpm.Meta(_input[i]).RxInterface, DropReason.ThreadFault);
                _cache.Free(_input[i]);
            }
        }
        if (_inputHeld > 0)
        {
            ReclaimBurstAllocations(gpm, _cache);
            _graph.DiscardUnfinishedBurst();
        }
        // Output not yet in the B4Q ring is lost with the dead thread's burst; the burst record is
        // still written (with what did reach the ring) so the HQF's order restoration stays aligned.
        for (var i = _outputPending; i < _outputHeld; i++)
        {
            Counters.Drop(gpm.Meta(_output[i]).RxInterface, DropReason.ThreadFault);
            _cache.Free(_output[i]);
        }
        if (_recordPending)
        {
            _outputHeld = _outputPending;
            while (!_channel.OutBursts.TryEnqueue((uint)_outputHeld))
            {
                Thread.Yield();
            }
        }
        else if (_inputHeld > 0)
        {
            // The burst was taken but never processed: record an empty result for it.
            while (!_channel.OutBursts.TryEnqueue(0))
            {
                Thread.Yield();
            }
        }
        _inputHeld = 0;
        _outputHeld = 0;
        _outputPending = 0;
        _recordPending = false;
        ReclaimQueuedBursts();
        _cache.Drain();
    }

    /// <summary>
    /// A fault inside the feature path strands what the graph had allocated for the burst (ICMP errors,
    /// fragments) in the graph's own arrays. The cache's ledger names them; those still in this PPE's hands —
    /// tagged as the PPE's, or handed out and not yet tagged (still "thread cache" but not in the cache) — go
    /// back. Nothing freed during the burst left this cache (see <see cref="GpmCache.BeginBurst"/>), so no
    /// buffer another thread now holds carries a tag that could mislead this.
    /// </summary>
    internal static void ReclaimBurstAllocations(PacketMemory gpm, GpmCache cache)
    {
        foreach (var buffer in cache.AllocatedThisBurst)
        {
            var owner = gpm.Meta(buffer).Owner;
            if (owner == BufferOwner.Ppe || (owner == BufferOwner.ThreadCache && !cache.Holds(buffer)))
            {
                cache.Free(buffer);
            }
        }
        cache.BeginBurst(0);
    }

    /// <summary>
    /// The bursts the dispatcher queued to this PPE that its dead thread never took: freed and counted as
    /// thread-fault drops, each with the empty record the HQF's dispatch order expects of it. Only as many
    /// as the B4Q burst ring has room for records right now (the reclaim must not wait on the HQF); any left
    /// go to the new thread, and if the HQF has skipped them meanwhile it drops them as late when they come.
    /// </summary>
    private void ReclaimQueuedBursts()
    {
        var gpm = _dataPlane.Gpm;
        while (_channel.OutBursts.FreeSpace > 0 && _channel.InBursts.TryPeek(out var length))
        {
            var got = _channel.InPackets.DequeueBurst(_input.AsSpan(0, (int)(length & ~PpeChannel.RecycledBurstFlag)));
            _channel.InBursts.TryDequeue(out _);
            for (var i = 0; i < got; i++)
            {
                Counters.Drop(gpm.Meta(_input[i]).RxInterface, DropReason.ThreadFault);
                _cache.Free(_input[i]);
            }
            _channel.OutBursts.TryEnqueue(0);
        }
    }

    protected override void OnThreadLost()
    {
        // Runs on the dying thread (or the supervisor's, for a fenced one): the dispatcher stops giving this
        // PPE bursts and the HQF stops waiting for it, at once rather than after the order wait.
        _dataPlane.Dispatch?.SetDown(_index, true);
        _dataPlane.HqfSignal.Wake();
    }

    protected override void OnThreadStarted()
    {
        _dataPlane.Dispatch?.SetDown(_index, false);
        _dataPlane.HqfSignal.Wake();
    }

    internal void DrainOnStop() => _cache.Drain();
}
