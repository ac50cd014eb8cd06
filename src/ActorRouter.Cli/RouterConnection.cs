using System.Security.Cryptography.X509Certificates;
using ActorRouter.Control.Contracts;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Remote;
using Akka.Remote.Transport.DotNetty;

namespace ActorRouter.Cli;

/// <summary>The router could not be reached or did not answer in time (exit code 3).</summary>
public sealed class RouterUnreachableException(string message) : Exception(message);

/// <summary>A client certificate for a router whose control endpoint uses TLS.</summary>
public sealed record ClientCertificate(string Path, string? Password);

/// <summary>
/// A minimal actor system (Akka.Remote on 127.0.0.1, any free port, logging off) that addresses the
/// router's command gateway directly and asks it one request at a time. There is no Identify round
/// trip: the router's door lets through only contract messages to the gateway, and the first answer
/// proves the router is there. Whether the connection itself failed is learnt from remoting's
/// lifecycle events, so an unreachable router is reported at once or after the connect timeout,
/// not after the answer timeout.
/// </summary>
public sealed class RouterConnection : IAsyncDisposable
{
    /// <summary>How long a teardown may take before arctl leaves without waiting for it.</summary>
    private static readonly TimeSpan ShutdownLimit = TimeSpan.FromSeconds(1);

    private readonly ActorSystem _system;
    private readonly IActorRef _gateway;
    private readonly RouterAddress _router;
    private readonly TimeSpan _connectTimeout;
    private readonly AssociationWatch _association;

    private RouterConnection(ActorSystem system, IActorRef gateway, RouterAddress router, TimeSpan connectTimeout, AssociationWatch association)
    {
        _system = system;
        _gateway = gateway;
        _router = router;
        _connectTimeout = connectTimeout;
        _association = association;
    }

    public static Task<RouterConnection> ConnectAsync(RouterAddress router, TimeSpan timeout, ClientCertificate? certificate)
    {
        var setup = BootstrapSetup.Create().WithConfig(ConfigurationFactory.ParseString(Hocon(certificate is not null)));
        var systemSetup = ActorSystemSetup.Create(setup);
        if (certificate is not null)
        {
            var x509 = X509CertificateLoader.LoadPkcs12FromFile(certificate.Path, certificate.Password, X509KeyStorageFlags.EphemeralKeySet);
            // The router presents the same certificate; pinning its thumbprint is what authenticates the router.
            systemSetup = systemSetup.And(new DotNettySslSetup(x509, suppressValidation: false, requireMutualAuthentication: true,
                CertificateValidation.PinnedCertificate(x509.Thumbprint)));
        }
        var system = ActorSystem.Create("arctl", systemSetup);
        var path = CommandGatewayAddress.PathFor(router.Host, router.Port, certificate is not null);
        var gateway = ((ExtendedActorSystem)system).Provider.ResolveActorRef(path);
        var association = AssociationWatch.Start(system, gateway.Path.Address);
        return Task.FromResult(new RouterConnection(system, gateway, router, timeout, association));
    }

    private static string Hocon(bool tls) => $$"""
        akka {
          loglevel = OFF
          stdout-loglevel = OFF
          loggers = []
          log-dead-letters = off
          log-dead-letters-during-shutdown = off
          log-config-on-start = off
          actor {
            provider = remote
            # arctl runs one request at a time: a small pool is enough and starts faster.
            default-dispatcher.fork-join-executor { parallelism-min = 1, parallelism-max = 2 }
            internal-dispatcher.fork-join-executor { parallelism-min = 1, parallelism-max = 2 }
          }
          remote {
            log-remote-lifecycle-events = off
            # Nothing arctl sends needs flushing after its answer came back.
            flush-wait-on-shutdown = 0s
            shutdown-timeout = 1s
            dot-netty.tcp {
              hostname = "127.0.0.1"
              port = 0
              enable-ssl = {{(tls ? "true" : "false")}}
              maximum-frame-size = {{CommandGatewayAddress.MaximumFrameSize}}b
              # One request, one answer: write each at once instead of waiting to batch.
              batching.enabled = false
              connection-timeout = 3s
            }
          }
          coordinated-shutdown {
            run-by-clr-shutdown-hook = off
            default-phase-timeout = 1s
          }
        }
        {{ContractSerializer.Hocon}}
        """;

    /// <summary>The gateway's answer to <paramref name="request"/>.</summary>
    public async Task<object> AskAsync(IArctlRequest request, TimeSpan timeout, RouterAddress router)
    {
        var answer = _gateway.Ask<object>(request, timeout);
        var unreachable = _association.FailedOrSilent(_connectTimeout);
        var first = await Task.WhenAny(answer, unreachable);
        if (first == unreachable && await unreachable)
        {
            throw new RouterUnreachableException(
                $"router at {_router} is not reachable: its control endpoint did not answer (waited up to {_connectTimeout.TotalSeconds:0.#} s; is it running? is the address right? set it with --router HOST:PORT or ARCTL_ROUTER)");
        }
        try
        {
            return await answer;
        }
        catch (AskTimeoutException)
        {
            throw new RouterUnreachableException($"router at {router} did not answer within {timeout.TotalSeconds:0.#} s");
        }
    }

    public ValueTask DisposeAsync() => new(TerminateAsync(_system));

    private static async Task TerminateAsync(ActorSystem system) =>
        await Task.WhenAny(system.Terminate(), Task.Delay(ShutdownLimit));

    /// <summary>Remoting's lifecycle events about the router's address: associated, or failed.</summary>
    private sealed class AssociationWatch
    {
        private readonly TaskCompletionSource<bool> _associated = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<bool> _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public static AssociationWatch Start(ActorSystem system, Address router)
        {
            var watch = new AssociationWatch();
            var listener = system.ActorOf(Props.Create(() => new Listener(router, watch._associated, watch._failed)));
            system.EventStream.Subscribe(listener, typeof(RemotingLifecycleEvent));
            return watch;
        }

        /// <summary>True once the connection failed, or when it was not established within <paramref name="limit"/>; never completes otherwise.</summary>
        public async Task<bool> FailedOrSilent(TimeSpan limit)
        {
            var first = await Task.WhenAny(_associated.Task, _failed.Task, Task.Delay(limit));
            if (first == _associated.Task)
            {
                await _failed.Task;
            }
            return true;
        }

        private sealed class Listener : ReceiveActor
        {
            public Listener(Address router, TaskCompletionSource<bool> associated, TaskCompletionSource<bool> failed)
            {
                Receive<AssociatedEvent>(e => e.RemoteAddress == router, _ => associated.TrySetResult(true));
                Receive<AssociationErrorEvent>(e => e.RemoteAddress == router, _ => failed.TrySetResult(true));
                Receive<DisassociatedEvent>(e => e.RemoteAddress == router && !associated.Task.IsCompleted, _ => failed.TrySetResult(true));
                ReceiveAny(_ => { });
            }
        }
    }
}

/// <summary><c>HOST:PORT</c> of a router's control endpoint.</summary>
public sealed record RouterAddress(string Host, int Port)
{
    public static readonly RouterAddress Default = new("127.0.0.1", CommandGatewayAddress.DefaultPort);

    public static RouterAddress Parse(string text)
    {
        var colon = text.LastIndexOf(':');
        var host = colon < 0 ? text : text[..colon];
        var port = CommandGatewayAddress.DefaultPort;
        if (colon >= 0 && (!int.TryParse(text[(colon + 1)..], out port) || port is < 1 or > 65535))
        {
            throw new UsageException($"'{text}' is not a router address HOST:PORT (port 1..65535)");
        }
        if (string.IsNullOrWhiteSpace(host))
        {
            throw new UsageException($"'{text}' is not a router address HOST:PORT");
        }
        host = host.Trim('[', ']');
        // Akka.Remote drops messages addressed to any other name than the one the router bound, and
        // the router binds loopback as 127.0.0.1 by default.
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            host = "127.0.0.1";
        }
        return new RouterAddress(host, port);
    }

    public override string ToString() => $"{Host}:{Port}";
}
