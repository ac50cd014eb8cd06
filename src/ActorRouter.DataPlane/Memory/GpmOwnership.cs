namespace ActorRouter.DataPlane.Memory;

/// <summary>
/// One bit per GPM buffer: set while the buffer is free (in the pool or in a thread's cache), clear while
/// something holds it. Freeing a buffer whose bit is set is a double free: it would put one buffer in two
/// places at once (two free lists, or a free list and another thread's hands) and corrupt packets much later.
/// <para>
/// Debug builds keep the bits on every allocation and release (GPM and the thread caches call
/// <see cref="PacketMemory"/>'s Debug-only hooks) and throw at the second free, where the bug is. Release
/// builds compile those hooks out, so the per-packet path pays nothing; the reclaim paths that run after a
/// fault look at each buffer's owner instead before they free it. The detector itself is the same class in
/// both builds, and its tests run in Release.
/// </para>
/// </summary>
public sealed class GpmOwnership
{
    private readonly ulong[] _free;

    public GpmOwnership(int bufferCount)
    {
        BufferCount = bufferCount;
        _free = new ulong[(bufferCount + 63) / 64];
        // Every buffer starts in the pool.
        for (var i = 0; i < bufferCount; i++)
        {
            _free[i >> 6] |= 1UL << (i & 63);
        }
    }

    public int BufferCount { get; }

    public bool IsFree(uint buffer) => (Volatile.Read(ref _free[buffer >> 6]) & (1UL << (int)(buffer & 63))) != 0;

    /// <summary>The buffer leaves the free buffers for someone's hands; taking one that is not free means the pool is corrupt.</summary>
    public void Taken(uint buffer, BufferOwner owner)
    {
        Check(buffer);
        var bit = 1UL << (int)(buffer & 63);
        var before = Interlocked.And(ref _free[buffer >> 6], ~bit);
        if ((before & bit) == 0)
        {
            throw new GpmOwnershipException($"GPM buffer {buffer} was handed out twice (to {owner}) without being freed in between");
        }
    }

    /// <summary>The buffer goes back to the free buffers; throws <see cref="GpmOwnershipException"/> when it is free already.</summary>
    public void Freed(uint buffer, BufferOwner lastOwner)
    {
        Check(buffer);
        var bit = 1UL << (int)(buffer & 63);
        var before = Interlocked.Or(ref _free[buffer >> 6], bit);
        if ((before & bit) != 0)
        {
            throw new GpmOwnershipException($"double free of GPM buffer {buffer} (owner tag {lastOwner}): it was free already");
        }
    }

    private void Check(uint buffer)
    {
        if (buffer >= (uint)BufferCount)
        {
            throw new GpmOwnershipException($"GPM buffer index {buffer} is out of range (0..{BufferCount - 1})");
        }
    }
}

/// <summary>A GPM buffer freed twice or handed out twice (Debug builds), or an index that is no buffer.</summary>
public sealed class GpmOwnershipException(string message) : InvalidOperationException(message);
