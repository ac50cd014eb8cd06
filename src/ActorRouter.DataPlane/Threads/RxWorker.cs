using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Memory;
using ActorRouter.DataPlane.Rings;

namespace ActorRouter.DataPlane.Threads;

/// <summary>
/// The Rx thread with the dispatcher: polls the RX side of every registered port, lands frames in
/// GPM buffers from its own cache, and hands each port's burst whole to the next PPE in rotation that
/// accepts it — passing over a PPE that is down, lagging or full — and records the PPE in the
/// dispatch order (which the HQF follows to restore arrival order). When no PPE has room it stops
/// receiving, leaving frames in the vNIC's ring: back-pressure, not silent loss.
/// </summary>
public sealed class RxWorker : DataPlaneWorker
{
    private readonly QfpDataPlane _dataPlane;
    private readonly PpeChannel[] _channels;
    private readonly PpeDispatch _dispatch;
    private readonly GpmCache _cache;
    private readonly uint[] _burst;
    private readonly int _burstSize;
    /// <summary>The recycle ring from the HQF: packets to hand back to the PPEs, dispatched like a port's bursts.</summary>
    private readonly SpscRing? _recycle;
    private readonly uint[] _recycled;
    private int _nextPpe;
    private int _held;

    internal RxWorker(string name, int core, QfpDataPlane dataPlane, PpeChannel[] channels, PpeDispatch dispatch, GpmCache cache, ThreadCounters counters, int burstSize,
        SpscRing? recycle = null)
        : base(name, core, counters)
    {
        _recycle = recycle;
        _recycled = new uint[burstSize];
        _dataPlane = dataPlane;
        _channels = channels;
        _dispatch = dispatch;
        _cache = cache;
        _burstSize = burstSize;
        _burst = new uint[burstSize];
    }

    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    protected override bool RunOnce()
    {
        var interfaces = _dataPlane.Interfaces;
        var registered = interfaces.RegisteredIndices;
        var ports = interfaces.Ports;
        var gpm = _dataPlane.Gpm;
        var worked = DispatchRecycled();
        for (var r = 0; r < registered.Length; r++)
        {
            var index = registered[r];
            var port = ports[index]!;
            var ppe = ChoosePpe();
            if (ppe < 0)
            {
                return worked;
            }
            var channel = _channels[ppe];
            // Keep a full burst of free buffers in hand; whatever the port does not fill stays ours.
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
                bytes += meta.Length;
            }
            Counters.Add(index, InterfaceCounter.RxPackets, received);
            Counters.Add(index, InterfaceCounter.RxBytes, bytes);
            Counters.Packets += received;
            Counters.Bursts++;
            // An injected fault strikes here, with a received burst in hand and not yet dispatched.
            BurstCheckpoint();
            channel.InPackets.EnqueueBurst(_burst.AsSpan(0, received));
            channel.InBursts.TryEnqueue((uint)received);
            // After the burst is in the PPE's ring: the HQF, following this order, then waits for that PPE.
            _dispatch.Order.TryEnqueue((uint)ppe);
            _dataPlane.PpeSignal(ppe).Notify();
            _nextPpe = ppe + 1 == _channels.Length ? 0 : ppe + 1;
            // Slide the unused free buffers to the front for the next port.
            var left = _held - received;
            _burst.AsSpan(received, left).CopyTo(_burst);
            _held = left;
            worked = true;
        }
        return worked;
    }

    /// <summary>
    /// The next PPE in rotation that accepts a burst (not down, not lagging, room for a whole burst), or -1
    /// when none does or the dispatch order is full: then the frames wait in the vNIC's ring.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private int ChoosePpe()
    {
        if (_dispatch.Order.FreeSpace < 1)
        {
            _dataPlane.HqfSignal.Notify();
            return -1;
        }
        var ppe = _nextPpe;
        for (var tried = 0; tried < _channels.Length; tried++)
        {
            if (_dispatch.Accepts(ppe))
            {
                var channel = _channels[ppe];
                if (channel.InPackets.FreeSpace >= _burstSize && channel.InBursts.FreeSpace >= 1)
                {
                    return ppe;
                }
                // Full: make sure it is awake to drain, and try the next one.
                _dataPlane.PpeSignal(ppe).Notify();
            }
            ppe = ppe + 1 == _channels.Length ? 0 : ppe + 1;
        }
        return -1;
    }

    /// <summary>
    /// The recycle path's way back in: a burst from the recycle ring goes to the next PPE that accepts one, in
    /// the same rotation and dispatch order as the ports' bursts (so the HQF restores its order too), marked as
    /// recycled. When no PPE has room the packets wait on the ring, and the HQF counts what no longer fits.
    /// </summary>
    private bool DispatchRecycled()
    {
        var ring = _recycle;
        if (ring is null || ring.IsEmpty)
        {
            return false;
        }
        var ppe = ChoosePpe();
        if (ppe < 0)
        {
            return false;
        }
        var channel = _channels[ppe];
        var count = ring.DequeueBurst(_recycled);
        channel.InPackets.EnqueueBurst(_recycled.AsSpan(0, count));
        channel.InBursts.TryEnqueue((uint)count | PpeChannel.RecycledBurstFlag);
        _dispatch.Order.TryEnqueue((uint)ppe);
        _dataPlane.PpeSignal(ppe).Notify();
        _nextPpe = ppe + 1 == _channels.Length ? 0 : ppe + 1;
        return true;
    }

    private long _pollFdsGeneration = -1;
    private int[] _pollFds = Array.Empty<int>();

    /// <summary>Ports with a file descriptor (AF_PACKET) wake the Rx thread through poll(), not a signal.</summary>
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
                    if (fd >= 0)
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

    protected override bool HasPendingWork()
    {
        if (_recycle is { IsEmpty: false })
        {
            return true;
        }
        var interfaces = _dataPlane.Interfaces;
        foreach (var index in interfaces.RegisteredIndices)
        {
            if (interfaces.Ports[index]!.HasReceived)
            {
                return true;
            }
        }
        return false;
    }

    protected internal override void ReclaimHeldBuffers()
    {
        var gpm = _dataPlane.Gpm;
        // Free buffers in hand, and any received buffer not yet dispatched, go back to GPM.
        for (var i = 0; i < _held; i++)
        {
            var owner = gpm.Meta(_burst[i]).Owner;
            if (owner == BufferOwner.Rx)
            {
                Counters.Drop(gpm.Meta(_burst[i]).RxInterface, DropReason.ThreadFault);
            }
            _cache.Free(_burst[i]);
        }
        _held = 0;
        _cache.Drain();
    }
}
