using ActorRouter.Control.Contracts;
using ActorRouter.ControlPlane.Commands;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Credentials;
using ActorRouter.ControlPlane.Hosting;
using ActorRouter.ControlPlane.Punt;
using ActorRouter.ControlPlane.Simulation;
using ActorRouter.ControlPlane.Supervision;
using ActorRouter.ControlPlane.Vnic;
using Akka.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorRouter.Host;

/// <summary>Builds and runs the router host. Exit codes: 0 clean stop, 1 failure at run time, 2 bad arguments or configuration.</summary>
public static class RouterHost
{
    public const int ExitOk = 0;
    public const int ExitFailure = 1;
    public const int ExitBadConfiguration = 2;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var options = RouterHostOptions.Parse(args, out var argumentError);
        if (options is null)
        {
            await stderr.WriteLineAsync(argumentError);
            await stderr.WriteLineAsync(RouterHostOptions.Usage);
            return ExitBadConfiguration;
        }
        var config = LoadConfig(options.ConfigPath, stderr);
        if (config is null)
        {
            return ExitBadConfiguration;
        }
        if (options.ControlPort is int controlPort)
        {
            config = config with { Control = config.Control with { Port = controlPort } };
        }
        if (options.StateDirectory is string stateDirectory)
        {
            config = config with { Control = config.Control with { StateDirectory = stateDirectory } };
        }
        var authorizer = ControlEndpoint.OpenAuthorizer(config.Control, out var credentialError);
        if (authorizer is null)
        {
            await stderr.WriteLineAsync($"{options.ConfigPath ?? RouterConfigLoader.EmbeddedSourceName}: actorrouter.control: {credentialError}");
            return ExitBadConfiguration;
        }

        using var memory = new MemoryVnicFactory(config.DataPlane.Gpm.BufferSize);
        // Disposed after the host, that is after the data plane has stopped using its ports.
        using var afPacket = new AfPacketVnicFactory();
        using var afXdp = new AfXdpVnicFactory();
        var status = new RouterStatus();
        using var host = Build(config, options, memory, stdout, status, afPacket, afXdp: afXdp, authorizer: authorizer, processIsRouter: true);
        try
        {
            await host.RunAsync();
        }
        catch (Exception e) when (FindBindFailure(e) is System.Net.Sockets.SocketException bind)
        {
            await stderr.WriteLineAsync($"router failed: control endpoint: cannot listen on {config.Control.Hostname}:{config.Control.Port}: {bind.Message} (is another router running? choose another with actorrouter.control.port or --control-port)");
            return ExitFailure;
        }
        catch (Exception e)
        {
            await stderr.WriteLineAsync($"router failed: {e.Message}");
            return ExitFailure;
        }
        return status.CleanStop ? ExitOk : ExitFailure;
    }

    /// <summary>The socket error under Akka's wrapping when remoting could not bind the control endpoint.</summary>
    private static System.Net.Sockets.SocketException? FindBindFailure(Exception e) => e switch
    {
        System.Net.Sockets.SocketException socket => socket,
        AggregateException aggregate => aggregate.InnerExceptions.Select(FindBindFailure).FirstOrDefault(x => x is not null),
        _ => e.InnerException is null ? null : FindBindFailure(e.InnerException),
    };

    /// <summary>The configuration, or null after printing every error as "file: key: reason".</summary>
    public static RouterConfig? LoadConfig(string? path, TextWriter stderr)
    {
        RouterConfig? config;
        IReadOnlyList<ConfigurationError> errors;
        var source = path ?? RouterConfigLoader.EmbeddedSourceName;
        var loaded = path is null
            ? RouterConfigLoader.TryLoadString(RouterConfigLoader.ReadEmbeddedDefaultText(), source, out config, out errors)
            : RouterConfigLoader.TryLoadFile(path, out config, out errors);
        if (!loaded)
        {
            foreach (var error in errors)
            {
                stderr.WriteLine(error.ToString());
            }
            return null;
        }
        if (DataPlaneOptionsMapper.WhyInvalid(config!) is string reason)
        {
            stderr.WriteLine(new ConfigurationError(source, "actorrouter.data-plane", reason).ToString());
            return null;
        }
        return config;
    }

    /// <param name="afPacket">The driver for <c>af-packet</c> interfaces; without it they fail to open.</param>
    /// <param name="afXdp">The driver for <c>af-xdp</c> interfaces (and the first choice of <c>auto</c>); without it they fail to open.</param>
    /// <param name="configWriter">How <c>write memory</c> replaces the configuration file; tests inject failures through it.</param>
    /// <param name="authorizer">The control endpoint's credentials and rules; null: opened from <c>control.state-directory</c> here.</param>
    /// <exception cref="CredentialException">No authorizer was given and the credentials cannot be opened.</exception>
    public static IHost Build(RouterConfig config, RouterHostOptions options, MemoryVnicFactory memory, TextWriter stdout, RouterStatus status,
        IVnicFactory? afPacket = null, ConfigFileWriter? configWriter = null, IVnicFactory? afXdp = null, ClientAuthorizer? authorizer = null,
        bool processIsRouter = false)
    {
        if (authorizer is null)
        {
            authorizer = ControlEndpoint.OpenAuthorizer(config.Control, out var error) ?? throw new CredentialException(error!);
        }
        // No watching of appsettings files for changes: the router reads none, and the watcher wakes
        // for every change in the working directory (an idle router uses under 1 % of a core).
        var hostSettings = new HostApplicationBuilderSettings { Args = [], Configuration = new ConfigurationManager() };
        hostSettings.Configuration.AddInMemoryCollection([new("hostBuilder:reloadConfigOnChange", "false")]);
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(hostSettings);
        Logging.HostLogging.Configure(builder.Logging, options.LogLevel, options.LogFormat);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));

        // With linux discovery the platform says how many interfaces there are once it has looked.
        var monitor = new HandshakeMonitor(config.Platform.Discovery == PlatformDiscovery.Config ? config.Interfaces.Count : null);
        builder.Services.AddSingleton(config);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(memory);
        builder.Services.AddSingleton(monitor);
        builder.Services.AddSingleton(status);
        builder.Services.AddSingleton(services => new ConsoleOutput(options.LogFormat == Logging.LogFormat.Json
            ? new Logging.LoggerLineWriter(services.GetRequiredService<ILoggerFactory>().CreateLogger(Logging.HostLogging.ConsoleCategory))
            : stdout));
        builder.Services.AddSingleton<IVnicFactory>(new DriverVnicFactory(memory, afPacket, afXdp));
        // The punt path (ARP, ICMP echo to the router) and the simulated hosts of the embedded default.
        // With the fleet on, the punt path hands the fleet's probes to the adjacency prober through this channel.
        var probes = config.Fleet.Enabled ? new ActorRouter.ControlPlane.Fleet.Probes.FleetProbeChannel(config.Fleet.Name) : null;
        builder.Services.AddSingleton(PuntServiceActor.Child(forUs: probes));
        if (probes is not null)
        {
            builder.Services.AddSingleton(ActorRouter.ControlPlane.Fleet.Probes.FleetAdjacencyActor.Child(probes));
        }
        // The interface rates of show interfaces (a statistics snapshot every sample interval).
        builder.Services.AddSingleton(ActorRouter.ControlPlane.Observability.InterfaceRateSampler.Child());
        builder.Services.AddSingleton<ISimulationStarter, SimulationStarter>();
        if (config.Fleet.Enabled)
        {
            // The fleet's own actor system (see FleetNode for why it is not the control endpoint's).
            builder.Services.AddSingleton(services => new FleetNode(config.Fleet, authorizer.Credentials,
                config.Control.KeyPassword?.Read(out _), services.GetRequiredService<ILoggerFactory>(), stdout, Logging.HostLogging.AkkaLevel(options.LogLevel)));
        }

        // Before Akka, so that the meter listens when the handshake's measurements are taken.
        builder.Services.AddHostedService<Metrics.MetricsExporter>();
        builder.Services.AddAkka("actorrouter", (akka, services) =>
        {
            // The generic host owns shutdown (Ctrl-C, SIGTERM): it stops the data plane first, then the
            // actor system. Akka's own process-exit hook would tear the actors down underneath it.
            akka.AddHocon("akka.coordinated-shutdown.run-by-clr-shutdown-hook = off", HoconAddMode.Prepend);
            // The scheduler's wheel turns every tick whether or not a timer is due; the control plane's
            // timers (heartbeat checks every 500 ms, ARP retries, rate samples, Ask timeouts) need no finer step than
            // 100 ms, and the default 10 ms step woke the process (timer thread, thread-pool workers)
            // about 50 times a second more than this one when idle.
            akka.AddHocon("akka.scheduler.tick-duration = 100ms", HoconAddMode.Prepend);
            // The control endpoint arctl talks to (see ControlEndpoint for what TLS verifies).
            akka.AddHocon(ControlEndpoint.Hocon(config.Control), HoconAddMode.Prepend);
            akka.AddSetup(ControlEndpoint.SslSetup(authorizer));
            // An arctl that goes away without saying goodbye (Ctrl-C, a killed process) is ordinary;
            // Akka would log each as a failed association, with stack traces. Those endpoints' logs are
            // left out (the door logs its drops under its own source).
            akka.AddSetup(new Akka.Event.LogFilterBuilder().ExcludeSourceContaining("%2F%2Farctl%40").Build());
            // One logger for actors and host: Akka's events go to the host's logger factory (the bridge
            // keeps each event's class as its category), remoting chatter and dead letters demoted to
            // debug on the way.
            akka.AddHocon(Logging.HostLogging.AkkaHocon, HoconAddMode.Prepend);
            akka.ConfigureLoggers(loggers =>
            {
                loggers.LogLevel = Logging.HostLogging.AkkaLevel(options.LogLevel);
                loggers.ClearLoggers();
                loggers.AddLogger<Logging.AkkaLogBridge>();
            });
            akka.AddSetup(new Logging.AkkaLogBridgeSetup(new Logging.QuietTransportLoggerFactory(services.GetRequiredService<ILoggerFactory>())));
            akka.WithActors((system, registry) =>
            {
                HandshakeListening.Start(system, monitor);
                Metrics.ActorFailures.Start(system);
                monitor.CompleteIfNothingExpected();
                var children = services.GetServices<ControlPlaneChild>().ToList();
                var supervisor = system.ActorOf(
                    DataPlaneSupervisor.Props(config, services.GetRequiredService<IVnicFactory>(), children, processIsRouter: processIsRouter), "router");
                registry.Register<DataPlaneSupervisor>(supervisor);
                // Clients leave the list of connected clients when their association ends.
                var tracker = system.ActorOf(Akka.Actor.Props.Create(() => new ControlClientTracker(authorizer)), "control-client-tracker");
                system.EventStream.Subscribe(tracker, typeof(Akka.Remote.DisassociatedEvent));
                var fleet = config.Fleet.Enabled ? services.GetRequiredService<FleetNode>().Start(supervisor, probes) : null;
                system.ActorOf(CommandGatewayGuardian.Props(
                    CommandGatewayActor.Props(supervisor, options.ConfigPath, authorizer, config.Control.ConfigDirectory, configWriter, fleet: fleet),
                    CommandGatewayAddress.ActorName, fleet?.Fleet), CommandGatewayGuardian.Name);
            });
        });
        // Registered after Akka, so it stops first: the data plane is stopped while the actors still run.
        builder.Services.AddHostedService<RouterConsole>();
        if (config.Fleet.Enabled)
        {
            // Stops before Akka's own service: the router leaves its fleet while its actors still answer.
            builder.Services.AddHostedService(services => services.GetRequiredService<FleetNode>());
        }
        builder.Services.AddSingleton(authorizer);
        var host = builder.Build();
        // Every refused connection and request, with the peer it came from (also counted in show control clients),
        // on the host's output with its other control lines.
        authorizer.Refused += (reason, peer) => stdout.WriteLine($"control: refused {peer}: {reason}");
        return host;
    }
}

/// <summary>Tells the authorizer when a client's Akka association ends, so <c>show control clients</c> lists only connected ones.</summary>
internal sealed class ControlClientTracker : Akka.Actor.ReceiveActor
{
    public ControlClientTracker(ClientAuthorizer authorizer) =>
        Receive<Akka.Remote.DisassociatedEvent>(gone => authorizer.Disconnected(gone.RemoteAddress.ToString()));
}

/// <summary>Where the host's own lines go (stdout, or a test's writer).</summary>
public sealed record ConsoleOutput(TextWriter Writer);

/// <summary>How the run ended, for the exit code.</summary>
public sealed class RouterStatus
{
    /// <summary>True once the data plane stopped with every GPM buffer back in the pool.</summary>
    public bool CleanStop { get; set; }
}
