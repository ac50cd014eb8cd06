using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.Host;

namespace ActorRouter.Cli.Tests;

/// <summary>The control endpoint's security: loopback by default, mutual TLS pinned to the configured certificate otherwise.</summary>
public sealed class TlsTests : IDisposable
{
    private const string Password = "arctl-test";
    private readonly string _directory = Directory.CreateTempSubdirectory("arctl-tls-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string SelfSignedCertificate(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var path = Path.Combine(_directory, name + ".pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, Password));
        return path;
    }

    private string ConfigWithControl(string control)
    {
        var path = Path.Combine(_directory, "router.conf");
        File.WriteAllText(path, RouterConfigLoader.ReadEmbeddedDefaultText() + "\nactorrouter.control " + control + "\n");
        return path;
    }

    [Fact]
    public async Task A_non_loopback_control_address_without_a_certificate_makes_the_host_refuse_to_start_with_exit_2()
    {
        var path = ConfigWithControl("{ hostname = \"0.0.0.0\", port = 0 }");
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var code = await RouterHost.RunAsync(["--config", path], stdout, stderr);

        Assert.Equal(2, code);
        Assert.Equal(
            $"{path}: actorrouter.control: control.hostname = \"0.0.0.0\" is not a loopback address: a control endpoint reachable from the network needs TLS with client certificates (set actorrouter.control.tls.certificate-path), or listen on 127.0.0.1",
            stderr.ToString().TrimEnd());
        Assert.Equal("", stdout.ToString());
    }

    [Fact]
    public async Task A_certificate_that_cannot_be_loaded_makes_the_host_refuse_to_start_with_exit_2()
    {
        var missing = Path.Combine(_directory, "missing.pfx");
        var path = ConfigWithControl($"{{ hostname = \"0.0.0.0\", port = 0, tls {{ certificate-path = \"{missing}\" }} }}");
        var stderr = new StringWriter();

        var code = await RouterHost.RunAsync(["--config", path], new StringWriter(), stderr);

        Assert.Equal(2, code);
        Assert.StartsWith($"{path}: actorrouter.control: control.tls.certificate-path: cannot load {missing}:", stderr.ToString());
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("localhost", true)]
    [InlineData("::1", true)]
    [InlineData("0.0.0.0", false)]
    [InlineData("192.0.2.1", false)]
    public void Only_loopback_addresses_count_as_loopback(string hostname, bool loopback)
    {
        Assert.Equal(loopback, ControlEndpoint.IsLoopback(hostname));
        Assert.Equal(loopback, ControlEndpoint.WhyRefused(new ControlConfig(hostname, 0, null)) is null);
    }

    [Fact]
    public async Task With_tls_only_a_client_presenting_the_router_certificate_gets_an_answer()
    {
        var certificate = SelfSignedCertificate("router");
        var other = SelfSignedCertificate("intruder");
        var config = InProcessRouter.EmbeddedDefault() with { Control = new ControlConfig("127.0.0.1", 0, new TlsConfig(certificate, Password)) };
        await using var router = await InProcessRouter.StartAsync(config);
        Assert.Contains("control: arctl endpoint akka.ssl.tcp://actorrouter@127.0.0.1:", router.HostOutput);
        Assert.Contains("(TLS, mutual certificate authentication)", router.HostOutput);

        var trusted = await router.ArctlAsync("show", "ip", "interface", "brief", "--cert", certificate, "--cert-password", Password);
        var noCertificate = await router.ArctlAsync("show", "ip", "interface", "brief");
        var wrongCertificate = await router.ArctlAsync("show", "ip", "interface", "brief", "--cert", other, "--cert-password", Password);

        Assert.True(trusted.ExitCode == 0, trusted.ToString());
        Assert.Equal("GigabitEthernet1       192.0.2.1       YES manual up                    up", trusted.Lines[1]);
        Assert.Equal(3, noCertificate.ExitCode);
        Assert.StartsWith($"arctl: router at {router.Router} is not reachable", noCertificate.Stderr);
        Assert.Equal(3, wrongCertificate.ExitCode);
        Assert.Equal("", wrongCertificate.Stdout);
    }

    /// <summary>The reason TLS exists: a router listening on a network address, reached with the certificate.</summary>
    [SkippableFact]
    public async Task A_router_on_a_non_loopback_address_with_tls_starts_and_answers_a_client_with_the_certificate()
    {
        var address = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == System.Net.NetworkInformation.OperationalStatus.Up)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !System.Net.IPAddress.IsLoopback(a));
        Skip.If(address is null, "this machine has no non-loopback IPv4 address");
        var certificate = SelfSignedCertificate("router");
        var config = InProcessRouter.EmbeddedDefault() with { Control = new ControlConfig(address!.ToString(), 0, new TlsConfig(certificate, Password)) };
        Assert.Null(ControlEndpoint.WhyRefused(config.Control));
        await using var router = await InProcessRouter.StartAsync(config);
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var code = await ArctlApp.RunAsync(["show", "actors", "--router", $"{address}:{router.Port}", "--cert", certificate, "--cert-password", Password],
            stdout, stderr, environment: _ => null);

        Assert.True(code == 0, stderr.ToString());
        Assert.Contains("    cli-gateway", stdout.ToString());
    }

    /// <summary>
    /// A client that accepts any router certificate, so that only the router's check of the client
    /// certificate decides: the router's own certificate gets an answer, another one does not.
    /// </summary>
    [Fact]
    public async Task The_router_itself_rejects_a_client_certificate_other_than_its_own()
    {
        var certificate = SelfSignedCertificate("router");
        var other = SelfSignedCertificate("intruder");
        var config = InProcessRouter.EmbeddedDefault() with { Control = new ControlConfig("127.0.0.1", 0, new TlsConfig(certificate, Password)) };
        await using var router = await InProcessRouter.StartAsync(config);

        Assert.True(await AnswersAsync(router, certificate, wait: 15), "the permissive client itself does not work");
        Assert.False(await AnswersAsync(router, other), "the router answered a client with a foreign certificate");
    }

    /// <param name="wait">How long to wait for an answer: generous where one is expected (TLS handshakes on a loaded machine), short where none is.</param>
    private static async Task<bool> AnswersAsync(InProcessRouter router, string clientCertificate, double wait = 3)
    {
        var x509 = X509CertificateLoader.LoadPkcs12FromFile(clientCertificate, Password, X509KeyStorageFlags.EphemeralKeySet);
        var ssl = new Akka.Remote.Transport.DotNetty.DotNettySslSetup(x509, suppressValidation: true, requireMutualAuthentication: true,
            (_, _, _, _, _) => true);
        var bootstrap = Akka.Actor.BootstrapSetup.Create().WithConfig(Akka.Configuration.ConfigurationFactory.ParseString("""
            akka.loglevel = OFF
            akka.stdout-loglevel = OFF
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0, enable-ssl = true }
            """ + ActorRouter.Control.Contracts.ContractSerializer.Hocon));
        var system = Akka.Actor.ActorSystem.Create("tls-probe", Akka.Actor.Setup.ActorSystemSetup.Create(bootstrap, ssl));
        try
        {
            // The door admits contract requests to the gateway only (no Identify): ask it one.
            var gateway = ((Akka.Actor.ExtendedActorSystem)system).Provider.ResolveActorRef(
                ActorRouter.Control.Contracts.CommandGatewayAddress.PathFor("127.0.0.1", router.Port, tls: true));
            var answer = await Akka.Actor.Futures.Ask<object>(gateway, new ActorRouter.Control.Contracts.ShowActorsRequest(), TimeSpan.FromSeconds(wait));
            return answer is ActorRouter.Control.Contracts.ActorsView;
        }
        catch (Akka.Actor.AskTimeoutException)
        {
            return false;
        }
        finally
        {
            await system.Terminate();
        }
    }
}
