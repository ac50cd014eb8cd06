using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ActorRouter.DataPlane.Fib;

/// <summary>
/// The IPv4 longest-prefix-match table in the DIR-24-8 layout of DPDK's rte_lpm; the PPE threads read it while the
/// control plane changes it route by route.
/// </summary>
/// <remarks>
/// <para>
/// Why DIR-24-8: a destination resolves with one memory access into tbl24 (indexed by the top 24 address bits)
/// whenever no route longer than /24 covers it — that is every address in the shared 1M-route table — and with a
/// second access into one 256-entry tbl8 group only under a /25../32 route. A trie would take several dependent
/// loads per lookup; here the loads of a burst are independent, so the CPU overlaps their cache misses.
/// </para>
/// <para>
/// Entry (32 bits, tbl24 and tbl8 alike): bit 31 valid, bit 30 extended (tbl24 only: the low 24 bits are a tbl8
/// group index instead of a next hop), bits 24..29 the length of the route that wrote the entry, bits 0..23 the
/// next-hop id. A missing route is the all-zero entry, so a lookup returns the low 24 bits without testing the
/// valid bit, and next-hop id 0 means "no route". The length is what lets a change touch only its own range: an
/// add overwrites the entries written by shorter routes and a delete rewrites the entries its own length wrote.
/// </para>
/// <para>
/// Memory budget: tbl24 is 2^24 × 4 B = 64 MiB, fixed; each tbl8 group is 256 × 4 B = 1 KiB, one per distinct
/// /24 that holds a route longer than /24. <see cref="MemoryBytes"/> = 64 MiB + <see cref="Tbl8GroupsUsed"/> × 1 KiB.
/// tbl8 groups come from segments of <see cref="Tbl8SegmentGroups"/> groups that never move once allocated (a
/// fixed directory points at them), so the pool grows without copying and a reader never follows a stale pointer;
/// <see cref="NativeBytes"/> is what is really allocated. All of it is native memory (tbl24 2 MiB aligned with
/// transparent huge pages requested) so the GC never scans or moves it and a random lookup costs few TLB misses.
/// </para>
/// <para>
/// Updates (<see cref="Add"/>, <see cref="Remove"/>), as rte_lpm's: the rules are kept per prefix length, an add
/// rewrites only the tbl24/tbl8 range its prefix covers, a delete rewrites that range with the longest shorter
/// rule that covers it. One writer at a time (the control plane); any number of readers at once, without a lock:
/// every entry write is one aligned 32-bit store, a new tbl8 group is filled before the tbl24 entry that points to
/// it is written (release order), and a group no /25+ route needs any more is unlinked first and reused only after
/// <see cref="Grace"/> says every reader has been quiescent since. A reader may see a change a moment late, never a
/// mix of two ranges' halves in one entry. <see cref="Build(Ipv4RouteTable)"/> fills the same structure in one go
/// for bulk loads. Dispose only once no reader can still be using the table.
/// </para>
/// </remarks>
public sealed unsafe class Ipv4Fib : IDisposable
{
    public const uint ValidFlag = 0x8000_0000;
    public const uint ExtendedFlag = 0x4000_0000;
    public const uint PayloadMask = 0x00FF_FFFF;
    private const int LengthShift = 24;
    private const uint LengthMask = 0x3F;

    /// <summary>Entries in tbl24: one per /24.</summary>
    public const int Tbl24Entries = 1 << 24;

    /// <summary>Entries in one tbl8 group: one per address of a /24.</summary>
    public const int Tbl8GroupEntries = 256;

    /// <summary>tbl8 groups per segment, the unit the group pool grows by.</summary>
    public const int Tbl8SegmentGroups = 256;

    private const int Tbl8SegmentShift = 8;
    private const int MaxTbl8Segments = Tbl24Entries / Tbl8SegmentGroups;

    private const long Tbl24Bytes = (long)Tbl24Entries * sizeof(uint);
    private const long Tbl8GroupBytes = Tbl8GroupEntries * sizeof(uint);
    private const long Tbl8SegmentBytes = Tbl8SegmentGroups * Tbl8GroupBytes;
    private const long DirectoryBytes = MaxTbl8Segments * sizeof(ulong);
    private const nuint HugePageAlignment = 2 * 1024 * 1024;
    private const nuint CacheLine = 64;

    private uint* _tbl24;
    private uint** _tbl8Segments;
    private int _segmentCount;
    private long _nativeBytes;
    private int _freed;

    // Writer-side state (the control plane, one thread at a time).
    private readonly Dictionary<uint, uint>?[] _rules = new Dictionary<uint, uint>?[33];
    // For lengths 0..24, one bit per possible prefix: "a rule of this length exists". A delete's search for the
    // covering rule tests these bits (the short lengths' maps stay in cache) and reads one dictionary, instead of
    // probing a large dictionary per length. 4 MiB in all, allocated on first use of each length.
    private readonly ulong[]?[] _present = new ulong[]?[25];
    private readonly Stack<uint> _freeGroups = new();
    private readonly Queue<(long Stamp, uint Group)> _retiredGroups = new();
    private uint _groupsEverUsed;
    private int _groupsInUse;
    private int _routeCount;
    private GracePeriod _grace = new();

    private Ipv4Fib()
    {
        try
        {
            _tbl24 = (uint*)AllocateTable((nuint)Tbl24Bytes);
            _tbl8Segments = (uint**)NativeMemory.AllocZeroed((nuint)DirectoryBytes);
        }
        catch
        {
            if (_tbl24 != null) NativeMemory.AlignedFree(_tbl24);
            // The finalizer of a half-built table must not free again what was just freed.
            _tbl24 = null;
            _freed = 1;
            GC.SuppressFinalize(this);
            throw;
        }
        _nativeBytes = Tbl24Bytes + DirectoryBytes;
        GC.AddMemoryPressure(_nativeBytes);
    }

    ~Ipv4Fib() => Free();

    /// <summary>Bytes of table in use: 64 MiB of tbl24 plus 1 KiB per tbl8 group in use.</summary>
    public long MemoryBytes => MemoryBudget(Volatile.Read(ref _groupsInUse));

    /// <summary>Native bytes allocated: tbl24, the segment directory and every tbl8 segment (never shrinks).</summary>
    public long NativeBytes => Interlocked.Read(ref _nativeBytes);

    /// <summary>Number of routes in the table.</summary>
    public int RouteCount => Volatile.Read(ref _routeCount);

    /// <summary>Number of 256-entry tbl8 groups in use, one per /24 that holds a route longer than /24.</summary>
    public int Tbl8GroupsUsed => Volatile.Read(ref _groupsInUse);

    /// <summary>Groups unlinked but not yet reusable because a reader may still be reading them.</summary>
    public int Tbl8GroupsRetired => _retiredGroups.Count;

    /// <summary>
    /// When an unlinked tbl8 group may be reused. The default has no readers (reuse at once); the data plane sets
    /// one driven by its PPE threads' epochs before it lets the threads read this table.
    /// </summary>
    public GracePeriod Grace
    {
        get => _grace;
        set => _grace = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>The memory a table with <paramref name="tbl8Groups"/> groups in use holds: 64 MiB + groups × 1 KiB.</summary>
    public static long MemoryBudget(int tbl8Groups) => Tbl24Bytes + tbl8Groups * Tbl8GroupBytes;

    /// <summary>An empty table to fill with <see cref="Add"/>.</summary>
    public static Ipv4Fib CreateEmpty() => new();

    /// <summary>Builds a table of the routes in <paramref name="routes"/>.</summary>
    public static Ipv4Fib Build(Ipv4RouteTable routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        // The table already guarantees valid, distinct routes.
        return BuildCore(routes.ToArray(), validate: false);
    }

    /// <summary>Builds a table of <paramref name="routes"/>, which must be valid and distinct by (prefix, length).</summary>
    /// <exception cref="ArgumentException">A route is invalid, or two routes have the same prefix and length.</exception>
    public static Ipv4Fib Build(ReadOnlySpan<Ipv4Route> routes) => BuildCore(routes.ToArray(), validate: true);

    /// <summary>The next-hop id of the longest prefix covering <paramref name="address"/> (host order), or 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Lookup(uint address)
    {
        uint entry = Resolve(_tbl24[address >> 8], address);
        // The finalizer frees the tables; keep this table reachable until the last load.
        GC.KeepAlive(this);
        return entry;
    }

    /// <summary>
    /// Looks up every address of <paramref name="addresses"/> into the same index of <paramref name="nextHops"/>
    /// (0 for no route). With AVX2 the tbl24 entries of 16 addresses are fetched by two gathers before any is used,
    /// so their cache misses overlap and the per-address instruction count stays small; only a block holding an
    /// extended entry falls back to per-address tbl8 resolution.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="nextHops"/> is shorter than <paramref name="addresses"/>.</exception>
    /// <summary>
    /// Starts loading the table line <paramref name="address"/> will need, so a lookup later in the
    /// same burst finds it in cache: the PPE calls this while it validates a packet, overlapping the
    /// table's cache miss with header work.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public void Prefetch(uint address)
    {
        if (System.Runtime.Intrinsics.X86.Sse.IsSupported)
        {
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(_tbl24 + (address >> 8));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void LookupBurst(ReadOnlySpan<uint> addresses, Span<uint> nextHops)
    {
        if (nextHops.Length < addresses.Length)
        {
            ThrowShortOutput(nextHops.Length, addresses.Length);
        }
        fixed (uint* src = addresses)
        fixed (uint* dst = nextHops)
        {
            int done = Avx2.IsSupported ? GatherBlocks(src, dst, addresses.Length) : 0;
            ScalarBlocks(src, dst, done, addresses.Length);
        }
        // The finalizer frees the tables; keep this table reachable until the last load.
        GC.KeepAlive(this);
    }

    /// <summary>The portable path of <see cref="LookupBurst"/>, callable on AVX2 hardware so tests cover it.</summary>
    internal void LookupBurstScalar(ReadOnlySpan<uint> addresses, Span<uint> nextHops)
    {
        if (nextHops.Length < addresses.Length)
        {
            ThrowShortOutput(nextHops.Length, addresses.Length);
        }
        fixed (uint* src = addresses)
        fixed (uint* dst = nextHops)
        {
            ScalarBlocks(src, dst, 0, addresses.Length);
        }
        GC.KeepAlive(this);
    }

    /// <summary>Resolves whole blocks of 16 and then 8 addresses with AVX2 gathers; returns how many it did.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int GatherBlocks(uint* src, uint* dst, int n)
    {
        uint* tbl24 = _tbl24;
        var extended = Vector256.Create(ExtendedFlag);
        var payload = Vector256.Create(PayloadMask);
        int i = 0;
        for (; i <= n - 16; i += 16)
        {
            var lo = Avx2.GatherVector256(tbl24, Avx2.ShiftRightLogical(Avx.LoadVector256(src + i), 8).AsInt32(), sizeof(uint));
            var hi = Avx2.GatherVector256(tbl24, Avx2.ShiftRightLogical(Avx.LoadVector256(src + i + 8), 8).AsInt32(), sizeof(uint));
            if (Avx.TestZ(lo | hi, extended))
            {
                Avx.Store(dst + i, lo & payload);
                Avx.Store(dst + i + 8, hi & payload);
            }
            else
            {
                ResolveBlock(lo, src + i, dst + i);
                ResolveBlock(hi, src + i + 8, dst + i + 8);
            }
        }
        for (; i <= n - 8; i += 8)
        {
            var entries = Avx2.GatherVector256(tbl24, Avx2.ShiftRightLogical(Avx.LoadVector256(src + i), 8).AsInt32(), sizeof(uint));
            if (Avx.TestZ(entries, extended))
            {
                Avx.Store(dst + i, entries & payload);
            }
            else
            {
                ResolveBlock(entries, src + i, dst + i);
            }
        }
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ResolveBlock(Vector256<uint> entries, uint* src, uint* dst)
    {
        for (int k = 0; k < Vector256<uint>.Count; k++)
        {
            dst[k] = Resolve(entries.GetElement(k), src[k]);
        }
    }

    /// <summary>Resolves addresses [<paramref name="i"/>, <paramref name="n"/>): eight independent tbl24 loads at a time, then a tail.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ScalarBlocks(uint* src, uint* dst, int i, int n)
    {
        uint* tbl24 = _tbl24;
        for (; i <= n - 8; i += 8)
        {
            uint e0 = tbl24[src[i] >> 8];
            uint e1 = tbl24[src[i + 1] >> 8];
            uint e2 = tbl24[src[i + 2] >> 8];
            uint e3 = tbl24[src[i + 3] >> 8];
            uint e4 = tbl24[src[i + 4] >> 8];
            uint e5 = tbl24[src[i + 5] >> 8];
            uint e6 = tbl24[src[i + 6] >> 8];
            uint e7 = tbl24[src[i + 7] >> 8];
            if (((e0 | e1 | e2 | e3 | e4 | e5 | e6 | e7) & ExtendedFlag) == 0)
            {
                dst[i] = e0 & PayloadMask;
                dst[i + 1] = e1 & PayloadMask;
                dst[i + 2] = e2 & PayloadMask;
                dst[i + 3] = e3 & PayloadMask;
                dst[i + 4] = e4 & PayloadMask;
                dst[i + 5] = e5 & PayloadMask;
                dst[i + 6] = e6 & PayloadMask;
                dst[i + 7] = e7 & PayloadMask;
            }
            else
            {
                dst[i] = Resolve(e0, src[i]);
                dst[i + 1] = Resolve(e1, src[i + 1]);
                dst[i + 2] = Resolve(e2, src[i + 2]);
                dst[i + 3] = Resolve(e3, src[i + 3]);
                dst[i + 4] = Resolve(e4, src[i + 4]);
                dst[i + 5] = Resolve(e5, src[i + 5]);
                dst[i + 6] = Resolve(e6, src[i + 6]);
                dst[i + 7] = Resolve(e7, src[i + 7]);
            }
        }
        for (; i < n; i++)
        {
            dst[i] = Resolve(tbl24[src[i] >> 8], src[i]);
        }
    }

    private static void ThrowShortOutput(int outputs, int addresses) =>
        throw new ArgumentException($"nextHops holds {outputs} entries but {addresses} addresses were given.", "nextHops");

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Resolve(uint entry, uint address)
    {
        if ((entry & ExtendedFlag) != 0)
        {
            entry = Tbl8Group(entry & PayloadMask)[address & 0xFF];
        }
        return entry & PayloadMask;
    }

    /// <summary>The first entry of tbl8 group <paramref name="group"/>: its segment's base plus the group's offset.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint* Tbl8Group(uint group) =>
        _tbl8Segments[group >> Tbl8SegmentShift] + ((nuint)(group & (Tbl8SegmentGroups - 1)) << 8);

    /// <summary>Frees the native tables. Call only once no reader can still be using this table.</summary>
    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    private void Free()
    {
        // A racing second Dispose must not free the tables again.
        if (Interlocked.Exchange(ref _freed, 1) != 0)
        {
            return;
        }
        if (_tbl24 != null)
        {
            NativeMemory.AlignedFree(_tbl24);
        }
        if (_tbl8Segments != null)
        {
            for (int i = 0; i < _segmentCount; i++)
            {
                NativeMemory.AlignedFree(_tbl8Segments[i]);
            }
            NativeMemory.Free(_tbl8Segments);
        }
        _tbl24 = null;
        _tbl8Segments = null;
        GC.RemoveMemoryPressure(_nativeBytes);
    }

    // ---- changes (one writer at a time) ------------------------------------------------------

    /// <summary>
    /// Adds a route, or replaces the next hop of the route with this prefix and length. Rewrites only the entries
    /// the prefix covers that no longer route wrote; a /25../32 route in a /24 without one allocates its tbl8 group.
    /// </summary>
    /// <returns>true when the route is new, false when it replaced an existing next hop.</returns>
    /// <exception cref="ArgumentException">The length, prefix or next-hop id is invalid.</exception>
    /// <exception cref="InvalidOperationException">Every one of the 2^24 tbl8 groups is in use.</exception>
    public bool Add(uint prefix, int length, uint nextHopId)
    {
        Ipv4Route.Validate(prefix, length, nextHopId);
        ThrowIfDisposed();
        var rules = _rules[length] ??= new Dictionary<uint, uint>();
        ref uint slot = ref CollectionsMarshal.GetValueRefOrAddDefault(rules, prefix, out bool exists);
        if (exists && slot == nextHopId)
        {
            return false;
        }
        if (length > 24 && (_tbl24[prefix >> 8] & ExtendedFlag) == 0 && !TryPrepareGroup())
        {
            rules.Remove(prefix);
            throw new InvalidOperationException($"No tbl8 group is left for {Ipv4Route.Format(prefix)}/{length}.");
        }
        slot = nextHopId;
        if (!exists)
        {
            Volatile.Write(ref _routeCount, _routeCount + 1);
            MarkPresent(prefix, length, true);
        }
        WriteRange(prefix, length, Entry(nextHopId, length));
        _grace.Seal();
        return !exists;
    }

    /// <summary>Adds or replaces <paramref name="route"/>; see <see cref="Add(uint, int, uint)"/>.</summary>
    public bool Add(Ipv4Route route) => Add(route.Prefix, route.Length, route.NextHopId);

    /// <summary>
    /// Removes the route for exactly this prefix and length: the entries it wrote fall back to the longest shorter
    /// route covering them, and a tbl8 group left without a /25../32 route is unlinked and freed after the grace period.
    /// </summary>
    /// <returns>false when there was no such route.</returns>
    /// <exception cref="ArgumentException">The length is outside 0..32 or the prefix has host bits set.</exception>
    public bool Remove(uint prefix, int length)
    {
        Ipv4Route.Validate(prefix, length, 1);
        ThrowIfDisposed();
        if (_rules[length] is not { } rules || !rules.Remove(prefix))
        {
            return false;
        }
        Volatile.Write(ref _routeCount, _routeCount - 1);
        MarkPresent(prefix, length, false);
        uint replacement = CoveringEntry(prefix, length);
        uint written = Entry(0, length) & ~PayloadMask;
        if (length <= 24)
        {
            uint first = prefix >> 8;
            uint count = 1u << (24 - length);
            for (uint i = first; i < first + count; i++)
            {
                uint entry = _tbl24[i];
                if ((entry & ExtendedFlag) != 0)
                {
                    ReplaceOwned(Tbl8Group(entry & PayloadMask), 0, Tbl8GroupEntries, written, replacement);
                }
                else if ((entry & ~PayloadMask) == written)
                {
                    Volatile.Write(ref _tbl24[i], replacement);
                }
            }
        }
        else
        {
            uint index = prefix >> 8;
            uint group = _tbl24[index] & PayloadMask;
            uint* entries = Tbl8Group(group);
            ReplaceOwned(entries, (int)(prefix & 0xFF), 1 << (32 - length), written, replacement);
            RecycleGroupIfShort(index, group, entries);
        }
        _grace.Seal();
        return true;
    }

    /// <summary>The next hop of the route for exactly this prefix and length (not a longest-prefix match).</summary>
    public bool TryGetRoute(uint prefix, int length, out uint nextHopId)
    {
        Ipv4Route.Validate(prefix, length, 1);
        nextHopId = 0;
        return _rules[length] is { } rules && rules.TryGetValue(prefix, out nextHopId);
    }

    private static uint Entry(uint nextHopId, int length) => ValidFlag | ((uint)length << LengthShift) | nextHopId;

    private static int EntryLength(uint entry) => (int)((entry >> LengthShift) & LengthMask);

    /// <summary>Writes <paramref name="entry"/> over every entry of the range that no longer route wrote.</summary>
    private void WriteRange(uint prefix, int length, uint entry)
    {
        if (length <= 24)
        {
            uint first = prefix >> 8;
            uint count = 1u << (24 - length);
            for (uint i = first; i < first + count; i++)
            {
                uint current = _tbl24[i];
                if ((current & ExtendedFlag) != 0)
                {
                    WriteOwned(Tbl8Group(current & PayloadMask), 0, Tbl8GroupEntries, length, entry);
                }
                else if ((current & ValidFlag) == 0 || EntryLength(current) <= length)
                {
                    Volatile.Write(ref _tbl24[i], entry);
                }
            }
            return;
        }

        uint index = prefix >> 8;
        uint top = _tbl24[index];
        if ((top & ExtendedFlag) != 0)
        {
            WriteOwned(Tbl8Group(top & PayloadMask), (int)(prefix & 0xFF), 1 << (32 - length), length, entry);
            return;
        }
        // A fresh group starts as the /24's own answer, so addresses not under the new route keep it; it is complete
        // before the tbl24 entry points to it, so a reader never sees it half filled.
        uint group = AllocateGroup();
        uint* entries = Tbl8Group(group);
        new Span<uint>(entries, Tbl8GroupEntries).Fill(top);
        new Span<uint>(entries + (prefix & 0xFF), 1 << (32 - length)).Fill(entry);
        Volatile.Write(ref _tbl24[index], ValidFlag | ExtendedFlag | group);
    }

    private static void WriteOwned(uint* entries, int start, int count, int length, uint entry)
    {
        for (int j = start; j < start + count; j++)
        {
            uint current = entries[j];
            if ((current & ValidFlag) == 0 || EntryLength(current) <= length)
            {
                Volatile.Write(ref entries[j], entry);
            }
        }
    }

    /// <summary>Rewrites the entries written by the removed route (same valid flag and length) with <paramref name="replacement"/>.</summary>
    private static void ReplaceOwned(uint* entries, int start, int count, uint written, uint replacement)
    {
        for (int j = start; j < start + count; j++)
        {
            if ((entries[j] & ~PayloadMask) == written)
            {
                Volatile.Write(ref entries[j], replacement);
            }
        }
    }

    /// <summary>The entry of the longest route shorter than <paramref name="length"/> covering the prefix, or 0.</summary>
    private uint CoveringEntry(uint prefix, int length)
    {
        for (int l = length - 1; l >= 0; l--)
        {
            if (l <= 24)
            {
                if (_present[l] is not { } bits)
                {
                    continue;
                }
                uint index = l == 0 ? 0 : prefix >> (32 - l);
                if ((bits[index >> 6] & (1UL << (int)(index & 63))) == 0)
                {
                    continue;
                }
            }
            if (_rules[l] is { Count: > 0 } rules && rules.TryGetValue(prefix & Ipv4Route.Mask(l), out uint nextHop))
            {
                return Entry(nextHop, l);
            }
        }
        return 0;
    }

    private void MarkPresent(uint prefix, int length, bool present)
    {
        if (length > 24)
        {
            return;
        }
        var bits = _present[length] ??= new ulong[Math.Max(1, (1 << length) / 64)];
        uint index = length == 0 ? 0 : prefix >> (32 - length);
        if (present)
        {
            bits[index >> 6] |= 1UL << (int)(index & 63);
        }
        else
        {
            bits[index >> 6] &= ~(1UL << (int)(index & 63));
        }
    }

    /// <summary>
    /// When no /25../32 route is left under the group, every entry holds the /24's own answer: the tbl24 entry takes
    /// that answer back and the group waits out the grace period before it can be reused.
    /// </summary>
    private void RecycleGroupIfShort(uint index, uint group, uint* entries)
    {
        uint first = entries[0];
        if ((first & ValidFlag) != 0 && EntryLength(first) > 24)
        {
            return;
        }
        for (int j = 1; j < Tbl8GroupEntries; j++)
        {
            if (entries[j] != first)
            {
                return;
            }
        }
        Volatile.Write(ref _tbl24[index], first);
        _retiredGroups.Enqueue((_grace.Retire(), group));
        Volatile.Write(ref _groupsInUse, _groupsInUse - 1);
    }

    /// <summary>Makes sure <see cref="AllocateGroup"/> will succeed, without changing what readers see.</summary>
    private bool TryPrepareGroup()
    {
        ReclaimRetiredGroups();
        return _freeGroups.Count > 0 || _groupsEverUsed < Tbl24Entries;
    }

    private void ReclaimRetiredGroups()
    {
        if (_retiredGroups.Count == 0)
        {
            return;
        }
        long safe = _grace.Poll();
        while (_retiredGroups.TryPeek(out var retired) && retired.Stamp <= safe)
        {
            _freeGroups.Push(retired.Group);
            _retiredGroups.Dequeue();
        }
    }

    /// <summary>A group no reader can be reading: a reclaimed one, else the next never used (growing by a segment).</summary>
    private uint AllocateGroup()
    {
        ReclaimRetiredGroups();
        if (!_freeGroups.TryPop(out uint group))
        {
            group = _groupsEverUsed;
            int segment = (int)(group >> Tbl8SegmentShift);
            if (segment == _segmentCount)
            {
                // A segment is published before any tbl24 entry can name a group in it, and never moves.
                var memory = (uint*)NativeMemory.AlignedAlloc((nuint)Tbl8SegmentBytes, CacheLine);
                _tbl8Segments[segment] = memory;
                _segmentCount++;
                Interlocked.Add(ref _nativeBytes, Tbl8SegmentBytes);
                GC.AddMemoryPressure(Tbl8SegmentBytes);
            }
            _groupsEverUsed++;
        }
        Volatile.Write(ref _groupsInUse, _groupsInUse + 1);
        return group;
    }

    /// <summary>Frees retired groups whose grace period has passed; returns how many still wait.</summary>
    public int ReclaimRetired()
    {
        ReclaimRetiredGroups();
        return _retiredGroups.Count;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _freed) != 0, this);

    private static Ipv4Fib BuildCore(Ipv4Route[] routes, bool validate)
    {
        if (validate)
        {
            foreach (var r in routes)
            {
                Ipv4Route.Validate(r.Prefix, r.Length, r.NextHopId);
            }
        }

        // Shorter prefixes are written first so longer ones overwrite the part of the range they cover; sorting by
        // (length, prefix) also makes the writes into tbl24 sequential and puts duplicates next to each other.
        var keys = new ulong[routes.Length];
        for (int i = 0; i < routes.Length; i++)
        {
            keys[i] = ((ulong)routes[i].Length << 32) | routes[i].Prefix;
        }
        Array.Sort(keys, routes);
        for (int i = 1; i < routes.Length; i++)
        {
            if (keys[i] == keys[i - 1])
            {
                throw new ArgumentException(
                    $"Route {Ipv4Route.Format(routes[i].Prefix)}/{routes[i].Length} is given twice.", nameof(routes));
            }
        }

        var fib = new Ipv4Fib();
        try
        {
            var counts = new int[33];
            foreach (var r in routes)
            {
                counts[r.Length]++;
            }
            for (int l = 0; l <= 32; l++)
            {
                if (counts[l] > 0)
                {
                    fib._rules[l] = new Dictionary<uint, uint>(counts[l]);
                }
            }
            uint* tbl24 = fib._tbl24;
            foreach (var r in routes)
            {
                fib._rules[r.Length]!.Add(r.Prefix, r.NextHopId);
                fib.MarkPresent(r.Prefix, r.Length, true);
                uint entry = Entry(r.NextHopId, r.Length);
                if (r.Length <= 24)
                {
                    // No longer route has been written yet, so the whole range is this route's.
                    new Span<uint>(tbl24 + (r.Prefix >> 8), 1 << (24 - r.Length)).Fill(entry);
                    continue;
                }
                uint* slot = tbl24 + (r.Prefix >> 8);
                if ((*slot & ExtendedFlag) == 0)
                {
                    uint group = fib.AllocateGroup();
                    new Span<uint>(fib.Tbl8Group(group), Tbl8GroupEntries).Fill(*slot);
                    *slot = ValidFlag | ExtendedFlag | group;
                }
                new Span<uint>(fib.Tbl8Group(*slot & PayloadMask) + (r.Prefix & 0xFF), 1 << (32 - r.Length)).Fill(entry);
            }
            fib._routeCount = routes.Length;
            return fib;
        }
        catch
        {
            fib.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Zeroed native memory; tables of at least 2 MiB are 2 MiB aligned with transparent huge pages requested before
    /// the first touch, smaller ones cache-line aligned so a few tbl8 groups do not reserve a whole huge page.
    /// </summary>
    private static uint* AllocateTable(nuint bytes)
    {
        var table = (uint*)NativeMemory.AlignedAlloc(bytes, bytes >= HugePageAlignment ? HugePageAlignment : CacheLine);
        if (OperatingSystem.IsLinux() && bytes >= HugePageAlignment)
        {
            // Advisory only: with THP in "madvise" mode this is what turns 16384 4 KiB TLB entries for tbl24 into 32.
            // The length is rounded down so the advice never reaches past this allocation.
            try
            {
                _ = LinuxMemory.madvise(table, bytes & ~(HugePageAlignment - 1), LinuxMemory.MADV_HUGEPAGE);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                // A libc without madvise only costs speed.
            }
        }
        NativeMemory.Clear(table, bytes);
        return table;
    }
}

internal static unsafe partial class LinuxMemory
{
    public const int MADV_HUGEPAGE = 14;

    [LibraryImport("libc")]
    public static partial int madvise(void* address, nuint length, int advice);
}
