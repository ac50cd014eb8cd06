using System.Text;
using ActorRouter.ControlPlane.Commands;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.ControlPlane.Supervision;
using ActorRouter.ControlPlane.Vnic;
using ActorRouter.DataPlane;
using ActorRouter.Host;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

[assembly: CollectionBehavior(DisableTestParallelization = true)]
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace ActorRouter.Cli.Tests;

/// <summary>arctl's outcome: exit code and what it wrote, split into lines.</summary>
public sealed record ArctlResult(int ExitCode, string Stdout, string Stderr)
{
    public string[] Lines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>
/// A router host built the way the console host builds it (RouterHost.Build), running in the test
/// process on the embedded default (or a given configuration) with its control endpoint on a free
/// port, and arctl's command handler run in-process against it.
/// </summary>
public sealed class InProcessRouter : IAsyncDisposable
{
    private static readonly TimeSpan ReadyLimit = TimeSpan.FromSeconds(30);
    private readonly IHost _host;
    private readonly MemoryVnicFactory _memory;
    private readonly StringWriter _output;

    private readonly string? _ownStateDirectory;

    private InProcessRouter(IHost host, MemoryVnicFactory memory, StringWriter output, int port, string stateDirectory, bool ownsStateDirectory)
    {
        _host = host;
        _memory = memory;
        _output = output;
        Port = port;
        StateDirectory = stateDirectory;
        _ownStateDirectory = ownsStateDirectory ? stateDirectory : null;
    }

    public int Port { get; }

    /// <summary>Where the router keeps its CA and credentials: a temporary directory of this test unless the configuration names one.</summary>
    public string StateDirectory { get; }

    /// <summary>The admin credential the router created on start.</summary>
    public string AdminCredential => Path.Combine(StateDirectory, "admin.p12");

    /// <summary>How long a test's arctl waits to find the router: TLS handshakes on a loaded 2-core machine take their time.</summary>
    public const string ConnectTimeoutSeconds = "20";

    public string Router => $"127.0.0.1:{Port}";

    public string HostOutput
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public ActorSystem ActorSystem => _host.Services.GetRequiredService<ActorSystem>();

    public static RouterConfig EmbeddedDefault(bool faultInjection = false)
    {
        var config = RouterConfigLoader.LoadEmbeddedDefault();
        return config with
        {
            Control = config.Control with { Port = 0 },
            FaultInjection = new FaultInjectionConfig(faultInjection),
        };
    }

    /// <param name="configPath">The file the router "was started from" (for write memory); null: the embedded default.</param>
    public static async Task<InProcessRouter> StartAsync(RouterConfig? config = null, string? configPath = null, ConfigFileWriter? writer = null)
    {
        if (config is null)
        {
            config = configPath is null ? EmbeddedDefault() : RouterConfigLoader.LoadFile(configPath);
            config = config with { Control = config.Control with { Port = 0 } };
        }
        var ownsStateDirectory = config.Control.StateDirectory is null;
        if (ownsStateDirectory)
        {
            config = config with { Control = config.Control with { StateDirectory = Path.Combine(Directory.CreateTempSubdirectory("arctl-state-").FullName, "state") } };
        }
        var memory = new MemoryVnicFactory(config.DataPlane.Gpm.BufferSize);
        var output = new StringWriter(new StringBuilder());
        var synchronizedOutput = TextWriter.Synchronized(output);
        var host = RouterHost.Build(config, new RouterHostOptions(configPath, TimeSpan.FromSeconds(60)), memory, synchronizedOutput, new RouterStatus(), configWriter: writer);
        await host.StartAsync();
        var system = host.Services.GetRequiredService<ActorSystem>();
        var port = ((ExtendedActorSystem)system).Provider.DefaultAddress.Port ?? throw new InvalidOperationException("remoting is not bound");
        var router = new InProcessRouter(host, memory, output, port, config.Control.StateDirectory!, ownsStateDirectory);
        // Ready once the console has brought the interfaces up and started the simulated hosts.
        var deadline = DateTime.UtcNow + ReadyLimit;
        while (!router.HostOutput.Contains("simulation:", StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline)
            {
                await router.DisposeAsync();
                throw new TimeoutException("router not ready in 30 s:\n" + router.HostOutput);
            }
            await Task.Delay(50);
        }
        return router;
    }

    /// <summary>arctl in-process with the router's admin credential (unless the words give --cert).</summary>
    public async Task<ArctlResult> ArctlAsync(params string[] words)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        string[] credential = words.Contains("--cert") ? [] : ["--cert", AdminCredential];
        string[] timeout = words.Contains("--timeout") ? [] : ["--timeout", ConnectTimeoutSeconds];
        var code = await ArctlApp.RunAsync([.. words, .. credential, .. timeout, "--router", Router], stdout, stderr, environment: _ => null);
        return new ArctlResult(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>arctl with no router to talk to; it carries a credential (of no router) unless the words give one.</summary>
    public static async Task<ArctlResult> ArctlWithoutRouterAsync(params string[] words)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        string[] credential = words.Contains("--cert") ? [] : ["--cert", TestCredentials.ForeignAdmin];
        var code = await ArctlApp.RunAsync([.. credential, .. words], stdout, stderr, environment: _ => null);
        return new ArctlResult(code, stdout.ToString(), stderr.ToString());
    }

    public async Task<QfpDataPlane> DataPlaneAsync()
    {
        var registry = _host.Services.GetRequiredService<ActorRegistry>();
        var supervisor = await registry.GetAsync<DataPlaneSupervisor>();
        return (await supervisor.Ask<DataPlaneReference>(GetDataPlane.Instance, TimeSpan.FromSeconds(5))).DataPlane;
    }

    public async ValueTask DisposeAsync()
    {
        using var stopLimit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _host.StopAsync(stopLimit.Token);
        _host.Dispose();
        _memory.Dispose();
        if (_ownStateDirectory is not null)
        {
            Directory.Delete(Path.GetDirectoryName(_ownStateDirectory)!, recursive: true);
        }
    }

    /// <summary>A TCP port nothing listens on right now.</summary>
    public static int FreePort()
    {
        var listener = new global::System.Net.Sockets.TcpListener(global::System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((global::System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Polls until <paramref name="condition"/> holds or the limit passes.</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }
            await Task.Delay(200);
        }
        return await condition();
    }
}
