using System.Text.Json;
using ActorRouter.ControlPlane.Configuration;

namespace ActorRouter.Cli.Tests;

/// <summary>
/// <c>show ip mroute</c> and <c>show ip igmp groups</c> (and --json) on a router started from the embedded default with
/// multicast routing on: a (*,G) route from GigabitEthernet1 to GigabitEthernet2 and an (S,G) route the other way.
/// </summary>
public sealed class MulticastCommandTests
{
    private static RouterConfig Config() => InProcessRouter.EmbeddedDefault() with
    {
        Multicast = new MulticastConfig(true,
            EquatableList.Of(
                new MulticastRouteConfig(null, Ipv4Text.Parse("239.1.1.1"), "GigabitEthernet1", EquatableList.Of("GigabitEthernet2")),
                new MulticastRouteConfig(Ipv4Text.Parse("198.51.100.10"), Ipv4Text.Parse("239.2.2.2"), "GigabitEthernet2", EquatableList.Of("GigabitEthernet1"))),
            IgmpConfig.Default),
    };

    [Fact]
    public async Task Show_ip_mroute_and_igmp_groups_list_the_routes_the_drops_and_the_queriers()
    {
        // (Lines leaves out the blank lines between blocks.)
        await using var router = await InProcessRouter.StartAsync(Config());

        var mroute = await router.ArctlAsync("show", "ip", "mroute");
        Assert.Equal(0, mroute.ExitCode);
        Assert.Equal(
            [
                "IP Multicast Routing Table (ip multicast-routing on)",
                "(*, 239.1.1.1)",
                "  Incoming interface: GigabitEthernet1, RPF check on it",
                "  Outgoing interface list:",
                "    GigabitEthernet2 (static)",
                "(198.51.100.10, 239.2.2.2)",
                "  Incoming interface: GigabitEthernet2, RPF check on it",
                "  Outgoing interface list:",
                "    GigabitEthernet1 (static)",
                "Multicast drops: RPF failures 0, no route 0, link-local groups 0, TTL scope 0, no receivers 0",
            ],
            mroute.Lines);

        var json = await router.ArctlAsync("--json", "sh", "ip", "mr");
        using var doc = JsonDocument.Parse(json.Stdout);
        Assert.True(doc.RootElement.GetProperty("routing").GetBoolean());
        var routes = doc.RootElement.GetProperty("routes").EnumerateArray()
            .Select(r => (r.GetProperty("source").GetString(), r.GetProperty("group").GetString(), r.GetProperty("incoming").GetString(),
                r.GetProperty("outgoing")[0].GetProperty("interface").GetString(), r.GetProperty("programmed").GetBoolean()))
            .ToList();
        Assert.Equal([("*", "239.1.1.1", "GigabitEthernet1", "GigabitEthernet2", true), ("198.51.100.10", "239.2.2.2", "GigabitEthernet2", "GigabitEthernet1", true)], routes);
        Assert.Equal(0, doc.RootElement.GetProperty("rpfFailures").GetInt64());

        var igmp = await router.ArctlAsync("show", "ip", "igmp", "groups");
        Assert.Equal(0, igmp.ExitCode);
        Assert.Equal(
            [
                "IGMP Connected Group Membership",
                "Group Address    Interface            Uptime    Expires   Last Reporter    Version",
                "(no groups)",
                "Interface            Address          Querier",
                "GigabitEthernet1     192.0.2.1        192.0.2.1 (this router)",
                "GigabitEthernet2     198.51.100.1     198.51.100.1 (this router)",
            ],
            igmp.Lines);
        var igmpJson = await router.ArctlAsync("--json", "show", "ip", "igmp", "groups");
        using var igmpDoc = JsonDocument.Parse(igmpJson.Stdout);
        Assert.Equal(["GigabitEthernet1", "GigabitEthernet2"],
            igmpDoc.RootElement.GetProperty("interfaces").EnumerateArray().Select(i => i.GetProperty("interface").GetString()));
        Assert.Empty(igmpDoc.RootElement.GetProperty("groups").EnumerateArray());
    }
}
