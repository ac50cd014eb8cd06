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
    // The burst ledger of a PPE graph's cache: every buffer TryAllocate handed out during the current burst
    // (ICMP errors, fragments), so that a fault inside the feature path can take back what it had allocated.
    private uint[]? _ledger;
    private int _ledgerCount;
    private int _failAfterAllocations;

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
        if (_ledger is not null)
        {
            RecordAllocation(buffer);
        }
        return true;
    }

    private void RecordAllocation(uint buffer)
    {
        if (_ledgerCount < _ledger!.Length)
        {
            _ledger[_ledgerCount++] = buffer;
        }
        if (_failAfterAllocations != 0 && --_failAfterAllocations == 0)
        {
            // Fault injection inside the feature path: fails with the buffer handed out and not yet written.
            throw new Threads.InjectedFaultException("the feature path (after a buffer allocation)");
        }
    }

    /// <summary>Keeps a ledger of the buffers <see cref="TryAllocate"/> hands out during a burst (a PPE graph's cache).</summary>
    internal void KeepBurstLedger(int capacity) => _ledger = new uint[capacity];

    /// <summary>
    /// At the start of a burst: forgets the last burst's allocations and makes room for <paramref name="frees"/>
    /// buffers, so that nothing freed during the burst leaves this cache for the pool (and another thread's
    /// hands) before the burst is over — a fault's reclaim can then tell this burst's buffers by their owner tag.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    internal void BeginBurst(int frees)
    {
        _ledgerCount = 0;
        // A burst frees each of its buffers at most once; a refill in between (at an empty cache) brings BatchSize.
        if (_count + frees >= _buffers.Length)
        {
            var n = Math.Min(_count, _count + frees - _buffers.Length + 1);
            _gpm.ReturnCached(_buffers.AsSpan(_count - n, n));
            _count -= n;
        }
    }

    /// <summary>The buffers handed out since <see cref="BeginBurst"/>.</summary>
    internal ReadOnlySpan<uint> AllocatedThisBurst => _ledger is null ? default : _ledger.AsSpan(0, _ledgerCount);

    /// <summary>Fault injection (tests): the <paramref name="allocations"/>-th allocation from now on throws, the buffer just handed out.</summary>
    internal void FailAfterAllocations(int allocations) => _failAfterAllocations = allocations;

    /// <summary>Whether the buffer sits in this cache (a linear look: for a fault's reclaim only).</summary>
    internal bool Holds(uint buffer) => Array.IndexOf(_buffers, buffer, 0, _count) >= 0;

    /// <summary>Fills <paramref name="destination"/> with free buffers as far as there are any; returns how many.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
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

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
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

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private bool Refill()
    {
        var room = _buffers.Length - _count;
        var want = Math.Min(BatchSize, room);
        var got = _gpm.AllocateBulk(_buffers.AsSpan(_count, want), BufferOwner.ThreadCache);
        _count += got;
        return _count > 0;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Spill()
    {
        var n = BatchSize;
        _gpm.ReturnCached(_buffers.AsSpan(_count - n, n));
        _count -= n;
    }
}
