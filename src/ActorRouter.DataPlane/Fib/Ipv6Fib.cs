using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ActorRouter.DataPlane.Fib;

/// <summary>
/// The IPv6 longest-prefix-match table: a multibit trie with a 24-bit first stride and 8-bit strides below it (the
/// layout of DPDK's rte_lpm6), read by the PPE threads while the control plane changes it route by route.
/// </summary>
/// <remarks>
/// <para>
/// Why this layout: the IPv6 table is dominated by /32../48 prefixes inside a few /12 registry blocks. A 24-bit
/// first stride (tbl24, 64 MiB, as the IPv4 FIB's) resolves a /24 or shorter in one load; a /32 in two, a /48 in
/// four. Each further level is one 256-entry group (1 KiB), indexed by the next address byte straight from the
/// packet, so the key needs no conversion. Binary search on prefix lengths (Waldvogel) needs fewer probes for /128
/// but its hash probes and markers make incremental updates hard; a tree bitmap is denser but costs a popcount and
/// a dependent load per level. The trie keeps updates local (an add rewrites only its range, a delete only the
/// entries its own length wrote) and makes a burst's lookups independent: <see cref="LookupBurst"/> walks the whole
/// burst one level at a time, so the cache misses of all keys at a level overlap instead of each key's chain being
/// walked to its end before the next starts (what rte_lpm6_lookup_bulk_func does).
/// </para>
/// <para>
/// Entry (32 bits, every level alike): bit 31 extended (the low 24 bits name the child group), otherwise the low
/// 24 bits are the next-hop id, 0 meaning "no route". The length of the route that wrote each entry is kept beside
/// the entries for the writer only (one byte per entry), so a reader's entry stays one word.
/// </para>
/// <para>
/// Concurrency, as the IPv4 FIB's: one writer, any number of readers without a lock. Every entry write is one
/// aligned 32-bit store; a new group is filled before the entry that points to it is written; a group that holds
/// nothing finer than its parent entry any more is folded back into that entry and reused only after
/// <see cref="Grace"/> says every reader has been quiescent since. Groups live in segments that never move.
/// Dispose only once no reader can still be using the table.
/// </para>
/// </remarks>
public sealed unsafe class Ipv6Fib : IDisposable
{
    public const uint ExtendedFlag = 0x8000_0000;
    public const uint PayloadMask = 0x00FF_FFFF;

    /// <summary>Entries in tbl24: one per /24.</summary>
    public const int Tbl24Entries = 1 << 24;

    /// <summary>Entries in one group: one per value of the next address byte.</summary>
    public const int GroupEntries = 256;

    /// <summary>Groups per segment, the unit the group pool grows by.</summary>
    public const int SegmentGroups = 256;

    /// <summary>The most groups a table can hold (the 24-bit payload of an extended entry).</summary>
    public const int MaxGroupsLimit = 1 << 24;

    private const int SegmentShift = 8;
    private const long Tbl24Bytes = (long)Tbl24Entries * sizeof(uint);
    private const long GroupBytes = GroupEntries * sizeof(uint);
    private const long SegmentBytes = SegmentGroups * GroupBytes;
    private const int MaxSegments = MaxGroupsLimit / SegmentGroups;
    private const long DirectoryBytes = MaxSegments * sizeof(ulong);
    private const nuint HugePageAlignment = 2 * 1024 * 1024;
    private const nuint CacheLine = 64;
    private const int MaxLevels = 14; // tbl24 and 13 byte levels: 24 + 13 × 8 = 128

    private uint* _tbl24;
    private void* _tbl24Allocation;
    private uint** _segments;
    private int _segmentCount;
    private long _nativeBytes;
    private int _freed;

    // Writer-side state (the control plane, one thread at a time).
    // The lengths of tbl24's entries (16 MiB), allocated with the first route.
    private byte[]? _tbl24LengthStorage;
    private byte[] _tbl24Lengths => _tbl24LengthStorage ??= new byte[Tbl24Entries];
    private readonly List<byte[]> _segmentLengths = new();
    private readonly Dictionary<UInt128, uint>?[] _rules = new Dictionary<UInt128, uint>?[129];
    private readonly Stack<uint> _freeGroups = new();
    private readonly Queue<(long Stamp, uint Group)> _retiredGroups = new();
    private readonly int _maxGroups;
    private uint _groupsEverUsed;
    private int _groupsInUse;
    private int _routeCount;
    private GracePeriod _grace = new();

    /// <param name="maxGroups">The most 1 KiB groups the table may allocate (bounds its memory); 1..2^24.</param>
    public Ipv6Fib(int maxGroups = 1 << 22)
    {
        if (maxGroups is < 1 or > MaxGroupsLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(maxGroups), maxGroups, $"must be 1..{MaxGroupsLimit}");
        }
        _maxGroups = maxGroups;
        try
        {
            _tbl24 = (uint*)AllocateTable((nuint)Tbl24Bytes);
            _segments = (uint**)NativeMemory.AllocZeroed((nuint)DirectoryBytes);
        }
        catch
        {
            if (_tbl24Allocation != null) NativeMemory.Free(_tbl24Allocation);
            _tbl24 = null;
            _tbl24Allocation = null;
            _freed = 1;
            GC.SuppressFinalize(this);
            throw;
        }
        _nativeBytes = Tbl24Bytes + (long)HugePageAlignment + DirectoryBytes;
        GC.AddMemoryPressure(_nativeBytes);
    }

    ~Ipv6Fib() => Free();

    /// <summary>Bytes of table in use: 64 MiB of tbl24 plus 1 KiB per group in use.</summary>
    public long MemoryBytes => Tbl24Bytes + Volatile.Read(ref _groupsInUse) * GroupBytes;

    /// <summary>Native bytes allocated: tbl24, the segment directory and every segment (never shrinks).</summary>
    public long NativeBytes => Interlocked.Read(ref _nativeBytes);

    /// <summary>Number of routes in the table.</summary>
    public int RouteCount => Volatile.Read(ref _routeCount);

    /// <summary>Groups in use.</summary>
    public int GroupsUsed => Volatile.Read(ref _groupsInUse);

    /// <summary>Groups unlinked but not yet reusable because a reader may still be reading them.</summary>
    public int GroupsRetired => _retiredGroups.Count;

    /// <summary>When an unlinked group may be reused (see <see cref="Ipv4Fib.Grace"/>).</summary>
    public GracePeriod Grace
    {
        get => _grace;
        set => _grace = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Builds a table of <paramref name="routes"/>, which must be valid and distinct by (prefix, length).</summary>
    /// <exception cref="ArgumentException">A route is invalid or given twice.</exception>
    public static Ipv6Fib Build(ReadOnlySpan<Ipv6Route> routes, int maxGroups = 1 << 22)
    {
        var sorted = routes.ToArray();
        foreach (var r in sorted)
        {
            Ipv6Route.Validate(r.Prefix, r.Length, r.NextHopId);
        }
        // Shorter first: each add then only fills, never has to look below a longer route.
        Array.Sort(sorted, static (a, b) => a.Length != b.Length ? a.Length.CompareTo(b.Length) : a.Prefix.CompareTo(b.Prefix));
        var fib = new Ipv6Fib(maxGroups);
        try
        {
            for (int i = 0; i < sorted.Length; i++)
            {
                if (i > 0 && sorted[i].Length == sorted[i - 1].Length && sorted[i].Prefix == sorted[i - 1].Prefix)
                {
                    throw new ArgumentException($"Route {Ipv6Route.Format(sorted[i].Prefix)}/{sorted[i].Length} is given twice.", nameof(routes));
                }
                fib.Add(sorted[i]);
            }
            return fib;
        }
        catch
        {
            fib.Dispose();
            throw;
        }
    }

    // ---- lookups (any thread) -----------------------------------------------------------------

    /// <summary>The next-hop id of the longest prefix covering the 16 network-order bytes at <paramref name="address"/>, or 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Lookup(byte* address)
    {
        uint entry = _tbl24[((uint)address[0] << 16) | ((uint)address[1] << 8) | address[2]];
        int level = 3;
        while ((entry & ExtendedFlag) != 0)
        {
            entry = Group(entry & PayloadMask)[address[level++]];
        }
        GC.KeepAlive(this);
        return entry;
    }

    /// <summary>The next-hop id of the longest prefix covering <paramref name="address"/> (host order), or 0.</summary>
    public uint Lookup(UInt128 address)
    {
        byte* bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(new Span<byte>(bytes, 16), address);
        return Lookup(bytes);
    }

    /// <summary>Starts loading the tbl24 line the address at <paramref name="address"/> needs (see <see cref="Ipv4Fib.Prefetch"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Prefetch(byte* address)
    {
        if (System.Runtime.Intrinsics.X86.Sse.IsSupported)
        {
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(_tbl24 + (((uint)address[0] << 16) | ((uint)address[1] << 8) | address[2]));
        }
    }

    /// <summary>
    /// Looks up <c>addresses.Length / 16</c> addresses (16 network-order bytes each, back to back, the layout of
    /// rte_lpm6's bulk lookup) into <paramref name="nextHops"/> (0 for no route). The burst is walked one trie level
    /// at a time, so the loads of every key at a level are independent and their cache misses overlap.
    /// </summary>
    /// <exception cref="ArgumentException">The addresses are not whole, or <paramref name="nextHops"/> is too short.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void LookupBurst(ReadOnlySpan<byte> addresses, Span<uint> nextHops)
    {
        int n = addresses.Length >> 4;
        if ((addresses.Length & 15) != 0 || nextHops.Length < n)
        {
            ThrowBadBurst(addresses.Length, nextHops.Length);
        }
        fixed (byte* src = addresses)
        fixed (uint* dst = nextHops)
        {
            LookupBurst(src, dst, n);
        }
    }

    /// <summary>The pointer form of <see cref="LookupBurst(ReadOnlySpan{byte}, Span{uint})"/> for the PPE.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void LookupBurst(byte* addresses, uint* nextHops, int count)
    {
        uint* tbl24 = _tbl24;
        uint pending = 0;
        byte* a = addresses;
        for (int k = 0; k < count; k++, a += 16)
        {
            uint entry = tbl24[((uint)a[0] << 16) | ((uint)a[1] << 8) | a[2]];
            nextHops[k] = entry;
            pending |= entry;
        }
        for (int level = 3; (pending & ExtendedFlag) != 0; level++)
        {
            pending = 0;
            a = addresses + level;
            for (int k = 0; k < count; k++, a += 16)
            {
                uint entry = nextHops[k];
                if ((entry & ExtendedFlag) != 0)
                {
                    entry = Group(entry & PayloadMask)[*a];
                    nextHops[k] = entry;
                    pending |= entry;
                }
            }
        }
        GC.KeepAlive(this);
    }

    private static void ThrowBadBurst(int addressBytes, int outputs) =>
        throw new ArgumentException($"{addressBytes} address bytes is not a whole number of 16-byte addresses, or {outputs} outputs are too few.");

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint* Group(uint group) => _segments[group >> SegmentShift] + ((nuint)(group & (SegmentGroups - 1)) << 8);

    // ---- changes (one writer at a time) ------------------------------------------------------

    /// <summary>
    /// Adds a route, or replaces the next hop of the route with this prefix and length. Rewrites only the entries its
    /// range covers that no longer route wrote, allocating the groups on the way down to its level.
    /// </summary>
    /// <returns>true when the route is new, false when it replaced an existing next hop.</returns>
    /// <exception cref="ArgumentException">The length, prefix or next-hop id is invalid.</exception>
    /// <exception cref="InvalidOperationException">The route needs more groups than the table may still allocate.</exception>
    public bool Add(UInt128 prefix, int length, uint nextHopId)
    {
        Ipv6Route.Validate(prefix, length, nextHopId);
        ThrowIfDisposed();
        var rules = _rules[length] ??= new Dictionary<UInt128, uint>();
        rules.TryGetValue(prefix, out uint existing);
        bool exists = existing != 0;
        if (existing == nextHopId)
        {
            return false;
        }
        int needed = GroupsNeeded(prefix, length);
        if (needed > 0)
        {
            ReclaimRetiredGroups();
            if (_freeGroups.Count + (_maxGroups - (long)_groupsEverUsed) < needed)
            {
                throw new InvalidOperationException(
                    $"No group is left for {Ipv6Route.Format(prefix)}/{length}: {_groupsInUse} of {_maxGroups} in use.");
            }
        }
        rules[prefix] = nextHopId;
        if (!exists)
        {
            Volatile.Write(ref _routeCount, _routeCount + 1);
        }
        uint* entries = _tbl24;
        byte[] lengths = _tbl24Lengths;
        int lengthsBase = 0;
        uint index = Top24(prefix);
        int entryLength = 24;
        while (length > entryLength)
        {
            uint entry = entries[index];
            uint group;
            if ((entry & ExtendedFlag) == 0)
            {
                // A fresh group starts as its parent entry's answer and is complete before the parent points to it.
                group = AllocateGroup();
                new Span<uint>(Group(group), GroupEntries).Fill(entry);
                var (childLengths, childBase) = GroupLengths(group);
                Array.Fill(childLengths, lengths[lengthsBase + index], childBase, GroupEntries);
                Volatile.Write(ref entries[index], ExtendedFlag | group);
            }
            else
            {
                group = entry & PayloadMask;
            }
            entries = Group(group);
            (lengths, lengthsBase) = GroupLengths(group);
            entryLength += 8;
            index = ByteAt(prefix, entryLength / 8 - 1);
        }
        WriteRange(entries, lengths, lengthsBase, (int)index, 1 << (entryLength - length), length, nextHopId);
        _grace.Seal();
        return !exists;
    }

    /// <summary>Adds or replaces <paramref name="route"/>; see <see cref="Add(UInt128, int, uint)"/>.</summary>
    public bool Add(Ipv6Route route) => Add(route.Prefix, route.Length, route.NextHopId);

    /// <summary>
    /// Removes the route for exactly this prefix and length: the entries it wrote fall back to the longest shorter
    /// route covering them, and a group left holding nothing finer than its parent entry is folded back into it and
    /// freed after the grace period.
    /// </summary>
    /// <returns>false when there was no such route.</returns>
    public bool Remove(UInt128 prefix, int length)
    {
        Ipv6Route.Validate(prefix, length, 1);
        ThrowIfDisposed();
        if (_rules[length] is not { } rules || !rules.Remove(prefix))
        {
            return false;
        }
        Volatile.Write(ref _routeCount, _routeCount - 1);
        var (coverNextHop, coverLength) = Covering(prefix, length);

        // The path down to the route's level: every group on it exists, because the route did.
        Span<uint> pathGroups = stackalloc uint[MaxLevels];
        Span<uint> pathIndexes = stackalloc uint[MaxLevels];
        int depth = 0;
        uint* entries = _tbl24;
        byte[] lengths = _tbl24Lengths;
        int lengthsBase = 0;
        uint index = Top24(prefix);
        int entryLength = 24;
        while (length > entryLength)
        {
            uint group = entries[index] & PayloadMask;
            pathIndexes[depth] = index;
            pathGroups[depth] = group;
            depth++;
            entries = Group(group);
            (lengths, lengthsBase) = GroupLengths(group);
            entryLength += 8;
            index = ByteAt(prefix, entryLength / 8 - 1);
        }
        ReplaceRange(entries, lengths, lengthsBase, (int)index, 1 << (entryLength - length), entryLength, length, coverNextHop, coverLength);

        // Fold the groups on the path back, deepest first, while each holds nothing finer than its parent entry.
        for (int level = depth - 1; level >= 0; level--)
        {
            uint* parent;
            byte[] parentLengths;
            int parentBase;
            if (level == 0)
            {
                parent = _tbl24;
                parentLengths = _tbl24Lengths;
                parentBase = 0;
            }
            else
            {
                parent = Group(pathGroups[level - 1]);
                (parentLengths, parentBase) = GroupLengths(pathGroups[level - 1]);
            }
            if (!TryFold(parent, parentLengths, parentBase, pathIndexes[level], pathGroups[level], 24 + 8 * level))
            {
                break;
            }
        }
        _grace.Seal();
        return true;
    }

    /// <summary>The next hop of the route for exactly this prefix and length (not a longest-prefix match).</summary>
    public bool TryGetRoute(UInt128 prefix, int length, out uint nextHopId)
    {
        Ipv6Route.Validate(prefix, length, 1);
        nextHopId = 0;
        return _rules[length] is { } rules && rules.TryGetValue(prefix, out nextHopId);
    }

    /// <summary>Every route, shortest first.</summary>
    public Ipv6Route[] Routes()
    {
        var result = new List<Ipv6Route>(RouteCount);
        for (int l = 0; l <= 128; l++)
        {
            if (_rules[l] is { } rules)
            {
                foreach (var (prefix, nextHop) in rules)
                {
                    result.Add(new Ipv6Route(prefix, l, nextHop));
                }
            }
        }
        return result.ToArray();
    }

    /// <summary>Frees retired groups whose grace period has passed; returns how many still wait.</summary>
    public int ReclaimRetired()
    {
        ReclaimRetiredGroups();
        return _retiredGroups.Count;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Top24(UInt128 prefix) => (uint)(prefix >> 104);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint ByteAt(UInt128 address, int byteIndex) => (uint)(byte)(address >> (120 - 8 * byteIndex));

    /// <summary>How many groups an add of this route would allocate: one per level below tbl24 not yet extended.</summary>
    private int GroupsNeeded(UInt128 prefix, int length)
    {
        uint* entries = _tbl24;
        uint index = Top24(prefix);
        int entryLength = 24;
        while (length > entryLength)
        {
            uint entry = entries[index];
            if ((entry & ExtendedFlag) == 0)
            {
                return (length - entryLength + 7) / 8;
            }
            entries = Group(entry & PayloadMask);
            entryLength += 8;
            index = ByteAt(prefix, entryLength / 8 - 1);
        }
        return 0;
    }

    /// <summary>Writes the route over every entry of the range (and of the groups below it) that no longer route wrote.</summary>
    private void WriteRange(uint* entries, byte[] lengths, int lengthsBase, int start, int count, int length, uint nextHopId)
    {
        for (int j = start; j < start + count; j++)
        {
            uint current = entries[j];
            if ((current & ExtendedFlag) != 0)
            {
                uint group = current & PayloadMask;
                var (childLengths, childBase) = GroupLengths(group);
                WriteRange(Group(group), childLengths, childBase, 0, GroupEntries, length, nextHopId);
            }
            else if (lengths[lengthsBase + j] <= length)
            {
                lengths[lengthsBase + j] = (byte)length;
                Volatile.Write(ref entries[j], nextHopId);
            }
        }
    }

    /// <summary>
    /// Rewrites the entries of the range (and of the groups below it) that the removed route of
    /// <paramref name="length"/> wrote with the covering route, folding groups below that become plain.
    /// </summary>
    private void ReplaceRange(uint* entries, byte[] lengths, int lengthsBase, int start, int count, int entryLength, int length,
        uint coverNextHop, int coverLength)
    {
        for (int j = start; j < start + count; j++)
        {
            uint current = entries[j];
            if ((current & ExtendedFlag) != 0)
            {
                uint group = current & PayloadMask;
                var (childLengths, childBase) = GroupLengths(group);
                ReplaceRange(Group(group), childLengths, childBase, 0, GroupEntries, entryLength + 8, length, coverNextHop, coverLength);
                TryFold(entries, lengths, lengthsBase, (uint)j, group, entryLength);
            }
            else if (lengths[lengthsBase + j] == length)
            {
                lengths[lengthsBase + j] = (byte)coverLength;
                Volatile.Write(ref entries[j], coverNextHop);
            }
        }
    }

    /// <summary>
    /// Folds <paramref name="group"/> into its parent entry when all its entries are the same plain answer written by a
    /// route no longer than the parent entry's prefix (<paramref name="parentEntryLength"/>); the group is retired.
    /// </summary>
    private bool TryFold(uint* parent, byte[] parentLengths, int parentBase, uint parentIndex, uint group, int parentEntryLength)
    {
        uint* entries = Group(group);
        var (lengths, lengthsBase) = GroupLengths(group);
        uint first = entries[0];
        byte firstLength = lengths[lengthsBase];
        if ((first & ExtendedFlag) != 0 || firstLength > parentEntryLength)
        {
            return false;
        }
        for (int j = 1; j < GroupEntries; j++)
        {
            if (entries[j] != first || lengths[lengthsBase + j] != firstLength)
            {
                return false;
            }
        }
        parentLengths[parentBase + parentIndex] = firstLength;
        Volatile.Write(ref parent[parentIndex], first);
        _retiredGroups.Enqueue((_grace.Retire(), group));
        Volatile.Write(ref _groupsInUse, _groupsInUse - 1);
        return true;
    }

    /// <summary>The next hop and length of the longest route shorter than <paramref name="length"/> covering the prefix, or (0, 0).</summary>
    private (uint NextHop, int Length) Covering(UInt128 prefix, int length)
    {
        for (int l = length - 1; l >= 0; l--)
        {
            if (_rules[l] is { Count: > 0 } rules && rules.TryGetValue(prefix & Ipv6Route.Mask(l), out uint nextHop))
            {
                return (nextHop, l);
            }
        }
        return (0, 0);
    }

    private (byte[] Lengths, int Base) GroupLengths(uint group) =>
        (_segmentLengths[(int)(group >> SegmentShift)], (int)(group & (SegmentGroups - 1)) << 8);

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
            int segment = (int)(group >> SegmentShift);
            if (segment == _segmentCount)
            {
                // A segment is published before any entry can name a group in it, and never moves.
                var memory = (uint*)NativeMemory.AlignedAlloc((nuint)SegmentBytes, CacheLine);
                _segments[segment] = memory;
                _segmentLengths.Add(new byte[SegmentGroups * GroupEntries]);
                _segmentCount++;
                Interlocked.Add(ref _nativeBytes, SegmentBytes);
                GC.AddMemoryPressure(SegmentBytes);
            }
            _groupsEverUsed++;
        }
        Volatile.Write(ref _groupsInUse, _groupsInUse + 1);
        return group;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _freed) != 0, this);

    /// <summary>Frees the native tables. Call only once no reader can still be using this table.</summary>
    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    private void Free()
    {
        if (Interlocked.Exchange(ref _freed, 1) != 0)
        {
            return;
        }
        if (_tbl24Allocation != null)
        {
            NativeMemory.Free(_tbl24Allocation);
        }
        if (_segments != null)
        {
            for (int i = 0; i < _segmentCount; i++)
            {
                NativeMemory.AlignedFree(_segments[i]);
            }
            NativeMemory.Free(_segments);
        }
        _tbl24 = null;
        _tbl24Allocation = null;
        _segments = null;
        GC.RemoveMemoryPressure(_nativeBytes);
    }

    /// <summary>
    /// Zeroed native memory, 2 MiB aligned with transparent huge pages requested. Taken from calloc, so the pages stay
    /// untouched (and cost no resident memory) until a route writes them: a data plane that never sees an IPv6 route
    /// pays address space only.
    /// </summary>
    private uint* AllocateTable(nuint bytes)
    {
        _tbl24Allocation = NativeMemory.AllocZeroed(bytes + HugePageAlignment);
        var table = (uint*)(((nuint)_tbl24Allocation + HugePageAlignment - 1) & ~(HugePageAlignment - 1));
        if (OperatingSystem.IsLinux())
        {
            try
            {
                _ = LinuxMemory.madvise(table, bytes & ~(HugePageAlignment - 1), LinuxMemory.MADV_HUGEPAGE);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                // A libc without madvise only costs speed.
            }
        }
        return table;
    }
}
