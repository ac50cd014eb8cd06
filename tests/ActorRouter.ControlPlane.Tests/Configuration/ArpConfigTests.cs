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
        Assert.DoesNotContain("arp {", RouterConfigWriter.ToHocon(config));
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
}
