using ActorRouter.ControlPlane.Configuration;
using static ActorRouter.ControlPlane.Tests.Configuration.ConfigText;

namespace ActorRouter.ControlPlane.Tests.Configuration;

public class ArpConfigTests
{
    [Fact]
    public void Arp_timings_default_to_the_ios_values()
    {
        var config = RouterConfigLoader.LoadString("actorrouter { }", Source);
        Assert.Equal(new ArpConfig(TimeSpan.FromHours(4), TimeSpan.FromSeconds(1), 3), config.Arp);
        // The top-level section only: punt's ARP class is written as punt { arp { … } }, indented one level deeper.
        Assert.DoesNotContain("\n  arp {", RouterConfigWriter.ToHocon(config));
    }

    [Fact]
    public void Arp_timings_are_read_in_any_unit_and_written_back_the_same()
    {
        var config = RouterConfigLoader.LoadString("actorrouter { arp { timeout = 20m, retry-interval = 500ms, max-requests = 5 } }", Source);

        Assert.Equal(new ArpConfig(TimeSpan.FromMinutes(20), TimeSpan.FromMilliseconds(500), 5), config.Arp);
        var text = RouterConfigWriter.ToHocon(config);
        Assert.Contains("timeout = 20m", text);
        Assert.Contains("retry-interval = 500ms", text);
        Assert.Equal(config, RouterConfigLoader.LoadString(text, Source));
    }

    [Theory]
    [InlineData("timeout = 4 hours", "actorrouter.arp.timeout", "expected a duration such as 500ms, 30s, 5m or 4h, got '4 hours'")]
    [InlineData("timeout = 500ms", "actorrouter.arp.timeout", "500ms is out of range 1s..24h")]
    [InlineData("retry-interval = 2m", "actorrouter.arp.retry-interval", "2m is out of range 100ms..60s")]
    [InlineData("max-requests = 0", "actorrouter.arp.max-requests", "0 is out of range 1..10")]
    [InlineData("retries = 3", "actorrouter.arp.retries", "unknown key 'retries'")]
    public void Bad_arp_timings_are_refused_with_their_key(string body, string key, string reason) =>
        AssertSingleError($"actorrouter {{ arp {{ {body} }} }}", key, reason);

    [Fact]
    public void Arp_limits_and_static_entries_are_read_and_written_back_the_same()
    {
        var config = RouterConfigLoader.LoadString("""
            actorrouter { arp {
              max-entries = 2000, max-entries-per-interface = 500, max-incomplete = 64, requests-per-second = 20, mac-change-interval = 30s
              static = [ { address = "192.0.2.254", mac = "02:00:00:00:00:FE" }, { address = "198.51.100.254", mac = "02:00:00:00:01:fe" } ]
            } }
            """, Source);

        var arp = config.Arp;
        Assert.Equal((2000, 500, 64, 20, TimeSpan.FromSeconds(30)), (arp.MaxEntries, arp.MaxEntriesPerInterface, arp.MaxIncomplete, arp.RequestsPerSecond, arp.MacChangeInterval));
        Assert.Equal([new StaticArpEntry(0xC00002FE, 0x0200_0000_00FE), new StaticArpEntry(0xC63364FE, 0x0200_0000_01FE)], arp.Static);
        var text = RouterConfigWriter.ToHocon(config);
        Assert.Contains("""static = [{ address = "192.0.2.254", mac = "02:00:00:00:00:fe" }, { address = "198.51.100.254", mac = "02:00:00:00:01:fe" }]""", text);
        Assert.Equal(config, RouterConfigLoader.LoadString(text, Source));
    }

    [Theory]
    [InlineData("max-incomplete = 0", "actorrouter.arp.max-incomplete", "0 is out of range 1..100000")]
    [InlineData("max-entries = 100, max-entries-per-interface = 200", "actorrouter.arp.max-entries-per-interface", "200 is more than max-entries 100")]
    [InlineData("mac-change-interval = 2h", "actorrouter.arp.mac-change-interval", "2h is out of range 0s..1h")]
    [InlineData("static = [ { address = \"192.0.2.300\", mac = \"02:00:00:00:00:01\" } ]", "actorrouter.arp.static[0].address", "'192.0.2.300' is not an IPv4 address")]
    [InlineData("static = [ { address = \"192.0.2.3\", mac = \"01:00:5e:00:00:01\" } ]", "actorrouter.arp.static[0].mac", "'01:00:5e:00:00:01' is not a unicast MAC address")]
    [InlineData("static = [ { address = \"192.0.2.3\" } ]", "actorrouter.arp.static[0].mac", "required")]
    [InlineData("static = [ { address = \"192.0.2.3\", mac = \"02:00:00:00:00:01\" }, { address = \"192.0.2.3\", mac = \"02:00:00:00:00:02\" } ]", "actorrouter.arp.static[1].address", "192.0.2.3 has a static entry already (static[0])")]
    public void Bad_arp_limits_and_static_entries_are_refused_with_their_key(string body, string key, string reason) =>
        AssertSingleError($"actorrouter {{ arp {{ {body} }} }}", key, reason);
}
