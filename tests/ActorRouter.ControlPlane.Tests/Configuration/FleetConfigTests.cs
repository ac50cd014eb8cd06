using ActorRouter.ControlPlane.Configuration;
using static ActorRouter.ControlPlane.Tests.Configuration.ConfigText;

namespace ActorRouter.ControlPlane.Tests.Configuration;

public class FleetConfigTests
{
    [Fact]
    public void The_fleet_is_off_by_default_and_not_written_back()
    {
        var config = RouterConfigLoader.LoadString("actorrouter { }", Source);
        Assert.Equal(FleetConfig.Default, config.Fleet);
        Assert.False(config.Fleet.Enabled);
        Assert.DoesNotContain("fleet {", RouterConfigWriter.ToHocon(config));
    }

    [Fact]
    public void Fleet_settings_are_read_and_written_back_the_same()
    {
        var config = RouterConfigLoader.LoadString("""
            actorrouter {
              fleet {
                enabled = true
                name = "lab"
                router-name = "r1"
                management { hostname = "192.0.2.11", port = 4054 }
                seed-nodes = ["192.0.2.11:4054", "192.0.2.12:4054"]
                split-brain-resolver { active-strategy = keep-oldest, stable-after = 5s }
              }
            }
            """, Source);

        Assert.Equal(new FleetConfig(true, "lab", "r1", "192.0.2.11", 4054, new EquatableList<string>(["192.0.2.11:4054", "192.0.2.12:4054"]),
            "keep-oldest", TimeSpan.FromSeconds(5)), config.Fleet);
        var text = RouterConfigWriter.ToHocon(config);
        Assert.Contains("seed-nodes = [\"192.0.2.11:4054\", \"192.0.2.12:4054\"]", text);
        Assert.Contains("stable-after = 5s", text);
        Assert.Equal(config, RouterConfigLoader.LoadString(text, Source));
    }

    [Fact]
    public void A_fleet_without_seeds_takes_akkas_defaults_for_the_resolver()
    {
        var config = RouterConfigLoader.LoadString("""
            actorrouter { fleet { enabled = true, name = "lab", router-name = "r1", management.hostname = "198.51.100.1" } }
            """, Source);

        Assert.Equal(new FleetConfig(true, "lab", "r1", "198.51.100.1", FleetConfig.DefaultPort, EquatableList<string>.Empty,
            FleetConfig.KeepMajority, TimeSpan.FromSeconds(20)), config.Fleet);
    }

    [Fact]
    public void An_enabled_fleet_names_every_missing_setting()
    {
        var errors = Errors("actorrouter { fleet { enabled = true } }");
        Assert.Equal(
            [
                new ConfigurationError(Source, "actorrouter.fleet.name", "required when the fleet is enabled"),
                new ConfigurationError(Source, "actorrouter.fleet.router-name", "required when the fleet is enabled"),
                new ConfigurationError(Source, "actorrouter.fleet.management.hostname", "required when the fleet is enabled: the management address other members reach this router at"),
            ],
            errors);
    }

    private const string Valid = "enabled = true, name = \"lab\", router-name = \"r1\", management.hostname = \"192.0.2.11\"";

    [Theory]
    [InlineData("enabled = true, name = \"my fleet\", router-name = \"r1\", management.hostname = \"192.0.2.11\"", "actorrouter.fleet.name",
        "'my fleet' is not a fleet name (letters, digits, '-', '_'; at most 64; starts with a letter or digit)")]
    [InlineData("enabled = true, name = \"lab\", router-name = \"-r1\", management.hostname = \"192.0.2.11\"", "actorrouter.fleet.router-name",
        "'-r1' is not a router name (letters, digits, '.', '_', '-'; at most 64; starts with a letter or digit)")]
    [InlineData("enabled = true, name = \"lab\", router-name = \"r1\", management.hostname = \"0.0.0.0\"", "actorrouter.fleet.management.hostname",
        "0.0.0.0 is not an address other members can reach; give this router's management address")]
    [InlineData(Valid + ", management.port = 70000", "actorrouter.fleet.management.port", "70000 is out of range 0..65535")]
    [InlineData(Valid + ", seed-nodes = [\"192.0.2.12\"]", "actorrouter.fleet.seed-nodes",
        "'192.0.2.12' is not host:port (a management address and the port its fleet listens on, such as 192.0.2.1:4054)")]
    [InlineData(Valid + ", split-brain-resolver.active-strategy = static-quorum", "actorrouter.fleet.split-brain-resolver.active-strategy",
        "expected one of keep-majority, keep-oldest, down-all, got 'static-quorum'")]
    [InlineData(Valid + ", split-brain-resolver.stable-after = 500ms", "actorrouter.fleet.split-brain-resolver.stable-after", "500ms is out of range 1s..10m")]
    [InlineData(Valid + ", seeds = []", "actorrouter.fleet.seeds", "unknown key 'seeds'")]
    public void Bad_fleet_settings_are_refused_with_their_key(string body, string key, string reason)
    {
        var errors = Errors($"actorrouter {{ fleet {{ {body} }} }}");
        Assert.Equal(new ConfigurationError(Source, key, reason), Assert.Single(errors));
    }
}
