using System.Diagnostics;
using ActorRouter.DataPlane.Fib;
using ActorRouter.DataPlane.Forwarding;
using ActorRouter.DataPlane.Tests.Pipeline;
using Xunit.Abstractions;

namespace ActorRouter.DataPlane.Tests.Fib;

/// <summary>The adjacency table and the incremental route programming on top of the FIB.</summary>
public sealed class AdjacencyAndForwardingProgrammerTests(ITestOutputHelper output)
{
    private static uint Ip(int a, int b, int c, int d) => (uint)(a << 24 | b << 16 | c << 8 | d);

    private const ulong MacA = 0x02_00_00_00_0A_01;
    private const ulong MacB = 0x02_00_00_00_0B_02;

    // ---- adjacency table -------------------------------------------------------------------

    [Fact]
    public void AnAdjacencyIsRewrittenInPlaceKeepingItsNextHopAddress()
    {
        var table = new AdjacencyTable();
        Assert.Equal(1, table.Length);
        uint id = table.Allocate(new Adjacency(AdjacencyKind.Incomplete, 3, 0, Ip(192, 0, 2, 10)));
        Assert.Equal(1u, id);
        Assert.Equal(2, table.Length);
        Assert.Equal(new Adjacency(AdjacencyKind.Incomplete, 3, 0, Ip(192, 0, 2, 10)), table[id]);

        table.Rewrite(id, AdjacencyKind.Resolved, 3, MacA);
        Assert.Equal(new Adjacency(AdjacencyKind.Resolved, 3, MacA, Ip(192, 0, 2, 10)), table[id]);
        Assert.Equal(new Adjacency(AdjacencyKind.Resolved, 3, MacA, Ip(192, 0, 2, 10)), table[(int)id]);
        Assert.Equal(default, table[0u]);
        Assert.Equal(default, table[99u]);
        Assert.Equal(default, table[-1]);

        Assert.Throws<ArgumentException>(() => table.Allocate(new Adjacency(AdjacencyKind.Resolved, AdjacencyTable.MaxInterfaces, MacA, 1)));
        Assert.Throws<ArgumentException>(() => table.Allocate(new Adjacency(AdjacencyKind.Resolved, 1, 1UL << 48, 1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => table.Rewrite(7, AdjacencyKind.Resolved, 1, MacA));
    }

    [Fact]
    public void AFreedIdIsReusedOnlyAfterTheReadersPassed()
    {
        var reader = new ReaderEpoch();
        var grace = new GracePeriod(new ReaderEpochSet(reader));
        var table = new AdjacencyTable(grace);
        uint first = table.Allocate(new Adjacency(AdjacencyKind.Glean, 1, 0, 0));
        reader.Enter();
        table.Free(first);
        grace.Seal();
        Assert.Equal(AdjacencyKind.Glean, table[first].Kind); // a PPE that looked it up earlier still sees its meaning
        uint second = table.Allocate(new Adjacency(AdjacencyKind.Drop, 0, 0, 0));
        Assert.NotEqual(first, second);
        Assert.Equal(1, table.RetiredCount);
        reader.Exit();
        Assert.Equal(0, table.Reclaim());
        Assert.Equal(first, table.Allocate(new Adjacency(AdjacencyKind.Receive, 0, 0, 0)));
        Assert.Equal(2, table.Count);
    }

    [Fact]
    public void GrowingTheTableKeepsEveryEntry()
    {
        var table = new AdjacencyTable(capacity: 2);
        for (int i = 1; i <= 1_000; i++)
        {
            Assert.Equal((uint)i, table.Allocate(new Adjacency(AdjacencyKind.Resolved, (ushort)(i % 4096), (ulong)i, (uint)i)));
        }
        for (int i = 1; i <= 1_000; i++)
        {
            Assert.Equal(new Adjacency(AdjacencyKind.Resolved, (ushort)(i % 4096), (ulong)i, (uint)i), table[(uint)i]);
        }
    }

    [Fact]
    public void AReaderNeverSeesATornAdjacency()
    {
        var table = new AdjacencyTable();
        var a = new Adjacency(AdjacencyKind.Resolved, 1, MacA, Ip(192, 0, 2, 10));
        var b = new Adjacency(AdjacencyKind.Incomplete, 2, 0, Ip(192, 0, 2, 10));
        var c = new Adjacency(AdjacencyKind.Resolved, 4095, 0xFFFF_FFFF_FFFF, Ip(192, 0, 2, 10));
        uint id = table.Allocate(a);
        var done = false;
        long reads = 0;
        Adjacency? torn = null;
        var reader = new Thread(() =>
        {
            while (!Volatile.Read(ref done))
            {
                var seen = table[id];
                if (seen != a && seen != b && seen != c)
                {
                    torn = seen;
                    return;
                }
                reads++;
            }
        }) { IsBackground = true };
        reader.Start();
        var clock = Stopwatch.StartNew();
        for (int i = 0; clock.ElapsedMilliseconds < 500; i++)
        {
            var next = (i % 3) switch { 0 => b, 1 => c, _ => a };
            table.Rewrite(id, next.Kind, next.Interface, next.Mac);
        }
        Volatile.Write(ref done, true);
        Assert.True(reader.Join(TimeSpan.FromSeconds(10)));
        Assert.Null(torn);
        Assert.True(reads > 0);
    }

    // ---- programming routes ----------------------------------------------------------------

    private static (Ipv4ForwardingProgrammer Programmer, Ipv4Fib Fib) NewProgrammer()
    {
        var fib = Ipv4Fib.CreateEmpty();
        return (new Ipv4ForwardingProgrammer(fib, new AdjacencyTable(fib.Grace)), fib);
    }

    private static Adjacency Resolve(Ipv4ForwardingProgrammer p, uint address) => p.Adjacencies[p.Fib.Lookup(address)];

    private static readonly ConnectedInterface[] TwoInterfaces =
    [
        new(0, Ip(192, 0, 2, 1), 24, true),
        new(1, Ip(198, 51, 100, 1), 24, true),
    ];

    [Fact]
    public void RoutesFollowCefRules()
    {
        var (p, fib) = NewProgrammer();
        using var _ = fib;
        var update = p.Replace(TwoInterfaces,
            [
                new StaticRoute(Ip(10, 0, 0, 0), 8, Ip(198, 51, 100, 20)),   // via an unresolved gateway
                new StaticRoute(Ip(10, 1, 0, 0), 16, Ip(192, 0, 2, 10)),     // via a resolved neighbor
                new StaticRoute(Ip(172, 16, 0, 0), 12, Ip(203, 0, 113, 1)), // no connected next hop
                new StaticRoute(Ip(172, 20, 0, 0), 16, Ip(192, 0, 2, 1)),   // next hop is the router itself
                new StaticRoute(Ip(203, 0, 113, 0), 24, 0, Discard: true),
            ],
            [new Neighbor(0, Ip(192, 0, 2, 10), MacA), new Neighbor(1, Ip(203, 0, 113, 9), MacB)]); // the second is off-subnet

        Assert.Equal([new StaticRoute(Ip(172, 16, 0, 0), 12, Ip(203, 0, 113, 1)), new StaticRoute(Ip(172, 20, 0, 0), 16, Ip(192, 0, 2, 1))],
            update.UnresolvedStaticRoutes);
        // 2 connected, 2 own addresses, 2 broadcasts, 1 neighbor /32, 3 statics.
        Assert.Equal(10, update.RouteCount);
        Assert.Equal(10, fib.RouteCount);
        Assert.Equal(new Adjacency(AdjacencyKind.Glean, 0, 0, 0), Resolve(p, Ip(192, 0, 2, 77)));
        Assert.Equal(new Adjacency(AdjacencyKind.Glean, 1, 0, 0), Resolve(p, Ip(198, 51, 100, 77)));
        Assert.Equal(AdjacencyKind.Receive, Resolve(p, Ip(192, 0, 2, 1)).Kind);
        Assert.Equal(AdjacencyKind.Receive, Resolve(p, Ip(192, 0, 2, 255)).Kind);
        Assert.Equal(AdjacencyKind.Receive, Resolve(p, Ip(198, 51, 100, 255)).Kind);
        Assert.Equal(new Adjacency(AdjacencyKind.Resolved, 0, MacA, Ip(192, 0, 2, 10)), Resolve(p, Ip(192, 0, 2, 10)));
        Assert.Equal(new Adjacency(AdjacencyKind.Resolved, 0, MacA, Ip(192, 0, 2, 10)), Resolve(p, Ip(10, 1, 2, 3)));
        Assert.Equal(new Adjacency(AdjacencyKind.Incomplete, 1, 0, Ip(198, 51, 100, 20)), Resolve(p, Ip(10, 2, 3, 4)));
        Assert.Equal(AdjacencyKind.Drop, Resolve(p, Ip(203, 0, 113, 9)).Kind);
        Assert.Equal(0u, fib.Lookup(Ip(172, 16, 0, 1)));
        // The neighbor /32 and the static through it share one adjacency.
        Assert.Equal(fib.Lookup(Ip(192, 0, 2, 10)), fib.Lookup(Ip(10, 1, 0, 0)));
    }

    [Fact]
    public void ANeighborMacChangeIsOneAdjacencyRewriteAndNoRouteWrite()
    {
        var (p, fib) = NewProgrammer();
        using var _ = fib;
        p.Replace(TwoInterfaces, [new StaticRoute(Ip(10, 0, 0, 0), 8, Ip(198, 51, 100, 20))], []);
        long routeWrites = p.RouteWrites;
        uint gateway = fib.Lookup(Ip(10, 0, 0, 1));
        Assert.Equal(AdjacencyKind.Incomplete, p.Adjacencies[gateway].Kind);

        // The gateway answers ARP: its adjacency resolves in place, and its /32 appears (one route add).
        p.SetNeighbor(new Neighbor(1, Ip(198, 51, 100, 20), MacA));
        Assert.Equal(routeWrites + 1, p.RouteWrites);
        Assert.Equal(1, p.AdjacencyRewrites);
        Assert.Equal(gateway, fib.Lookup(Ip(10, 0, 0, 1)));
        Assert.Equal(gateway, fib.Lookup(Ip(198, 51, 100, 20)));
        Assert.Equal(new Adjacency(AdjacencyKind.Resolved, 1, MacA, Ip(198, 51, 100, 20)), p.Adjacencies[gateway]);

        // A new MAC: the same adjacency rewritten, the FIB untouched.
        p.SetNeighbor(new Neighbor(1, Ip(198, 51, 100, 20), MacB));
        Assert.Equal(routeWrites + 1, p.RouteWrites);
        Assert.Equal(2, p.AdjacencyRewrites);
        Assert.Equal(MacB, p.Adjacencies[gateway].Mac);

        // The same MAC again: nothing.
        p.SetNeighbor(new Neighbor(1, Ip(198, 51, 100, 20), MacB));
        Assert.Equal(2, p.AdjacencyRewrites);

        // Lost: incomplete in place, its /32 deleted, the static stays.
        p.RemoveNeighbor(1, Ip(198, 51, 100, 20));
        Assert.Equal(routeWrites + 2, p.RouteWrites);
        Assert.Equal(3, p.AdjacencyRewrites);
        Assert.Equal(new Adjacency(AdjacencyKind.Incomplete, 1, 0, Ip(198, 51, 100, 20)), p.Adjacencies[gateway]);
        Assert.Equal(gateway, fib.Lookup(Ip(10, 0, 0, 1)));
        Assert.Equal(AdjacencyKind.Glean, Resolve(p, Ip(198, 51, 100, 20)).Kind);
    }

    [Fact]
    public void ConfigurationChangesWriteOnlyTheRoutesThatDiffer()
    {
        var (p, fib) = NewProgrammer();
        using var _ = fib;
        StaticRoute[] statics = [new StaticRoute(Ip(10, 0, 0, 0), 8, Ip(198, 51, 100, 20))];
        Neighbor[] neighbors = [new Neighbor(0, Ip(192, 0, 2, 10), MacA)];
        p.Replace(TwoInterfaces, statics, neighbors);
        long writes = p.RouteWrites;

        p.Replace(TwoInterfaces, statics, neighbors); // nothing changed
        Assert.Equal(writes, p.RouteWrites);

        p.Replace(TwoInterfaces, [.. statics, new StaticRoute(Ip(10, 5, 0, 0), 16, 0, Discard: true)], neighbors); // one static added
        Assert.Equal(writes + 1, p.RouteWrites);
        Assert.Equal(AdjacencyKind.Drop, Resolve(p, Ip(10, 5, 1, 1)).Kind);
        p.Replace(TwoInterfaces, statics, neighbors); // and removed
        Assert.Equal(writes + 2, p.RouteWrites);
        Assert.Equal(AdjacencyKind.Incomplete, Resolve(p, Ip(10, 5, 1, 1)).Kind);

        // Gi2 down: its connected, own address and broadcast routes go, and the static through it becomes unresolved.
        var update = p.Replace([TwoInterfaces[0], TwoInterfaces[1] with { Up = false }], statics, neighbors);
        Assert.Equal(writes + 2 + 4, p.RouteWrites);
        Assert.Equal(statics, update.UnresolvedStaticRoutes);
        Assert.Equal(0u, fib.Lookup(Ip(10, 0, 0, 1)));
        Assert.Equal(0u, fib.Lookup(Ip(198, 51, 100, 1)));
        Assert.Equal(AdjacencyKind.Resolved, Resolve(p, Ip(192, 0, 2, 10)).Kind);

        // Everything withdrawn: the tables empty out and every adjacency is freed.
        p.Replace([], [], []);
        Assert.Equal(0, fib.RouteCount);
        Assert.Equal(0, fib.Tbl8GroupsUsed);
        Assert.Equal(0, p.Adjacencies.Count);
    }

    // ---- the data plane under an ARP storm -------------------------------------------------

    [Fact]
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    // No tiering or on-stack replacement of this method while it measures: an OSR compile allocates on this thread.
    public void AnArpStormLeavesMemoryFlatAndCostsCpuInProportion()
    {
        using var router = new TestRouter(ppeThreads: 1);
        var dataPlane = router.DataPlane;
        var fib = dataPlane.Forwarding.Fib;
        var adjacencies = dataPlane.Forwarding.Adjacencies;
        // A first pass learns 600 senders, 200 per connected /24 (their /32s land in the /24s' existing tbl8 groups).
        const int Senders = 600;
        uint Sender(int i) => TestRouter.RouterAddresses[i % 3] & 0xFFFF_FF00 | (uint)(20 + i / 3);
        for (int i = 0; i < Senders; i++)
        {
            dataPlane.PublishNeighbor(new Neighbor(i % 3, Sender(i), 0x02_AA_00_00_00_00UL | (uint)i));
        }
        long nativeBytes = fib.NativeBytes;
        int groups = fib.Tbl8GroupsUsed;
        int adjacencyLength = adjacencies.Length;
        var (routeWrites, rewrites) = dataPlane.ForwardingChangeCounts;
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();

        // 10,000 neighbour changes: each a new MAC for a known sender.
        const int Changes = 10_000;
        for (int i = 0; i < Changes; i++)
        {
            int s = i % Senders;
            dataPlane.PublishNeighbor(new Neighbor(s % 3, Sender(s), 0x02_BB_00_00_00_00UL | (uint)i));
        }

        clock.Stop();
        var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        var (routeWritesAfter, rewritesAfter) = dataPlane.ForwardingChangeCounts;
        output.WriteLine($"ARP storm: {Changes} neighbour changes in {clock.Elapsed.TotalMilliseconds:F1} ms wall, " +
                          $"{cpuUsed.TotalMilliseconds:F1} ms process CPU, {allocated} managed bytes allocated");

        Assert.Equal(nativeBytes, fib.NativeBytes);
        Assert.Equal(groups, fib.Tbl8GroupsUsed);
        Assert.Equal(adjacencyLength, adjacencies.Length);
        Assert.Equal(routeWrites, routeWritesAfter); // no FIB write at all
        Assert.Equal(rewrites + Changes, rewritesAfter); // one adjacency rewrite each
        Assert.True(cpuUsed < TimeSpan.FromSeconds(10), $"{Changes} neighbour changes took {cpuUsed.TotalSeconds:F1} s of CPU");
        // The forwarding keeps working: host B on Gi2 is still reachable through its adjacency.
        Assert.Equal(AdjacencyKind.Resolved, adjacencies[fib.Lookup(TestRouter.HostAddresses[1])].Kind);
    }

}
