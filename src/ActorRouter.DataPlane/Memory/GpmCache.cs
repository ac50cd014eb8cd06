using System.Runtime.CompilerServices;

namespace ActorRouter.DataPlane.Memory;

/// <summary>
/// A thread's private cache of free GPM buffers. Allocation and release touch only this array;
/// the shared pool is visited once per <see cref="BatchSize"/> buffers. Owned by one thread: not
/// thread-safe by design. Cached buffers are tagged <see cref="BufferOwner.ThreadCache"/>.
/// </summary>
public sealed class GpmCache
{
    private readonly PacketMemory _gpm;
    private readonly uint[] _buffers;
    private int _count;

    public GpmCache(PacketMemory gpm, int capacity = 512)
    {
        _gpm = gpm;
        _buffers = new uint[capacity];
        BatchSize = capacity / 2;
    }

    public int BatchSize { get; }
    public int Count => _count;

    /// <summary>Takes one free buffer; false (no buffer) when the cache and the pool are empty.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryAllocate(out uint buffer)
    {
        if (_count == 0 && !Refill())
        {
            buffer = 0;
            return false;
        }
        buffer = _buffers[--_count];
        _gpm.DebugTaken(new ReadOnlySpan<uint>(in buffer), BufferOwner.ThreadCache);
        return true;
    }

    /// <summary>Fills <paramref name="destination"/> with free buffers as far as there are any; returns how many.</summary>
    public int AllocateBurst(Span<uint> destination)
    {
        if (_count < destination.Length)
        {
            Refill();
        }
        var n = Math.Min(_count, destination.Length);
        _buffers.AsSpan(_count - n, n).CopyTo(destination);
        _count -= n;
        _gpm.DebugTaken(destination[..n], BufferOwner.ThreadCache);
        return n;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Free(uint buffer)
    {
        if (_count == _buffers.Length)
        {
            Spill();
        }
        _gpm.DebugFreed(buffer);
        _gpm.SetOwner(buffer, BufferOwner.ThreadCache);
        _buffers[_count++] = buffer;
    }

    public void FreeBurst(ReadOnlySpan<uint> buffers)
    {
        for (var i = 0; i < buffers.Length; i++)
        {
            Free(buffers[i]);
        }
    }

    /// <summary>Returns every cached buffer to the pool (on thread stop).</summary>
    public void Drain()
    {
        _gpm.ReturnCached(_buffers.AsSpan(0, _count));
        _count = 0;
    }

    private bool Refill()
    {
        var room = _buffers.Length - _count;
        var want = Math.Min(BatchSize, room);
        var got = _gpm.AllocateBulk(_buffers.AsSpan(_count, want), BufferOwner.ThreadCache);
        _count += got;
        return _count > 0;
    }

    private void Spill()
    {
        var n = BatchSize;
        _gpm.ReturnCached(_buffers.AsSpan(_count - n, n));
        _count -= n;
    }
}
