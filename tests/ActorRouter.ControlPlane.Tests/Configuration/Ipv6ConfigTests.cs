using ActorRouter.Control.Contracts.Rules;
using ActorRouter.ControlPlane.Configuration;
using static ActorRouter.ControlPlane.Tests.Configuration.ConfigText;

namespace ActorRouter.ControlPlane.Tests.Configuration;

public class Ipv6ConfigTests
{
    private static UInt128 A(string text)
    {
        Assert.True(Ipv6Rules.TryParseAddress(text, out var address), text);
        return address;
    }

    private const string Ipv6Section = """
        ipv6 {
          static-routes = [
            { prefix = "2001:db8:99::/48", next-hop = "2001:db8:2::10" },
            { prefix = "::/0", next-hop = "fe80::2", interface = "GigabitEthernet2" }
          ]
          neighbors = [
            { address = "2001:db8:2::10", interface = "GigabitEthernet2", mac = "02:00:00:00:0a:02" },
            { address = "fe80::2", interface = "gigabitethernet2", mac = "02:00:00:00:0a:03" }
          ]
        }
        """;

    [Fact]
    public void Interface_addresses_routes_and_neighbours_are_read()
    {
        var config = RouterConfigLoader.LoadString(
            TwoInterfaces(interfaceExtra0: """, ipv6 = ["2001:db8:1::1/64", "2001:db8:1:1::1/64"]""", interfaceExtra1: """, ipv6 = "2001:db8:2::1/64" """, more: Ipv6Section),
            Source);
        Assert.Equal([new Ipv6Cidr(A("2001:db8:1::1"), 64), new Ipv6Cidr(A("2001:db8:1:1::1"), 64)], config.Interfaces[0].Ipv6);
        Assert.Equal([new Ipv6Cidr(A("2001:db8:2::1"), 64)], config.Interfaces[1].Ipv6);
        Assert.Equal(
            [new Ipv6StaticRouteConfig(new Ipv6Cidr(A("2001:db8:99::"), 48), A("2001:db8:2::10"), null),
             new Ipv6StaticRouteConfig(new Ipv6Cidr(UInt128.Zero, 0), A("fe80::2"), "GigabitEthernet2")],
            config.Ipv6.StaticRoutes);
        Assert.Equal(
            [new Ipv6NeighborConfig(A("2001:db8:2::10"), "GigabitEthernet2", 0x0200_0000_0A02UL),
             new Ipv6NeighborConfig(A("fe80::2"), "GigabitEthernet2", 0x0200_0000_0A03UL)],
            config.Ipv6.Neighbors);
    }

    [Fact]
    public void Ipv6_survives_writing_and_loading()
    {
        var config = RouterConfigLoader.LoadString(
            TwoInterfaces(interfaceExtra0: """, ipv6 = ["2001:db8:1::1/64", "2001:db8:1:1::1/64"]""", interfaceExtra1: """, ipv6 = "2001:db8:2::1/64" """, more: Ipv6Section),
            Source);
        var text = RouterConfigWriter.ToHocon(config);
        Assert.Contains("""ipv6 = ["2001:db8:1::1/64", "2001:db8:1:1::1/64"]""", text);
        Assert.Contains("""ipv6 = "2001:db8:2::1/64" """.TrimEnd(), text);
        Assert.Equal(config, RouterConfigLoader.LoadString(text, "running-config"));
    }

    [Fact]
    public void A_configuration_without_ipv6_writes_no_ipv6_section()
    {
        var text = RouterConfigWriter.ToHocon(RouterConfigLoader.LoadString(TwoInterfaces(), Source));
        Assert.DoesNotContain("ipv6", text);
    }

    [Theory]
    [InlineData("\"2001:db8:1::1\"", "actorrouter.interfaces[0].ipv6", "'2001:db8:1::1' is not an IPv6 address with its prefix (X:X::X/LEN, such as 2001:db8:1::1/64)")]
    [InlineData("\"2001:db8:1::1/129\"", "actorrouter.interfaces[0].ipv6", "'2001:db8:1::1/129' is not an IPv6 address with its prefix (X:X::X/LEN, such as 2001:db8:1::1/64)")]
    [InlineData("\"fe80::1/64\"", "actorrouter.interfaces[0].ipv6", "fe80::1/64 is link-local (fe80::/10); every interface has its link-local address from its MAC")]
    [InlineData("\"ff02::1/64\"", "actorrouter.interfaces[0].ipv6", "ff02::1/64 is a multicast address (ff00::/8)")]
    [InlineData("\"::1/128\"", "actorrouter.interfaces[0].ipv6", "::1/128 is the loopback address (::1)")]
    [InlineData("\"2001:db8:1::/64\"", "actorrouter.interfaces[0].ipv6", "2001:db8:1::/64 is the Subnet-Router anycast address of its prefix (host part all zero)")]
    [InlineData("[\"2001:db8:1::1/64\", \"2001:db8:1::2/56\"]", "actorrouter.interfaces[0].ipv6[1]", "2001:db8:1::2/56 overlaps 2001:db8:1::1/64 on the same interface")]
    public void A_bad_interface_address_is_reported_at_its_path(string value, string key, string reason) =>
        AssertSingleError(TwoInterfaces(interfaceExtra0: $", ipv6 = {value}"), key, reason);

    [Fact]
    public void Overlapping_prefixes_on_two_interfaces_are_reported() =>
        AssertSingleError(
            TwoInterfaces(interfaceExtra0: """, ipv6 = "2001:db8:1::1/64" """, interfaceExtra1: """, ipv6 = "2001:db8:1::2/48" """),
            "actorrouter.interfaces[1].ipv6",
            "2001:db8:1::2/48 overlaps 2001:db8:1::1/64 of GigabitEthernet1 (at actorrouter.interfaces[0])");

    [Theory]
    [InlineData("""{ prefix = "2001:db8:99::1/48", next-hop = "2001:db8:2::10" }""", "actorrouter.ipv6.static-routes[0].prefix", "2001:db8:99::1/48 has host bits set (did you mean 2001:db8:99::/48?)")]
    [InlineData("""{ prefix = "2001:db8:99::/48", next-hop = "2001:db8:7::10" }""", "actorrouter.ipv6.static-routes[0].next-hop", "2001:db8:7::10 is on no IPv6 prefix of this router's interfaces")]
    [InlineData("""{ prefix = "2001:db8:99::/48", next-hop = "2001:db8:2::1" }""", "actorrouter.ipv6.static-routes[0].next-hop", "2001:db8:2::1 is this router's own address on GigabitEthernet2")]
    [InlineData("""{ prefix = "2001:db8:99::/48", next-hop = "fe80::2" }""", "actorrouter.ipv6.static-routes[0].interface", "link-local fe80::2 needs its interface (interface = \"NAME\")")]
    [InlineData("""{ prefix = "2001:db8:99::/48", next-hop = "ff02::2" }""", "actorrouter.ipv6.static-routes[0].next-hop", "ff02::2 is a multicast address (ff00::/8)")]
    [InlineData("""{ prefix = "2001:db8:99::/48", next-hop = "2001:db8:2::10", interface = "Gig9" }""", "actorrouter.ipv6.static-routes[0].interface", "no interface named 'Gig9' (configured: ")]
    public void A_bad_static_route_is_reported_at_its_key(string route, string key, string reasonStart)
    {
        var errors = Errors(TwoInterfaces(interfaceExtra1: """, ipv6 = "2001:db8:2::1/64" """, more: $"ipv6 {{ static-routes = [ {route} ] }}"));
        var error = Assert.Single(errors);
        Assert.Equal(key, error.Key);
        Assert.StartsWith(reasonStart, error.Reason);
    }

    [Theory]
    [InlineData("""{ address = "2001:db8:7::10", interface = "GigabitEthernet2", mac = "02:00:00:00:0a:02" }""", "actorrouter.ipv6.neighbors[0].address", "2001:db8:7::10 is on no IPv6 prefix of GigabitEthernet2")]
    [InlineData("""{ address = "2001:db8:2::10", mac = "02:00:00:00:0a:02" }""", "actorrouter.ipv6.neighbors[0].interface", "missing")]
    [InlineData("""{ address = "2001:db8:2::10", interface = "GigabitEthernet2", mac = "01:00:5e:00:00:01" }""", "actorrouter.ipv6.neighbors[0].mac", "01:00:5e:00:00:01 is a multicast MAC address; a unicast one is needed")]
    [InlineData("""{ address = "2001:db8:2::10", interface = "GigabitEthernet2" }""", "actorrouter.ipv6.neighbors[0].mac", "required: the neighbour's MAC address, such as 02:00:00:00:00:20")]
    public void A_bad_neighbour_is_reported_at_its_key(string neighbor, string key, string reasonStart)
    {
        var errors = Errors(TwoInterfaces(interfaceExtra1: """, ipv6 = "2001:db8:2::1/64" """, more: $"ipv6 {{ neighbors = [ {neighbor} ] }}"));
        var error = Assert.Single(errors);
        Assert.Equal(key, error.Key);
        Assert.StartsWith(reasonStart, error.Reason);
    }
}

/// <summary>The interface key <c>ipv6-ra</c>: read, defaults, written back, and its errors.</summary>
public class Ipv6RaConfigTests
{
    [Fact]
    public void Router_advertisements_are_read_with_their_defaults_and_survive_writing_and_loading()
    {
        var config = RouterConfigLoader.LoadString(
            TwoInterfaces(interfaceExtra0: """, ipv6 = "2001:db8:1::1/64", ipv6-ra { enabled = true, interval = 30s, lifetime = 90s }""",
                interfaceExtra1: """, ipv6 = "2001:db8:2::1/64", ipv6-ra { }"""),
            Source);
        Assert.Equal(new Ipv6RaConfig(true, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(90)), config.Interfaces[0].Ipv6Ra);
        Assert.Equal(new Ipv6RaConfig(true, TimeSpan.FromSeconds(200), TimeSpan.FromSeconds(1800)), config.Interfaces[1].Ipv6Ra);
        var text = RouterConfigWriter.ToHocon(config);
        Assert.Contains("interval = 30s", text);
        Assert.Equal(config, RouterConfigLoader.LoadString(text, "running-config"));
        Assert.Null(RouterConfigLoader.LoadString(TwoInterfaces(), Source).Interfaces[0].Ipv6Ra);
    }

    [Theory]
    [InlineData("""ipv6 = "2001:db8:1::1/64", ipv6-ra { interval = 2s }""", "actorrouter.interfaces[0].ipv6-ra.interval", "2s is out of range 4s..1800s")]
    [InlineData("""ipv6 = "2001:db8:1::1/64", ipv6-ra { interval = 600s, lifetime = 300s }""", "actorrouter.interfaces[0].ipv6-ra.lifetime",
        "300s is shorter than interval 600s (use 0s to advertise no default router)")]
    [InlineData("""ipv6-ra { enabled = true }""", "actorrouter.interfaces[0].ipv6-ra.enabled", "the interface has no ipv6 address to advertise")]
    public void A_bad_ipv6_ra_is_reported_at_its_key(string extra, string key, string reason) =>
        AssertSingleError(TwoInterfaces(interfaceExtra0: ", " + extra), key, reason);
}
