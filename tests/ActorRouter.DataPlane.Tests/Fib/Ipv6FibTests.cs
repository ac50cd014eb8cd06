using System.Buffers.Binary;
using ActorRouter.DataPlane.Fib;

namespace ActorRouter.DataPlane.Tests.Fib;

public sealed class Ipv6FibTests
{
    private static UInt128 A(string text)
    {
        Assert.True(Ipv6Route.TryParseAddress(text, out var address), text);
        return address;
    }

    [Fact]
    public void EmptyTableMissesEverything()
    {
        using var fib = new Ipv6Fib();
        Assert.Equal(0u, fib.Lookup(A("2001:db8::1")));
        Assert.Equal(0u, fib.Lookup(UInt128.Zero));
        Assert.Equal(0u, fib.Lookup(UInt128.MaxValue));
        Assert.Equal(0, fib.GroupsUsed);
        Assert.Equal(64L << 20, fib.MemoryBytes);
    }

    [Fact]
    public void LongestPrefixWinsAtEveryLevel()
    {
        using var fib = new Ipv6Fib();
        fib.Add(UInt128.Zero, 0, 1);
        fib.Add(A("2001::"), 16, 2);
        fib.Add(A("2001:db8::"), 32, 3);
        fib.Add(A("2001:db8:1::"), 48, 4);
        fib.Add(A("2001:db8:1:2::"), 64, 5);
        fib.Add(A("2001:db8:1:2::77"), 128, 6);
        fib.Add(A("2001:db8:1:2::70"), 124, 7);
        fib.Add(A("2001:db8:8000::"), 33, 8);

        Assert.Equal(1u, fib.Lookup(A("3000::1")));
        Assert.Equal(2u, fib.Lookup(A("2001:1::1")));
        Assert.Equal(3u, fib.Lookup(A("2001:db8:2::1")));
        Assert.Equal(4u, fib.Lookup(A("2001:db8:1:3::1")));
        Assert.Equal(5u, fib.Lookup(A("2001:db8:1:2::1")));
        Assert.Equal(6u, fib.Lookup(A("2001:db8:1:2::77")));
        Assert.Equal(7u, fib.Lookup(A("2001:db8:1:2::76")));
        Assert.Equal(5u, fib.Lookup(A("2001:db8:1:2::80")));
        Assert.Equal(8u, fib.Lookup(A("2001:db8:ffff::1")));
        Assert.Equal(8, fib.RouteCount);
        // /32 → one group (byte 3); /48 → two more; /64 → two more; /124 and /128 → eight more below /64.
        Assert.Equal(1 + 2 + 2 + 8, fib.GroupsUsed);
    }

    [Fact]
    public void RemovingFallsBackToTheCoveringRouteAndFoldsEveryGroup()
    {
        using var fib = new Ipv6Fib();
        fib.Add(A("2001:db8::"), 32, 3);
        fib.Add(A("2001:db8:1::"), 48, 4);
        fib.Add(A("2001:db8:1:2::77"), 128, 6);
        Assert.Equal(6u, fib.Lookup(A("2001:db8:1:2::77")));

        Assert.True(fib.Remove(A("2001:db8:1:2::77"), 128));
        Assert.Equal(4u, fib.Lookup(A("2001:db8:1:2::77")));
        Assert.Equal(3, fib.GroupsUsed); // 32-bit group for the /32 and the 40- and 48-bit levels for the /48

        Assert.True(fib.Remove(A("2001:db8:1::"), 48));
        Assert.Equal(3u, fib.Lookup(A("2001:db8:1:2::77")));
        Assert.Equal(1, fib.GroupsUsed);

        Assert.False(fib.Remove(A("2001:db8:1::"), 48));
        Assert.True(fib.Remove(A("2001:db8::"), 32));
        Assert.Equal(0u, fib.Lookup(A("2001:db8:1:2::77")));
        Assert.Equal(0, fib.GroupsUsed);
        Assert.Equal(0, fib.RouteCount);
        // No readers: every retired group is reusable at once.
        Assert.Equal(0, fib.ReclaimRetired());
    }

    [Fact]
    public void ReplacingANextHopKeepsLongerRoutes()
    {
        using var fib = new Ipv6Fib();
        fib.Add(A("2001:db8::"), 32, 3);
        fib.Add(A("2001:db8:1::"), 48, 4);
        Assert.False(fib.Add(A("2001:db8::"), 32, 9));
        Assert.Equal(9u, fib.Lookup(A("2001:db8:2::1")));
        Assert.Equal(4u, fib.Lookup(A("2001:db8:1::1")));
        Assert.True(fib.TryGetRoute(A("2001:db8::"), 32, out var nextHop));
        Assert.Equal(9u, nextHop);
    }

    [Fact]
    public void RejectsInvalidRoutesWithTheRuleBroken()
    {
        using var fib = new Ipv6Fib();
        Assert.Contains("host bits", Assert.Throws<ArgumentException>(() => fib.Add(A("2001:db8::1"), 64, 1)).Message);
        Assert.Contains("0..128", Assert.Throws<ArgumentException>(() => fib.Add(A("2001:db8::"), 129, 1)).Message);
        Assert.Contains("1..16777215", Assert.Throws<ArgumentException>(() => fib.Add(A("2001:db8::"), 32, 0)).Message);
        Assert.Contains("given twice", Assert.Throws<ArgumentException>(() =>
            Ipv6Fib.Build([new Ipv6Route(A("2001:db8::"), 32, 1), new Ipv6Route(A("2001:db8::"), 32, 2)])).Message);
    }

    [Fact]
    public void GroupLimitRefusesARouteWithoutChangingTheTable()
    {
        using var fib = new Ipv6Fib(maxGroups: 2);
        fib.Add(A("2001:db8::"), 40, 1); // two groups: 32- and 40-bit levels
        var error = Assert.Throws<InvalidOperationException>(() => fib.Add(A("2001:db9:100::"), 40, 2));
        Assert.Contains("No group is left", error.Message);
        Assert.Equal(1, fib.RouteCount);
        Assert.Equal(0u, fib.Lookup(A("2001:db9:100::1")));
        Assert.False(fib.TryGetRoute(A("2001:db9:100::"), 40, out _));
        fib.Add(A("2001:db9::"), 32, 2); // inside the existing 32-bit level: no group needed
        Assert.Equal(2u, fib.Lookup(A("2001:db9:100::1")));
    }

    /// <summary>Random tables, adds and removes against a brute-force longest-prefix match, by single and burst lookups.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void MatchesBruteForceThroughAddsAndRemoves(int seed)
    {
        var random = new Random(seed);
        using var fib = new Ipv6Fib();
        var reference = new Dictionary<(UInt128, int), uint>();
        // Prefixes share a few /24s and /32s so the trie's levels are shared and folded.
        UInt128 RandomPrefix(int length)
        {
            UInt128 a = ((UInt128)(0x2001_0DB8_0000_0000UL | (ulong)random.Next(4) << 24 | (ulong)random.Next(3) << 16) << 64)
                        | ((UInt128)(ulong)random.NextInt64() << 64 >> 64 ^ (UInt128)(ulong)random.Next(16) << 56);
            if (random.Next(2) == 0) a ^= (UInt128)(ulong)random.NextInt64() << 64 & ((UInt128)0xFFFF << 64);
            return a & Ipv6Route.Mask(length);
        }
        int[] lengths = [0, 8, 16, 20, 24, 28, 32, 33, 40, 44, 47, 48, 56, 64, 96, 120, 127, 128];
        for (int step = 0; step < 1500; step++)
        {
            int length = lengths[random.Next(lengths.Length)];
            var prefix = RandomPrefix(length);
            if (random.Next(3) == 0 && reference.Count > 0)
            {
                var victim = reference.Keys.ElementAt(random.Next(reference.Count));
                Assert.True(fib.Remove(victim.Item1, victim.Item2));
                reference.Remove(victim);
            }
            else
            {
                uint nextHop = (uint)random.Next(1, 1000);
                fib.Add(prefix, length, nextHop);
                reference[(prefix, length)] = nextHop;
            }
            if (step % 100 == 99)
            {
                Check();
            }
        }
        Check();
        foreach (var key in reference.Keys.ToArray())
        {
            Assert.True(fib.Remove(key.Item1, key.Item2));
        }
        Assert.Equal(0, fib.GroupsUsed);
        Assert.Equal(0, fib.RouteCount);

        void Check()
        {
            const int probes = 400;
            var keys = new byte[probes * 16];
            var expected = new uint[probes];
            var routes = reference.ToArray();
            for (int i = 0; i < probes; i++)
            {
                UInt128 address;
                if (routes.Length > 0 && i % 4 != 0)
                {
                    var ((prefix, length), _) = routes[random.Next(routes.Length)];
                    UInt128 host = ((UInt128)(ulong)random.NextInt64() << 64) | (ulong)random.NextInt64();
                    address = prefix | (host & ~Ipv6Route.Mask(length));
                }
                else
                {
                    address = RandomPrefix(128);
                }
                BinaryPrimitives.WriteUInt128BigEndian(keys.AsSpan(i * 16, 16), address);
                expected[i] = BruteForce(address);
                Assert.Equal(expected[i], fib.Lookup(address));
            }
            var burst = new uint[probes];
            fib.LookupBurst(keys, burst);
            Assert.Equal(expected, burst);
        }

        uint BruteForce(UInt128 address)
        {
            for (int l = 128; l >= 0; l--)
            {
                if (reference.TryGetValue((address & Ipv6Route.Mask(l), l), out var nextHop))
                {
                    return nextHop;
                }
            }
            return 0;
        }
    }

    [Fact]
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    // No tiering or on-stack replacement of this method while it measures: an OSR compile allocates on this thread.
    public unsafe void LookupsDoNotAllocate()
    {
        using var fib = new Ipv6Fib();
        fib.Add(A("2001:db8:1::"), 48, 4);
        var keys = new byte[32 * 16];
        for (int i = 0; i < 32; i++)
        {
            BinaryPrimitives.WriteUInt128BigEndian(keys.AsSpan(i * 16, 16), A("2001:db8:1::") + (UInt128)i);
        }
        var nextHops = new uint[32];
        void Once()
        {
            fib.LookupBurst(keys, nextHops);
            fixed (byte* k = keys)
            {
                nextHops[0] = fib.Lookup(k);
            }
        }
        // Every measured call before measuring: a method's first calls compile it on this thread.
        Assert.Equal(0, SteadyAllocation.Measure(Once, warmup: 100, rounds: 1000).Bytes);
        Assert.All(nextHops, n => Assert.Equal(4u, n));
    }

    /// <summary>
    /// A reader looking up all the time while the writer adds and removes a /64 under a /48 (each change allocates or
    /// folds groups): every answer is the /48's or the /64's, never a miss or a torn entry, and folded groups wait for
    /// the reader's grace period.
    /// </summary>
    [Fact]
    public void ConcurrentReaderSeesOnlyOldOrNewAnswers()
    {
        var epoch = new ReaderEpoch();
        using var fib = new Ipv6Fib { Grace = new GracePeriod(new ReaderEpochSet(epoch)) };
        fib.Add(A("2001:db8:1::"), 48, 4);
        var probe = A("2001:db8:1:2::5");
        int bad = 0;
        long reads = 0;
        using var stop = new CancellationTokenSource();
        var reader = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                epoch.Enter();
                for (int i = 0; i < 64; i++)
                {
                    uint nextHop = fib.Lookup(probe);
                    if (nextHop is not (4u or 5u))
                    {
                        Interlocked.Increment(ref bad);
                    }
                }
                epoch.Exit();
                reads += 64;
            }
        });
        reader.Start();
        var deadline = DateTime.UtcNow.AddSeconds(1);
        int changes = 0;
        while (DateTime.UtcNow < deadline || Volatile.Read(ref reads) < 10_000)
        {
            fib.Add(A("2001:db8:1:2::"), 64, 5);
            fib.Remove(A("2001:db8:1:2::"), 64);
            changes++;
        }
        stop.Cancel();
        reader.Join();
        Assert.Equal(0, bad);
        Assert.True(changes > 10);
        Assert.Equal(3, fib.GroupsUsed); // the /48's three levels; the /64's two were folded each time
        Assert.Equal(0, fib.ReclaimRetired());
    }
}
