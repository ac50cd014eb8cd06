using System.Net;
using ActorRouter.Control.Contracts;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Credentials;
using Akka.Remote.Transport.DotNetty;

namespace ActorRouter.Host;

/// <summary>
/// The control endpoint arctl connects to: Akka.Remote over DotNetty TCP on
/// <c>actorrouter.control.hostname:port</c>, always with mutual TLS, loopback included (a local user is
/// not trusted for being local). The router presents its endpoint certificate, issued by its own CA
/// (see <see cref="ControlCredentials"/>); it accepts a connection only from a client whose certificate
/// chains to that CA and is not revoked, and the client accepts only a router certificate issued by
/// the CA packed in its credential. Each request is then signed by the client (see
/// <see cref="ClientAuthorizer"/>), which is how the gateway learns who is asking.
/// </summary>
public static class ControlEndpoint
{
    /// <summary>
    /// Opens (creating on first start) the credentials in the state directory.
    /// Null with <paramref name="error"/> set when they cannot be used.
    /// </summary>
    public static ClientAuthorizer? OpenAuthorizer(ControlConfig control, out string? error)
    {
        error = null;
        string? password = null;
        if (control.KeyPassword is { } secret)
        {
            password = secret.Read(out var secretError);
            if (password is null)
            {
                error = $"control.key-password: {secretError}";
                return null;
            }
        }
        var directory = StateDirectory(control);
        try
        {
            var credentials = ControlCredentials.OpenOrCreate(directory, control.ReadOnlyGroup, password, [control.Hostname, Dns.GetHostName()]);
            return new ClientAuthorizer(credentials);
        }
        catch (CredentialException e)
        {
            error = e.Message;
            return null;
        }
    }

    /// <summary>The configured state directory, else the platform default (<see cref="ControlStateDirectory"/>).</summary>
    public static string StateDirectory(ControlConfig control) =>
        control.StateDirectory ?? ControlStateDirectory.Default(Environment.GetEnvironmentVariable, Environment.IsPrivilegedProcess);

    public static bool IsLoopback(string hostname) =>
        string.Equals(hostname, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(hostname, out var address) && IPAddress.IsLoopback(address));

    /// <summary>The remoting HOCON for the endpoint (the TLS material itself goes in through <see cref="SslSetup"/>).</summary>
    public static string Hocon(ControlConfig control) => $$"""
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp {
          hostname = "{{control.Hostname}}"
          port = {{control.Port}}
          enable-ssl = true
          # On Linux Akka sets SO_REUSEADDR by default, and a second router on the same port then binds
          # too and shares the connections; a port in use must be an error instead.
          tcp-reuse-addr = off
        }
        # arctl connects, asks one thing and leaves; its going away is not worth a warning each time.
        akka.remote.log-remote-lifecycle-events = off
        # The one door (ControlDoor): every inbound frame is checked before Akka decodes it; only
        # contract messages to the command gateway pass. A frame larger than the limit closes the
        # connection that sent it.
        akka.remote.dot-netty.tcp.applied-adapters = ["{{ControlDoorProvider.AdapterName}}"]
        # Akka reads this value with its quotes kept, so it is written unquoted; the quoted comma
        # joins the two halves into "Type,Assembly" (an unquoted comma would end the value).
        akka.remote.adapters.{{ControlDoorProvider.AdapterName}} = {{typeof(ControlDoorProvider).FullName}}","{{typeof(ControlDoorProvider).Assembly.GetName().Name}}
        # No flush batching on the control endpoint. DotNetty's TLS handler hands up a record that
        # arrived while its own handshake bookkeeping was still finishing (arctl's associate, sent the
        # moment arctl has the router's Finished) as a read with no read-complete after it; Akka's
        # batching handler then counts a read as in progress and holds every flush, the router's
        # associate reply included, until the next read completes: arctl's next packet, which never
        # comes while it waits for that reply. Commands are a few small frames; batching saves nothing.
        akka.remote.dot-netty.tcp.batching.enabled = off
        akka.remote.dot-netty.tcp.maximum-frame-size = {{CommandGatewayAddress.MaximumFrameSize}}b
        # Behind the door, untrusted mode stays on as a second line.
        akka.remote.untrusted-mode = on
        akka.remote.trusted-selection-paths = ["{{CommandGatewayAddress.ActorPath}}"]
        {{ContractSerializer.Hocon}}
        """;

    /// <summary>
    /// Mutual TLS under the router's CA: the system trust store plays no part; a client certificate is
    /// accepted when it chains to the router's CA, is valid now, is not revoked and carries a client role.
    /// Each refusal is counted and logged by the authorizer with the peer's address.
    /// </summary>
    public static DotNettySslSetup SslSetup(ClientAuthorizer authorizer) =>
        new(authorizer.Credentials.EndpointCertificate, suppressValidation: false, requireMutualAuthentication: true,
            (certificate, _, peer, _, _) => authorizer.AcceptConnection(certificate, peer ?? "unknown peer"));

    public static string GatewayPath(ControlConfig control, int boundPort) =>
        CommandGatewayAddress.PathFor(control.Hostname, boundPort, tls: true);
}
