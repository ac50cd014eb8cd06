using System.Net;
using ActorRouter.ControlPlane.Configuration;
using static ActorRouter.ControlPlane.Tests.Configuration.ConfigText;

namespace ActorRouter.ControlPlane.Tests.Configuration;

public class MetricsConfigTests
{
    [Fact]
    public void Metrics_are_off_by_default_with_a_five_minute_load_interval()
    {
        var config = RouterConfigLoader.LoadString("actorrouter { }", Source);
        Assert.Equal(new MetricsConfig(false, new IPEndPoint(IPAddress.Loopback, 9464), null, TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(5)), config.Metrics);
        Assert.DoesNotContain("metrics {", RouterConfigWriter.ToHocon(config));
    }

    [Fact]
    public void Metrics_settings_are_read_and_written_back_the_same()
    {
        var config = RouterConfigLoader.LoadString("""
            actorrouter { metrics { enabled = true, listen = "[::1]:9500", otlp-endpoint = "http://127.0.0.1:4317", load-interval = 30s, sample-interval = 1s } }
            """, Source);

        Assert.Equal(new MetricsConfig(true, new IPEndPoint(IPAddress.IPv6Loopback, 9500), new Uri("http://127.0.0.1:4317"), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1)), config.Metrics);
        var text = RouterConfigWriter.ToHocon(config);
        Assert.Contains("listen = \"[::1]:9500\"", text);
        Assert.Contains("load-interval = 30s", text);
        Assert.Equal(config, RouterConfigLoader.LoadString(text, Source));
    }

    [Theory]
    [InlineData("listen = \"192.0.2.1:9464\"", "actorrouter.metrics.listen", "192.0.2.1:9464 is not a loopback address; the metrics endpoint has no TLS or authentication and listens on loopback only (127.0.0.1 or [::1])")]
    [InlineData("listen = \"0.0.0.0:9464\"", "actorrouter.metrics.listen", "0.0.0.0:9464 is not a loopback address; the metrics endpoint has no TLS or authentication and listens on loopback only (127.0.0.1 or [::1])")]
    [InlineData("listen = \"127.0.0.1\"", "actorrouter.metrics.listen", "expected a loopback address and port such as 127.0.0.1:9464, got '127.0.0.1'")]
    [InlineData("otlp-endpoint = \"collector:4317\"", "actorrouter.metrics.otlp-endpoint", "expected an http:// or https:// URL such as http://127.0.0.1:4317, got 'collector:4317'")]
    [InlineData("load-interval = 20s", "actorrouter.metrics.load-interval", "20s is out of range 30s..600s")]
    [InlineData("load-interval = 11m", "actorrouter.metrics.load-interval", "11m is out of range 30s..600s")]
    [InlineData("load-interval = 45s", "actorrouter.metrics.load-interval", "45s is not a multiple of 30s (IOS's load-interval steps)")]
    [InlineData("sample-interval = 0s", "actorrouter.metrics.sample-interval", "0s is out of range 1s..30s")]
    [InlineData("port = 9464", "actorrouter.metrics.port", "unknown key 'port'")]
    public void Bad_metrics_settings_are_refused_with_their_key(string body, string key, string reason) =>
        AssertSingleError($"actorrouter {{ metrics {{ {body} }} }}", key, reason);
}
