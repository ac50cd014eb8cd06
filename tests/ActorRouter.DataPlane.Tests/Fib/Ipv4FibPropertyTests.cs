using ActorRouter.DataPlane.Fib;

namespace ActorRouter.DataPlane.Tests.Fib;

/// <summary>Random route sets against a list-scan longest-prefix match.</summary>
public sealed class Ipv4FibPropertyTests
{
    public static TheoryData<int, int> Seeds => new()
    {
        { 1, 50 },
        { 2, 300 },
        { 3, 2_000 },
        { 4, 8 },
        { 0x524F55, 1_000 },
    };

    [Theory]
    [MemberData(nameof(Seeds))]
    public void LookupMatchesTheReferenceBeforeAndAfterRemovals(int seed, int routeCount)
    {
        var random = new Random(seed);
        var table = RandomTable(random, routeCount);

        AssertMatchesReference(table, random);

        // Remove about half, longest routes included, so tbl8 groups and covered ranges must fall back correctly.
        foreach (var route in table.ToArray())
        {
            if (random.Next(2) == 0)
            {
                Assert.True(table.Remove(route.Prefix, route.Length));
            }
        }
        AssertMatchesReference(table, random);
    }

    [Fact]
    public void RandomTablesExerciseEveryKindOfPrefix()
    {
        // Guards the generator: the theory above is only as strong as the mix of lengths it builds.
        var lengths = RandomTable(new Random(3), 2_000).Select(r => r.Length).ToHashSet();
        foreach (int length in new[] { 0, 1, 8, 16, 23, 24, 25, 28, 31, 32 })
        {
            Assert.Contains(length, lengths);
        }
    }

    private static void AssertMatchesReference(Ipv4RouteTable table, Random random)
    {
        var routes = table.ToArray();
        using var fib = Ipv4Fib.Build(table);
        Assert.Equal(routes.Length, fib.RouteCount);
        Assert.Equal(routes.Where(r => r.Length > 24).Select(r => r.Prefix >> 8).Distinct().Count(), fib.Tbl8GroupsUsed);
        Assert.Equal(Ipv4Fib.MemoryBudget(fib.Tbl8GroupsUsed), fib.MemoryBytes);

        var addresses = new List<uint> { 0, 1, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFE, 0xFFFF_FFFF };
        foreach (var r in routes)
        {
            uint last = r.Prefix | ~Ipv4Route.Mask(r.Length);
            addresses.AddRange(new[] { r.Prefix - 1, r.Prefix, r.Prefix + 1, last - 1, last, last + 1 });
            addresses.Add(r.Prefix | ((uint)random.NextInt64() & ~Ipv4Route.Mask(r.Length)));
        }
        for (int i = 0; i < 5_000; i++)
        {
            addresses.Add((uint)random.NextInt64());
        }

        var keys = addresses.ToArray();
        var burst = new uint[keys.Length];
        var portable = new uint[keys.Length];
        fib.LookupBurst(keys, burst);
        fib.LookupBurstScalar(keys, portable);
        for (int i = 0; i < keys.Length; i++)
        {
            uint expected = ReferenceLookup(routes, keys[i]);
            uint actual = fib.Lookup(keys[i]);
            if (actual != expected || burst[i] != expected || portable[i] != expected)
            {
                Assert.Fail($"{Ipv4Route.Format(keys[i])}: expected next hop {expected}, Lookup gave {actual}, " +
                            $"LookupBurst gave {burst[i]}, its portable path {portable[i]}.");
            }
        }
    }

    private static uint ReferenceLookup(Ipv4Route[] routes, uint address)
    {
        int bestLength = -1;
        uint nextHop = 0;
        foreach (var r in routes)
        {
            if ((address & Ipv4Route.Mask(r.Length)) == r.Prefix && r.Length > bestLength)
            {
                bestLength = r.Length;
                nextHop = r.NextHopId;
            }
        }
        return nextHop;
    }

    /// <summary>
    /// Routes of every length 0..32, half of them nested inside earlier routes so prefixes overlap, and next hops
    /// spread over the whole 24-bit id range.
    /// </summary>
    private static Ipv4RouteTable RandomTable(Random random, int count)
    {
        int[] lengths = { 0, 1, 2, 7, 8, 9, 12, 15, 16, 17, 20, 22, 23, 24, 24, 24, 25, 26, 27, 28, 29, 30, 31, 32 };
        var table = new Ipv4RouteTable();
        var added = new List<Ipv4Route>();
        while (table.Count < count)
        {
            int length = lengths[random.Next(lengths.Length)];
            uint bits = (uint)random.NextInt64();
            if (added.Count > 0 && random.Next(2) == 0)
            {
                // Nest under an existing route: keep its prefix bits, randomise the rest.
                var outer = added[random.Next(added.Count)];
                length = random.Next(outer.Length, 33);
                bits = outer.Prefix | (bits & ~Ipv4Route.Mask(outer.Length));
            }
            uint prefix = bits & Ipv4Route.Mask(length);
            uint nextHop = random.Next(4) == 0 ? Ipv4Route.MaxNextHopId - (uint)random.Next(16) : (uint)random.Next(1, 64);
            if (table.Add(prefix, length, nextHop))
            {
                added.Add(new Ipv4Route(prefix, length, nextHop));
            }
        }
        return table;
    }
}
