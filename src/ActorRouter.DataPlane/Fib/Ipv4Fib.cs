using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ActorRouter.DataPlane.Fib;

/// <summary>
/// An immutable IPv4 longest-prefix-match snapshot in the DIR-24-8 layout of DPDK's rte_lpm; the PPE threads read it.
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
/// group index instead of a next hop), bits 0..23 the next-hop id. A missing route is the all-zero entry, so a
/// lookup returns the low 24 bits without testing the valid bit, and next-hop id 0 means "no route".
/// </para>
/// <para>
/// Memory budget: tbl24 is 2^24 × 4 B = 64 MiB, fixed; each tbl8 group is 256 × 4 B = 1 KiB, one per distinct
/// /24 that holds a route longer than /24. <see cref="MemoryBytes"/> = 64 MiB + <see cref="Tbl8GroupsUsed"/> × 1 KiB.
/// Both tables live in native memory (2 MiB aligned, transparent huge pages requested) so the GC never scans or
/// moves them and a random lookup costs few TLB misses.
/// </para>
/// <para>
/// Updates: a snapshot is never modified. The control plane builds a new one from scratch off the packet path
/// (a million routes take about half a second) and publishes it by swapping one volatile reference. Lookups only
/// read, so any number of threads may use one snapshot at once without a lock. Dispose the old snapshot only after
/// every reader has moved on to the new one (a grace period): a lookup on a disposed snapshot reads freed memory.
/// </para>
/// </remarks>
public sealed unsafe class Ipv4Fib : IDisposable
{
    public const uint ValidFlag = 0x8000_0000;
    public const uint ExtendedFlag = 0x4000_0000;
    public const uint PayloadMask = 0x00FF_FFFF;

    /// <summary>Entries in tbl24: one per /24.</summary>
    public const int Tbl24Entries = 1 << 24;

    /// <summary>Entries in one tbl8 group: one per address of a /24.</summary>
    public const int Tbl8GroupEntries = 256;

    private const long Tbl24Bytes = (long)Tbl24Entries * sizeof(uint);
    private const long Tbl8GroupBytes = Tbl8GroupEntries * sizeof(uint);
    private const nuint HugePageAlignment = 2 * 1024 * 1024;
    private const nuint CacheLine = 64;

    private uint* _tbl24;
    private uint* _tbl8;
    private readonly long _memoryBytes;
    private int _freed;

    private Ipv4Fib(uint* tbl24, uint* tbl8, int tbl8Groups, int routeCount, long memoryBytes)
    {
        _tbl24 = tbl24;
        _tbl8 = tbl8;
        Tbl8GroupsUsed = tbl8Groups;
        RouteCount = routeCount;
        _memoryBytes = memoryBytes;
        GC.AddMemoryPressure(memoryBytes);
    }

    ~Ipv4Fib() => Free();

    /// <summary>Native bytes held: 64 MiB of tbl24 plus 1 KiB per tbl8 group.</summary>
    public long MemoryBytes => _memoryBytes;

    /// <summary>Number of routes the snapshot was built from.</summary>
    public int RouteCount { get; }

    /// <summary>Number of 256-entry tbl8 groups, one per /24 that holds a route longer than /24.</summary>
    public int Tbl8GroupsUsed { get; }

    /// <summary>The memory a snapshot with <paramref name="tbl8Groups"/> groups holds: 64 MiB + groups × 1 KiB.</summary>
    public static long MemoryBudget(int tbl8Groups) => Tbl24Bytes + tbl8Groups * Tbl8GroupBytes;

    /// <summary>Builds a snapshot of the routes in <paramref name="routes"/>.</summary>
    public static Ipv4Fib Build(Ipv4RouteTable routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        // The table already guarantees valid, distinct routes.
        return BuildCore(routes.ToArray(), validate: false);
    }

    /// <summary>Builds a snapshot of <paramref name="routes"/>, which must be valid and distinct by (prefix, length).</summary>
    /// <exception cref="ArgumentException">A route is invalid, or two routes have the same prefix and length.</exception>
    public static Ipv4Fib Build(ReadOnlySpan<Ipv4Route> routes) => BuildCore(routes.ToArray(), validate: true);

    /// <summary>The next-hop id of the longest prefix covering <paramref name="address"/> (host order), or 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Lookup(uint address)
    {
        uint entry = _tbl24[address >> 8];
        if ((entry & ExtendedFlag) != 0)
        {
            entry = _tbl8[((nuint)(entry & PayloadMask) << 8) | (address & 0xFF)];
        }
        // The finalizer frees the tables; keep this snapshot reachable until the last load.
        GC.KeepAlive(this);
        return entry & PayloadMask;
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
        // The finalizer frees the tables; keep this snapshot reachable until the last load.
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

    private void ResolveBlock(Vector256<uint> entries, uint* src, uint* dst)
    {
        for (int k = 0; k < Vector256<uint>.Count; k++)
        {
            dst[k] = Resolve(entries.GetElement(k), src[k]);
        }
    }

    /// <summary>Resolves addresses [<paramref name="i"/>, <paramref name="n"/>): eight independent tbl24 loads at a time, then a tail.</summary>
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
            entry = _tbl8[((nuint)(entry & PayloadMask) << 8) | (address & 0xFF)];
        }
        return entry & PayloadMask;
    }

    /// <summary>Frees the native tables. Call only once no reader can still be using this snapshot.</summary>
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
        NativeMemory.AlignedFree(_tbl24);
        if (_tbl8 != null)
        {
            NativeMemory.AlignedFree(_tbl8);
        }
        _tbl24 = null;
        _tbl8 = null;
        GC.RemoveMemoryPressure(_memoryBytes);
    }

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

        int tbl8Groups = 0;
        uint lastGroupBase = uint.MaxValue;
        int firstLong = routes.Length;
        for (int i = 0; i < routes.Length; i++)
        {
            if (i > 0 && keys[i] == keys[i - 1])
            {
                throw new ArgumentException(
                    $"Route {Ipv4Route.Format(routes[i].Prefix)}/{routes[i].Length} is given twice.", nameof(routes));
            }
            if (routes[i].Length > 24)
            {
                firstLong = Math.Min(firstLong, i);
            }
        }
        // Long routes are sorted by length, not by /24, so count distinct /24s through a sorted copy.
        if (firstLong < routes.Length)
        {
            var bases = new uint[routes.Length - firstLong];
            for (int i = firstLong; i < routes.Length; i++)
            {
                bases[i - firstLong] = routes[i].Prefix >> 8;
            }
            Array.Sort(bases);
            foreach (uint b in bases)
            {
                if (b != lastGroupBase)
                {
                    tbl8Groups++;
                    lastGroupBase = b;
                }
            }
        }

        uint* tbl24 = null;
        uint* tbl8 = null;
        try
        {
            tbl24 = AllocateTable((nuint)Tbl24Bytes);
            if (tbl8Groups > 0)
            {
                tbl8 = AllocateTable((nuint)(tbl8Groups * Tbl8GroupBytes));
            }

            for (int i = 0; i < firstLong; i++)
            {
                var r = routes[i];
                int count = 1 << (24 - r.Length);
                new Span<uint>(tbl24 + (r.Prefix >> 8), count).Fill(ValidFlag | r.NextHopId);
            }

            uint groupsAssigned = 0;
            for (int i = firstLong; i < routes.Length; i++)
            {
                var r = routes[i];
                uint* slot = tbl24 + (r.Prefix >> 8);
                if ((*slot & ExtendedFlag) == 0)
                {
                    // The new group starts as the /24's own answer, so addresses not under a longer route keep it.
                    new Span<uint>(tbl8 + ((nuint)groupsAssigned << 8), Tbl8GroupEntries).Fill(*slot);
                    *slot = ValidFlag | ExtendedFlag | groupsAssigned;
                    groupsAssigned++;
                }
                uint* group = tbl8 + ((nuint)(*slot & PayloadMask) << 8);
                int count = 1 << (32 - r.Length);
                new Span<uint>(group + (r.Prefix & 0xFF), count).Fill(ValidFlag | r.NextHopId);
            }

            return new Ipv4Fib(tbl24, tbl8, tbl8Groups, routes.Length, MemoryBudget(tbl8Groups));
        }
        catch
        {
            if (tbl24 != null) NativeMemory.AlignedFree(tbl24);
            if (tbl8 != null) NativeMemory.AlignedFree(tbl8);
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
