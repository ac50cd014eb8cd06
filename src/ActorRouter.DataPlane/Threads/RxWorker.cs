using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Memory;
using ActorRouter.DataPlane.Rings;

namespace ActorRouter.DataPlane.Threads;

/// <summary>
/// The Rx thread with the dispatcher: polls the RX side of every registered port, lands frames in
/// GPM buffers from its own cache, and hands each port's burst whole to the next PPE in strict
/// rotation (the order the HQF later restores). When the next PPE has no room it stops receiving,
/// leaving frames in the vNIC's ring: back-pressure, not silent loss.
/// </summary>
public sealed class RxWorker : DataPlaneWorker
{
    private readonly QfpDataPlane _dataPlane;
    private readonly PpeChannel[] _channels;
    private readonly GpmCache _cache;
    private readonly uint[] _burst;
    private readonly int _burstSize;
    /// <summary>The recycle ring from the HQF: packets to hand back to the PPEs, dispatched like a port's bursts.</summary>
    private readonly SpscRing? _recycle;
    private readonly uint[] _recycled;
    private int _nextPpe;
    private int _held;

    internal RxWorker(string name, int core, QfpDataPlane dataPlane, PpeChannel[] channels, GpmCache cache, ThreadCounters counters, int burstSize,
        SpscRing? recycle = null)
        : base(name, core, counters)
    {
        _recycle = recycle;
        _recycled = new uint[burstSize];
        _dataPlane = dataPlane;
        _channels = channels;
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
            var channel = _channels[_nextPpe];
            if (channel.InPackets.FreeSpace < _burstSize || channel.InBursts.FreeSpace < 1)
            {
                _dataPlane.PpeSignal(_nextPpe).Notify();
                return worked;
            }
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
            FailIfFaultInjected();
            channel.InPackets.EnqueueBurst(_burst.AsSpan(0, received));
            channel.InBursts.TryEnqueue((uint)received);
            _dataPlane.PpeSignal(_nextPpe).Notify();
            _nextPpe = _nextPpe + 1 == _channels.Length ? 0 : _nextPpe + 1;
            // Slide the unused free buffers to the front for the next port.
            var left = _held - received;
            _burst.AsSpan(received, left).CopyTo(_burst);
            _held = left;
            worked = true;
        }
        return worked;
    }

    /// <summary>
    /// The recycle path's way back in: a burst from the recycle ring goes to the next PPE in the same
    /// rotation as the ports' bursts (so the HQF restores its order too), marked as recycled. Only when
    /// that PPE has room: otherwise the packets wait on the ring, and the HQF counts what no longer fits.
    /// </summary>
    private bool DispatchRecycled()
    {
        var ring = _recycle;
        if (ring is null || ring.IsEmpty)
        {
            return false;
        }
        var channel = _channels[_nextPpe];
        if (channel.InPackets.FreeSpace < _burstSize || channel.InBursts.FreeSpace < 1)
        {
            _dataPlane.PpeSignal(_nextPpe).Notify();
            return false;
        }
        var count = ring.DequeueBurst(_recycled);
        channel.InPackets.EnqueueBurst(_recycled.AsSpan(0, count));
        channel.InBursts.TryEnqueue((uint)count | PpeChannel.RecycledBurstFlag);
        _dataPlane.PpeSignal(_nextPpe).Notify();
        _nextPpe = _nextPpe + 1 == _channels.Length ? 0 : _nextPpe + 1;
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
