using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ActorRouter.DataPlane.Rings;

/// <summary>
/// Single-producer/single-consumer ring of 32-bit entries (GPM buffer indices, burst counts) in
/// native memory. Power-of-two size; the producer's and the consumer's cursors live on separate
/// cache lines, each side keeps a private copy of the other's cursor so it reads the shared line
/// only when its copy says the ring looks full (or empty). Bursts move with at most two copies.
/// Exactly one thread may enqueue and exactly one may dequeue.
/// </summary>
public sealed unsafe class SpscRing : IDisposable
{
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct Cursors
    {
        // Producer line: its cursor and its cached view of the consumer.
        [FieldOffset(0)] public long Tail;
        [FieldOffset(8)] public long CachedHead;
        // Consumer line, 128 bytes away to stay clear of the adjacent-line prefetcher.
        [FieldOffset(128)] public long Head;
        [FieldOffset(136)] public long CachedTail;
    }

    private readonly uint* _slots;
    private readonly Cursors* _cursors;
    private readonly int _mask;
    private int _disposed;

    public SpscRing(int capacity)
    {
        if (capacity < 2 || (capacity & (capacity - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "ring size must be a power of two ≥ 2");
        }
        Capacity = capacity;
        _mask = capacity - 1;
        _slots = (uint*)NativeMemory.AlignedAlloc((nuint)capacity * sizeof(uint), 64);
        _cursors = (Cursors*)NativeMemory.AlignedAlloc((nuint)sizeof(Cursors), 128);
        *_cursors = default;
    }

    public int Capacity { get; }

    /// <summary>Entries in the ring now (exact when neither side is moving).</summary>
    public int Count => (int)(Volatile.Read(ref _cursors->Tail) - Volatile.Read(ref _cursors->Head));

    public bool IsEmpty => Count == 0;

    /// <summary>Producer side: slots free right now.</summary>
    public int FreeSpace
    {
        get
        {
            var c = _cursors;
            c->CachedHead = Volatile.Read(ref c->Head);
            return Capacity - (int)(c->Tail - c->CachedHead);
        }
    }

    /// <summary>Producer side: enqueues as many entries as fit, in order; returns how many.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public int EnqueueBurst(ReadOnlySpan<uint> entries)
    {
        var c = _cursors;
        var tail = c->Tail;
        var free = Capacity - (int)(tail - c->CachedHead);
        if (free < entries.Length)
        {
            c->CachedHead = Volatile.Read(ref c->Head);
            free = Capacity - (int)(tail - c->CachedHead);
        }
        var n = Math.Min(free, entries.Length);
        if (n <= 0)
        {
            return 0;
        }
        var start = (int)(tail & _mask);
        var first = Math.Min(n, Capacity - start);
        entries[..first].CopyTo(new Span<uint>(_slots + start, first));
        if (n > first)
        {
            entries[first..n].CopyTo(new Span<uint>(_slots, n - first));
        }
        Volatile.Write(ref c->Tail, tail + n);
        return n;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryEnqueue(uint entry) => EnqueueBurst(new ReadOnlySpan<uint>(in entry)) == 1;

    /// <summary>Consumer side: dequeues up to <paramref name="destination"/>.Length entries; returns how many.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public int DequeueBurst(Span<uint> destination)
    {
        var c = _cursors;
        var head = c->Head;
        var available = (int)(c->CachedTail - head);
        if (available < destination.Length)
        {
            c->CachedTail = Volatile.Read(ref c->Tail);
            available = (int)(c->CachedTail - head);
        }
        var n = Math.Min(available, destination.Length);
        if (n <= 0)
        {
            return 0;
        }
        var start = (int)(head & _mask);
        var first = Math.Min(n, Capacity - start);
        new ReadOnlySpan<uint>(_slots + start, first).CopyTo(destination);
        if (n > first)
        {
            new ReadOnlySpan<uint>(_slots, n - first).CopyTo(destination[first..]);
        }
        Volatile.Write(ref c->Head, head + n);
        return n;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryDequeue(out uint entry)
    {
        entry = 0;
        return DequeueBurst(new Span<uint>(ref entry)) == 1;
    }

    /// <summary>Consumer side: the entry at the head without removing it.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public bool TryPeek(out uint entry)
    {
        var c = _cursors;
        var head = c->Head;
        if (c->CachedTail == head)
        {
            c->CachedTail = Volatile.Read(ref c->Tail);
            if (c->CachedTail == head)
            {
                entry = 0;
                return false;
            }
        }
        entry = _slots[head & _mask];
        return true;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        NativeMemory.AlignedFree(_slots);
        NativeMemory.AlignedFree(_cursors);
    }
}
