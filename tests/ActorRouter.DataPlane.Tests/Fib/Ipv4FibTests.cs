using ActorRouter.DataPlane.Fib;

namespace ActorRouter.DataPlane.Tests.Fib;

public sealed class Ipv4FibTests
{
    private static uint Ip(int a, int b, int c, int d) => (uint)(a << 24 | b << 16 | c << 8 | d);

    [Fact]
    public void EmptyTableMissesEverything()
    {
        using var fib = Ipv4Fib.Build(new Ipv4RouteTable());
        Assert.Equal(0u, fib.Lookup(0));
        Assert.Equal(0u, fib.Lookup(uint.MaxValue));
        Assert.Equal(0, fib.RouteCount);
        Assert.Equal(0, fib.Tbl8GroupsUsed);
        Assert.Equal(64L << 20, fib.MemoryBytes);
    }

    [Fact]
    public void LongestPrefixWinsAcrossTbl24AndTbl8()
    {
        var table = new Ipv4RouteTable();
        table.Add(0, 0, 1);                          // default
        table.Add(Ip(10, 0, 0, 0), 8, 2);
        table.Add(Ip(10, 1, 2, 0), 24, 3);
        table.Add(Ip(10, 1, 2, 128), 25, 4);
        table.Add(Ip(10, 1, 2, 200), 32, 5);
        table.Add(Ip(10, 9, 9, 8), 30, 6);           // a /30 whose /24 has no /24 route of its own
        using var fib = Ipv4Fib.Build(table);

        Assert.Equal(1u, fib.Lookup(Ip(11, 0, 0, 0)));
        Assert.Equal(1u, fib.Lookup(Ip(9, 255, 255, 255)));
        Assert.Equal(2u, fib.Lookup(Ip(10, 0, 0, 0)));
        Assert.Equal(2u, fib.Lookup(Ip(10, 1, 1, 255)));
        Assert.Equal(3u, fib.Lookup(Ip(10, 1, 2, 0)));
        Assert.Equal(3u, fib.Lookup(Ip(10, 1, 2, 127)));
        Assert.Equal(4u, fib.Lookup(Ip(10, 1, 2, 128)));
        Assert.Equal(4u, fib.Lookup(Ip(10, 1, 2, 199)));
        Assert.Equal(5u, fib.Lookup(Ip(10, 1, 2, 200)));
        Assert.Equal(4u, fib.Lookup(Ip(10, 1, 2, 201)));
        Assert.Equal(4u, fib.Lookup(Ip(10, 1, 2, 255)));
        Assert.Equal(2u, fib.Lookup(Ip(10, 1, 3, 0)));
        Assert.Equal(2u, fib.Lookup(Ip(10, 9, 9, 7)));
        Assert.Equal(6u, fib.Lookup(Ip(10, 9, 9, 8)));
        Assert.Equal(6u, fib.Lookup(Ip(10, 9, 9, 11)));
        Assert.Equal(2u, fib.Lookup(Ip(10, 9, 9, 12)));
        Assert.Equal(2, fib.Tbl8GroupsUsed);
        Assert.Equal((64L << 20) + 2 * 1024, fib.MemoryBytes);
    }

    [Fact]
    public void SnapshotIsImmutableWhenTheTableChanges()
    {
        var table = new Ipv4RouteTable();
        table.Add(Ip(192, 168, 0, 0), 16, 7);
        using var before = Ipv4Fib.Build(table);
        table.Remove(Ip(192, 168, 0, 0), 16);
        table.Add(Ip(192, 168, 1, 0), 24, 8);
        using var after = Ipv4Fib.Build(table);

        Assert.Equal(7u, before.Lookup(Ip(192, 168, 1, 1)));
        Assert.Equal(8u, after.Lookup(Ip(192, 168, 1, 1)));
        Assert.Equal(0u, after.Lookup(Ip(192, 168, 2, 1)));
    }

    [Fact]
    public void LargestNextHopIdSurvivesTheEntryFlags()
    {
        var table = new Ipv4RouteTable();
        table.Add(Ip(1, 0, 0, 0), 8, Ipv4Route.MaxNextHopId);
        table.Add(Ip(1, 2, 3, 4), 32, Ipv4Route.MaxNextHopId - 1);
        using var fib = Ipv4Fib.Build(table);
        Assert.Equal(0xFFFFFFu, fib.Lookup(Ip(1, 2, 3, 5)));
        Assert.Equal(0xFFFFFEu, fib.Lookup(Ip(1, 2, 3, 4)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(24)]
    [InlineData(33)]
    [InlineData(1000)]
    public void LookupBurstEqualsLookupForEveryLengthAndTail(int count)
    {
        var table = new Ipv4RouteTable();
        table.Add(Ip(10, 0, 0, 0), 8, 1);
        table.Add(Ip(10, 0, 0, 64), 26, 2);
        using var fib = Ipv4Fib.Build(table);
        var random = new Random(count);
        // Half of the keys land in 10.0.0.0/24 so bursts mix tbl8 hits, tbl24 hits and misses.
        var keys = Enumerable.Range(0, count)
            .Select(i => i % 2 == 0 ? Ip(10, 0, 0, random.Next(256)) : (uint)random.NextInt64())
            .ToArray();
        // One slot longer than needed: LookupBurst must not write past the addresses it was given.
        var nextHops = new uint[count + 1];
        nextHops[count] = 0xDEAD;

        var portable = new uint[count + 1];
        portable[count] = 0xDEAD;

        fib.LookupBurst(keys, nextHops.AsSpan());
        fib.LookupBurstScalar(keys, portable);

        for (int i = 0; i < count; i++)
        {
            uint expected = fib.Lookup(keys[i]);
            Assert.Equal(expected, nextHops[i]);
            Assert.Equal(expected, portable[i]);
        }
        Assert.Equal(0xDEADu, nextHops[count]);
        Assert.Equal(0xDEADu, portable[count]);
    }

    [Fact]
    public void LookupBurstRejectsAShortOutput()
    {
        using var fib = Ipv4Fib.Build(new Ipv4RouteTable());
        var e = Assert.Throws<ArgumentException>(() => fib.LookupBurst(new uint[4], new uint[3]));
        Assert.Equal("nextHops", e.ParamName);
    }

    [Fact]
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    // No tiering or on-stack replacement of this method while it measures: an OSR compile allocates on this thread.
    public void LookupsDoNotAllocate()
    {
        var table = new Ipv4RouteTable();
        table.Add(Ip(10, 0, 0, 0), 8, 1);
        table.Add(Ip(10, 0, 0, 128), 25, 2);
        using var fib = Ipv4Fib.Build(table);
        uint[] keys = SharedBench.Keys(4096);
        for (int i = 0; i < keys.Length; i += 4)
        {
            keys[i] = Ip(10, 0, 0, i & 0xFF);
        }
        var nextHops = new uint[32];
        ulong sum = 0;

        // Warm-up lets tiered compilation settle before the measured loops.
        var (allocated, _) = SteadyAllocation.Measure(() => sum += Run(fib, keys, nextHops), warmup: 50, rounds: 20);

        Assert.Equal(0, allocated);
        Assert.NotEqual(0ul, sum);

        static ulong Run(Ipv4Fib fib, uint[] keys, uint[] nextHops)
        {
            ulong sum = 0;
            foreach (uint key in keys)
            {
                sum += fib.Lookup(key);
            }
            for (int i = 0; i + 32 <= keys.Length; i += 32)
            {
                fib.LookupBurst(keys.AsSpan(i, 32), nextHops);
                sum += nextHops[31];
            }
            return sum;
        }
    }

    [Fact]
    public void BuildFromSpanValidatesAndRejectsDuplicates()
    {
        var ok = new[] { new Ipv4Route(Ip(10, 0, 0, 0), 8, 1), new Ipv4Route(Ip(10, 0, 0, 0), 16, 2) };
        using (var fib = Ipv4Fib.Build(ok))
        {
            Assert.Equal(2u, fib.Lookup(Ip(10, 0, 1, 1)));
            Assert.Equal(1u, fib.Lookup(Ip(10, 1, 1, 1)));
        }

        var duplicate = new[] { new Ipv4Route(Ip(10, 0, 0, 0), 8, 1), new Ipv4Route(Ip(10, 0, 0, 0), 8, 2) };
        var e = Assert.Throws<ArgumentException>(() => Ipv4Fib.Build(duplicate));
        Assert.StartsWith("Route 10.0.0.0/8 is given twice.", e.Message);

        var unmasked = new[] { new Ipv4Route(Ip(10, 0, 0, 1), 8, 1) };
        e = Assert.Throws<ArgumentException>(() => Ipv4Fib.Build(unmasked));
        Assert.StartsWith("Prefix 10.0.0.1/8 has host bits set; the masked prefix is 10.0.0.0/8.", e.Message);

        var noNextHop = new[] { new Ipv4Route(Ip(10, 0, 0, 0), 8, 0) };
        Assert.Throws<ArgumentException>(() => Ipv4Fib.Build(noNextHop));
    }

    [Fact]
    public void DisposeTwiceIsHarmless()
    {
        var table = new Ipv4RouteTable();
        table.Add(Ip(10, 0, 0, 0), 25, 1);
        var fib = Ipv4Fib.Build(table);
        Assert.Equal(1u, fib.Lookup(Ip(10, 0, 0, 1)));
        fib.Dispose();
        fib.Dispose();
    }
}
