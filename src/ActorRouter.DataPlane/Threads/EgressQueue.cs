namespace ActorRouter.DataPlane.Threads;

/// <summary>
/// One interface's egress queue inside the HQF thread: a bounded FIFO of buffer indices with tail
/// drop. Private to the HQF thread, so it needs no synchronization.
/// </summary>
internal sealed class EgressQueue
{
    private readonly uint[] _slots;
    private readonly int _mask;
    private long _head;
    private long _tail;

    public EgressQueue(int limit)
    {
        Limit = limit;
        _slots = new uint[System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(2, limit))];
        _mask = _slots.Length - 1;
    }

    public int Limit { get; }
    public int Count => (int)(_tail - _head);
    public long PeakDepth { get; private set; }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public bool TryEnqueue(uint buffer)
    {
        if (_tail - _head >= Limit)
        {
            return false;
        }
        _slots[_tail & _mask] = buffer;
        _tail++;
        if (_tail - _head > PeakDepth)
        {
            PeakDepth = _tail - _head;
        }
        return true;
    }

    /// <summary>Copies up to <paramref name="destination"/>.Length buffers from the head without removing them.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public int Peek(Span<uint> destination)
    {
        var n = (int)Math.Min(destination.Length, _tail - _head);
        for (var i = 0; i < n; i++)
        {
            destination[i] = _slots[(_head + i) & _mask];
        }
        return n;
    }

    public void Remove(int count) => _head += count;
}
