using ActorRouter.DataPlane.Fib;

namespace ActorRouter.DataPlane.Tests.Fib;

/// <summary>Route-by-route changes of the DIR-24-8 table against a naive longest-prefix match over the rule set.</summary>
public sealed class Ipv4FibIncrementalTests
{
    private static uint Ip(int a, int b, int c, int d) => (uint)(a << 24 | b << 16 | c << 8 | d);

    /// <summary>The rule set per prefix length, with a naive longest-prefix match.</summary>
    private sealed class ReferenceRules
    {
        private readonly Dictionary<uint, uint>[] _byLength = Enumerable.Range(0, 33).Select(_ => new Dictionary<uint, uint>()).ToArray();

        public int Count => _byLength.Sum(d => d.Count);

        public void Add(uint prefix, int length, uint nextHop) => _byLength[length][prefix] = nextHop;

        public bool Remove(uint prefix, int length) => _byLength[length].Remove(prefix);

        public uint Lookup(uint address)
        {
            for (int l = 32; l >= 0; l--)
            {
                if (_byLength[l].TryGetValue(address & Ipv4Route.Mask(l), out uint nextHop))
                {
                    return nextHop;
                }
            }
            return 0;
        }

        public List<Ipv4Route> Routes() =>
            _byLength.SelectMany((d, l) => d.Select(kv => new Ipv4Route(kv.Key, l, kv.Value))).ToList();

        public int LongGroups => _byLength.Skip(25).SelectMany(d => d.Keys).Select(p => p >> 8).Distinct().Count();
    }

    /// <summary>Prefixes bunched into a few /16s so routes of every length overlap, with many /25../32s.</summary>
    private static Ipv4Route RandomRoute(Random random, int shortest = 0)
    {
        int[] lengths = [0, 4, 8, 12, 15, 16, 18, 20, 22, 23, 24, 24, 25, 26, 27, 28, 29, 30, 31, 32, 32, 32];
        int length = lengths[random.Next(lengths.Length)];
        while (length < shortest)
        {
            length = lengths[random.Next(lengths.Length)];
        }
        uint address = (uint)(10 << 24 | random.Next(4) << 16 | random.Next(8) << 8 | random.Next(256));
        return new Ipv4Route(address & Ipv4Route.Mask(length), length, (uint)random.Next(1, 1000));
    }

    private static void AssertMatches(Ipv4Fib fib, ReferenceRules reference, Random random, uint touched, int op)
    {
        var addresses = new List<uint> { 0, 0xFFFF_FFFF, touched, touched - 1, touched + 1, touched | 0xFF, (touched | 0xFF) + 1 };
        for (int i = 0; i < 64; i++)
        {
            addresses.Add((uint)(10 << 24 | random.Next(4) << 16 | random.Next(8) << 8 | random.Next(256)));
        }
        addresses.Add((uint)random.NextInt64());
        var keys = addresses.ToArray();
        var burst = new uint[keys.Length];
        fib.LookupBurst(keys, burst);
        for (int i = 0; i < keys.Length; i++)
        {
            uint expected = reference.Lookup(keys[i]);
            uint single = fib.Lookup(keys[i]);
            if (single != expected || burst[i] != expected)
            {
                Assert.Fail($"after op {op}: {Ipv4Route.Format(keys[i])} expected {expected}, Lookup {single}, LookupBurst {burst[i]}");
            }
        }
        Assert.Equal(reference.Count, fib.RouteCount);
        Assert.Equal(reference.LongGroups, fib.Tbl8GroupsUsed);
        Assert.Equal(Ipv4Fib.MemoryBudget(fib.Tbl8GroupsUsed), fib.MemoryBytes);
    }

    [Theory]
    [InlineData(1, 3_000)]
    [InlineData(2, 3_000)]
    [InlineData(0x524F55, 4_000)]
    public void RandomAddsAndDeletesMatchTheReferenceAfterEveryOperation(int seed, int operations)
    {
        var random = new Random(seed);
        using var fib = Ipv4Fib.CreateEmpty();
        var reference = new ReferenceRules();
        var installed = new List<Ipv4Route>();
        for (int op = 0; op < operations; op++)
        {
            // Grow for the first half, shrink for the second, so groups are both created and freed.
            bool add = installed.Count == 0 || random.Next(100) < (op < operations / 2 ? 65 : 30);
            uint touched;
            if (add)
            {
                var r = RandomRoute(random);
                bool isNew = reference.Routes().All(x => x.Prefix != r.Prefix || x.Length != r.Length);
                Assert.Equal(isNew, fib.Add(r.Prefix, r.Length, r.NextHopId));
                reference.Add(r.Prefix, r.Length, r.NextHopId);
                installed.RemoveAll(x => x.Prefix == r.Prefix && x.Length == r.Length);
                installed.Add(r);
                touched = r.Prefix;
            }
            else
            {
                int index = random.Next(installed.Count);
                var r = installed[index];
                installed.RemoveAt(index);
                Assert.True(fib.Remove(r.Prefix, r.Length));
                Assert.True(reference.Remove(r.Prefix, r.Length));
                touched = r.Prefix;
            }
            AssertMatches(fib, reference, random, touched, op);
        }

        foreach (var r in installed)
        {
            Assert.True(fib.Remove(r.Prefix, r.Length));
            reference.Remove(r.Prefix, r.Length);
        }
        Assert.Equal(0, fib.RouteCount);
        Assert.Equal(0, fib.Tbl8GroupsUsed);
        Assert.Equal(0, fib.ReclaimRetired());
        AssertMatches(fib, reference, random, Ip(10, 0, 0, 0), operations);
    }

    [Fact]
    public void ChangesToABulkBuiltTableMatchTheReference()
    {
        var random = new Random(7);
        var reference = new ReferenceRules();
        var table = new Ipv4RouteTable();
        for (int i = 0; i < 2_000; i++)
        {
            var r = RandomRoute(random);
            table.Add(r);
            reference.Add(r.Prefix, r.Length, r.NextHopId);
        }
        using var fib = Ipv4Fib.Build(table);
        AssertMatches(fib, reference, random, Ip(10, 1, 1, 1), -1);
        foreach (var r in reference.Routes())
        {
            if (random.Next(2) == 0)
            {
                Assert.True(fib.Remove(r.Prefix, r.Length));
                reference.Remove(r.Prefix, r.Length);
                AssertMatches(fib, reference, random, r.Prefix, 0);
            }
        }
    }

    [Fact]
    public void ReplacingANextHopRewritesOnlyThatRoutesEntries()
    {
        using var fib = Ipv4Fib.CreateEmpty();
        Assert.True(fib.Add(Ip(10, 0, 0, 0), 8, 1));
        Assert.True(fib.Add(Ip(10, 1, 0, 0), 16, 2));
        Assert.True(fib.Add(Ip(10, 1, 2, 128), 25, 3));
        Assert.False(fib.Add(Ip(10, 0, 0, 0), 8, 4));
        Assert.False(fib.Add(Ip(10, 0, 0, 0), 8, 4));
        Assert.Equal(4u, fib.Lookup(Ip(10, 9, 9, 9)));
        Assert.Equal(2u, fib.Lookup(Ip(10, 1, 9, 9)));
        Assert.Equal(2u, fib.Lookup(Ip(10, 1, 2, 1)));
        Assert.Equal(3u, fib.Lookup(Ip(10, 1, 2, 200)));
        Assert.True(fib.TryGetRoute(Ip(10, 0, 0, 0), 8, out uint nextHop));
        Assert.Equal(4u, nextHop);
        Assert.False(fib.Remove(Ip(10, 2, 0, 0), 16));
        Assert.Equal(3, fib.RouteCount);
    }

    [Fact]
    public void AFreedGroupWaitsForTheReadersBeforeItIsReused()
    {
        var reader = new ReaderEpoch();
        using var fib = Ipv4Fib.CreateEmpty();
        fib.Grace = new GracePeriod(new ReaderEpochSet(reader));
        fib.Add(Ip(192, 0, 2, 128), 25, 1);
        Assert.Equal(1, fib.Tbl8GroupsUsed);

        reader.Enter(); // a PPE mid-burst, possibly holding the group
        fib.Remove(Ip(192, 0, 2, 128), 25);
        Assert.Equal(0, fib.Tbl8GroupsUsed);
        Assert.Equal(1, fib.Tbl8GroupsRetired);
        fib.Add(Ip(198, 51, 100, 0), 26, 2); // must take a fresh group, not the retired one
        Assert.Equal(1, fib.ReclaimRetired());
        Assert.Equal(0u, fib.Lookup(Ip(192, 0, 2, 200)));
        Assert.Equal(2u, fib.Lookup(Ip(198, 51, 100, 1)));

        reader.Exit();
        Assert.Equal(0, fib.ReclaimRetired());
        Assert.Equal(1, fib.Tbl8GroupsUsed);
    }

    [Fact]
    public void ChangesAllocateInProportionToWhatChanged()
    {
        using var fib = Ipv4Fib.CreateEmpty();
        long empty = fib.NativeBytes;
        for (int i = 0; i < 10_000; i++)
        {
            fib.Add((uint)(20 << 24 | i << 8), 24, 1);
            fib.Remove((uint)(20 << 24 | i << 8), 24);
        }
        Assert.Equal(empty, fib.NativeBytes);

        // /32s in 300 distinct /24s need 300 groups: two segments of 256, nothing more.
        for (int i = 0; i < 300; i++)
        {
            fib.Add((uint)(30 << 24 | i << 8 | 1), 32, 5);
        }
        Assert.Equal(300, fib.Tbl8GroupsUsed);
        Assert.Equal(empty + 2L * Ipv4Fib.Tbl8SegmentGroups * Ipv4Fib.Tbl8GroupEntries * sizeof(uint), fib.NativeBytes);
        long grown = fib.NativeBytes;
        for (int round = 0; round < 20; round++)
        {
            for (int i = 0; i < 300; i++)
            {
                fib.Remove((uint)(30 << 24 | i << 8 | 1), 32);
            }
            Assert.Equal(0, fib.Tbl8GroupsUsed);
            for (int i = 0; i < 300; i++)
            {
                fib.Add((uint)(30 << 24 | i << 8 | 1), 32, 5);
            }
        }
        Assert.Equal(grown, fib.NativeBytes);
    }

    [Fact]
    public void ChurnUnderAConcurrentReaderOnlyEverShowsAStateTheTableWasIn()
    {
        // The writer numbers its operations: "started" before it touches the table, "completed" after. For each
        // lookup the reader notes completed before and started after; the answer must be the reference answer of
        // one of the states in between. Expected answers per state are precomputed for a fixed set of probes.
        const int Operations = 20_000;
        var random = new Random(42);
        var probes = new uint[64];
        for (int i = 0; i < probes.Length; i++)
        {
            probes[i] = (uint)(10 << 24 | random.Next(4) << 16 | random.Next(8) << 8 | random.Next(256));
        }
        var ops = new (bool Add, Ipv4Route Route)[Operations];
        var expected = new uint[Operations + 1][];
        var reference = new ReferenceRules();
        var installed = new List<Ipv4Route>();
        expected[0] = new uint[probes.Length];
        for (int op = 0; op < Operations; op++)
        {
            if (installed.Count < 50 || random.Next(2) == 0)
            {
                // Aim most routes at the probes so they change often; /12 and longer keep each operation short.
                var r = RandomRoute(random, shortest: 12);
                if (random.Next(2) == 0)
                {
                    uint at = probes[random.Next(probes.Length)];
                    r = r with { Prefix = at & Ipv4Route.Mask(r.Length) };
                }
                installed.RemoveAll(x => x.Prefix == r.Prefix && x.Length == r.Length);
                installed.Add(r);
                reference.Add(r.Prefix, r.Length, r.NextHopId);
                ops[op] = (true, r);
            }
            else
            {
                int index = random.Next(installed.Count);
                var r = installed[index];
                installed.RemoveAt(index);
                reference.Remove(r.Prefix, r.Length);
                ops[op] = (false, r);
            }
            expected[op + 1] = probes.Select(reference.Lookup).ToArray();
        }

        var epoch = new ReaderEpoch();
        using var fib = Ipv4Fib.CreateEmpty();
        fib.Grace = new GracePeriod(new ReaderEpochSet(epoch));
        long started = 0;
        long completed = 0;
        var done = false;
        const int MaxSamples = 1_000_000;
        var samples = new (int Probe, uint Result, long From, long To)[MaxSamples];
        int sampleCount = 0;
        var reader = new Thread(() =>
        {
            var burstKeys = new uint[16];
            var burstResults = new uint[16];
            int p = 0;
            while (!Volatile.Read(ref done) && sampleCount < MaxSamples - 32)
            {
                epoch.Enter();
                long from = Volatile.Read(ref completed);
                uint single = fib.Lookup(probes[p]);
                for (int k = 0; k < 16; k++)
                {
                    burstKeys[k] = probes[(p + k) % probes.Length];
                }
                fib.LookupBurst(burstKeys, burstResults);
                long to = Volatile.Read(ref started);
                epoch.Exit();
                samples[sampleCount++] = (p, single, from, to);
                for (int k = 0; k < 16; k++)
                {
                    samples[sampleCount++] = ((p + k) % probes.Length, burstResults[k], from, to);
                }
                p = (p + 1) % probes.Length;
            }
        }) { IsBackground = true };
        reader.Start();
        for (int op = 0; op < Operations; op++)
        {
            Volatile.Write(ref started, op + 1);
            var (add, r) = ops[op];
            if (add)
            {
                fib.Add(r.Prefix, r.Length, r.NextHopId);
            }
            else
            {
                Assert.True(fib.Remove(r.Prefix, r.Length));
            }
            Volatile.Write(ref completed, op + 1);
            if ((op & 63) == 0)
            {
                Thread.Yield();
            }
        }
        Volatile.Write(ref done, true);
        Assert.True(reader.Join(TimeSpan.FromSeconds(30)), "the reader thread did not stop");

        Assert.True(sampleCount > 1_000, $"only {sampleCount} lookups ran during the churn");
        for (int s = 0; s < sampleCount; s++)
        {
            var (probe, result, from, to) = samples[s];
            bool valid = false;
            for (long state = from; state <= to && !valid; state++)
            {
                valid = expected[state][probe] == result;
            }
            if (!valid)
            {
                Assert.Fail($"lookup {s} of {Ipv4Route.Format(probes[probe])} gave {result}, which no state {from}..{to} had");
            }
        }
        for (int i = 0; i < probes.Length; i++)
        {
            Assert.Equal(expected[Operations][i], fib.Lookup(probes[i]));
        }
        Assert.Equal(0, fib.ReclaimRetired());
    }
}
