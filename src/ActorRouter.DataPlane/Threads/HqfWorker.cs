using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Memory;
using ActorRouter.DataPlane.Rings;

namespace ActorRouter.DataPlane.Threads;

/// <summary>
/// The HQF thread: restores arrival order by taking processed bursts from the PPEs' B4Q rings in
/// the rotation the dispatcher used, adds the control plane's injected frames, queues everything
/// per egress interface, and for each interface checks state and congestion (TX room), copies a
/// batch into the TX side, flushes once, and releases the buffers.
/// </summary>
public sealed class HqfWorker : DataPlaneWorker
{
    private readonly QfpDataPlane _dataPlane;
    private readonly PpeChannel[] _channels;
    private readonly SpscRing _inject;
    private readonly GpmCache _cache;
    private readonly EgressQueue[] _queues;
    private readonly uint[] _scratch;
    private readonly int _txBurst;
    private int _nextPpe;

    internal HqfWorker(string name, int core, QfpDataPlane dataPlane, PpeChannel[] channels, SpscRing inject, GpmCache cache,
        ThreadCounters counters, int maxInterfaces, int queueLimit, int txBurst, int scratchSize)
        : base(name, core, counters)
    {
        _dataPlane = dataPlane;
        _channels = channels;
        _inject = inject;
        _cache = cache;
        _txBurst = txBurst;
        _queues = new EgressQueue[maxInterfaces];
        for (var i = 0; i < maxInterfaces; i++)
        {
            _queues[i] = new EgressQueue(queueLimit);
        }
        _scratch = new uint[Math.Max(scratchSize, txBurst)];
    }

    /// <summary>Depth of an interface's egress queue (HQF thread's view; racy but safe to read).</summary>
    public int QueueDepth(int interfaceIndex) => _queues[interfaceIndex].Count;

    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    protected override bool RunOnce()
    {
        var worked = CollectFromPpes();
        worked |= CollectInjected();
        worked |= Transmit();
        return worked;
    }

    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private bool CollectFromPpes()
    {
        var gpm = _dataPlane.Gpm;
        var worked = false;
        // Bounded so transmission keeps pace with collection.
        for (var turn = 0; turn < 4 * _channels.Length; turn++)
        {
            var channel = _channels[_nextPpe];
            if (!channel.OutBursts.TryPeek(out var length))
            {
                break;
            }
            if (channel.OutPackets.Count < (int)length)
            {
                break;
            }
            // Fail (when asked to) before taking anything, so order restoration stays aligned.
            FailIfFaultInjected();
            var remaining = (int)length;
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
            Counters.Drop(0, DropReason.InterfaceDown);
            _cache.Free(buffer);
            return;
        }
        meta.Owner = BufferOwner.Hqf;
        if (!_queues[egress].TryEnqueue(buffer))
        {
            Counters.Drop(egress, DropReason.QueueFull);
            _cache.Free(buffer);
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
            var queue = _queues[index];
            if (queue.Count == 0)
            {
                continue;
            }
            var port = interfaces.Ports[index];
            if (port is null || !interfaces.Up[index] || !port.LinkUp)
            {
                var n = queue.Peek(_scratch);
                for (var i = 0; i < n; i++)
                {
                    _cache.Free(_scratch[i]);
                }
                queue.Remove(n);
                Counters.Drop(index, DropReason.InterfaceDown, n);
                worked = true;
                continue;
            }
            var room = port.TxRoom;
            if (room == 0)
            {
                continue; // congested: keep the queue, the port signals when slots free up
            }
            var batch = queue.Peek(_scratch.AsSpan(0, Math.Min(room, _txBurst)));
            var taken = port.TransmitBurst(gpm, _scratch.AsSpan(0, batch));
            long bytes = 0;
            for (var i = 0; i < taken; i++)
            {
                bytes += gpm.Meta(_scratch[i]).Length;
                _cache.Free(_scratch[i]);
            }
            queue.Remove(taken);
            if (taken > 0)
            {
                port.Flush();
                Counters.Add(index, InterfaceCounter.TxPackets, taken);
                Counters.Add(index, InterfaceCounter.TxBytes, bytes);
                Counters.Packets += taken;
                Counters.Bursts++;
                worked = true;
            }
        }
        return worked;
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
        var interfaces = _dataPlane.Interfaces;
        for (var i = 0; i < _queues.Length; i++)
        {
            if (_queues[i].Count > 0 && interfaces.Ports[i] is { } port && (port.TxRoom > 0 || !interfaces.Up[i] || !port.LinkUp))
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
