using ActorRouter.ControlPlane.Configuration;
using static ActorRouter.ControlPlane.Tests.Configuration.ConfigText;

namespace ActorRouter.ControlPlane.Tests.Configuration;

/// <summary>The fleet routing settings: probe timing (<c>fleet.probes</c>) and static routes marked <c>share = true</c>.</summary>
public class FleetRoutingConfigTests
{
    [Fact]
    public void Probe_timing_defaults_to_100_ms_and_4_intervals_and_is_written_back_only_when_set()
    {
        var defaults = RouterConfigLoader.LoadString("""
            actorrouter { fleet { enabled = true, name = "lab", router-name = "r1", management.hostname = "198.51.100.1" } }
            """, Source);
        Assert.Equal((TimeSpan.FromMilliseconds(100), 4), (defaults.Fleet.ProbeInterval, defaults.Fleet.ProbeDeadIntervals));
        Assert.DoesNotContain("probes", RouterConfigWriter.ToHocon(defaults));

        var config = RouterConfigLoader.LoadString("""
            actorrouter { fleet { enabled = true, name = "lab", router-name = "r1", management.hostname = "198.51.100.1", probes { interval = 50ms, dead-intervals = 3 } } }
            """, Source);
        Assert.Equal((TimeSpan.FromMilliseconds(50), 3), (config.Fleet.ProbeInterval, config.Fleet.ProbeDeadIntervals));
        var text = RouterConfigWriter.ToHocon(config);
        Assert.Contains("interval = 50ms", text);
        Assert.Contains("dead-intervals = 3", text);
        Assert.Equal(config, RouterConfigLoader.LoadString(text, Source));
    }

    [Fact]
    public void Probe_timing_out_of_range_is_refused_with_the_range()
    {
        var errors = Errors("""
            actorrouter { fleet { probes { interval = 5ms, dead-intervals = 1 } } }
            """);
        Assert.Equal(
            [
                new ConfigurationError(Source, "actorrouter.fleet.probes.interval", "5ms is out of range 10ms..10s"),
                new ConfigurationError(Source, "actorrouter.fleet.probes.dead-intervals", "1 is out of range 2..100"),
            ],
            errors);
    }

    [Fact]
    public void A_static_route_marked_share_is_read_and_written_back_and_others_are_not_shared()
    {
        var config = RouterConfigLoader.LoadString("""
            actorrouter {
              interfaces = [ { os-name = mem0, name = GigabitEthernet1, ipv4 = "192.0.2.1/24" } ]
              static-routes = [
                { prefix = "203.0.113.0/24", next-hop = "192.0.2.2", share = true },
                { prefix = "198.51.100.0/24", next-hop = "192.0.2.3" }
              ]
            }
            """, Source);
        Assert.Equal([true, false], config.StaticRoutes.Select(r => r.Share));
        var text = RouterConfigWriter.ToHocon(config);
        Assert.Single(text.Split('\n'), l => l.Contains("share = true"));
        Assert.Equal(config.StaticRoutes.Select(r => r.Share), RouterConfigLoader.LoadString(text, Source).StaticRoutes.Select(r => r.Share));
    }
}
