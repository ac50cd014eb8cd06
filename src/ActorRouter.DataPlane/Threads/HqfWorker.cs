using ActorRouter.DataPlane.Vnic;
using System.Diagnostics;
using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Memory;
using ActorRouter.DataPlane.Qos;
using ActorRouter.DataPlane.Rings;
using ActorRouter.Packets;

namespace ActorRouter.DataPlane.Threads;

/// <summary>
/// The HQF thread: restores arrival order by taking processed bursts from the PPEs' B4Q rings in
/// the rotation the dispatcher used, adds the control plane's injected frames, queues everything
/// per egress interface, and for each interface checks state and congestion (TX room), copies a
/// batch into the TX side, flushes once, and releases the buffers. An interface with an output
/// service policy is queued and scheduled by its <see cref="HqfScheduler"/> instead of the FIFO;
/// the thread adopts a new policy table between bursts and carries queued packets over.
/// </summary>
public sealed class HqfWorker : DataPlaneWorker
{
    private readonly QfpDataPlane _dataPlane;
    private readonly PpeChannel[] _channels;
    private readonly SpscRing _inject;
    /// <summary>Where packets bound for the recycle interface go: back to PPE input (the Rx thread, or this collapsed worker).</summary>
    private readonly SpscRing? _recycle;
    private readonly GpmCache _cache;
    private readonly EgressQueue[] _queues;
    private readonly uint[] _scratch;
    private readonly int _txBurst;
    private readonly HqfScheduler?[] _schedulers;
    private readonly long _clockTicksPerSecond;
    private QosPolicyTable? _adoptedQos;
    private int _nextPpe;
    /// <summary>Split layout: the dispatch order to follow (null in the collapsed layout: each ring is one worker's FIFO).</summary>
    private readonly PpeDispatch? _dispatch;
    /// <summary>Per PPE: bursts the HQF skipped in the dispatch order and drops when the PPE delivers them.</summary>
    private readonly int[] _skipped;
    private int _skippedTotal;
    /// <summary>When the HQF began waiting for the PPE at the head of the dispatch order (0: not waiting).</summary>
    private long _waitingSince;
    private readonly long _orderWaitTicks;
    /// <summary>Collapsed layout: which interfaces this HQF stage transmits for (null: all, the split layout's one HQF).</summary>
    private readonly Func<int, bool>? _transmitsFor;
    private static readonly long CarrierRecheckTicks = Stopwatch.Frequency / 1000;
    private readonly bool[] _carrierUp;
    private readonly long[] _carrierReadAt;

    internal HqfWorker(string name, int core, QfpDataPlane dataPlane, PpeChannel[] channels, SpscRing inject, GpmCache cache,
        ThreadCounters counters, int maxInterfaces, int queueLimit, int txBurst, int scratchSize, PpeDispatch? dispatch = null, Func<int, bool>? transmitsFor = null,
        SpscRing? recycle = null)
        : base(name, core, counters)
    {
        _recycle = recycle;
        _transmitsFor = transmitsFor;
        _dispatch = dispatch;
        _skipped = new int[channels.Length];
        _orderWaitTicks = (long)(dataPlane.Options.PpeOrderWait.TotalSeconds * Stopwatch.Frequency);
        _dataPlane = dataPlane;
        _channels = channels;
        _inject = inject;
        _cache = cache;
        _txBurst = txBurst;
        _queues = new EgressQueue[maxInterfaces];
        _carrierUp = new bool[maxInterfaces];
        _carrierReadAt = new long[maxInterfaces];
        Array.Fill(_carrierReadAt, long.MinValue / 2);
        for (var i = 0; i < maxInterfaces; i++)
        {
            _queues[i] = new EgressQueue(queueLimit);
        }
        _scratch = new uint[Math.Max(scratchSize, txBurst)];
        _schedulers = new HqfScheduler?[maxInterfaces];
        _clockTicksPerSecond = dataPlane.Options.HqfClockTicksPerSecond > 0 ? dataPlane.Options.HqfClockTicksPerSecond : System.Diagnostics.Stopwatch.Frequency;
    }

    /// <summary>Depth of an interface's egress queue (HQF thread's view; racy but safe to read).</summary>
    public int QueueDepth(int interfaceIndex) => _schedulers[interfaceIndex] is { } scheduler ? scheduler.Depth : _queues[interfaceIndex].Count;

    /// <summary>The scheduler the HQF thread is running for an interface (null: plain FIFO, or not adopted yet).</summary>
    public HqfScheduler? AdoptedScheduler(int interfaceIndex) => Volatile.Read(ref _schedulers[interfaceIndex]);

    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    protected override bool RunOnce()
    {
        AdoptPolicies();
        var worked = CollectFromPpes();
        worked |= CollectInjected();
        if (_recycledSinceNotify && _dispatch is not null)
        {
            // Split layout: the Rx thread dispatches the recycle ring; wake it once per turn, not per packet.
            _recycledSinceNotify = false;
            _dataPlane.Rx.Signal.Notify();
        }
        worked |= Transmit();
        return worked;
    }

    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private bool CollectFromPpes()
    {
        if (_dispatch is null)
        {
            return CollectFromWorkers();
        }
        var gpm = _dataPlane.Gpm;
        var worked = _skippedTotal != 0 && DropLateBursts(gpm);
        var order = _dispatch.Order;
        // Bounded so transmission keeps pace with collection.
        for (var turn = 0; turn < 4 * _channels.Length; turn++)
        {
            if (!order.TryPeek(out var entry))
            {
                break;
            }
            var ppe = (int)entry;
            var channel = _channels[ppe];
            if (_skipped[ppe] != 0 || !channel.OutBursts.TryPeek(out var length) || channel.OutPackets.Count < (int)length)
            {
                // The PPE has not finished the burst next in arrival order (or still owes bursts skipped before it).
                if (!GiveUpWaitingFor(ppe))
                {
                    break;
                }
                order.TryDequeue(out _);
                _skipped[ppe]++;
                _skippedTotal++;
                _dispatch.SetLagging(ppe, true);
                worked = true;
                continue;
            }
            _waitingSince = 0;
            // Fail (when asked to) before taking anything, so order restoration stays aligned.
            BurstCheckpoint();
            TakeBurst(gpm, channel, (int)length);
            order.TryDequeue(out _);
            worked = true;
        }
        return worked;
    }

    /// <summary>
    /// Whether to stop waiting for <paramref name="ppe"/>'s next burst and let the later ones go: at once
    /// when the PPE is down (its thread died or was fenced) or already lagging; otherwise once it has kept
    /// the others waiting for <see cref="DataPlaneOptions.PpeOrderWait"/>.
    /// </summary>
    private bool GiveUpWaitingFor(int ppe)
    {
        if (_dispatch!.IsDown(ppe) || _dispatch.IsLagging(ppe))
        {
            return true;
        }
        var othersWaiting = false;
        for (var other = 0; other < _channels.Length; other++)
        {
            if (other != ppe && !_channels[other].OutBursts.IsEmpty)
            {
                othersWaiting = true;
                break;
            }
        }
        if (!othersWaiting)
        {
            _waitingSince = 0;
            return false;
        }
        var now = Stopwatch.GetTimestamp();
        if (_waitingSince == 0)
        {
            _waitingSince = now;
            return false;
        }
        if (now - _waitingSince < _orderWaitTicks)
        {
            return false;
        }
        _waitingSince = 0;
        return true;
    }

    /// <summary>
    /// The bursts the HQF skipped, as their PPEs deliver them (late, or as the empty records a restart writes
    /// for what it reclaimed): dropped and counted, since later traffic has gone ahead of them. A PPE that owes
    /// nothing more is no longer lagging, and the dispatcher gives it bursts again.
    /// </summary>
    private bool DropLateBursts(PacketMemory gpm)
    {
        var worked = false;
        for (var ppe = 0; ppe < _channels.Length; ppe++)
        {
            if (_skipped[ppe] == 0)
            {
                continue;
            }
            var channel = _channels[ppe];
            while (_skipped[ppe] != 0 && channel.OutBursts.TryPeek(out var length) && channel.OutPackets.Count >= (int)length)
            {
                var remaining = (int)length;
                while (remaining > 0)
                {
                    var n = channel.OutPackets.DequeueBurst(_scratch.AsSpan(0, Math.Min(remaining, _scratch.Length)));
                    for (var i = 0; i < n; i++)
                    {
                        Counters.Drop(gpm.Meta(_scratch[i]).RxInterface, DropReason.PpeStalled);
                    }
                    _cache.FreeBurst(_scratch.AsSpan(0, n));
                    remaining -= n;
                }
                channel.OutBursts.TryDequeue(out _);
                _skipped[ppe]--;
                _skippedTotal--;
                worked = true;
            }
            if (_skipped[ppe] == 0)
            {
                _dispatch!.SetLagging(ppe, false);
            }
        }
        return worked;
    }

    /// <summary>After a data-plane stop has emptied every ring: nothing is owed any more.</summary>
    internal void ForgetSkippedBursts()
    {
        Array.Clear(_skipped);
        _skippedTotal = 0;
        _waitingSince = 0;
        for (var ppe = 0; ppe < _channels.Length; ppe++)
        {
            _dispatch?.SetLagging(ppe, false);
        }
    }

    /// <summary>Bursts skipped in the dispatch order whose PPE has not delivered them yet.</summary>
    public int SkippedBurstsOwed => Volatile.Read(ref _skippedTotal);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private void TakeBurst(PacketMemory gpm, PpeChannel channel, int length)
    {
        var remaining = length;
        while (remaining > 0)
        {
            var n = channel.OutPackets.DequeueBurst(_scratch.AsSpan(0, Math.Min(remaining, _scratch.Length)));
            for (var i = 0; i < n; i++)
            {
                Enqueue(gpm, _scratch[i]);
            }
            remaining -= n;
        }
        channel.OutBursts.TryDequeue(out _);
    }

    /// <summary>Collapsed layout: each ring is one other worker's FIFO of bursts for this worker's ports; no order to follow across them.</summary>
    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private bool CollectFromWorkers()
    {
        var gpm = _dataPlane.Gpm;
        var worked = false;
        for (var turn = 0; turn < 4 * _channels.Length; turn++)
        {
            var channel = _channels[_nextPpe];
            if (!channel.OutBursts.TryPeek(out var length) || channel.OutPackets.Count < (int)length)
            {
                _nextPpe = _nextPpe + 1 == _channels.Length ? 0 : _nextPpe + 1;
                continue;
            }
            BurstCheckpoint();
            TakeBurst(gpm, channel, (int)length);
            _nextPpe = _nextPpe + 1 == _channels.Length ? 0 : _nextPpe + 1;
            worked = true;
        }
        return worked;
    }

    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private bool CollectInjected()
    {
        var gpm = _dataPlane.Gpm;
        var n = _inject.DequeueBurst(_scratch.AsSpan(0, Math.Min(_scratch.Length, 64)));
        for (var i = 0; i < n; i++)
        {
            Enqueue(gpm, _scratch[i]);
        }
        return n > 0;
    }

    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Enqueue(PacketMemory gpm, uint buffer)
    {
        ref var meta = ref gpm.Meta(buffer);
        var egress = meta.TxInterface;
        if (egress >= _queues.Length)
        {
            if (egress == Graph.Nodes.RecycleNode.RecycleInterface && _recycle is not null)
            {
                Recycle(buffer, ref meta);
                return;
            }
            Counters.Drop(0, DropReason.InterfaceDown);
            _cache.Free(buffer);
            return;
        }
        meta.Owner = BufferOwner.Hqf;
        var scheduler = _schedulers[egress];
        if (scheduler is not null)
        {
            var verdict = scheduler.Enqueue(buffer, meta.Length, meta.TrafficClass, scheduler.ReadsDscp ? Dscp(gpm, buffer, ref meta) : 0);
            if (verdict != QosVerdict.Queued)
            {
                Counters.Drop(egress, verdict == QosVerdict.RandomDrop ? DropReason.QosRandomDrop : verdict == QosVerdict.Policed ? DropReason.QosPolicer : DropReason.QueueFull);
                _cache.Free(buffer);
            }
            return;
        }
        if (!_queues[egress].TryEnqueue(buffer))
        {
            Counters.Drop(egress, DropReason.QueueFull);
            _cache.Free(buffer);
        }
    }

    /// <summary>
    /// The recycle path: a packet a PPE sent round again goes on the recycle ring, in the order the HQF
    /// restored, for the dispatcher to hand back to a PPE. A full ring drops it (counted): the PPEs are
    /// behind, and waiting here would stall every interface's output.
    /// </summary>
    private void Recycle(uint buffer, ref PacketMeta meta)
    {
        if (!_recycle!.TryEnqueue(buffer))
        {
            Counters.Drop(meta.RxInterface, DropReason.RecycleRingFull);
            _cache.Free(buffer);
            return;
        }
        meta.Owner = BufferOwner.Rx;
        _recycledSinceNotify = true;
    }

    /// <summary>Packets went on the recycle ring this turn (the split layout wakes the Rx thread for them once).</summary>
    private bool _recycledSinceNotify;

    /// <summary>
    /// Collapsed layout: the worker that owns this HQF stage hands it the output of a burst it
    /// processed itself, with no ring in between.
    /// </summary>
    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    internal void EnqueueProcessed(ReadOnlySpan<uint> buffers)
    {
        var gpm = _dataPlane.Gpm;
        for (var i = 0; i < buffers.Length; i++)
        {
            Enqueue(gpm, buffers[i]);
        }
    }

    /// <summary>Collapsed layout: one HQF turn run on the owning worker's thread (this instance is never started as a thread).</summary>
    internal bool RunStage() => RunOnce();

    /// <summary>Collapsed layout: the owning worker's last look before it sleeps.</summary>
    internal bool StageHasPendingWork() => HasPendingWork();

    /// <summary>Collapsed layout: how long the owning worker may sleep with shaped packets waiting.</summary>
    internal int StageSleepTimeout => SleepTimeout;

    /// <summary>The DSCP of a forwarded IPv4 frame; 0 for anything else.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static int Dscp(PacketMemory gpm, uint buffer, ref PacketMeta meta)
        => TryReadIpv4(gpm, buffer, ref meta, out var ip) ? ip.Dscp : 0;

    /// <summary>
    /// The IPv4 header of a frame the PPE or the control plane built: after a plain Ethernet header,
    /// or after an 802.1Q-tagged one (a subinterface's). False for anything else.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static unsafe bool TryReadIpv4(PacketMemory gpm, uint buffer, ref PacketMeta meta, out Ipv4Header ip)
    {
        var frame = gpm.BufferPointer(buffer) + meta.Offset;
        int length = meta.Length;
        var l2 = length >= 18 && frame[12] == 0x81 && frame[13] == 0x00 ? 18 : 14;
        if (length >= l2 + Ipv4Header.MinimumLength && frame[l2 - 2] == 0x08 && frame[l2 - 1] == 0x00 && frame[l2] >> 4 == 4)
        {
            ip = Ipv4Header.Over(frame + l2, length - l2);
            return true;
        }
        ip = default;
        return false;
    }

    /// <summary>
    /// Takes over the policy table the control plane published, where it changed: the packets
    /// queued for such an interface move, in order per old class, into the new scheduler's classes
    /// (classified again by the new policy) or into the FIFO when the policy was removed; what no longer fits is
    /// tail-dropped and counted. The schedulers were built by the control plane, so nothing is
    /// allocated here.
    /// </summary>
    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void AdoptPolicies()
    {
        var table = _dataPlane.Qos;
        if (ReferenceEquals(table, _adoptedQos))
        {
            if (!table.Any)
            {
                return; // no policy anywhere: the plain FIFO path pays nothing more
            }
            for (var index = 0; index < _schedulers.Length; index++)
            {
                _schedulers[index]?.Advance();
            }
            return;
        }
        var gpm = _dataPlane.Gpm;
        var targets = table.Schedulers;
        for (var index = 0; index < _schedulers.Length; index++)
        {
            var current = _schedulers[index];
            var target = index < targets.Length ? targets[index] : null;
            if (target is not null && _transmitsFor is not null && !_transmitsFor(index))
            {
                target = null; // another collapsed worker's interface: its HQF alone runs the scheduler
            }
            if (ReferenceEquals(current, target))
            {
                current?.Advance();
                continue;
            }
            target?.Advance();
            int n;
            if (current is not null)
            {
                while ((n = current.DrainAll(_scratch, countAsFlushed: false)) > 0)
                {
                    CarryOver(gpm, index, target, n);
                }
            }
            else
            {
                var queue = _queues[index];
                while ((n = queue.Peek(_scratch)) > 0)
                {
                    queue.Remove(n);
                    CarryOver(gpm, index, target, n);
                }
            }
            Volatile.Write(ref _schedulers[index], target);
        }
        _adoptedQos = table;
    }

    private void CarryOver(PacketMemory gpm, int index, HqfScheduler? target, int n)
    {
        for (var i = 0; i < n; i++)
        {
            var buffer = _scratch[i];
            ref var meta = ref gpm.Meta(buffer);
            if (target is not null)
            {
                // The traffic class the PPE wrote belongs to the old policy: classify (and mark) again by the new one.
                meta.TrafficClass = TryReadIpv4(gpm, buffer, ref meta, out var ip) ? target.Policy.ClassifyAndMark(ip, meta.RxInterface) : (byte)0;
            }
            var kept = target is not null ? target.Requeue(buffer, meta.Length, meta.TrafficClass) : _queues[index].TryEnqueue(buffer);
            if (!kept)
            {
                Counters.Drop(index, DropReason.QueueFull);
                _cache.Free(buffer);
            }
        }
    }

    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private bool Transmit()
    {
        var interfaces = _dataPlane.Interfaces;
        var gpm = _dataPlane.Gpm;
        var worked = false;
        for (var index = 0; index < _queues.Length; index++)
        {
            worked |= TransmitInterface(index, _schedulers[index], interfaces, gpm);
        }
        return worked;
    }

    /// <summary>
    /// The one transmit path, for a plain FIFO and for an interface with a service policy alike: what
    /// is queued for a gone or down interface (a subinterface's state includes its parent's) is
    /// dropped and counted; otherwise a batch as large as the port's TX room allows is taken from the
    /// FIFO or from what the scheduler releases now, sent on the port (a subinterface's is its
    /// parent's), and counted on the egress interface. A frame the TX slot cannot hold is dropped
    /// and counted as oversize rather than blocking the queue.
    /// </summary>
    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private bool TransmitInterface(int index, HqfScheduler? scheduler, Interfaces.UidbTable interfaces, PacketMemory gpm)
    {
        var queue = _queues[index];
        if ((scheduler is null ? queue.Count : scheduler.Depth) == 0)
        {
            return false;
        }
        var port = interfaces.Ports[index];
        if (port is null || !interfaces.Up[index] || !CarrierUp(index, port))
        {
            int flushed;
            while ((flushed = scheduler is null ? TakeFromFifo(queue, _scratch) : scheduler.DrainAll(_scratch, countAsFlushed: true)) > 0)
            {
                _cache.FreeBurst(_scratch.AsSpan(0, flushed));
                Counters.Drop(index, DropReason.InterfaceDown, flushed);
            }
            return true;
        }
        var room = port.TxRoom;
        if (room == 0)
        {
            return false; // congested: the port signals when slots free up
        }
        var batchSpace = _scratch.AsSpan(0, Math.Min(room, _txBurst));
        long bytes = 0;
        var batch = scheduler is null ? TakeFromFifo(queue, batchSpace) : scheduler.Dequeue(batchSpace, out bytes);
        if (batch == 0)
        {
            return false; // shaped: the sleep is cut to the next eligibility time
        }
        if (scheduler is null)
        {
            // Counted before transmitting: a zero-copy port owns (and may recycle) what it takes.
            for (var i = 0; i < batch; i++)
            {
                bytes += gpm.Meta(_scratch[i]).Length;
            }
        }
        var taken = port.TransmitBurst(gpm, _scratch.AsSpan(0, batch));
        for (var i = taken; i < batch; i++)
        {
            bytes -= gpm.Meta(_scratch[i]).Length;
        }
        if (taken < batch)
        {
            // The room was checked, so only a frame the TX slot cannot hold is refused; it has left
            // its queue already, so it is dropped and counted rather than requeued.
            Counters.Drop(index, DropReason.Oversize, batch - taken);
        }
        // A zero-copy port returns what it took to GPM itself when the kernel has sent it.
        var firstToFree = port.OwnsTransmittedBuffers ? taken : 0;
        _cache.FreeBurst(_scratch.AsSpan(firstToFree, batch - firstToFree));
        if (taken > 0)
        {
            port.Flush();
            Counters.Add(index, InterfaceCounter.TxPackets, taken);
            Counters.Add(index, InterfaceCounter.TxBytes, bytes);
            Counters.Packets += taken;
            Counters.Bursts++;
        }
        return true;
    }

    /// <summary>Takes up to <paramref name="into"/>.Length buffers off the head of a FIFO.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static int TakeFromFifo(EgressQueue queue, Span<uint> into)
    {
        var n = queue.Peek(into);
        queue.Remove(n);
        return n;
    }

    /// <summary>
    /// The port's carrier, read from the driver at most once a millisecond per interface: for
    /// AF_PACKET a read is an ioctl, too dear for every batch, and the platform's link watching turns
    /// a lasting loss of carrier into an administratively disabled uIDB anyway. Until the next read
    /// the driver itself drops (and counts) what is sent to a dead link.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private bool CarrierUp(int index, IVnicPort port)
    {
        var now = Stopwatch.GetTimestamp();
        if (now - _carrierReadAt[index] >= CarrierRecheckTicks)
        {
            _carrierUp[index] = port.LinkUp;
            _carrierReadAt[index] = now;
        }
        return _carrierUp[index];
    }

    /// <summary>While shaped packets wait, sleep no longer than until the first of them may go.</summary>
    protected override int SleepTimeout
    {
        get
        {
            var timeout = base.SleepTimeout;
            for (var index = 0; index < _schedulers.Length; index++)
            {
                var scheduler = _schedulers[index];
                if (scheduler is null || scheduler.Depth == 0)
                {
                    continue;
                }
                var ticks = scheduler.TicksUntilEligible();
                var milliseconds = ticks == long.MaxValue ? timeout : (int)Math.Clamp((ticks * 1000 + _clockTicksPerSecond - 1) / _clockTicksPerSecond, 1, timeout);
                timeout = Math.Min(timeout, milliseconds);
            }
            return timeout;
        }
    }

    protected override bool HasPendingWork()
    {
        foreach (var channel in _channels)
        {
            if (!channel.OutBursts.IsEmpty)
            {
                return true;
            }
        }
        if (!_inject.IsEmpty)
        {
            return true;
        }
        if (!ReferenceEquals(_dataPlane.Qos, _adoptedQos))
        {
            return true;
        }
        var interfaces = _dataPlane.Interfaces;
        for (var i = 0; i < _queues.Length; i++)
        {
            var scheduler = _schedulers[i];
            if (scheduler is not null)
            {
                if (scheduler.Depth > 0 && interfaces.Ports[i] is { } scheduledPort)
                {
                    if (!interfaces.Up[i] || !CarrierUp(i, scheduledPort))
                    {
                        return true;
                    }
                    scheduler.Advance();
                    if (scheduledPort.TxRoom > 0 && scheduler.TicksUntilEligible() == 0)
                    {
                        return true;
                    }
                }
                continue;
            }
            if (_queues[i].Count > 0 && interfaces.Ports[i] is { } port && (port.TxRoom > 0 || !interfaces.Up[i] || !CarrierUp(i, port)))
            {
                return true;
            }
        }
        return false;
    }

    protected internal override void ReclaimHeldBuffers()
    {
        // The egress queues survive a restart (they belong to the worker, not the thread), and the
        // thread never holds a buffer between taking it from a ring and queueing it at a fault point.
        _cache.Drain();
    }

    /// <summary>On stop: every queued buffer goes back to GPM.</summary>
    internal void DrainQueues()
    {
        for (var index = 0; index < _schedulers.Length; index++)
        {
            var scheduler = _schedulers[index];
            int n;
            while (scheduler is not null && (n = scheduler.DrainAll(_scratch, countAsFlushed: true)) > 0)
            {
                for (var i = 0; i < n; i++)
                {
                    _cache.Free(_scratch[i]);
                }
            }
        }
        for (var index = 0; index < _queues.Length; index++)
        {
            var queue = _queues[index];
            while (queue.Count > 0)
            {
                var n = queue.Peek(_scratch);
                for (var i = 0; i < n; i++)
                {
                    _cache.Free(_scratch[i]);
                }
                queue.Remove(n);
            }
        }
        _cache.Drain();
    }
}
