using System.Runtime.InteropServices;
using ActorRouter.DataPlane.Memory;
using ActorRouter.DataPlane.Vnic;

namespace ActorRouter.IO.Memory;

/// <summary>
/// An in-process cable with a <see cref="MemoryVnicPort"/> at each end, like a veth pair: what one
/// end transmits (and flushes) the other receives. The router uses one end as its vNIC; a test or a
/// simulated host sits on the other. Each direction is a ring of fixed-size frame slots in native
/// memory with one writer and one reader, so the two ends need no lock.
/// </summary>
public sealed class MemoryWire : IDisposable
{
    public const int DefaultSlotSize = 2048;

    public MemoryWire(string nameA, ulong macA, string nameB, ulong macB, int ringSize = 512, int mtu = 1500, int slotSize = DefaultSlotSize)
    {
        if (ringSize < 2 || (ringSize & (ringSize - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ringSize), ringSize, "ring size must be a power of two ≥ 2");
        }
        if (mtu < 68 || mtu + 18 > slotSize)
        {
            throw new ArgumentOutOfRangeException(nameof(mtu), mtu, $"MTU must be 68..{slotSize - 18} for {slotSize}-byte slots");
        }
        var aToB = new WireLane(ringSize, slotSize);
        var bToA = new WireLane(ringSize, slotSize);
        A = new MemoryVnicPort(this, nameA, macA, mtu, ringSize, transmit: aToB, receive: bToA);
        B = new MemoryVnicPort(this, nameB, macB, mtu, ringSize, transmit: bToA, receive: aToB);
    }

    /// <summary>The router's end, by convention.</summary>
    public MemoryVnicPort A { get; }

    /// <summary>The far end (test or simulated host), by convention.</summary>
    public MemoryVnicPort B { get; }

    /// <summary>Carrier on both ends; a cut wire refuses transmissions (counted) and delivers nothing.</summary>
    public bool Connected { get; set; } = true;

    public void Dispose()
    {
        A.DisposeLanes();
    }
}

/// <summary>One direction of a <see cref="MemoryWire"/>: single writer, single reader.</summary>
internal sealed unsafe class WireLane
{
    private readonly byte* _slots;
    private readonly int* _lengths;
    private readonly int _mask;
    private long _head;          // reader
    private long _tail;          // published by the writer at flush
    private long _stagedTail;    // writer-private: slots filled but not yet flushed
    private int _disposed;

    public WireLane(int ringSize, int slotSize)
    {
        RingSize = ringSize;
        SlotSize = slotSize;
        _mask = ringSize - 1;
        _slots = (byte*)NativeMemory.AlignedAlloc((nuint)ringSize * (nuint)slotSize, 64);
        _lengths = (int*)NativeMemory.AlignedAlloc((nuint)ringSize * sizeof(int), 64);
    }

    public int RingSize { get; }
    public int SlotSize { get; }
    public WakeSignal? ReaderSignal;
    public WakeSignal? WriterSignal;

    public int Pending => (int)(Volatile.Read(ref _tail) - Volatile.Read(ref _head));

    public int WriterRoom => RingSize - (int)(_stagedTail - Volatile.Read(ref _head));

    /// <summary>Writer: copies a frame into the next slot without publishing it.</summary>
    public bool Stage(ReadOnlySpan<byte> frame)
    {
        if (frame.Length > SlotSize || _stagedTail - Volatile.Read(ref _head) >= RingSize)
        {
            return false;
        }
        var slot = (int)(_stagedTail & _mask);
        frame.CopyTo(new Span<byte>(_slots + (nint)slot * SlotSize, SlotSize));
        _lengths[slot] = frame.Length;
        _stagedTail++;
        return true;
    }

    /// <summary>Writer: publishes every staged slot and wakes the reader if it sleeps.</summary>
    public void Publish()
    {
        if (_stagedTail == _tail)
        {
            return;
        }
        Volatile.Write(ref _tail, _stagedTail);
        ReaderSignal?.Notify();
    }

    /// <summary>Writer: forgets staged slots (the wire was cut before they were flushed).</summary>
    public int DiscardStaged()
    {
        var n = (int)(_stagedTail - _tail);
        _stagedTail = _tail;
        return n;
    }

    /// <summary>Reader: the frame <paramref name="offset"/> slots past the head (offset &lt; <see cref="Pending"/>).</summary>
    public ReadOnlySpan<byte> SlotAt(int offset)
    {
        var slot = (int)((_head + offset) & _mask);
        return new ReadOnlySpan<byte>(_slots + (nint)slot * SlotSize, _lengths[slot]);
    }

    /// <summary>Reader: releases <paramref name="count"/> slots at once and wakes a blocked writer.</summary>
    public void AdvanceBy(int count)
    {
        if (count == 0)
        {
            return;
        }
        Volatile.Write(ref _head, _head + count);
        WriterSignal?.Notify();
    }

    public void Free()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        NativeMemory.AlignedFree(_slots);
        NativeMemory.AlignedFree(_lengths);
    }
}

/// <summary>One end of a <see cref="MemoryWire"/>: the memory vNIC driver's port.</summary>
public sealed class MemoryVnicPort : IVnicPort
{
    private readonly MemoryWire _wire;
    private readonly WireLane _transmit;
    private readonly WireLane _receive;

    internal MemoryVnicPort(MemoryWire wire, string osName, ulong mac, int mtu, int ringSize, WireLane transmit, WireLane receive)
    {
        _wire = wire;
        OsName = osName;
        Mac = mac;
        Mtu = mtu;
        RingSize = ringSize;
        _transmit = transmit;
        _receive = receive;
    }

    public string OsName { get; }
    public ulong Mac { get; }
    public int Mtu { get; }
    public int RingSize { get; }
    public bool LinkUp => _wire.Connected;
    public VnicStatistics Statistics { get; } = new();

    /// <summary>Frames waiting on this end's RX side.</summary>
    public int RxPending => _receive.Pending;

    public int ReceiveBurst(PacketMemory gpm, ReadOnlySpan<uint> buffers)
    {
        var available = _receive.Pending;
        if (available == 0)
        {
            return 0;
        }
        var connected = _wire.Connected;
        var maxFrame = gpm.MaxFrameLength;
        var filled = 0;
        var consumed = 0;
        while (filled < buffers.Length && consumed < available)
        {
            var frame = _receive.SlotAt(consumed++);
            if (!connected)
            {
                // Frames in flight when the cable is cut are lost, as on a real wire.
                continue;
            }
            if (frame.Length > maxFrame)
            {
                Statistics.CountRxOversize();
                continue;
            }
            var buffer = buffers[filled++];
            gpm.ResetMeta(buffer, frame.Length, BufferOwner.Rx);
            frame.CopyTo(gpm.Frame(buffer));
        }
        _receive.AdvanceBy(consumed);
        return filled;
    }

    public bool HasReceived => _receive.Pending > 0;

    public int DiscardReceived(int max)
    {
        var n = Math.Min(max, _receive.Pending);
        _receive.AdvanceBy(n);
        return n;
    }

    public int TxRoom => _transmit.WriterRoom;

    public int TransmitBurst(PacketMemory gpm, ReadOnlySpan<uint> buffers)
    {
        if (!_wire.Connected)
        {
            Statistics.CountTxLinkDown(buffers.Length);
            return buffers.Length;
        }
        var taken = 0;
        while (taken < buffers.Length && _transmit.Stage(gpm.Frame(buffers[taken])))
        {
            taken++;
        }
        return taken;
    }

    public void Flush() => _transmit.Publish();

    public void AttachRxSignal(WakeSignal? signal) => _receive.ReaderSignal = signal;

    public void AttachTxSignal(WakeSignal? signal) => _transmit.WriterSignal = signal;

    /// <summary>Far-end convenience: sends one frame at once (stage and flush). False when the ring is full or the wire cut.</summary>
    public bool Send(ReadOnlySpan<byte> frame)
    {
        if (!_wire.Connected || !_transmit.Stage(frame))
        {
            return false;
        }
        _transmit.Publish();
        return true;
    }

    /// <summary>Far-end convenience for load generators: sends up to <paramref name="count"/> copies
    /// of a frame with one publication (one wake-up of the reader); returns how many fit.</summary>
    public int SendRepeated(ReadOnlySpan<byte> frame, int count)
    {
        if (!_wire.Connected)
        {
            return 0;
        }
        var sent = 0;
        while (sent < count && _transmit.Stage(frame))
        {
            sent++;
        }
        _transmit.Publish();
        return sent;
    }

    /// <summary>Far-end convenience: takes the next received frame into <paramref name="destination"/>.</summary>
    public bool TryReceive(Span<byte> destination, out int length)
    {
        if (_receive.Pending == 0)
        {
            length = 0;
            return false;
        }
        var frame = _receive.SlotAt(0);
        length = frame.Length;
        frame.CopyTo(destination);
        _receive.AdvanceBy(1);
        return true;
    }

    /// <summary>Far-end convenience for tests: the next received frame as an array, or null.</summary>
    public byte[]? TryReceive()
    {
        if (_receive.Pending == 0)
        {
            return null;
        }
        var copy = _receive.SlotAt(0).ToArray();
        _receive.AdvanceBy(1);
        return copy;
    }

    /// <summary>Nothing of its own to free: the lanes belong to the wire, which frees them (the far end may outlive a closed port).</summary>
    public void Dispose()
    {
    }

    internal void DisposeLanes()
    {
        _transmit.Free();
        _receive.Free();
    }
}
