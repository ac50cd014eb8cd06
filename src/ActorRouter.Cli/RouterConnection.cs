using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ActorRouter.Control.Contracts;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Remote.Transport.DotNetty;

namespace ActorRouter.Cli;

/// <summary>The router could not be reached or did not answer in time (exit code 3).</summary>
public sealed class RouterUnreachableException(string message) : Exception(message);

/// <summary>The credential cannot be read, or the router (or arctl, of the router) refused it (exit code 4).</summary>
public sealed class NotAuthorisedException(string message) : Exception(message);

/// <summary>Where arctl's client credential is: a PKCS#12 file with the client certificate, its key and the router's CA certificate.</summary>
public sealed record ClientCertificate(string Path, string? Password);

/// <summary>A client credential in memory: the certificate with its ECDSA key, and the CA that must have issued the router's certificate.</summary>
public sealed class LoadedCredential : IDisposable
{
    private LoadedCredential(string path, X509Certificate2 certificate, ECDsa key, X509Certificate2 ca)
    {
        Path = path;
        Certificate = certificate;
        Key = key;
        Ca = ca;
    }

    public string Path { get; }
    public X509Certificate2 Certificate { get; }
    public ECDsa Key { get; }
    public X509Certificate2 Ca { get; }

    /// <exception cref="UnauthorizedAccessException">The file is not readable by this user.</exception>
    /// <exception cref="IOException">It does not exist or cannot be read.</exception>
    /// <exception cref="CryptographicException">It is not a credential arctl can use; the message says why.</exception>
    public static LoadedCredential Load(ClientCertificate file)
    {
        // Read first: the loader reports a file it may not read as a cryptographic error, and that is a different answer (exit 4).
        var bytes = File.ReadAllBytes(file.Path);
        var collection = X509CertificateLoader.LoadPkcs12Collection(bytes, file.Password, X509KeyStorageFlags.EphemeralKeySet);
        var certificate = collection.FirstOrDefault(c => c.HasPrivateKey)
            ?? throw new CryptographicException("it holds no certificate with a private key");
        var key = certificate.GetECDsaPrivateKey()
            ?? throw new CryptographicException("its key is not an ECDSA key (credentials come from the router's state directory or 'arctl credentials issue')");
        var ca = collection.FirstOrDefault(c => !c.HasPrivateKey && c.SubjectName.RawData.AsSpan().SequenceEqual(c.IssuerName.RawData))
            ?? throw new CryptographicException("it holds no CA certificate to check the router with (credentials come from the router's state directory or 'arctl credentials issue')");
        return new LoadedCredential(file.Path, certificate, key, ca);
    }

    /// <summary><paramref name="request"/> signed with this credential's key (see <see cref="SignedRequest"/>).</summary>
    public SignedRequest Sign(IArctlRequest request)
    {
        var issuedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var nonce = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var signature = Key.SignData(RequestSigning.BytesToSign(request, issuedAt, nonce), HashAlgorithmName.SHA256);
        return new SignedRequest(request, Certificate.RawData, issuedAt, nonce, signature);
    }

    public void Dispose()
    {
        Key.Dispose();
        Certificate.Dispose();
        Ca.Dispose();
    }
}

/// <summary>
/// One TLS handshake with the router's endpoint, made only after Akka failed to connect, to tell the
/// user why: nothing listens, the endpoint is not this credential's router, or the router refused the
/// credential. Under TLS 1.3 the server checks the client certificate after the client considers the
/// handshake done, and says no by closing the connection; a server that accepted waits for Akka's own
/// handshake instead, so a short read tells the two apart.
/// </summary>
internal static class TlsProbe
{
    public enum Outcome { Unreachable, RouterNotOfThisCa, CredentialRefused, Accepted }

    public static async Task<Outcome> RunAsync(RouterAddress router, LoadedCredential credential, TimeSpan limit)
    {
        using var cancel = new CancellationTokenSource(limit);
        var routerIsOurs = false;
        try
        {
            using var tcp = new System.Net.Sockets.TcpClient();
            await tcp.ConnectAsync(router.Host, router.Port, cancel.Token);
            await using var tls = new System.Net.Security.SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
            await tls.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions
            {
                TargetHost = router.Host,
                ClientCertificates = [credential.Certificate],
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    routerIsOurs = certificate is X509Certificate2 x509 && CertificateChecks.ChainsTo(x509, credential.Ca)
                        && CertificateChecks.NameAndRole(x509).Role == CertificateChecks.EndpointRole;
                    return routerIsOurs;
                },
            }, cancel.Token);
            using var quiet = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            using var either = CancellationTokenSource.CreateLinkedTokenSource(quiet.Token, cancel.Token);
            try
            {
                var read = await tls.ReadAsync(new byte[1], either.Token);
                return read == 0 ? Outcome.CredentialRefused : Outcome.Accepted;
            }
            catch (OperationCanceledException) when (quiet.IsCancellationRequested)
            {
                return Outcome.Accepted;
            }
        }
        catch (System.Security.Authentication.AuthenticationException)
        {
            return routerIsOurs ? Outcome.CredentialRefused : Outcome.RouterNotOfThisCa;
        }
        catch (IOException) when (routerIsOurs)
        {
            return Outcome.CredentialRefused;
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException)
        {
            return Outcome.Unreachable;
        }
    }
}

/// <summary>
/// A minimal actor system (Akka.Remote on 127.0.0.1, any free port, logging off, mutual TLS with the
/// client credential) that finds the router's command gateway and asks it one signed request at a time.
/// </summary>
public sealed class RouterConnection : IAsyncDisposable
{
    /// <summary>How long a teardown may take before arctl leaves without waiting for it.</summary>
    private static readonly TimeSpan ShutdownLimit = TimeSpan.FromSeconds(2);

    /// <summary>How long the diagnostic handshake after a failed connection may take.</summary>
    private static readonly TimeSpan ProbeLimit = TimeSpan.FromSeconds(5);

    private readonly ActorSystem _system;
    private readonly IActorRef _gateway;
    private readonly LoadedCredential _credential;

    private RouterConnection(ActorSystem system, IActorRef gateway, LoadedCredential credential)
    {
        _system = system;
        _gateway = gateway;
        _credential = credential;
    }

    /// <summary>What arctl's TLS check made of the router's certificate, to tell a refusal from an absent router.</summary>
    private sealed class RouterCheck
    {
        public volatile bool Accepted;
        public volatile bool Rejected;
    }

    public static async Task<RouterConnection> ConnectAsync(RouterAddress router, TimeSpan timeout, LoadedCredential credential)
    {
        var setup = BootstrapSetup.Create().WithConfig(ConfigurationFactory.ParseString(Hocon(tls: true)));
        var check = new RouterCheck();
        // The router is authenticated by its certificate being issued by the CA packed in our credential,
        // with the endpoint role: a certificate from another CA, or a client credential of the same CA, is not the router.
        var ssl = new DotNettySslSetup(credential.Certificate, suppressValidation: false, requireMutualAuthentication: true,
            (certificate, _, _, _, _) =>
            {
                var isRouter = certificate is not null && CertificateChecks.ChainsTo(certificate, credential.Ca)
                    && CertificateChecks.NameAndRole(certificate).Role == CertificateChecks.EndpointRole;
                if (isRouter)
                {
                    check.Accepted = true;
                }
                else
                {
                    check.Rejected = true;
                }
                return isRouter;
            });
        var system = ActorSystem.Create("arctl", ActorSystemSetup.Create(setup).And(ssl));
        try
        {
            var path = CommandGatewayAddress.PathFor(router.Host, router.Port, tls: true);
            var gateway = await system.ActorSelection(path).ResolveOne(timeout);
            return new RouterConnection(system, gateway, credential);
        }
        catch (Exception e) when (e is ActorNotFoundException or TimeoutException or AskTimeoutException or Akka.Remote.RemoteTransportException)
        {
            await TerminateAsync(system);
            if (check.Rejected)
            {
                throw new NotAuthorisedException(
                    $"not authorised: the endpoint at {router} presented a certificate that was not issued by the CA in {credential.Path}: it is not the router this credential belongs to");
            }
            // Akka does not say why an association failed; one plain TLS handshake does.
            var probe = await TlsProbe.RunAsync(router, credential, ProbeLimit);
            if (probe == TlsProbe.Outcome.RouterNotOfThisCa)
            {
                throw new NotAuthorisedException(
                    $"not authorised: the endpoint at {router} presented a certificate that was not issued by the CA in {credential.Path}: it is not the router this credential belongs to");
            }
            if (probe == TlsProbe.Outcome.CredentialRefused)
            {
                throw new NotAuthorisedException(
                    $"not authorised: the router at {router} refused the credential {credential.Path} (not issued by its CA, revoked, or expired)");
            }
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
            return await _gateway.Ask<object>(_credential.Sign(request), timeout);
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
