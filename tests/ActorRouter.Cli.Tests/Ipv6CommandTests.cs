using System.Text.Json;
using ActorRouter.Control.Contracts.Rules;
using ActorRouter.ControlPlane.Configuration;

namespace ActorRouter.Cli.Tests;

/// <summary>
/// <c>show ipv6 interface brief</c> and <c>show ipv6 route</c> (and --json) on a router started from the embedded default
/// with IPv6 added: addresses on both interfaces (two on the first), a static route via a neighbour, one via a link-local
/// next hop without a neighbour entry, and one whose next hop is on no connected prefix.
/// </summary>
public sealed class Ipv6CommandTests
{
    private static UInt128 A(string text)
    {
        Assert.True(Ipv6Rules.TryParseAddress(text, out var address), text);
        return address;
    }

    private static RouterConfig Config()
    {
        var config = InProcessRouter.EmbeddedDefault();
        return config with
        {
            Interfaces = EquatableList.Of(
                config.Interfaces[0] with { Ipv6 = EquatableList.Of(new Ipv6Cidr(A("2001:db8:1::1"), 64), new Ipv6Cidr(A("2001:db8:1:1::1"), 64)) },
                config.Interfaces[1] with { Ipv6 = EquatableList.Of(new Ipv6Cidr(A("2001:db8:2::1"), 64)) }),
            Ipv6 = new Ipv6Config(
                EquatableList.Of(
                    new Ipv6StaticRouteConfig(new Ipv6Cidr(A("2001:db8:99::"), 48), A("2001:db8:2::10"), null),
                    new Ipv6StaticRouteConfig(new Ipv6Cidr(UInt128.Zero, 0), A("fe80::2"), "GigabitEthernet2")),
                EquatableList.Of(new Ipv6NeighborConfig(A("2001:db8:2::10"), "GigabitEthernet2", 0x0200_0000_0A02UL))),
        };
    }

    [Fact]
    public async Task Show_ipv6_interface_brief_and_route_list_what_the_data_plane_holds()
    {
        await using var router = await InProcessRouter.StartAsync(Config());

        var brief = await router.ArctlAsync("show", "ipv6", "interface", "brief");
        Assert.Equal(0, brief.ExitCode);
        Assert.Equal(
            [
                "GigabitEthernet1               [up/up]",
                "    fe80::ff:fe00:1",
                "    2001:db8:1::1/64",
                "    2001:db8:1:1::1/64",
                "GigabitEthernet2               [up/up]",
                "    fe80::ff:fe00:2",
                "    2001:db8:2::1/64",
            ],
            brief.Lines);

        var routes = await router.ArctlAsync("sh", "ipv6", "ro");
        Assert.Equal(0, routes.ExitCode);
        Assert.Equal(
            [
                "IPv6 Routing Table - 8 entries",
                "Codes: C - Connected, L - Local, S - Static",
                "S   ::/0 [1/0]",
                "     via fe80::2, GigabitEthernet2 (next hop not resolved)",
                "C   2001:db8:1::/64 [0/0]",
                "     via directly connected, GigabitEthernet1",
                "L   2001:db8:1::1/128 [0/0]",
                "     via receive",
                "C   2001:db8:1:1::/64 [0/0]",
                "     via directly connected, GigabitEthernet1",
                "L   2001:db8:1:1::1/128 [0/0]",
                "     via receive",
                "C   2001:db8:2::/64 [0/0]",
                "     via directly connected, GigabitEthernet2",
                "L   2001:db8:2::1/128 [0/0]",
                "     via receive",
                "S   2001:db8:99::/48 [1/0]",
                "     via 2001:db8:2::10, GigabitEthernet2",
            ],
            routes.Lines);

        var json = await router.ArctlAsync("--json", "show", "ipv6", "route");
        using var doc = JsonDocument.Parse(json.Stdout);
        var statics = doc.RootElement.GetProperty("routes").EnumerateArray().Where(r => r.GetProperty("code").GetString() == "S")
            .Select(r => (r.GetProperty("prefix").GetString(), r.GetProperty("nextHop").GetString(), r.GetProperty("state").GetString())).ToList();
        Assert.Equal([("::/0", "fe80::2", "incomplete"), ("2001:db8:99::/48", "2001:db8:2::10", "forward")], statics);

        var briefJson = await router.ArctlAsync("--json", "show", "ipv6", "interface", "brief");
        using var briefDoc = JsonDocument.Parse(briefJson.Stdout);
        var first = briefDoc.RootElement.GetProperty("interfaces")[0];
        Assert.Equal("fe80::ff:fe00:1", first.GetProperty("linkLocal").GetString());
        Assert.Equal(["2001:db8:1::1/64", "2001:db8:1:1::1/64"], first.GetProperty("addresses").EnumerateArray().Select(a => a.GetString()));

        // The static neighbour, as IOS lists a static entry: reachable, no age.
        var neighbors = await router.ArctlAsync("show", "ipv6", "neighbors");
        Assert.Equal(0, neighbors.ExitCode);
        Assert.Equal(
            [
                "IPv6 Address                              Age Link-layer Addr   State Interface",
                "2001:db8:2::10                              - 02:00:00:00:0a:02 REACH GigabitEthernet2",
            ],
            neighbors.Lines);
        var neighborsJson = await router.ArctlAsync("--json", "show", "ipv6", "neighbors");
        using var neighborsDoc = JsonDocument.Parse(neighborsJson.Stdout);
        var neighbor = Assert.Single(neighborsDoc.RootElement.GetProperty("neighbors").EnumerateArray());
        Assert.Equal(("2001:db8:2::10", "02:00:00:00:0a:02", "REACH", "GigabitEthernet2", true),
            (neighbor.GetProperty("address").GetString(), neighbor.GetProperty("mac").GetString(), neighbor.GetProperty("state").GetString(),
             neighbor.GetProperty("interface").GetString(), neighbor.GetProperty("static").GetBoolean()));
        Assert.Equal(JsonValueKind.Null, neighbor.GetProperty("ageMinutes").ValueKind);

        // The IPv4 commands keep their abbreviations beside the new ipv6 keyword.
        var ipv4 = await router.ArctlAsync("sh", "ip", "int", "br");
        Assert.Equal(3, ipv4.Lines.Length);
    }

    [Fact]
    public async Task Ipv6_addresses_routes_and_neighbours_change_through_arctl_under_the_loader_rules_and_reach_the_running_config()
    {
        await using var router = await InProcessRouter.StartAsync(Config());

        var added = await router.ArctlAsync("interface", "gi2", "ipv6", "address", "2001:db8:3::1/64");
        Assert.Equal((0, "GigabitEthernet2: ipv6 address 2001:db8:3::1/64"), (added.ExitCode, added.Stdout.Trim()));
        var route = await router.ArctlAsync("ipv6", "route", "2001:db8:77::/48", "2001:db8:3::10");
        Assert.Equal(0, route.ExitCode);
        var neighbor = await router.ArctlAsync("ipv6", "neighbor", "2001:db8:3::10", "gi2", "02:00:00:00:0a:30");
        Assert.Equal(0, neighbor.ExitCode);

        var routes = (await router.ArctlAsync("show", "ipv6", "route")).Lines;
        Assert.Contains("S   2001:db8:77::/48 [1/0]", routes);
        Assert.Equal("     via 2001:db8:3::10, GigabitEthernet2", routes[Array.IndexOf(routes, "S   2001:db8:77::/48 [1/0]") + 1]);
        Assert.Contains("C   2001:db8:3::/64 [0/0]", routes);
        var running = (await router.ArctlAsync("show", "running-config")).Stdout;
        Assert.Contains("2001:db8:3::1/64", running);
        Assert.Contains("prefix = \"2001:db8:77::/48\"", running);
        Assert.Contains("02:00:00:00:0a:30", running);

        // The loader's rules: a link-local next hop needs its interface; a prefix of another interface overlaps;
        // a neighbour must be on one of its interface's prefixes. Each refusal changes nothing.
        var linkLocal = await router.ArctlAsync("ipv6", "route", "2001:db8:78::/48", "fe80::9");
        Assert.NotEqual(0, linkLocal.ExitCode);
        Assert.Contains("link-local fe80::9 needs its interface (interface = \"NAME\")", linkLocal.Stdout + linkLocal.Stderr);
        var overlap = await router.ArctlAsync("interface", "gi1", "ipv6", "address", "2001:db8:3::2/64");
        Assert.NotEqual(0, overlap.ExitCode);
        Assert.Contains("actorrouter.interfaces[1].ipv6: 2001:db8:3::1/64 overlaps 2001:db8:3::2/64 of GigabitEthernet1", overlap.Stdout + overlap.Stderr);
        var offLink = await router.ArctlAsync("ipv6", "neighbor", "2001:db8:3::11", "gi1", "02:00:00:00:0a:31");
        Assert.NotEqual(0, offLink.ExitCode);
        Assert.Contains("2001:db8:3::11 is on no IPv6 prefix of GigabitEthernet1", offLink.Stdout + offLink.Stderr);
        var usage = await router.ArctlAsync("ipv6", "route", "2001:db8:78::/48", "ff02::1");
        Assert.NotEqual(0, usage.ExitCode);

        // And back: the removals, each once.
        Assert.Equal(0, (await router.ArctlAsync("no", "ipv6", "route", "2001:db8:77::/48", "2001:db8:3::10")).ExitCode);
        var again = await router.ArctlAsync("no", "ipv6", "route", "2001:db8:77::/48", "2001:db8:3::10");
        Assert.NotEqual(0, again.ExitCode);
        Assert.Contains("no IPv6 static route 2001:db8:77::/48 via 2001:db8:3::10", again.Stdout + again.Stderr);
        Assert.Equal(0, (await router.ArctlAsync("no", "ipv6", "neighbor", "2001:db8:3::10", "gi2")).ExitCode);
        Assert.Equal(0, (await router.ArctlAsync("interface", "gi2", "no", "ipv6", "address", "2001:db8:3::1/64")).ExitCode);
        var after = (await router.ArctlAsync("show", "ipv6", "route")).Lines;
        Assert.DoesNotContain(after, l => l.Contains("2001:db8:3::") || l.Contains("2001:db8:77::"));
        Assert.DoesNotContain("2001:db8:3::", (await router.ArctlAsync("show", "running-config")).Stdout);
    }
}
