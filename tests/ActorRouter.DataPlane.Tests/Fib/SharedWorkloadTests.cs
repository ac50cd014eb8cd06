using ActorRouter.DataPlane.Fib;

namespace ActorRouter.DataPlane.Tests.Fib;

public sealed class SharedWorkloadTests
{
    private const int KeyCount = 1_048_576;

    [Fact]
    public void KeyStreamStartsAsTheReadmeSays()
    {
        Assert.Equal(new uint[] { 0x03f0a9b4, 0x1bbf8475, 0x96b343b3, 0x7d22528d }, SharedBench.Keys(4));
    }

    [Fact]
    public void Table10kGivesTheReferenceHitsAndChecksum()
    {
        var routes = RouteFileLoader.Load(SharedBench.File("routes-10k.txt"));
        Assert.Equal(10_000, routes.Count);
        using var fib = Ipv4Fib.Build(routes);

        var (hits, checksum) = Sum(fib, SharedBench.Keys(KeyCount));

        Assert.Equal(13_911, hits);
        Assert.Equal(440_093, checksum);
    }

    [Fact]
    public void Table1mGivesTheReferenceHitsAndChecksumWithinTheMemoryBudget()
    {
        var routes = RouteFileLoader.Load(SharedBench.File("routes-1m.txt"));
        Assert.Equal(1_000_000, routes.Count);
        using var fib = Ipv4Fib.Build(routes);

        var (hits, checksum) = Sum(fib, SharedBench.Keys(KeyCount));

        Assert.Equal(788_476, hits);
        Assert.Equal(25_744_829, checksum);
        Assert.Equal(1_000_000, fib.RouteCount);
        // No route is longer than /24, so the table is exactly tbl24: 64 MiB.
        Assert.Equal(0, fib.Tbl8GroupsUsed);
        Assert.Equal(64L * 1024 * 1024, fib.MemoryBytes);
    }

    private static (long Hits, long Checksum) Sum(Ipv4Fib fib, uint[] keys)
    {
        var burst = new uint[keys.Length];
        fib.LookupBurst(keys, burst);
        long hits = 0, checksum = 0;
        for (int i = 0; i < keys.Length; i++)
        {
            uint nextHop = fib.Lookup(keys[i]);
            Assert.Equal(nextHop, burst[i]);
            hits += nextHop != 0 ? 1 : 0;
            checksum += nextHop;
        }
        return (hits, checksum);
    }
}
