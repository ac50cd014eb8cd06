using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Graph;
using ActorRouter.DataPlane.Memory;
using ActorRouter.DataPlane.Rings;

namespace ActorRouter.DataPlane.Threads;

/// <summary>
/// A worker of the collapsed layout (VPP's worker model): one thread runs, per burst and to
/// completion, Rx from the ports it owns → the PPE graph → its HQF stage → TX, with no ring between
/// those stages. A port is owned by exactly one worker, for receiving and for transmitting (its TX
/// ring has one producer, and an interface's service policy is scheduled by one HQF, so QoS stays
/// exact). Output for an interface another worker owns goes to that worker through this worker's
/// SPSC ring to it; a flow enters by one port, so it is handled by one worker and travels one FIFO
/// ring: its order holds. With one worker every interface is its own and no ring is used at all.
/// </summary>
public sealed class CollapsedWorker : DataPlaneWorker
{
    private readonly QfpDataPlane _dataPlane;
    private readonly int _workerIndex;
    private readonly int _workerCount;
    private readonly PpeGraph _graph;
    private readonly GpmCache _cache;
    private readonly HqfWorker _hqf;
    /// <summary>Ring from this worker to worker j (null for itself).</summary>
    private readonly PpeChannel?[] _toWorker;
    private readonly uint[] _burst;
    private readonly uint[] _output;
    private readonly uint[] _forOther;
    private readonly int _burstSize;
    /// <summary>This worker's recycle ring: its HQF stage fills it, this worker runs it through the graph again.</summary>
    private readonly SpscRing? _recycle;
    private readonly uint[] _recycled;
    private int _held;
    private int _inputHeld;

    internal CollapsedWorker(string name, int core, QfpDataPlane dataPlane, int workerIndex, int workerCount, PpeGraph graph,
        HqfWorker hqfStage, PpeChannel?[] toWorker, int burstSize, SpscRing? recycle = null)
        : base(name, core, graph.Counters)
    {
        _recycle = recycle;
        _recycled = new uint[burstSize];
        _dataPlane = dataPlane;
        _workerIndex = workerIndex;
        _workerCount = workerCount;
        _graph = graph;
        _cache = graph.Context.Cache;
        _cache.KeepBurstLedger(graph.MaxBurst * graph.MaxOutputPerPacket);
        _hqf = hqfStage;
        _toWorker = toWorker;
        _burstSize = burstSize;
        _burst = new uint[burstSize];
        _output = new uint[graph.MaxBurst * graph.MaxOutputPerPacket];
        _forOther = new uint[_output.Length];
    }

    /// <summary>This worker's HQF stage (its egress queues and schedulers), run on this thread.</summary>
    public HqfWorker HqfStage => _hqf;

    /// <summary>This worker's graph of nodes (its runtime, packet trace and capture taps; the punt classes' counters).</summary>
    internal PpeGraph Graph => _graph;

    /// <summary>This worker's graph nodes with their counters (racy reading, as <see cref="PpeWorker.ReadNodeCounters"/>).</summary>
    public IReadOnlyList<NodeRuntimeCounters> ReadNodeCounters() => _graph.ReadCounters();

    /// <summary>
    /// The worker that receives on and transmits to interface <paramref name="interfaceIndex"/>:
    /// fixed by the index of the interface's port (a subinterface's is its parent's), so it never
    /// changes while the interface exists and two workers never transmit on one port.
    /// </summary>
    internal static int OwnerOf(int interfaceIndex, int parentIndex, int workerCount)
        => (parentIndex >= 0 ? parentIndex : interfaceIndex) % workerCount;

    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    protected override bool RunOnce()
    {
        var interfaces = _dataPlane.Interfaces;
        var registered = interfaces.RegisteredIndices;
        var ports = interfaces.Ports;
        var gpm = _dataPlane.Gpm;
        var worked = ProcessRecycled(interfaces);
        var passReceived = 0;
        for (var r = 0; r < registered.Length; r++)
        {
            var index = registered[r];
            if (index % _workerCount != _workerIndex)
            {
                continue; // registered indices are physical ports: another worker's
            }
            var port = ports[index]!;
            while (_held < _burstSize)
            {
                var got = _cache.AllocateBurst(_burst.AsSpan(_held, _burstSize - _held));
                if (got == 0)
                {
                    break;
                }
                _held += got;
            }
            if (_held == 0)
            {
                var discarded = port.DiscardReceived(_burstSize);
                if (discarded > 0)
                {
                    Counters.Drop(index, DropReason.NoBuffer, discarded);
                    worked = true;
                }
                continue;
            }
            var received = port.ReceiveExchange(gpm, _burst.AsSpan(0, _held));
            if (received == 0)
            {
                continue;
            }
            long bytes = 0;
            for (var i = 0; i < received; i++)
            {
                ref var meta = ref gpm.Meta(_burst[i]);
                meta.RxInterface = (ushort)index;
                meta.Owner = BufferOwner.Ppe;
                bytes += meta.Length;
            }
            passReceived += received;
            Counters.Add(index, InterfaceCounter.RxPackets, received);
            Counters.Add(index, InterfaceCounter.RxBytes, bytes);
            Counters.Bursts++;
            _inputHeld = received;
            _cache.BeginBurst(received);
            // An injected fault strikes here, with a received burst in hand and not yet processed.
            BurstCheckpoint();
            var produced = _graph.ProcessBurst(_burst.AsSpan(0, received), _output, _dataPlane.Forwarding, interfaces, _dataPlane.Qos);
            // A thread that hung inside the graph and was fenced meanwhile hands nothing on.
            FenceCheckpoint();
            _inputHeld = 0;
            // The received buffers now belong to the output, the punt ring or GPM: keep only the unused free ones.
            var left = _held - received;
            _burst.AsSpan(received, left).CopyTo(_burst);
            _held = left;
            HandOutput(_output.AsSpan(0, produced), interfaces);
            worked = true;
        }
        worked |= _hqf.RunStage();
        PassReceived = passReceived;
        return worked;
    }

    /// <summary>
    /// The recycle path: one burst from this worker's recycle ring (what its HQF stage put there) runs
    /// through the graph again, each packet entering where its recycler said; the output is handed on
    /// as a received burst's is.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private bool ProcessRecycled(Interfaces.UidbTable interfaces)
    {
        var ring = _recycle;
        if (ring is null || ring.IsEmpty)
        {
            return false;
        }
        var count = ring.DequeueBurst(_recycled);
        var gpm = _dataPlane.Gpm;
        for (var i = 0; i < count; i++)
        {
            gpm.SetOwner(_recycled[i], BufferOwner.Ppe);
        }
        _recycledHeld = count;
        _cache.BeginBurst(count);
        // An injected fault strikes here as for a received burst: with the recycled burst in hand.
        BurstCheckpoint();
        var produced = _graph.ProcessRecycled(_recycled.AsSpan(0, count), _output, _dataPlane.Forwarding, interfaces, _dataPlane.Qos);
        // A thread that hung inside the graph and was fenced meanwhile hands nothing on.
        FenceCheckpoint();
        _recycledHeld = 0;
        HandOutput(_output.AsSpan(0, produced), interfaces);
        return true;
    }

    private int _recycledHeld;

    /// <summary>
    /// The burst's output: what this worker transmits goes straight into its HQF stage; the rest, in
    /// order, into the ring to the worker that owns the egress port. A full ring means that worker is
    /// behind as a full egress queue would: the packets are dropped and counted as queue-full.
    /// </summary>
    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void HandOutput(Span<uint> output, Interfaces.UidbTable interfaces)
    {
        if (_workerCount == 1)
        {
            _hqf.EnqueueProcessed(output);
            return;
        }
        var gpm = _dataPlane.Gpm;
        // First pass: this worker's own interfaces (and anything without a valid egress, which its HQF drops and counts).
        var own = 0;
        var others = 0;
        for (var i = 0; i < output.Length; i++)
        {
            var buffer = output[i];
            var owner = EgressOwner(interfaces, gpm.Meta(buffer).TxInterface);
            if (owner == _workerIndex)
            {
                output[own++] = buffer;
            }
            else
            {
                _forOther[others++] = buffer;
            }
        }
        _hqf.EnqueueProcessed(output[..own]);
        if (others == 0)
        {
            return;
        }
        // Then per other worker, in output order.
        for (var worker = 0; worker < _workerCount; worker++)
        {
            var channel = _toWorker[worker];
            if (channel is null)
            {
                continue;
            }
            var count = 0;
            for (var i = 0; i < others; i++)
            {
                var buffer = _forOther[i];
                if (EgressOwner(interfaces, gpm.Meta(buffer).TxInterface) == worker)
                {
                    output[count++] = buffer;
                }
            }
            if (count == 0)
            {
                continue;
            }
            var batch = output[..count];
            if (channel.OutPackets.FreeSpace < count || channel.OutBursts.FreeSpace < 1)
            {
                for (var i = 0; i < count; i++)
                {
                    Counters.Drop(gpm.Meta(batch[i]).TxInterface, DropReason.QueueFull);
                }
                _cache.FreeBurst(batch);
                _dataPlane.CollapsedWorkerSignal(worker).Notify();
                continue;
            }
            for (var i = 0; i < count; i++)
            {
                gpm.SetOwner(batch[i], BufferOwner.B4Q);
            }
            channel.OutPackets.EnqueueBurst(batch);
            channel.OutBursts.TryEnqueue((uint)count);
            _dataPlane.CollapsedWorkerSignal(worker).Notify();
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private int EgressOwner(Interfaces.UidbTable interfaces, int txInterface)
    {
        var uidb = interfaces[txInterface];
        return uidb is null ? _workerIndex : OwnerOf(txInterface, uidb.ParentIndex, _workerCount);
    }

    private long _pollFdsGeneration = -1;
    private int[] _pollFds = Array.Empty<int>();

    /// <summary>Owned ports with a file descriptor (AF_PACKET, AF_XDP) wake the worker through poll(), not a signal.</summary>
    protected override ReadOnlySpan<int> SleepFileDescriptors
    {
        get
        {
            var interfaces = _dataPlane.Interfaces;
            if (interfaces.Generation != _pollFdsGeneration)
            {
                var fds = new List<int>();
                foreach (var index in interfaces.RegisteredIndices)
                {
                    var fd = interfaces.Ports[index]!.PollFd;
                    if (fd >= 0 && index % _workerCount == _workerIndex)
                    {
                        fds.Add(fd);
                    }
                }
                _pollFds = fds.ToArray();
                _pollFdsGeneration = interfaces.Generation;
            }
            return _pollFds;
        }
    }

    protected override int SleepTimeout => _hqf.StageSleepTimeout;

    protected override bool HasPendingWork()
    {
        var interfaces = _dataPlane.Interfaces;
        foreach (var index in interfaces.RegisteredIndices)
        {
            if (index % _workerCount == _workerIndex && interfaces.Ports[index]!.HasReceived)
            {
                return true;
            }
        }
        return _recycle is { IsEmpty: false } || _hqf.StageHasPendingWork();
    }

    protected internal override void ReclaimHeldBuffers()
    {
        var gpm = _dataPlane.Gpm;
        for (var i = 0; i < _inputHeld; i++)
        {
            // A fault inside the graph may already have released, punted or queued some of the burst.
            var owner = gpm.Meta(_burst[i]).Owner;
            if (owner == BufferOwner.Ppe || owner == BufferOwner.Rx)
            {
                Counters.Drop(gpm.Meta(_burst[i]).RxInterface, DropReason.ThreadFault);
                _cache.Free(_burst[i]);
            }
        }
        var inGraph = _inputHeld > 0 || _recycledHeld > 0;
        for (var i = 0; i < _recycledHeld; i++)
        {
            if (gpm.Meta(_recycled[i]).Owner == BufferOwner.Ppe)
            {
                Counters.Drop(gpm.Meta(_recycled[i]).RxInterface, DropReason.ThreadFault);
                _cache.Free(_recycled[i]);
            }
        }
        _recycledHeld = 0;
        if (inGraph)
        {
            PpeWorker.ReclaimBurstAllocations(gpm, _cache);
            _graph.DiscardUnfinishedBurst();
        }
        // The free buffers in hand behind the burst.
        for (var i = _inputHeld; i < _held; i++)
        {
            _cache.Free(_burst[i]);
        }
        _inputHeld = 0;
        _held = 0;
        _hqf.ReclaimHeldBuffers();
        _cache.Drain();
    }

    /// <summary>On stop: every buffer queued in this worker's HQF stage goes back to GPM.</summary>
    internal void DrainQueues() => _hqf.DrainQueues();
}
