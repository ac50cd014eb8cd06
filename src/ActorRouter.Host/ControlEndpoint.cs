using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ActorRouter.Control.Contracts;
using ActorRouter.ControlPlane.Configuration;
using Akka.Remote.Transport.DotNetty;

namespace ActorRouter.Host;

/// <summary>
/// The control endpoint arctl connects to: Akka.Remote over DotNetty TCP on
/// <c>actorrouter.control.hostname:port</c>. On a loopback address it is plain TCP (only local users
/// reach it). Any other address requires <c>control.tls</c>: TLS with mutual authentication, where
/// both ends must present the configured certificate — the host accepts a client only if the
/// certificate it presents is that very certificate (pinned by thumbprint) and the TLS handshake
/// proves the client holds its private key; the client checks the host the same way.
/// </summary>
public static class ControlEndpoint
{
    /// <summary>Why this control configuration must not be started, or null when it may.</summary>
    public static string? WhyRefused(ControlConfig control)
    {
        if (control.Tls is null && !IsLoopback(control.Hostname))
        {
            return $"control.hostname = \"{control.Hostname}\" is not a loopback address: a control endpoint reachable from the network needs TLS with client certificates (set actorrouter.control.tls.certificate-path), or listen on 127.0.0.1";
        }
        if (control.Tls is { } tls)
        {
            try
            {
                using var certificate = LoadCertificate(tls);
                if (!certificate.HasPrivateKey)
                {
                    return $"control.tls.certificate-path: {tls.CertificatePath} has no private key";
                }
            }
            catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
            {
                return $"control.tls.certificate-path: cannot load {tls.CertificatePath}: {e.Message}";
            }
        }
        return null;
    }

    public static bool IsLoopback(string hostname) =>
        string.Equals(hostname, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(hostname, out var address) && IPAddress.IsLoopback(address));

    public static X509Certificate2 LoadCertificate(TlsConfig tls) =>
        X509CertificateLoader.LoadPkcs12FromFile(tls.CertificatePath, tls.CertificatePassword,
            X509KeyStorageFlags.EphemeralKeySet);

    /// <summary>The remoting HOCON for the endpoint (the TLS material itself goes in through <see cref="SslSetup"/>).</summary>
    public static string Hocon(ControlConfig control) => $$"""
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp {
          hostname = "{{control.Hostname}}"
          port = {{control.Port}}
          enable-ssl = {{(control.Tls is null ? "false" : "true")}}
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
        akka.remote.dot-netty.tcp.maximum-frame-size = {{CommandGatewayAddress.MaximumFrameSize}}b
        # Behind the door, untrusted mode stays on as a second line.
        akka.remote.untrusted-mode = on
        akka.remote.trusted-selection-paths = ["{{CommandGatewayAddress.ActorPath}}"]
        {{ContractSerializer.Hocon}}
        """;

    /// <summary>
    /// Mutual TLS pinned to the configured certificate: chain validation against the system's trust
    /// store is replaced by the thumbprint pin, so a self-signed certificate works and a certificate
    /// merely signed by some trusted CA does not.
    /// </summary>
    public static DotNettySslSetup SslSetup(TlsConfig tls)
    {
        var certificate = LoadCertificate(tls);
        return new DotNettySslSetup(certificate, suppressValidation: false, requireMutualAuthentication: true,
            CertificateValidation.PinnedCertificate(certificate.Thumbprint));
    }

    public static string GatewayPath(ControlConfig control, int boundPort) =>
        CommandGatewayAddress.PathFor(control.Hostname, boundPort, control.Tls is not null);
}
