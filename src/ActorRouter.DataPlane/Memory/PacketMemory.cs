using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ActorRouter.DataPlane.Memory;

/// <summary>Who holds a GPM buffer; recorded per buffer so the accounting can be read at any time.</summary>
public enum BufferOwner : byte
{
    Free = 0,
    Rx,
    Ppe,
    B4Q,
    Hqf,
    Punt,
    Inject,
    ControlPlane,
    Driver,
    ThreadCache,
}

/// <summary>Per-buffer metadata kept beside the packet bytes (not inside them, so a burst's
/// metadata is dense in cache while the PPE walks it). 16 bytes: four to a cache line.</summary>
[StructLayout(LayoutKind.Explicit, Size = 16)]
public struct PacketMeta
{
    /// <summary>Offset of the first frame byte inside the buffer (headroom before it).</summary>
    [FieldOffset(0)] public ushort Offset;
    /// <summary>Frame length in bytes.</summary>
    [FieldOffset(2)] public ushort Length;
    /// <summary>uIDB index of the interface the frame came in on.</summary>
    [FieldOffset(4)] public ushort RxInterface;
    /// <summary>uIDB index of the interface the frame leaves by (set by the PPE or the injector).</summary>
    [FieldOffset(6)] public ushort TxInterface;
    /// <summary>Why the packet was punted (see <c>PuntReason</c>), when it was.</summary>
    [FieldOffset(8)] public byte PuntReason;
    [FieldOffset(9)] public BufferOwner Owner;
    /// <summary>Traffic class chosen by the PPE (reserved for HQF classes).</summary>
    [FieldOffset(10)] public byte TrafficClass;
    /// <summary>
    /// How many times the packet has gone round the recycle path (the loop guard's count). It shares its
    /// byte with <see cref="TrafficClass"/>: a packet is classified only on its way to a physical egress
    /// (ip4-lookup and classify write the class there), which a packet bound for the recycle path never
    /// takes, and a frame from a port starts at 0.
    /// </summary>
    [FieldOffset(10)] public byte Recycles;
    /// <summary>
    /// An argument a PPE graph node leaves for the next node along with the packet (which ICMP error
    /// ip4-icmp-error builds, which drop reason the drop node counts). Meaningless between threads,
    /// except on the recycle path, where it names the graph entry the packet goes back to (<c>RecycleEntry</c>).
    /// </summary>
    [FieldOffset(11)] public byte NodeArgument;
    /// <summary>Next-hop id the FIB returned (for glean punts the control plane needs it).</summary>
    [FieldOffset(12)] public uint NextHop;
}

/// <summary>
/// Global packet memory (GPM): one aligned native block of fixed-size packet buffers addressed by
/// index, each with headroom for prepending headers, plus a lock-free pool of free indices.
/// Threads never take from the pool per packet: they hold a <see cref="GpmCache"/> and move
/// buffers to and from the pool in batches. Exhaustion is reported as a short allocation that the
/// caller counts as a no-buffer drop; nothing ever blocks.
/// </summary>
public sealed unsafe class PacketMemory : IDisposable
{
    public const int MinBufferSize = 256;
    private readonly byte* _block;
    private readonly PacketMeta* _meta;
    private readonly MpmcIndexQueue _pool;
    private int _disposed;
#if DEBUG
    private readonly GpmOwnership _ownership;
#endif

    public PacketMemory(int bufferCount, int bufferSize, int headroom)
    {
        if (bufferCount < 1 || bufferCount > (1 << 24))
        {
            throw new ArgumentOutOfRangeException(nameof(bufferCount), bufferCount, "GPM buffer count must be 1..16777216");
        }
        if (bufferSize < MinBufferSize || bufferSize > 65536 || (bufferSize & (bufferSize - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bufferSize), bufferSize, "GPM buffer size must be a power of two from 256 to 65536");
        }
        if (headroom < 0 || headroom > bufferSize / 2)
        {
            throw new ArgumentOutOfRangeException(nameof(headroom), headroom, "GPM headroom must be 0..half the buffer size");
        }
        BufferCount = bufferCount;
        BufferSize = bufferSize;
        Headroom = headroom;
        _block = (byte*)HugePages.Allocate((nuint)bufferCount * (nuint)bufferSize, 4096);
        _meta = (PacketMeta*)HugePages.Allocate((nuint)bufferCount * (nuint)sizeof(PacketMeta), 64);
        NativeMemory.Clear(_meta, (nuint)bufferCount * (nuint)sizeof(PacketMeta));
#if DEBUG
        _ownership = new GpmOwnership(bufferCount);
#endif
        _pool = new MpmcIndexQueue(bufferCount);
        for (uint i = 0; i < bufferCount; i++)
        {
            _pool.TryEnqueue(i);
        }
    }

    public int BufferCount { get; }
    public int BufferSize { get; }
    public int Headroom { get; }

    /// <summary>Largest frame a buffer holds after the headroom.</summary>
    public int MaxFrameLength => BufferSize - Headroom;

    /// <summary>Start of the native block holding every buffer: page aligned (4096), buffer i at
    /// <c>BlockPointer + i * BufferSize</c>. A zero-copy driver registers it with the kernel (AF_XDP UMEM).</summary>
    public byte* BlockPointer => _block;

    /// <summary>Bytes in the native block (<see cref="BufferCount"/> × <see cref="BufferSize"/>).</summary>
    public long BlockLength => (long)BufferCount * BufferSize;

    /// <summary>True once <see cref="Dispose"/> has released the memory (a driver closing late must not free into it).</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Buffers in the global pool right now (not counting per-thread caches).</summary>
    public int PoolCount => _pool.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* BufferPointer(uint index) => _block + (nuint)index * (nuint)BufferSize;

    /// <summary>
    /// The buffers and their metadata as plain pointers, for a loop over a burst: a local copy keeps them in
    /// registers, where reading them through this object would reload them after every store to a packet.
    /// </summary>
    public GpmView View
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(_block, _meta, System.Numerics.BitOperations.Log2((uint)BufferSize));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref PacketMeta Meta(uint index) => ref _meta[index];

    /// <summary>The whole buffer, headroom included.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> Buffer(uint index) => new(BufferPointer(index), BufferSize);

    /// <summary>The frame bytes of a buffer, as its metadata describes them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Span<byte> Frame(uint index)
    {
        ref var meta = ref _meta[index];
        return new Span<byte>(BufferPointer(index) + meta.Offset, meta.Length);
    }

    /// <summary>Takes up to <paramref name="destination"/>.Length buffers from the pool; returns how many.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public int AllocateBulk(Span<uint> destination, BufferOwner owner)
    {
        var n = _pool.DequeueBurst(destination);
        for (var i = 0; i < n; i++)
        {
            _meta[destination[i]].Owner = owner;
        }
        if (owner != BufferOwner.ThreadCache)
        {
            // Straight into someone's hands (a driver's, the control plane's); into a cache they stay free.
            DebugTaken(destination[..n], owner);
        }
        return n;
    }

    /// <summary>Returns buffers someone held to the pool (Debug builds: throws <see cref="GpmOwnershipException"/> on a double free).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void FreeBulk(ReadOnlySpan<uint> buffers)
    {
        for (var i = 0; i < buffers.Length; i++)
        {
            DebugFreed(buffers[i]);
            _meta[buffers[i]].Owner = BufferOwner.Free;
        }
        _pool.EnqueueBurst(buffers);
    }

    /// <summary>A thread cache's free buffers going back to the pool: free before, free after.</summary>
    internal void ReturnCached(ReadOnlySpan<uint> buffers)
    {
        for (var i = 0; i < buffers.Length; i++)
        {
            _meta[buffers[i]].Owner = BufferOwner.Free;
        }
        _pool.EnqueueBurst(buffers);
    }

    /// <summary>Debug builds: the buffers leave the free buffers (a cache handed them out). Compiled out of Release.</summary>
    [System.Diagnostics.Conditional("DEBUG")]
    internal void DebugTaken(ReadOnlySpan<uint> buffers, BufferOwner owner)
    {
#if DEBUG
        for (var i = 0; i < buffers.Length; i++)
        {
            _ownership.Taken(buffers[i], owner);
        }
#endif
    }

    /// <summary>Debug builds: the buffer goes back to the free buffers; a double free throws here. Compiled out of Release.</summary>
    [System.Diagnostics.Conditional("DEBUG")]
    internal void DebugFreed(uint buffer)
    {
#if DEBUG
        _ownership.Freed(buffer, _meta[buffer].Owner);
#endif
    }

    /// <summary>Resets a buffer's metadata for a fresh frame written at the default headroom.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ResetMeta(uint index, int length, BufferOwner owner)
    {
        ref var meta = ref _meta[index];
        meta = default;
        meta.Offset = (ushort)Headroom;
        meta.Length = (ushort)length;
        meta.Owner = owner;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetOwner(uint index, BufferOwner owner) => _meta[index].Owner = owner;

    /// <summary>
    /// Counts buffers by owner by scanning the metadata. Exact when the data plane is stopped;
    /// while it runs each buffer is still counted exactly once, under the owner it had when read.
    /// </summary>
    public GpmAccounting ReadAccounting()
    {
        var byOwner = new int[Enum.GetValues<BufferOwner>().Length];
        for (var i = 0; i < BufferCount; i++)
        {
            byOwner[(int)_meta[i].Owner]++;
        }
        return new GpmAccounting(BufferCount, _pool.Count, byOwner);
    }

    /// <summary>
    /// Raised once, at the start of <see cref="Dispose"/>, before the memory is released: a driver
    /// that lent buffers to the kernel (AF_XDP UMEM) closes its sockets here, so the kernel never
    /// writes into memory that has been given back.
    /// </summary>
    public event Action? Disposing;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        Disposing?.Invoke();
        NativeMemory.AlignedFree(_block);
        NativeMemory.AlignedFree(_meta);
        _pool.Dispose();
    }
}

/// <summary>A reading of GPM: total buffers, buffers in the pool, and buffers per owner (free
/// ones include those sitting in thread caches, which are tagged <see cref="BufferOwner.ThreadCache"/>).</summary>
public sealed record GpmAccounting(int Total, int InPool, IReadOnlyList<int> ByOwner)
{
    public int Held(BufferOwner owner) => ByOwner[(int)owner];

    /// <summary>True when every buffer is back in the pool.</summary>
    public bool AllFree => InPool == Total && Held(BufferOwner.Free) == Total;

    public override string ToString()
    {
        var parts = new List<string> { $"total={Total}", $"pool={InPool}" };
        for (var i = 0; i < ByOwner.Count; i++)
        {
            if (ByOwner[i] != 0)
            {
                parts.Add($"{(BufferOwner)i}={ByOwner[i]}");
            }
        }
        return string.Join(' ', parts);
    }
}

/// <summary>GPM's buffers and metadata as seen by a loop over a burst (see <see cref="PacketMemory.View"/>).</summary>
public readonly unsafe struct GpmView
{
    private readonly byte* _block;
    private readonly PacketMeta* _meta;
    private readonly int _bufferShift;

    internal GpmView(byte* block, PacketMeta* meta, int bufferShift)
    {
        _block = block;
        _meta = meta;
        _bufferShift = bufferShift;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* BufferPointer(uint index) => _block + ((nuint)index << _bufferShift);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref PacketMeta Meta(uint index) => ref _meta[index];
}

