using System.Security.Cryptography.X509Certificates;
using ActorRouter.Control.Contracts;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Remote.Transport.DotNetty;

namespace ActorRouter.Cli;

/// <summary>The router could not be reached or did not answer in time (exit code 3).</summary>
public sealed class RouterUnreachableException(string message) : Exception(message);

/// <summary>A client certificate for a router whose control endpoint uses TLS.</summary>
public sealed record ClientCertificate(string Path, string? Password);

/// <summary>
/// A minimal actor system (Akka.Remote on 127.0.0.1, any free port, logging off) that finds the
/// router's command gateway and asks it one request at a time.
/// </summary>
public sealed class RouterConnection : IAsyncDisposable
{
    /// <summary>How long a teardown may take before arctl leaves without waiting for it.</summary>
    private static readonly TimeSpan ShutdownLimit = TimeSpan.FromSeconds(2);

    private readonly ActorSystem _system;
    private readonly IActorRef _gateway;

    private RouterConnection(ActorSystem system, IActorRef gateway)
    {
        _system = system;
        _gateway = gateway;
    }

    public static async Task<RouterConnection> ConnectAsync(RouterAddress router, TimeSpan timeout, ClientCertificate? certificate)
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
        try
        {
            var path = CommandGatewayAddress.PathFor(router.Host, router.Port, certificate is not null);
            var gateway = await system.ActorSelection(path).ResolveOne(timeout);
            return new RouterConnection(system, gateway);
        }
        catch (Exception e) when (e is ActorNotFoundException or TimeoutException or AskTimeoutException or Akka.Remote.RemoteTransportException)
        {
            await TerminateAsync(system);
            throw new RouterUnreachableException(
                $"router at {router} is not reachable: its control endpoint did not answer (waited up to {timeout.TotalSeconds:0.#} s; is it running? is the address right? set it with --router HOST:PORT or ARCTL_ROUTER)");
        }
        catch
        {
            await TerminateAsync(system);
            throw;
        }
    }

    private static string Hocon(bool tls) => $$"""
        akka {
          loglevel = OFF
          stdout-loglevel = OFF
          loggers = []
          log-dead-letters = off
          log-dead-letters-during-shutdown = off
          log-config-on-start = off
          actor.provider = remote
          remote {
            log-remote-lifecycle-events = off
            dot-netty.tcp {
              hostname = "127.0.0.1"
              port = 0
              enable-ssl = {{(tls ? "true" : "false")}}
            }
          }
          coordinated-shutdown.run-by-clr-shutdown-hook = off
        }
        """;

    /// <summary>The gateway's answer to <paramref name="request"/>.</summary>
    public async Task<object> AskAsync(IArctlRequest request, TimeSpan timeout, RouterAddress router)
    {
        try
        {
            return await _gateway.Ask<object>(request, timeout);
        }
        catch (AskTimeoutException)
        {
            throw new RouterUnreachableException($"router at {router} did not answer within {timeout.TotalSeconds:0.#} s");
        }
    }

    public ValueTask DisposeAsync() => new(TerminateAsync(_system));

    private static async Task TerminateAsync(ActorSystem system) =>
        await Task.WhenAny(system.Terminate(), Task.Delay(ShutdownLimit));
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
