using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Fleet.LinkState;

namespace ActorRouter.ControlPlane.Tests.Fleet;

/// <summary>
/// The link-state rules on the square: r1–r2–r3–r4–r1, a host LAN behind r1 (198.51.100.0/24) and one
/// behind r3 (203.0.113.0/24); the four links are /30s of 192.0.2.0/24.
/// </summary>
public class LinkStateTests
{
    private static readonly Ipv4Cidr LanR1 = Ipv4Cidr.Parse("198.51.100.0/24");
    private static readonly Ipv4Cidr LanR3 = Ipv4Cidr.Parse("203.0.113.0/24");
    private static readonly Ipv4Cidr LinkR1R2 = Ipv4Cidr.Parse("192.0.2.0/30");
    private static readonly Ipv4Cidr LinkR2R3 = Ipv4Cidr.Parse("192.0.2.4/30");
    private static readonly Ipv4Cidr LinkR3R4 = Ipv4Cidr.Parse("192.0.2.8/30");
    private static readonly Ipv4Cidr LinkR4R1 = Ipv4Cidr.Parse("192.0.2.12/30");

    private static uint A(string text) => Ipv4Text.Parse(text);

    private static LinkStateAdjacency Adj(string neighbor, string address, int cost = 1) => new(neighbor, A(address), cost);

    private static LinkStateEntry R1(long sequence = 1, bool linkToR2 = true) => new(
        "r1", sequence,
        linkToR2 ? [LanR1, LinkR1R2, LinkR4R1] : [LanR1, LinkR4R1],
        linkToR2 ? [Adj("r2", "192.0.2.2"), Adj("r4", "192.0.2.13")] : [Adj("r4", "192.0.2.13")],
        []);

    private static LinkStateEntry R2(long sequence = 1, bool linkToR1 = true) => new(
        "r2", sequence,
        linkToR1 ? [LinkR1R2, LinkR2R3] : [LinkR2R3],
        linkToR1 ? [Adj("r1", "192.0.2.1"), Adj("r3", "192.0.2.6")] : [Adj("r3", "192.0.2.6")],
        []);

    private static LinkStateEntry R3(long sequence = 1) => new(
        "r3", sequence, [LanR3, LinkR2R3, LinkR3R4], [Adj("r2", "192.0.2.5"), Adj("r4", "192.0.2.10")], []);

    private static LinkStateEntry R4(long sequence = 1) => new(
        "r4", sequence, [LinkR3R4, LinkR4R1], [Adj("r3", "192.0.2.9"), Adj("r1", "192.0.2.14")], []);

    private static LinkStateDatabase Square()
    {
        var database = new LinkStateDatabase();
        foreach (var entry in new[] { R1(), R2(), R3(), R4() })
        {
            Assert.Equal(LinkStateApplyResult.Added, database.Apply(entry));
        }
        return database;
    }

    private static FleetRoute RouteTo(IReadOnlyList<FleetRoute> routes, Ipv4Cidr prefix) =>
        Assert.Single(routes, r => r.Prefix == prefix);

    private static string Text(IReadOnlyList<FleetRoute> routes) => string.Join("\n", routes);

    [Fact]
    public void The_far_lan_of_a_square_is_reached_over_both_equal_cost_paths()
    {
        var routes = ShortestPaths.Compute(Square(), "r1");

        Assert.Equal(
            "192.0.2.4/30 cost 1 via 192.0.2.2 (r2) from r2\n"
            + "192.0.2.8/30 cost 1 via 192.0.2.13 (r4) from r4\n"
            + "203.0.113.0/24 cost 2 via 192.0.2.2 (r2), 192.0.2.13 (r4) from r3",
            Text(routes));
    }

    [Fact]
    public void A_prefix_two_routers_originate_at_equal_cost_keeps_both_origins_and_next_hops()
    {
        // From r2, the r3–r4 link is originated by r3 (cost 1) and r4 (cost 2): the nearer origin alone.
        var fromR2 = ShortestPaths.Compute(Square(), "r2");
        Assert.Equal("192.0.2.8/30 cost 1 via 192.0.2.6 (r3) from r3", RouteTo(fromR2, LinkR3R4).ToString());

        // A static route r3 and r4 both share: each router takes the nearer origin, r3 skips its own.
        var database = Square();
        database.Apply(R3(2) with { SharedStaticRoutes = [Ipv4Cidr.Parse("198.51.100.128/25")] });
        database.Apply(R4(2) with { SharedStaticRoutes = [Ipv4Cidr.Parse("198.51.100.128/25")] });
        var fromR2Again = ShortestPaths.Compute(database, "r2");
        Assert.Equal(
            "198.51.100.128/25 cost 1 via 192.0.2.6 (r3) from r3",
            RouteTo(fromR2Again, Ipv4Cidr.Parse("198.51.100.128/25")).ToString());
        var fromR1 = ShortestPaths.Compute(database, "r1");
        Assert.Equal(
            "198.51.100.128/25 cost 1 via 192.0.2.13 (r4) from r4",
            RouteTo(fromR1, Ipv4Cidr.Parse("198.51.100.128/25")).ToString());
        var fromR3Peerless = ShortestPaths.Compute(database, "r3");
        Assert.DoesNotContain(fromR3Peerless, r => r.Prefix == Ipv4Cidr.Parse("198.51.100.128/25"));
        // From r2 with the r2–r3 link cost raised to 2: r3 (2) and r4 via r1 (2) tie: both origins, both hops.
        database.Apply(R2(2) with { Adjacencies = [Adj("r1", "192.0.2.1"), Adj("r3", "192.0.2.6", cost: 2)] });
        var tie = ShortestPaths.Compute(database, "r2");
        Assert.Equal(
            "198.51.100.128/25 cost 2 via 192.0.2.1 (r1), 192.0.2.6 (r3) from r3, r4",
            RouteTo(tie, Ipv4Cidr.Parse("198.51.100.128/25")).ToString());
    }

    [Fact]
    public void A_link_one_side_reports_down_is_not_used_even_while_the_other_side_still_lists_it()
    {
        var database = Square();
        Assert.Equal(LinkStateApplyResult.Replaced, database.Apply(R1(2, linkToR2: false)));

        var fromR1 = ShortestPaths.Compute(database, "r1");
        Assert.Equal("203.0.113.0/24 cost 2 via 192.0.2.13 (r4) from r3", RouteTo(fromR1, LanR3).ToString());
        // r2 still lists r1, but the two-way check fails: r2 reaches r1's LAN round the other way.
        var fromR2 = ShortestPaths.Compute(database, "r2");
        Assert.Equal("198.51.100.0/24 cost 3 via 192.0.2.6 (r3) from r1", RouteTo(fromR2, LanR1).ToString());
    }

    [Fact]
    public void A_withdrawn_router_leaves_no_route_through_it_nor_to_its_prefixes()
    {
        var database = Square();
        database.Apply(R2(2) with { SharedStaticRoutes = [Ipv4Cidr.Parse("198.51.100.64/26")] });
        Assert.Contains(ShortestPaths.Compute(database, "r1"), r => r.Prefix == Ipv4Cidr.Parse("198.51.100.64/26"));

        Assert.True(database.Withdraw("r2"));
        Assert.False(database.Withdraw("r2"));

        var routes = ShortestPaths.Compute(database, "r1");
        Assert.Equal(
            "192.0.2.4/30 cost 2 via 192.0.2.13 (r4) from r3\n"
            + "192.0.2.8/30 cost 1 via 192.0.2.13 (r4) from r4\n"
            + "203.0.113.0/24 cost 2 via 192.0.2.13 (r4) from r3",
            Text(routes));
    }

    [Fact]
    public void A_stale_or_repeated_entry_is_ignored()
    {
        var database = Square();
        Assert.Equal(LinkStateApplyResult.Replaced, database.Apply(R1(5, linkToR2: false)));
        Assert.Equal(LinkStateApplyResult.Stale, database.Apply(R1(4)));
        Assert.Equal(LinkStateApplyResult.Stale, database.Apply(R1(5)));
        Assert.True(database.TryGet("r1", out var held));
        Assert.Equal(5, held.Sequence);
        Assert.Single(held.Adjacencies);
    }

    [Fact]
    public void A_healed_partition_merges_to_the_same_database_and_the_same_routes_on_both_sides()
    {
        // Before the partition everyone holds the square.
        var sideA = Square();
        var sideB = Square();

        // Partitioned: the r1–r2 and r3–r4 links fail; side A (r1, r4) and side B (r2, r3) each see only
        // their own routers' new entries, and each withdraws the other side (the cluster removed them).
        var r1 = R1(2, linkToR2: false);
        var r2 = R2(2, linkToR1: false);
        var r3 = R3(2) with { Adjacencies = [Adj("r2", "192.0.2.5")] };
        var r4 = R4(2) with { Adjacencies = [Adj("r1", "192.0.2.14")] };
        sideA.Apply(r1);
        sideA.Apply(r4);
        sideA.Withdraw("r2");
        sideA.Withdraw("r3");
        sideB.Apply(r2);
        sideB.Apply(r3);
        sideB.Withdraw("r1");
        sideB.Withdraw("r4");
        Assert.DoesNotContain(ShortestPaths.Compute(sideA, "r1"), r => r.Prefix == LanR3);
        Assert.DoesNotContain(ShortestPaths.Compute(sideB, "r3"), r => r.Prefix == LanR1);

        // Healed: the r1–r2 link is back; both sides exchange what they hold, newest sequence wins.
        var r1Healed = R1(3);
        var r2Healed = R2(3);
        sideA.Apply(r1Healed);
        sideB.Apply(r2Healed);
        foreach (var entry in sideA.Entries.ToList())
        {
            sideB.Apply(entry);
        }
        foreach (var entry in sideB.Entries.ToList())
        {
            sideA.Apply(entry);
        }
        // A late copy of the partition-time r1 reaching side B changes nothing.
        Assert.Equal(LinkStateApplyResult.Stale, sideB.Apply(r1));

        foreach (var router in new[] { "r1", "r2", "r3", "r4" })
        {
            Assert.Equal(Text(ShortestPaths.Compute(sideA, router)), Text(ShortestPaths.Compute(sideB, router)));
        }
        Assert.Equal(
            "192.0.2.4/30 cost 1 via 192.0.2.2 (r2) from r2\n"
            + "192.0.2.8/30 cost 1 via 192.0.2.13 (r4) from r4\n"
            + "203.0.113.0/24 cost 2 via 192.0.2.2 (r2) from r3",
            Text(ShortestPaths.Compute(sideA, "r1")));
        // r3's link to r4 is still down: r1's prefixes come through r2.
        Assert.Equal(
            "192.0.2.0/30 cost 1 via 192.0.2.5 (r2) from r2\n"
            + "192.0.2.12/30 cost 2 via 192.0.2.5 (r2) from r1\n"
            + "198.51.100.0/24 cost 2 via 192.0.2.5 (r2) from r1",
            Text(ShortestPaths.Compute(sideB, "r3")));
    }

    [Fact]
    public void A_router_without_an_entry_computes_nothing_and_the_size_counts_every_entry()
    {
        var database = Square();
        Assert.Empty(ShortestPaths.Compute(database, "r9"));
        var size = database.Size();
        Assert.Equal(4, size.Routers);
        Assert.Equal(8, size.Adjacencies);
        Assert.Equal(10, size.Prefixes);
        Assert.Equal(4 * (17 + 8) + 5 * 10 + 8 * (17 + 8), size.EncodedBytes);
    }
}
