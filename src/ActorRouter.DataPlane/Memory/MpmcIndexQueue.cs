using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ActorRouter.DataPlane.Memory;

/// <summary>
/// Bounded multi-producer/multi-consumer queue of buffer indices (Vyukov's sequence-per-cell
/// design) in native memory, used as GPM's global free pool. A burst claims all its cells with a
/// single compare-and-swap, so threads that move buffers in batches pay one atomic per batch.
/// </summary>
internal sealed unsafe class MpmcIndexQueue : IDisposable
{
    private struct Cell
    {
        public long Sequence;
        public uint Value;
    }

    [StructLayout(LayoutKind.Explicit, Size = 192)]
    private struct Cursors
    {
        // Producers and consumers each get a cache line of their own.
        [FieldOffset(64)] public long Tail;
        [FieldOffset(128)] public long Head;
    }

    private readonly Cell* _cells;
    private readonly Cursors* _cursors;
    private readonly long _mask;
    private int _disposed;

    public MpmcIndexQueue(int minimumCapacity)
    {
        var capacity = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(2, minimumCapacity));
        Capacity = capacity;
        _mask = capacity - 1;
        _cells = (Cell*)NativeMemory.AlignedAlloc((nuint)capacity * (nuint)sizeof(Cell), 64);
        _cursors = (Cursors*)NativeMemory.AlignedAlloc((nuint)sizeof(Cursors), 64);
        *_cursors = default;
        for (long i = 0; i < capacity; i++)
        {
            _cells[i].Sequence = i;
        }
    }

    public int Capacity { get; }

    public int Count
    {
        get
        {
            var count = Volatile.Read(ref _cursors->Tail) - Volatile.Read(ref _cursors->Head);
            return (int)Math.Clamp(count, 0, Capacity);
        }
    }

    public bool TryEnqueue(uint value) => EnqueueBurst(new ReadOnlySpan<uint>(in value)) == 1;

    /// <summary>Enqueues as many of <paramref name="values"/> as fit, in order; returns how many.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public int EnqueueBurst(ReadOnlySpan<uint> values)
    {
        var done = 0;
        while (done < values.Length)
        {
            var tail = Volatile.Read(ref _cursors->Tail);
            var want = values.Length - done;
            // Count how many consecutive cells from tail are empty (sequence == position).
            var free = 0;
            while (free < want)
            {
                var pos = tail + free;
                if (Volatile.Read(ref _cells[pos & _mask].Sequence) != pos)
                {
                    break;
                }
                free++;
            }
            if (free == 0)
            {
                if (Volatile.Read(ref _cursors->Tail) == tail)
                {
                    return done; // full
                }
                continue;
            }
            if (Interlocked.CompareExchange(ref _cursors->Tail, tail + free, tail) != tail)
            {
                continue;
            }
            for (var i = 0; i < free; i++)
            {
                var pos = tail + i;
                ref var cell = ref _cells[pos & _mask];
                cell.Value = values[done + i];
                Volatile.Write(ref cell.Sequence, pos + 1);
            }
            done += free;
        }
        return done;
    }

    /// <summary>Dequeues up to <paramref name="destination"/>.Length values; returns how many.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public int DequeueBurst(Span<uint> destination)
    {
        var done = 0;
        while (done < destination.Length)
        {
            var head = Volatile.Read(ref _cursors->Head);
            var want = destination.Length - done;
            var ready = 0;
            while (ready < want)
            {
                var pos = head + ready;
                if (Volatile.Read(ref _cells[pos & _mask].Sequence) != pos + 1)
                {
                    break;
                }
                ready++;
            }
            if (ready == 0)
            {
                if (Volatile.Read(ref _cursors->Head) == head)
                {
                    return done; // empty
                }
                continue;
            }
            if (Interlocked.CompareExchange(ref _cursors->Head, head + ready, head) != head)
            {
                continue;
            }
            for (var i = 0; i < ready; i++)
            {
                var pos = head + i;
                ref var cell = ref _cells[pos & _mask];
                destination[done + i] = cell.Value;
                Volatile.Write(ref cell.Sequence, pos + _mask + 1);
            }
            done += ready;
        }
        return done;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        NativeMemory.AlignedFree(_cells);
        NativeMemory.AlignedFree(_cursors);
    }
}
