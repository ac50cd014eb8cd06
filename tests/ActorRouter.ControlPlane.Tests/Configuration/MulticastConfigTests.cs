using ActorRouter.ControlPlane.Configuration;
using static ActorRouter.ControlPlane.Tests.Configuration.ConfigText;

namespace ActorRouter.ControlPlane.Tests.Configuration;

/// <summary><c>actorrouter.multicast</c>: multicast routing, static (S,G) and (*,G) routes, IGMP timers.</summary>
public class MulticastConfigTests
{
    private static string Multicast(string body) => TwoInterfaces(more: $$"""multicast { {{body}} }""");

    private const string Routes = """
        routing = on
        routes = [
          { source = "*", group = "239.1.1.1", incoming = "Gi1", outgoing = ["Gi2"] },
          { source = "198.51.100.10", group = "239.2.2.2", incoming = "GigabitEthernet2", outgoing = "gi1" },
          { group = "239.3.3.3", incoming = "gi1", outgoing = [] }
        ]
        igmp { version = 2, robustness = 3, query-interval = 2s, query-response-interval = 500ms, last-member-query-interval = 200ms, interfaces = ["Gi2"] }
        """;

    [Fact]
    public void Routes_read_with_interface_abbreviations_resolved_and_any_source_as_null()
    {
        var config = RouterConfigLoader.LoadString(Multicast(Routes), Source);

        Assert.True(config.Multicast.Routing);
        Assert.Equal(
            [
                new MulticastRouteConfig(null, Ipv4Text.Parse("239.1.1.1"), "GigabitEthernet1", EquatableList.Of("GigabitEthernet2")),
                new MulticastRouteConfig(Ipv4Text.Parse("198.51.100.10"), Ipv4Text.Parse("239.2.2.2"), "GigabitEthernet2", EquatableList.Of("GigabitEthernet1")),
                new MulticastRouteConfig(null, Ipv4Text.Parse("239.3.3.3"), "GigabitEthernet1", EquatableList<string>.Empty),
            ],
            config.Multicast.Routes);
        var igmp = config.Multicast.Igmp;
        Assert.Equal((2, 3, TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(200)),
            (igmp.Version, igmp.Robustness, igmp.QueryInterval, igmp.QueryResponseInterval, igmp.LastMemberQueryInterval));
        Assert.Equal(["GigabitEthernet2"], igmp.Interfaces);
        // RFC 3376 §8.4 and §8.5 with these timers.
        Assert.Equal((TimeSpan.FromMilliseconds(6500), TimeSpan.FromMilliseconds(6250)), (igmp.GroupMembershipInterval, igmp.OtherQuerierPresentInterval));
    }

    [Fact]
    public void Without_the_section_multicast_routing_is_off_with_the_rfc_timers()
    {
        var config = RouterConfigLoader.LoadString(TwoInterfaces(), Source);

        Assert.Equal(MulticastConfig.Default, config.Multicast);
        Assert.Equal((3, 2, TimeSpan.FromSeconds(125), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1)),
            (config.Multicast.Igmp.Version, config.Multicast.Igmp.Robustness, config.Multicast.Igmp.QueryInterval,
                config.Multicast.Igmp.QueryResponseInterval, config.Multicast.Igmp.LastMemberQueryInterval));
        Assert.DoesNotContain("multicast", RouterConfigWriter.ToHocon(config));
    }

    [Fact]
    public void Multicast_survives_writing_and_loading()
    {
        var config = RouterConfigLoader.LoadString(Multicast(Routes), Source);

        Assert.Equal(config, RouterConfigLoader.LoadString(RouterConfigWriter.ToHocon(config), "running-config"));
    }

    [Theory]
    [InlineData("""routes = [ { source = "*", group = "224.0.0.5", incoming = "Gi1", outgoing = ["Gi2"] } ]""", "actorrouter.multicast.routes[0].group",
        "224.0.0.5 is not a routable group: expected 224.0.0.0/4 outside 224.0.0.0/24 (link-local, never forwarded: RFC 5771)")]
    [InlineData("""routes = [ { group = "10.1.1.1", incoming = "Gi1", outgoing = ["Gi2"] } ]""", "actorrouter.multicast.routes[0].group",
        "10.1.1.1 is not a routable group: expected 224.0.0.0/4 outside 224.0.0.0/24 (link-local, never forwarded: RFC 5771)")]
    [InlineData("""routes = [ { source = "239.9.9.9", group = "239.1.1.1", incoming = "Gi1", outgoing = ["Gi2"] } ]""", "actorrouter.multicast.routes[0].source",
        "239.9.9.9 cannot be a multicast source (a unicast address, or \"*\")")]
    [InlineData("""routes = [ { source = "any", group = "239.1.1.1", incoming = "Gi1", outgoing = ["Gi2"] } ]""", "actorrouter.multicast.routes[0].source",
        "'any' is not an IPv4 address (A.B.C.D) or \"*\" (any source)")]
    [InlineData("""routes = [ { group = "239.1.1.1", incoming = "Gi7", outgoing = ["Gi2"] } ]""", "actorrouter.multicast.routes[0].incoming",
        "no interface Gi7 (interfaces: GigabitEthernet1, GigabitEthernet2)")]
    [InlineData("""routes = [ { group = "239.1.1.1", incoming = "Gi1", outgoing = ["Gi2", "GigabitEthernet2"] } ]""", "actorrouter.multicast.routes[0].outgoing",
        "GigabitEthernet2 is listed twice")]
    [InlineData("""routes = [ { group = "239.1.1.1", outgoing = ["Gi2"] } ]""", "actorrouter.multicast.routes[0].incoming",
        "missing required value")]
    [InlineData("""routes = [ { group = "239.1.1.1", incoming = "Gi1" }, { source = "*", group = "239.1.1.1", incoming = "Gi2" } ]""",
        "actorrouter.multicast.routes[1].group", "duplicate multicast route (*, 239.1.1.1) (also at actorrouter.multicast.routes[0])")]
    [InlineData("""igmp { query-interval = 5s, query-response-interval = 5s }""", "actorrouter.multicast.igmp.query-response-interval",
        "must be shorter than query-interval (RFC 3376 §8.3)")]
    [InlineData("""igmp { version = 1 }""", "actorrouter.multicast.igmp.version", "1 is out of range 2..3")]
    [InlineData("""rooting = on""", "actorrouter.multicast.rooting", "unknown key 'rooting' (did you mean 'routing'?)")]
    public void A_wrong_entry_is_reported_at_its_key(string body, string key, string reason) =>
        AssertSingleError(Multicast(body), key, reason);
}
