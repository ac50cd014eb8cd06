using ActorRouter.Control.Contracts;

namespace ActorRouter.Cli.Tests;

/// <summary>show fleet routes / neighbors / database as arctl prints them, and their parsing.</summary>
public sealed class FleetRoutingShowTests
{
    [Fact]
    public void Fleet_routes_list_every_equal_cost_next_hop_under_the_prefix()
    {
        var view = new FleetRoutesView("r1",
        [
            new FleetRouteView("192.0.2.128/25", 2, [new("198.51.100.2", "r2"), new("198.51.100.13", "r4")], ["r3"]),
            new FleetRouteView("198.51.100.4/30", 1, [new("198.51.100.2", "r2")], ["r2"]),
        ]);
        Assert.Equal(
            "Fleet routes of r1 (installed as F, distance 110; of equal-cost next hops the first on an up interface is used)\n" +
            "Prefix               Cost  Next hop         Neighbor         From\n" +
            "192.0.2.128/25          2  198.51.100.2     r2               r3\n" +
            "                           198.51.100.13    r4              \n" +
            "198.51.100.4/30         1  198.51.100.2     r2               r2",
            ReplyFormatter.Text(view));
        Assert.Contains("\"neighbor\": \"r4\"", ReplyFormatter.Json(view), StringComparison.Ordinal);
    }

    [Fact]
    public void Fleet_neighbors_show_state_last_hello_and_the_counters()
    {
        var view = new FleetNeighborsView("r1", 100, 4, 75, 1, 0,
        [
            new FleetNeighborView("r2", "GigabitEthernet1", "198.51.100.2", "up", 89, 2, 35),
            new FleetNeighborView("r4", "GigabitEthernet2", "198.51.100.13", "one-way", 41, 0, 1),
        ]);
        Assert.Equal(
            "Fleet neighbors of r1: probe every 100 ms, down after 4 missed; hellos received 75, of another fleet 1, malformed 0\n" +
            "Neighbor         Interface            Address          State    Last hello         Up   Hellos\n" +
            "r2               GigabitEthernet1     198.51.100.2     up            89 ms   00:00:02       35\n" +
            "r4               GigabitEthernet2     198.51.100.13    one-way       41 ms          -        1",
            ReplyFormatter.Text(view));
    }

    [Fact]
    public void The_fleet_database_lists_each_entry_with_its_sequence()
    {
        var view = new FleetDatabaseView("r1", 2, 2, 3, 120, 0,
        [
            new FleetDatabaseEntryView("r1", 7, ["192.0.2.0/25", "198.51.100.0/30"], [new("r2", "198.51.100.2", 1)], []),
            new FleetDatabaseEntryView("r2", 9, ["198.51.100.0/30"], [new("r1", "198.51.100.1", 1)], ["203.0.113.0/24"]),
        ]);
        Assert.Equal(
            "Fleet link-state database of r1: 2 routers, 2 adjacencies, 3 prefixes, about 120 bytes\n" +
            "r1 (sequence 7)\n" +
            "  connected:   192.0.2.0/25, 198.51.100.0/30\n" +
            "  adjacencies: r2 at 198.51.100.2 cost 1\n" +
            "r2 (sequence 9)\n" +
            "  connected:   198.51.100.0/30\n" +
            "  adjacencies: r1 at 198.51.100.1 cost 1\n" +
            "  shared static routes: 203.0.113.0/24",
            ReplyFormatter.Text(view));
    }
}
