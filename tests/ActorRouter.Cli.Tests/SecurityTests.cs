using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ActorRouter.Control.Contracts;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Credentials;
using ActorRouter.Host;

namespace ActorRouter.Cli.Tests;

/// <summary>
/// The control endpoint's security, in-process: mutual TLS under the router's own CA, identities and
/// roles from signed requests, issue and revoke, and what is counted when something is refused.
/// </summary>
public sealed class SecurityTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("arctl-sec-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Only_a_client_with_a_credential_of_the_routers_ca_gets_an_answer()
    {
        await using var router = await InProcessRouter.StartAsync();
        Assert.Contains($"control: arctl endpoint akka.ssl.tcp://actorrouter@127.0.0.1:{router.Port}/user/control/cli-gateway (mutual TLS under the router's CA; credentials in {router.StateDirectory})",
            router.HostOutput);

        var trusted = await router.ArctlAsync("show", "ip", "interface", "brief");
        var foreign = await router.ArctlAsync("show", "ip", "interface", "brief", "--cert", TestCredentials.ForeignAdmin);

        Assert.True(trusted.ExitCode == 0, trusted.ToString());
        Assert.Equal("GigabitEthernet1       192.0.2.1       YES manual up                    up", trusted.Lines[1]);
        Assert.Equal(4, foreign.ExitCode);
        Assert.Equal("", foreign.Stdout);
        Assert.Equal($"arctl: not authorised: the endpoint at {router.Router} presented a certificate that was not issued by the CA in {TestCredentials.ForeignAdmin}: it is not the router this credential belongs to",
            foreign.Stderr.TrimEnd());
    }

    /// <summary>A client that accepts any router, so only the router's own check of the client certificate decides.</summary>
    [Fact]
    public async Task The_router_refuses_the_connection_of_a_certificate_from_another_ca_and_counts_it()
    {
        await using var router = await InProcessRouter.StartAsync();

        Assert.True(await AnswersAsync(router, router.AdminCredential, wait: 20), "the permissive client itself does not work");
        Assert.False(await AnswersAsync(router, TestCredentials.ForeignAdmin), "the router answered a client with a foreign certificate");

        var clients = await router.ArctlAsync("show", "control", "clients", "--json");
        Assert.Equal(0, clients.ExitCode);
        var view = System.Text.Json.JsonSerializer.Deserialize<ControlClientsView>(clients.Stdout, ReplyFormatter.JsonOptions)!;
        Assert.True(view.Refusals.Single(r => r.Reason == "connection: certificate not issued by this router's CA").Count >= 1);
        Assert.Contains(router.HostOutput.Split('\n'), l => l.Contains("control: refused ") && l.Contains("certificate not issued by this router's CA"));
    }

    [Fact]
    public async Task A_read_only_credential_may_show_but_not_change_and_the_refusal_is_counted()
    {
        await using var router = await InProcessRouter.StartAsync();
        var readOnly = Path.Combine(_directory, "ops.p12");

        var issue = await router.ArctlAsync("credentials", "issue", "ops", "--role", "read-only", "--out", readOnly);
        Assert.True(issue.ExitCode == 0, issue.ToString());
        Assert.StartsWith($"issued credential 'ops' (role read-only, serial ", issue.Stdout);
        Assert.EndsWith($") to {readOnly}", issue.Stdout.TrimEnd());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(readOnly));

        var show = await router.ArctlAsync("show", "interfaces", "gi1", "--cert", readOnly);
        var shutdown = await router.ArctlAsync("interface", "gi1", "shutdown", "--cert", readOnly);
        var write = await router.ArctlAsync("write", "memory", "--cert", readOnly);
        var issueMore = await router.ArctlAsync("credentials", "issue", "eve", "--role", "admin", "--out", Path.Combine(_directory, "eve.p12"), "--cert", readOnly);

        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Equal("GigabitEthernet1 is up, line protocol is up", show.Lines[0]);
        Assert.Equal((4, "% not authorised: credential 'ops' has role read-only, and SetShutdown needs role admin"), (shutdown.ExitCode, shutdown.Stderr.TrimEnd()));
        Assert.Equal((4, "% not authorised: credential 'ops' has role read-only, and WriteMemory needs role admin"), (write.ExitCode, write.Stderr.TrimEnd()));
        Assert.Equal((4, "% not authorised: credential 'ops' has role read-only, and IssueCredential needs role admin"), (issueMore.ExitCode, issueMore.Stderr.TrimEnd()));
        Assert.False(File.Exists(Path.Combine(_directory, "eve.p12")));
        // Nothing changed.
        Assert.Equal("GigabitEthernet1 is up, line protocol is up", (await router.ArctlAsync("show", "interfaces", "gi1")).Lines[0]);

        var clients = await router.ArctlAsync("show", "control", "clients");
        Assert.Contains("Refused attempts by reason:", clients.Lines);
        Assert.Contains("         1  role read-only may not SetShutdown", clients.Lines);
        Assert.Contains("         1  role read-only may not WriteMemory", clients.Lines);
        Assert.Contains("         1  role read-only may not IssueCredential", clients.Lines);
        Assert.Contains(clients.Lines, l => l.StartsWith("admin                admin       ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_revoked_credential_is_refused_at_once_and_the_revocation_survives_a_restart()
    {
        var state = Path.Combine(_directory, "state");
        var config = InProcessRouter.EmbeddedDefault();
        config = config with { Control = config.Control with { StateDirectory = state } };
        var ops = Path.Combine(_directory, "ops.p12");
        await using (var router = await InProcessRouter.StartAsync(config))
        {
            Assert.Equal(0, (await router.ArctlAsync("credentials", "issue", "ops", "--role", "admin", "--out", ops)).ExitCode);
            Assert.Equal(0, (await router.ArctlAsync("show", "actors", "--cert", ops)).ExitCode);

            var revoke = await router.ArctlAsync("credentials", "revoke", "ops");
            var after = await router.ArctlAsync("show", "actors", "--cert", ops);
            var self = await router.ArctlAsync("credentials", "revoke", "admin");
            var unknown = await router.ArctlAsync("credentials", "revoke", "nobody-here");

            Assert.Equal((0, "revoked 1 certificate(s) of 'ops'; new connections and requests with them are refused"), (revoke.ExitCode, revoke.Stdout.TrimEnd()));
            Assert.Equal(4, after.ExitCode);
            Assert.Equal("", after.Stdout);
            Assert.StartsWith("arctl: not authorised: the router at ", after.Stderr);
            Assert.Equal((1, "% 'admin' is the credential this request is signed with; revoke it with another admin credential"), (self.ExitCode, self.Stderr.TrimEnd()));
            Assert.Equal((1, "% no credential named 'nobody-here' was issued by this router"), (unknown.ExitCode, unknown.Stderr.TrimEnd()));
            var clients = await router.ArctlAsync("show", "control", "clients");
            Assert.Contains(clients.Lines, l => l.EndsWith("  connection: certificate revoked", StringComparison.Ordinal));
        }

        await using var restarted = await InProcessRouter.StartAsync(config);
        Assert.Equal(4, (await restarted.ArctlAsync("show", "actors", "--cert", ops)).ExitCode);
        Assert.Equal(0, (await restarted.ArctlAsync("show", "actors")).ExitCode);
    }

    [Fact]
    public void The_state_directory_is_created_0700_with_0600_files_and_reused_on_the_next_start()
    {
        var state = Path.Combine(_directory, "state");

        var first = ControlCredentials.OpenOrCreate(state, null, null, ["127.0.0.1"]);
        var second = ControlCredentials.OpenOrCreate(state, null, null, ["127.0.0.1"]);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(state));
        Assert.Equal(["admin.p12", "ca.p12", "endpoint.p12", "issued.tsv"], Directory.GetFiles(state).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var file in Directory.GetFiles(state))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
        Assert.Equal(first.CaCertificate.Thumbprint, second.CaCertificate.Thumbprint);
        Assert.Equal(first.EndpointCertificate.Thumbprint, second.EndpointCertificate.Thumbprint);
        using var admin = LoadedCredential.Load(new ClientCertificate(Path.Combine(state, "admin.p12"), null));
        Assert.Equal(new ClientIdentity("admin", "admin", admin.Certificate.SerialNumber), second.Verify(admin.Certificate, out var reason));
        Assert.Null(reason);
        Assert.Equal(first.CaCertificate.Thumbprint, admin.Ca.Thumbprint);
    }

    [SkippableFact]
    public void With_a_read_only_group_the_read_only_credential_is_0640_of_that_group_in_a_0750_directory_and_the_rest_stays_private()
    {
        Skip.IfNot(Environment.IsPrivilegedProcess, "giving a file to a group needs root");
        var state = Path.Combine(_directory, "state");

        ControlCredentials.OpenOrCreate(state, "nogroup", null, []);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute, File.GetUnixFileMode(state));
        var readOnly = Path.Combine(state, "read-only.p12");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(readOnly));
        Assert.Equal(65534, UnixAccounts.Owner(readOnly).GroupId);
        foreach (var file in new[] { "admin.p12", "ca.p12", "endpoint.p12", "issued.tsv" })
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(state, file)));
        }
        using var credential = LoadedCredential.Load(new ClientCertificate(readOnly, null));
        Assert.Equal(("read-only", "read-only"), CertificateChecks.NameAndRole(credential.Certificate));
        Assert.Throws<CredentialException>(() => ControlCredentials.OpenOrCreate(Path.Combine(_directory, "other"), "no-such-group-here", null, []));
    }

    // ---- the signed request, checked by the authorizer alone -------------------------------------

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void A_signed_request_is_admitted_once_a_replay_a_tampered_request_a_stale_one_and_an_unsigned_one_are_refused_and_counted()
    {
        var credentials = ControlCredentials.OpenOrCreate(Path.Combine(_directory, "state"), null, null, []);
        var time = new FixedTime(DateTimeOffset.UtcNow);
        var authorizer = new ClientAuthorizer(credentials, time);
        using var admin = LoadedCredential.Load(new ClientCertificate(Path.Combine(credentials.Directory, "admin.p12"), null));
        using var foreign = LoadedCredential.Load(new ClientCertificate(TestCredentials.ForeignAdmin, null));
        const string Peer = "akka.ssl.tcp://arctl@127.0.0.1:40000";

        var signed = admin.Sign(new SetMtuRequest("gi1", 1400));
        Assert.Equal("admin", authorizer.Admit(signed, Peer, out var refusal)?.Name);
        Assert.Null(refusal);

        Assert.Null(authorizer.Admit(signed, Peer, out refusal));
        Assert.Equal("replayed request", refusal);
        Assert.Null(authorizer.Admit(admin.Sign(new SetMtuRequest("gi1", 1400)) with { Request = new SetMtuRequest("gi1", 9000) }, Peer, out refusal));
        Assert.Equal("bad request signature", refusal);
        Assert.Null(authorizer.Admit(foreign.Sign(new ShowActorsRequest()), Peer, out refusal));
        Assert.Equal("certificate not issued by this router's CA", refusal);
        var early = admin.Sign(new ShowActorsRequest());
        // Well past the window, whatever time the signing itself took on a loaded machine.
        time.Now += ClientAuthorizer.ClockWindow + TimeSpan.FromMinutes(1);
        Assert.Null(authorizer.Admit(early, Peer, out refusal));
        Assert.StartsWith("request signed at ", refusal);
        authorizer.RefuseUnsigned(new ShowActorsRequest(), Peer);
        Assert.Null(authorizer.Admit(new SignedRequest(null!, null!, 0, null!, null!), Peer, out refusal));
        Assert.Equal("malformed signed request", refusal);

        var view = authorizer.View();
        Assert.Equal(
            [
                new RefusalCountView("bad request signature", 1),
                new RefusalCountView("certificate not issued by this router's CA", 1),
                new RefusalCountView("malformed signed request", 1),
                new RefusalCountView("replayed request", 1),
                new RefusalCountView("request outside the clock window", 1),
                new RefusalCountView("unsigned request", 1),
            ],
            view.Refusals);
        Assert.Equal([new ControlClientView("admin", "admin", Peer, 1, view.Clients[0].LastSeen)], view.Clients);
        Assert.All(view.RecentRefusals, l => Assert.Contains(Peer, l));
    }

    [Theory]
    [InlineData(typeof(ShowRunningConfigRequest), true)]
    [InlineData(typeof(ShowControlClientsRequest), true)]
    [InlineData(typeof(ShowIpRouteRequest), true)]
    [InlineData(typeof(ClearCountersRequest), false)]
    [InlineData(typeof(WriteMemoryRequest), false)]
    [InlineData(typeof(DebugFaultRequest), false)]
    [InlineData(typeof(RevokeCredentialRequest), false)]
    [InlineData(typeof(SetShutdownRequest), false)]
    [InlineData(typeof(AddRouteRequest), false)]
    [InlineData(typeof(ShowPacketTraceRequest), true)]
    [InlineData(typeof(ShowPlatformRuntimeRequest), true)]
    [InlineData(typeof(DebugPacketTraceRequest), false)]
    [InlineData(typeof(ClearPacketTraceRequest), false)]
    [InlineData(typeof(ClearPlatformRuntimeRequest), false)]
    public void Only_show_requests_are_allowed_to_the_read_only_role(Type request, bool allowed)
    {
        var instance = (IArctlRequest)System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(request);
        Assert.Equal(allowed, ClientAuthorizer.WhyNotAllowed(new ClientIdentity("ops", ClientRoles.ReadOnly, "01"), instance) is null);
        Assert.Null(ClientAuthorizer.WhyNotAllowed(new ClientIdentity("root", ClientRoles.Admin, "02"), instance));
    }

    [Fact]
    public async Task A_state_directory_that_cannot_be_created_makes_the_host_refuse_to_start_with_exit_2()
    {
        var blocker = Path.Combine(_directory, "file");
        File.WriteAllText(blocker, "");
        var stderr = new StringWriter();

        var code = await RouterHost.RunAsync(["--control-port", "0", "--state-directory", Path.Combine(blocker, "state")], new StringWriter(), stderr);

        Assert.Equal(2, code);
        Assert.StartsWith($"{RouterConfigLoader.EmbeddedSourceName}: actorrouter.control: control credentials in {Path.Combine(blocker, "state")}: ", stderr.ToString());
    }

    /// <summary>The reason TLS exists: a router listening on a network address, reached with its credential.</summary>
    [SkippableFact]
    public async Task A_router_on_a_non_loopback_address_answers_a_client_with_its_credential()
    {
        var address = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == System.Net.NetworkInformation.OperationalStatus.Up)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !System.Net.IPAddress.IsLoopback(a));
        Skip.If(address is null, "this machine has no non-loopback IPv4 address");
        var config = InProcessRouter.EmbeddedDefault() with { Control = new ControlConfig(address!.ToString(), 0) };
        await using var router = await InProcessRouter.StartAsync(config);
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var code = await ArctlApp.RunAsync(["show", "actors", "--router", $"{address}:{router.Port}", "--cert", router.AdminCredential, "--timeout", InProcessRouter.ConnectTimeoutSeconds],
            stdout, stderr, environment: _ => null);

        Assert.True(code == 0, stderr.ToString());
        Assert.Contains("    cli-gateway", stdout.ToString());
    }

    /// <param name="wait">How long to wait for an answer: generous where one is expected (TLS handshakes on a loaded machine), short where none is.</param>
    private static async Task<bool> AnswersAsync(InProcessRouter router, string clientCredential, double wait = 3)
    {
        using var credential = LoadedCredential.Load(new ClientCertificate(clientCredential, null));
        var ssl = new Akka.Remote.Transport.DotNetty.DotNettySslSetup(credential.Certificate, suppressValidation: true, requireMutualAuthentication: true,
            (_, _, _, _, _) => true);
        // The contract serializer on this side too: the door passes only contract messages to the gateway
        // (a selection's Identify is dropped), so the probe asks the gateway a signed request directly.
        var bootstrap = Akka.Actor.BootstrapSetup.Create().WithConfig(Akka.Configuration.ConfigurationFactory.ParseString($$"""
            akka.loglevel = OFF
            akka.stdout-loglevel = OFF
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0, enable-ssl = true }
            {{ContractSerializer.Hocon}}
            """));
        var system = Akka.Actor.ActorSystem.Create("tls-probe", Akka.Actor.Setup.ActorSystemSetup.Create(bootstrap, ssl));
        try
        {
            var gateway = ((Akka.Actor.ExtendedActorSystem)system).Provider.ResolveActorRef(CommandGatewayAddress.PathFor("127.0.0.1", router.Port, tls: true));
            var reply = await Akka.Actor.Futures.Ask<object>(gateway, credential.Sign(new ShowIpInterfaceBriefRequest()), TimeSpan.FromSeconds(wait));
            return reply is InterfacesView;
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
