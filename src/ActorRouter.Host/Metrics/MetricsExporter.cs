using System.Net;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Observability;
using ActorRouter.ControlPlane.Supervision;
using Akka.Hosting;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace ActorRouter.Host.Metrics;

/// <summary>
/// With <c>actorrouter.metrics.enabled</c>: the OpenTelemetry meter provider, scraped by Prometheus
/// at <c>http://LISTEN/metrics</c> (loopback only) and, with <c>otlp-endpoint</c>, pushed by OTLP.
/// A port that cannot be bound is a warning, not a reason to stop routing.
/// </summary>
public sealed class MetricsExporter(RouterConfig config, ConsoleOutput output, ActorRegistry registry) : IHostedService, IDisposable
{
    public const string ScrapePath = "/metrics";
    private MeterProvider? _provider;
    private RouterMetrics? _metrics;

    /// <summary>"http://127.0.0.1:9464/" or "http://[::1]:9464/".</summary>
    public static string UriPrefix(IPEndPoint listen) => $"http://{listen}/";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var metrics = config.Metrics;
        if (!metrics.Enabled)
        {
            return Task.CompletedTask;
        }
        _metrics = new RouterMetrics(new RouterSnapshotSource(() => registry.GetAsync<DataPlaneSupervisor>()));
        try
        {
            var builder = Sdk.CreateMeterProviderBuilder()
                .ConfigureResource(r => r.AddService("actorrouter"))
                .AddMeter(RouterMetrics.MeterName, ControlPlaneMeter.Name)
                .AddPrometheusHttpListener(o =>
                {
                    o.Host = metrics.Listen.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
                        ? $"[{metrics.Listen.Address}]"
                        : metrics.Listen.Address.ToString();
                    o.Port = metrics.Listen.Port;
                    o.ScrapeEndpointPath = ScrapePath;
                    // Every scrape reads the router now (the snapshot source limits how often).
                    o.ScrapeResponseCacheDurationMilliseconds = 0;
                });
            if (metrics.OtlpEndpoint is { } otlp)
            {
                builder.AddOtlpExporter(o =>
                {
                    o.Endpoint = otlp;
                    // An OTLP/HTTP collector is addressed by its /v1/metrics path; anything else is gRPC (port 4317).
                    o.Protocol = otlp.AbsolutePath.EndsWith("/v1/metrics", StringComparison.Ordinal) ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
                });
            }
            _provider = builder.Build();
            Print($"metrics: Prometheus endpoint {UriPrefix(metrics.Listen).TrimEnd('/')}{ScrapePath}" +
                  (metrics.OtlpEndpoint is { } push ? $", OTLP push to {push}" : ""));
        }
        catch (Exception e) when (e is HttpListenerException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            Print($"warning: metrics: cannot listen on {metrics.Listen}: {e.Message}; the router runs without the metrics endpoint");
            _provider?.Dispose();
            _provider = null;
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _provider?.Dispose();
        _provider = null;
        _metrics?.Dispose();
        _metrics = null;
    }

    private void Print(string line)
    {
        lock (output.Writer)
        {
            output.Writer.WriteLine(line);
            output.Writer.Flush();
        }
    }
}
