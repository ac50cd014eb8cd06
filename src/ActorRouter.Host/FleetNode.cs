using ActorRouter.Control.Contracts;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Credentials;
using ActorRouter.ControlPlane.Fleet;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Cluster;
using Akka.Remote.Transport.DotNetty;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ActorRouter.Host;

/// <summary>
/// This router's membership of its fleet: an actor system of its own, named for the fleet, with
/// Akka.Cluster over Akka.Remote on the management address, mutual TLS under the fleet's CA.
/// <para>
/// Why not the control endpoint's actor system: that endpoint is one narrow door (only contracts to the
/// gateway pass; see <see cref="ControlDoorProvider"/>), and a cluster member must exchange gossip,
/// heartbeats and system messages with its peers, which that door exists to refuse. A system of its own
/// keeps the door as it is, listens on the management network rather than where arctl connects, and
/// holds nothing but the cluster and the <see cref="FleetActor"/>: a member cannot address the router's
/// own actors (they live in the other system), only the fleet actor, which hands a caller's signed
/// request to the gateway to be admitted there. When the cluster downs this member (the split-brain
/// resolver on the minority side), only this system stops; the router goes on forwarding.
/// </para>
/// </summary>
public sealed class FleetNode : IHostedService
{
    private readonly FleetConfig _config;
    private readonly ControlCredentials _credentials;
    private readonly string? _keyPassword;
    private readonly ILoggerFactory _loggers;
    private readonly TextWriter _stdout;
    private ActorSystem? _system;
    private readonly Akka.Event.LogLevel _logLevel;
    private volatile bool _stopping;

    /// <param name="logLevel">The host's <c>--log-level</c>, for the fleet system's actors as for the router's.</param>
    public FleetNode(FleetConfig config, ControlCredentials credentials, string? keyPassword, ILoggerFactory loggers, TextWriter stdout,
        Akka.Event.LogLevel logLevel = Akka.Event.LogLevel.InfoLevel)
    {
        _logLevel = logLevel;
        _config = config;
        _credentials = credentials;
        _keyPassword = keyPassword;
        _loggers = loggers;
        _stdout = stdout;
    }

    /// <summary>The fleet actor; null until <see cref="Start"/>.</summary>
    public IActorRef? Fleet { get; private set; }

    public ActorSystem? System => _system;

    /// <summary>Starts the fleet's actor system and joins the seed nodes (joining goes on in the background).</summary>
    /// <param name="routes">Where the link-state actor sends the routes it computes (the router system's supervisor, which hands them to FMAN); null: no fleet routing.</param>
    /// <param name="probes">The channel the adjacency prober publishes through; the link-state actor is attached to it.</param>
    /// <exception cref="CredentialException">The member certificate cannot be read or issued.</exception>
    public FleetLink Start(IActorRef? routes = null, ActorRouter.ControlPlane.Fleet.Probes.FleetProbeChannel? probes = null)
    {
        var certificate = _credentials.FleetMemberCertificate(_config.RouterName, _keyPassword, [_config.Hostname]);
        var ssl = new DotNettySslSetup(certificate, suppressValidation: false, requireMutualAuthentication: true,
            (peerCertificate, _, peer, _, _) => AcceptMember(peerCertificate, peer ?? "unknown peer"));
        var setup = BootstrapSetup.Create()
            .WithConfig(Akka.Configuration.ConfigurationFactory.ParseString(Hocon(_config, DateTimeOffset.UtcNow, _logLevel)))
            .And(ssl)
            .And(new Logging.AkkaLogBridgeSetup(new Logging.QuietTransportLoggerFactory(_loggers)));
        try
        {
            _system = ActorSystem.Create(_config.Name, setup);
        }
        catch (Exception e)
        {
            // Without the inner exception: the host's bind-failure message is the control endpoint's.
            throw new InvalidOperationException($"fleet: cannot start on {_config.Hostname}:{_config.Port}: {Innermost(e).Message}");
        }
        var fleet = _system.ActorOf(FleetActor.Props(_config.Name, _config.RouterName), FleetActor.Name);
        Fleet = fleet;
        IActorRef? linkState = null;
        if (routes is not null)
        {
            // Routes computed here reach FMAN by a local tell across the two systems of this process: FMAN keeps the
            // last list it got, so forwarding never waits for the cluster, and goes on with that list when this system stops.
            linkState = _system.ActorOf(ActorRouter.ControlPlane.Fleet.LinkState.LinkStateActor.Props(_config.RouterName, routes),
                ActorRouter.ControlPlane.Fleet.LinkState.LinkStateActor.Name);
            probes?.AttachLinkState(linkState);
        }
        var cluster = Cluster.Get(_system);
        _stdout.WriteLine($"fleet: {_config.RouterName} in fleet {_config.Name} on {cluster.SelfAddress}, joining {(_config.SeedNodes.Count == 0 ? "itself" : string.Join(", ", _config.SeedNodes))}");
        cluster.RegisterOnMemberUp(() => _stdout.WriteLine($"fleet: {_config.RouterName} is up in fleet {_config.Name}"));
        var membership = new FleetMembership();
        var system = _system;
        _ = system.WhenTerminated.ContinueWith(_ =>
        {
            if (_stopping)
            {
                return;
            }
            var reason = Describe(CoordinatedShutdown.Get(system).ShutdownReason);
            membership.End(reason);
            _stdout.WriteLine($"fleet: {_config.RouterName} is no longer in fleet {_config.Name}: {reason}; the router goes on forwarding");
        }, TaskScheduler.Default);
        return new FleetLink(fleet, _config.RouterName, membership) { LinkState = linkState, Probes = probes };
    }

    /// <summary>Why Akka stopped the fleet system, in the operator's terms.</summary>
    private static string Describe(CoordinatedShutdown.Reason? reason) => reason switch
    {
        null => "its actor system stopped",
        CoordinatedShutdown.ClusterDowningReason => "the cluster downed it (the split-brain resolver, or an operator)",
        CoordinatedShutdown.ClusterLeavingReason => "it left the cluster",
        _ when reason.GetType().Name == "TlsHandshakeFailureReason" =>
            "a TLS handshake with a member failed: one side's certificate is not under the other's fleet CA (the side that checked logs 'fleet: refused')",
        _ => reason.GetType().Name,
    };

    private static Exception Innermost(Exception e) => e switch
    {
        AggregateException { InnerExceptions.Count: > 0 } aggregate => Innermost(aggregate.InnerExceptions[0]),
        { InnerException: { } inner } => Innermost(inner),
        _ => e,
    };

    private bool AcceptMember(System.Security.Cryptography.X509Certificates.X509Certificate2? certificate, string peer)
    {
        if (_credentials.VerifyFleetMember(certificate, out var reason) is not null)
        {
            return true;
        }
        var count = Interlocked.Increment(ref _refused);
        // Someone knocking again and again must not flood the output: the first few, then every power of two.
        if (count <= 8 || (count & (count - 1)) == 0)
        {
            _stdout.WriteLine($"fleet: refused {peer}: {reason} ({count} refused so far)");
        }
        return false;
    }

    private long _refused;

    /// <summary>The fleet system's HOCON: cluster provider, TLS transport on the management address, seeds, roles, the split-brain resolver.</summary>
    public static string Hocon(FleetConfig config, DateTimeOffset started, Akka.Event.LogLevel logLevel = Akka.Event.LogLevel.InfoLevel)
    {
        var level = logLevel switch
        {
            Akka.Event.LogLevel.DebugLevel => "DEBUG",
            Akka.Event.LogLevel.InfoLevel => "INFO",
            Akka.Event.LogLevel.WarningLevel => "WARNING",
            _ => "ERROR",
        };
        var seeds = string.Join(", ", config.SeedNodes.Select(s => $"\"akka.ssl.tcp://{config.Name}@{s}\""));
        var roles = string.Join(", ", FleetActor.Roles(config.RouterName, started).Select(r => $"\"{r}\""));
        var refusing = $"{typeof(RefusingSerializer).FullName}, {typeof(RefusingSerializer).Assembly.GetName().Name}";
        return $$"""
            akka.actor.provider = cluster
            akka.loggers = ["{{typeof(Logging.AkkaLogBridge).FullName}}, {{typeof(Logging.AkkaLogBridge).Assembly.GetName().Name}}"]
            akka.loglevel = {{level}}
            akka.stdout-loglevel = WARNING
            akka.log-dead-letters-during-shutdown = off
            akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
            akka.scheduler.tick-duration = 100ms
            akka.remote.dot-netty.tcp {
              hostname = "{{config.Hostname}}"
              port = {{config.Port}}
              enable-ssl = true
              tcp-reuse-addr = off
              maximum-frame-size = {{CommandGatewayAddress.MaximumFrameSize}}b
            }
            akka.remote.log-remote-lifecycle-events = off
            # Link-state changes reach the link-state actor within 100 ms of arriving (Distributed Data's default: 500 ms).
            akka.cluster.distributed-data.notify-subscribers-interval = 100ms
            akka.cluster {
              seed-nodes = [{{seeds}}]
              roles = [{{roles}}]
              downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
              split-brain-resolver {
                active-strategy = {{config.DownStrategy}}
                stable-after = {{(long)config.StableAfter.TotalMilliseconds}}ms
              }
              # A downed member stops its fleet system only; the router's own actor system goes on.
              run-coordinated-shutdown-when-down = on
              log-info = off
            }
            # Between members only the control contracts (a caller's signed request, the replies) and
            # Akka's own messages travel; the polymorphic default serializer is replaced by one that refuses.
            akka.actor.serializers.json = "{{refusing}}"
            akka.actor.serialization-identifiers."{{refusing}}" = 4054
            {{ContractSerializer.Hocon}}
            """;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Leaves the fleet (the others see it leave rather than fail), then stops the fleet system.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_system is null)
        {
            return;
        }
        _stopping = true;
        try
        {
            await Cluster.Get(_system).LeaveAsync(new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
            // Leaving needs a leader that answers; without one the others' failure detector notices instead.
        }
        try
        {
            await _system.Terminate().WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The process is ending; what did not stop in time stops with it.
        }
    }
}
