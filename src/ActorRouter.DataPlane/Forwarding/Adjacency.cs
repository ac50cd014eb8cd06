using ActorRouter.DataPlane.Fib;

namespace ActorRouter.DataPlane.Forwarding;

/// <summary>What the PPE does with a packet whose route resolves to an adjacency.</summary>
public enum AdjacencyKind : byte
{
    /// <summary>Unused slot: treated as no route.</summary>
    None = 0,
    /// <summary>Next-hop MAC known: rewrite and send.</summary>
    Resolved,
    /// <summary>Connected subnet, host not yet resolved: punt a glean for the packet's destination.</summary>
    Glean,
    /// <summary>Gateway known but its MAC not yet: punt a glean for the adjacency's next-hop address.</summary>
    Incomplete,
    /// <summary>One of the router's own addresses (or a subnet broadcast): punt to the control plane.</summary>
    Receive,
    /// <summary>Explicit discard route.</summary>
    Drop,
    /// <summary>Into a tunnel interface (the adjacency's interface): encapsulate and encrypt (esp4-encrypt).</summary>
    Tunnel,
}

/// <summary>A next hop as the PPE needs it: where to send and which MAC to write.</summary>
public readonly record struct Adjacency(AdjacencyKind Kind, ushort Interface, ulong Mac, uint NextHopAddress)
{
    public static Adjacency Receive => new(AdjacencyKind.Receive, 0, 0, 0);
}

/// <summary>
/// The adjacency table the FIB's next-hop ids index. The control plane rewrites one entry in place when a neighbour
/// changes (new MAC, resolved or incomplete) without touching the FIB; the PPEs read entries concurrently.
/// </summary>
/// <remarks>
/// <para>
/// Why an entry is never torn: Kind (4 bits), Interface (12 bits, enough for the 4096 interfaces the data plane
/// allows) and MAC (48 bits) live in one 64-bit word written and read with one atomic access. The next-hop address
/// is fixed for an id's life: it is written before the word that makes the entry live, and an id is reused only
/// after the grace period, when no PPE can still be reading its earlier meaning.
/// </para>
/// <para>
/// Growth: the words live in arrays the writer replaces by larger copies (one reference swap). A reader that
/// still holds the old arrays reads values that were current a moment ago; the GC keeps them alive meanwhile.
/// One writer at a time (the control plane under the data plane's command lock).
/// </para>
/// </remarks>
public sealed class AdjacencyTable
{
    /// <summary>The largest id the FIB can carry (24 bits).</summary>
    public const uint MaxId = 0xFFFFFF;

    /// <summary>The most interfaces an entry can name (12 bits).</summary>
    public const int MaxInterfaces = 1 << 12;

    private const int KindShift = 60;
    private const int InterfaceShift = 48;
    private const ulong MacMask = (1UL << 48) - 1;

    private sealed class Storage(int capacity)
    {
        public readonly ulong[] Words = new ulong[capacity];
        public readonly uint[] NextHopAddresses = new uint[capacity];
        /// <summary>Non-zero once a PPE forwarded through the entry since the control plane last took the mark (a neighbour's use hint).</summary>
        public readonly byte[] Used = new byte[capacity];
    }

    private volatile Storage _storage;
    private readonly Stack<uint> _free = new();
    private readonly Queue<(long Stamp, uint Id)> _retired = new();
    private int _length = 1; // id 0 is "no route" and never allocated
    private int _inUse;

    /// <param name="grace">When a freed id may be reused; null when nothing reads concurrently.</param>
    public AdjacencyTable(GracePeriod? grace = null, int capacity = 64)
    {
        _storage = new Storage(Math.Max(2, capacity));
        Grace = grace ?? new GracePeriod();
    }

    /// <summary>A table holding <paramref name="adjacencies"/> at their indexes (index 0 ignored: "no route").</summary>
    public static AdjacencyTable From(ReadOnlySpan<Adjacency> adjacencies)
    {
        var table = new AdjacencyTable(null, adjacencies.Length);
        for (int i = 1; i < adjacencies.Length; i++)
        {
            var a = adjacencies[i];
            table._storage.NextHopAddresses[i] = a.NextHopAddress;
            table._storage.Words[i] = Pack(a.Kind, a.Interface, a.Mac);
            if (a.Kind != AdjacencyKind.None)
            {
                table._inUse++;
            }
        }
        table._length = Math.Max(1, adjacencies.Length);
        return table;
    }

    public GracePeriod Grace { get; set; }

    /// <summary>One past the highest id ever allocated; every id below it can be read.</summary>
    public int Length => Volatile.Read(ref _length);

    /// <summary>Ids allocated and not freed.</summary>
    public int Count => Volatile.Read(ref _inUse);

    /// <summary>Ids freed but not yet reusable (a PPE may still read their old meaning).</summary>
    public int RetiredCount => _retired.Count;

    /// <summary>
    /// The entries as they are now, for a PPE's loop over a burst: one read of the storage instead of one per
    /// packet. Take it after the FIB lookups whose ids it will resolve (an id the FIB hands out is allocated, and
    /// its storage published, before the route naming it).
    /// </summary>
    public AdjacencyView View
    {
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        get
        {
            var storage = _storage;
            return new AdjacencyView(storage.Words, storage.NextHopAddresses, storage.Used);
        }
    }

    /// <summary>A consistent copy of entry <paramref name="id"/>; Kind None for an id never allocated.</summary>
    public Adjacency this[uint id]
    {
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        get
        {
            var storage = _storage;
            var words = storage.Words;
            if (id >= (uint)words.Length)
            {
                return default;
            }
            ulong word = Volatile.Read(ref words[id]);
            return new Adjacency((AdjacencyKind)(word >> KindShift), (ushort)((word >> InterfaceShift) & (MaxInterfaces - 1)),
                word & MacMask, storage.NextHopAddresses[id]);
        }
    }

    /// <inheritdoc cref="this[uint]"/>
    public Adjacency this[int id] => id < 0 ? default : this[(uint)id];

    /// <summary>Allocates an id for <paramref name="adjacency"/>: a reclaimed one when the grace period allows, else a new one.</summary>
    /// <exception cref="ArgumentException">The interface or MAC does not fit an entry.</exception>
    /// <exception cref="InvalidOperationException">Every id up to <see cref="MaxId"/> is in use.</exception>
    public uint Allocate(in Adjacency adjacency)
    {
        ulong word = Pack(adjacency.Kind, adjacency.Interface, adjacency.Mac);
        Reclaim();
        if (!_free.TryPop(out uint id))
        {
            if ((uint)_length > MaxId)
            {
                throw new InvalidOperationException($"All {MaxId} adjacency ids are in use.");
            }
            id = (uint)_length;
            var storage = _storage;
            if (id >= storage.Words.Length)
            {
                var grown = new Storage((int)Math.Min((long)storage.Words.Length * 2, MaxId + 1L));
                storage.Words.AsSpan().CopyTo(grown.Words);
                storage.NextHopAddresses.AsSpan().CopyTo(grown.NextHopAddresses);
                storage.Used.AsSpan().CopyTo(grown.Used);
                _storage = grown;
                storage = grown;
            }
            storage.NextHopAddresses[id] = adjacency.NextHopAddress;
            Volatile.Write(ref storage.Words[id], word);
            Volatile.Write(ref _length, _length + 1);
        }
        else
        {
            var storage = _storage;
            storage.NextHopAddresses[id] = adjacency.NextHopAddress;
            storage.Used[id] = 0;
            Volatile.Write(ref storage.Words[id], word);
        }
        Volatile.Write(ref _inUse, _inUse + 1);
        return id;
    }

    /// <summary>
    /// Rewrites entry <paramref name="id"/> in place (kind, interface, MAC) with one atomic store; its next-hop
    /// address stays what it was allocated with.
    /// </summary>
    public void Rewrite(uint id, AdjacencyKind kind, ushort interfaceIndex, ulong mac)
    {
        ulong word = Pack(kind, interfaceIndex, mac);
        var storage = _storage;
        if (id == 0 || id >= (uint)_length)
        {
            throw new ArgumentOutOfRangeException(nameof(id), id, $"adjacency {id} was never allocated");
        }
        Volatile.Write(ref storage.Words[id], word);
    }

    /// <summary>
    /// Whether a PPE marked entry <paramref name="id"/> used (<see cref="AdjacencyView.MarkUsed"/>) since the last call,
    /// clearing the mark. A mark set while the storage grows may be lost: it is a hint (neighbour discovery's "the
    /// entry is in use"), never a count.
    /// </summary>
    public bool TakeUsed(uint id)
    {
        var used = _storage.Used;
        if (id == 0 || id >= (uint)used.Length || Volatile.Read(ref used[id]) == 0)
        {
            return false;
        }
        Volatile.Write(ref used[id], 0);
        return true;
    }

    /// <summary>
    /// Frees <paramref name="id"/>, which nothing in the FIB may still name. Its entry keeps its meaning for PPEs
    /// that looked it up earlier; the id is reused only after the grace period.
    /// </summary>
    public void Free(uint id)
    {
        if (id == 0 || id >= (uint)_length)
        {
            throw new ArgumentOutOfRangeException(nameof(id), id, $"adjacency {id} was never allocated");
        }
        _retired.Enqueue((Grace.Retire(), id));
        Volatile.Write(ref _inUse, _inUse - 1);
    }

    /// <summary>Moves ids whose grace period has passed to the free list; returns how many still wait.</summary>
    public int Reclaim()
    {
        if (_retired.Count > 0)
        {
            long safe = Grace.Poll();
            while (_retired.TryPeek(out var retired) && retired.Stamp <= safe)
            {
                _free.Push(retired.Id);
                _retired.Dequeue();
            }
        }
        return _retired.Count;
    }

    private static ulong Pack(AdjacencyKind kind, ushort interfaceIndex, ulong mac)
    {
        if (interfaceIndex >= MaxInterfaces)
        {
            throw new ArgumentException($"Interface {interfaceIndex} does not fit an adjacency (max {MaxInterfaces - 1}).", nameof(interfaceIndex));
        }
        if (mac > MacMask)
        {
            throw new ArgumentException($"MAC 0x{mac:X} is wider than 48 bits.", nameof(mac));
        }
        return ((ulong)kind << KindShift) | ((ulong)interfaceIndex << InterfaceShift) | mac;
    }
}

/// <summary>
/// A PPE's view of the adjacency table for one burst (see <see cref="AdjacencyTable.View"/>): an entry is one
/// 64-bit word (kind, interface, MAC) read atomically; the next-hop address, needed only to resolve, lives apart.
/// </summary>
public readonly struct AdjacencyView
{
    private const int KindShift = 60;
    private const int InterfaceShift = 48;
    private const ulong MacMask = (1UL << 48) - 1;
    private readonly ulong[] _words;
    private readonly uint[] _nextHopAddresses;
    private readonly byte[] _used;

    internal AdjacencyView(ulong[] words, uint[] nextHopAddresses, byte[] used)
    {
        _words = words;
        _nextHopAddresses = nextHopAddresses;
        _used = used;
    }

    /// <summary>
    /// Marks entry <paramref name="id"/> used; written only when not marked yet, so a busy entry's cache line is not
    /// written per packet by every PPE.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public void MarkUsed(uint id)
    {
        var used = _used;
        if (id < (uint)used.Length && used[id] == 0)
        {
            used[id] = 1;
        }
    }

    /// <summary>Entry <paramref name="id"/>'s word; 0 (kind None) for an id past the table.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public ulong Word(uint id)
    {
        var words = _words;
        return id < (uint)words.Length ? Volatile.Read(ref words[id]) : 0;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static AdjacencyKind KindOf(ulong word) => (AdjacencyKind)(word >> KindShift);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static ushort InterfaceOf(ulong word) => (ushort)((word >> InterfaceShift) & (AdjacencyTable.MaxInterfaces - 1));

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static ulong MacOf(ulong word) => word & MacMask;

    /// <summary>The address entry <paramref name="id"/> resolves (gateway of an incomplete adjacency).</summary>
    public uint NextHopAddress(uint id) => id < (uint)_nextHopAddresses.Length ? _nextHopAddresses[id] : 0;
}

