using System.Net;

namespace ActorRouter.ControlPlane.Configuration;

/// <summary>
/// The <c>actorrouter.metrics { }</c> section: the load interval of the interface rates
/// (<c>show interfaces</c>' "5 minute input rate"), how often the rate sampler reads the counters,
/// and the Prometheus/OTLP export, off by default.
/// </summary>
/// <param name="Listen">Where the Prometheus scrape endpoint listens; loopback addresses only (the endpoint has no authentication).</param>
/// <param name="OtlpEndpoint">Where OTLP pushes metrics (http://host:4318 or grpc); null: no push.</param>
public sealed record MetricsConfig(bool Enabled, IPEndPoint Listen, Uri? OtlpEndpoint, TimeSpan LoadInterval, TimeSpan SampleInterval)
{
    public static readonly IPEndPoint DefaultListen = new(IPAddress.Loopback, 9464);

    /// <summary>Export off; IOS's default load interval of 5 minutes, a sample every 5 seconds as IOS takes them.</summary>
    public static readonly MetricsConfig Default = new(false, DefaultListen, null, TimeSpan.FromSeconds(300), TimeSpan.FromSeconds(5));

    /// <summary>IOS's <c>load-interval</c> range: 30 s to 10 min, in steps of 30 s.</summary>
    public static readonly TimeSpan MinLoadInterval = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MaxLoadInterval = TimeSpan.FromSeconds(600);
    public static readonly TimeSpan MinSampleInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxSampleInterval = TimeSpan.FromSeconds(30);
}

/// <summary>The metrics settings hang off <see cref="RouterConfig"/> as an init-only member, so every existing constructor call stays as it is.</summary>
public sealed partial record RouterConfig
{
    public MetricsConfig Metrics { get; init; } = MetricsConfig.Default;
}

internal static partial class RouterConfigReader
{
    private static MetricsConfig ReadMetrics(HoconSection section)
    {
        var defaults = MetricsConfig.Default;
        var enabled = section.Bool("enabled", defaults.Enabled);
        var listen = defaults.Listen;
        if (section.Text("listen", "an address and port such as 127.0.0.1:9464") is { } listenText)
        {
            if (!IPEndPoint.TryParse(listenText, out var parsed) || parsed.Port == 0 || !listenText.Contains(':'))
            {
                section.Error("listen", $"expected a loopback address and port such as 127.0.0.1:9464, got '{listenText}'");
            }
            else if (!IPAddress.IsLoopback(parsed.Address))
            {
                // The scrape endpoint has neither TLS nor authentication; counters of a router are
                // not for every host on its networks. A collector elsewhere reaches it through a
                // local agent or an SSH tunnel, or takes the OTLP push.
                section.Error("listen", $"{listenText} is not a loopback address; the metrics endpoint has no TLS or authentication and listens on loopback only (127.0.0.1 or [::1])");
            }
            else
            {
                listen = parsed;
            }
        }
        Uri? otlp = null;
        if (section.Text("otlp-endpoint", "a URL such as http://127.0.0.1:4317") is { Length: > 0 } otlpText)
        {
            if (!Uri.TryCreate(otlpText, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                section.Error("otlp-endpoint", $"expected an http:// or https:// URL such as http://127.0.0.1:4317, got '{otlpText}'");
            }
            else
            {
                otlp = uri;
            }
        }
        var loadInterval = ReadArpDuration(section, "load-interval", defaults.LoadInterval, MetricsConfig.MinLoadInterval, MetricsConfig.MaxLoadInterval, "30s..600s");
        if (loadInterval.Ticks % TimeSpan.FromSeconds(30).Ticks != 0 && !section.HasErrorAt("load-interval"))
        {
            section.Error("load-interval", $"{(long)loadInterval.TotalSeconds}s is not a multiple of 30s (IOS's load-interval steps)");
            loadInterval = defaults.LoadInterval;
        }
        var sampleInterval = ReadArpDuration(section, "sample-interval", defaults.SampleInterval, MetricsConfig.MinSampleInterval, MetricsConfig.MaxSampleInterval, "1s..30s");
        section.ReportUnknownKeys();
        return new MetricsConfig(enabled, listen, otlp, loadInterval, sampleInterval);
    }
}

public static partial class RouterConfigWriter
{
    /// <summary>Written only when set, so configurations that do not use it read back unchanged.</summary>
    private static void WriteMetrics(HoconTextWriter w, MetricsConfig metrics)
    {
        if (metrics == MetricsConfig.Default)
        {
            return;
        }
        w.Open("metrics");
        w.Value("enabled", metrics.Enabled);
        w.Value("listen", metrics.Listen.ToString());
        if (metrics.OtlpEndpoint is { } otlp)
        {
            w.Value("otlp-endpoint", otlp.OriginalString);
        }
        w.Raw("load-interval", ArpDurationText(metrics.LoadInterval));
        w.Raw("sample-interval", ArpDurationText(metrics.SampleInterval));
        w.Close();
    }
}
