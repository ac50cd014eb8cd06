using System.Net.Sockets;
using System.Text;
using ActorRouter.Control.Contracts;
using ActorRouter.ControlPlane.Commands;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.DataPlane.Counters;
using Akka.Actor;
using Akka.Serialization;

namespace ActorRouter.Cli.Tests;

/// <summary>
/// A hostile client: a test actor system holding the router's own admin credential (so TLS lets it
/// in) that addresses internal actors directly, sends system messages, polymorphic JSON, forged
/// contract frames and validly signed requests to internal actors. The door must drop and count each before it reaches an actor, and the router must go on.
/// </summary>
public sealed class ControlDoorTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    /// <summary>A payload sent with any serializer id and manifest the test chooses.</summary>
    public sealed record ForgedPayload(string Manifest, byte[] Body);

    /// <summary>Claims the contract serializer's id on the hostile side, to forge manifests and bodies.</summary>
    public sealed class ForgingSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
    {
        public override int Identifier => ContractSerializer.Id;

        public override string Manifest(object o) => ((ForgedPayload)o).Manifest;

        public override byte[] ToBinary(object obj) => ((ForgedPayload)obj).Body;

        public override object FromBinary(byte[] bytes, string manifest) => new ForgedPayload(manifest, bytes);
    }

    private static ActorSystem HostileSystem(LoadedCredential credential)
    {
        var bootstrap = BootstrapSetup.Create().WithConfig(Akka.Configuration.ConfigurationFactory.ParseString($$"""
            akka.loglevel = OFF
            akka.stdout-loglevel = OFF
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0, enable-ssl = true }
            akka.actor.serializers.forging = "{{typeof(ForgingSerializer).FullName}}, {{typeof(ForgingSerializer).Assembly.GetName().Name}}"
            akka.actor.serialization-bindings."{{typeof(ForgedPayload).FullName}}, {{typeof(ForgedPayload).Assembly.GetName().Name}}" = forging
            """));
        // A valid credential of the router: the TLS layer accepts the connection.
        var ssl = new Akka.Remote.Transport.DotNetty.DotNettySslSetup(credential.Certificate, suppressValidation: true,
            requireMutualAuthentication: true, (_, _, _, _, _) => true);
        return ActorSystem.Create("hostile", Akka.Actor.Setup.ActorSystemSetup.Create(bootstrap, ssl));
    }

    /// <summary>A request signed with <paramref name="credential"/>, in the contract codec, as the gateway would accept it.</summary>
    private static ForgedPayload Signed(LoadedCredential credential, IArctlRequest request) =>
        new("SignedRequest", ContractCodec.Encode(credential.Sign(request)));

    private static long[] Counts(ControlEndpointStatistics s) =>
        Enum.GetValues<ControlDropReason>().Select(s.Dropped).ToArray();

    [Fact]
    public async Task A_hostile_client_reaches_no_actor_but_the_gateway_and_every_attempt_is_counted_while_forwarding_goes_on()
    {
        await using var router = await InProcessRouter.StartAsync();
        var statistics = ControlEndpointStatistics.For(router.ActorSystem);
        var actorsBefore = await router.ArctlAsync("show", "actors");
        Assert.True(actorsBefore.ExitCode == 0, actorsBefore.ToString());
        Assert.Contains("    fman", actorsBefore.Lines);
        Assert.Contains("    qfp-client", actorsBefore.Lines);
        var dataPlane = await router.DataPlaneAsync();
        var rxBefore = dataPlane.ReadInterfaceCounter(1, InterfaceCounter.RxPackets);
        Assert.Equal(new long[6], Counts(statistics));

        using var credential = LoadedCredential.Load(new ClientCertificate(router.AdminCredential, null));
        var hostile = HostileSystem(credential);
        try
        {
            var provider = ((ExtendedActorSystem)hostile).Provider;
            var root = $"akka.ssl.tcp://actorrouter@127.0.0.1:{router.Port}";
            foreach (var path in new[] { "/user/router", "/user/router/fman", "/user/router/qfp-client" })
            {
                var target = provider.ResolveActorRef(root + path);
                target.Tell(Kill.Instance);
                target.Tell(PoisonPill.Instance);
                target.Tell(new Identify(path));
                // Internal control-plane messages, carried by Akka's polymorphic JSON serializer.
                target.Tell(new SetInterfaceAdminState("GigabitEthernet1", false));
                target.Tell(new ApplyAdminState(1, false));
                // A validly signed admin request is still only for the gateway: elsewhere it is dropped.
                target.Tell(Signed(credential, new SetShutdownRequest("gi1", true)));
            }
            // A selection (Identify via the root) is addressed to the root, not to the gateway.
            hostile.ActorSelection(root + CommandGatewayAddress.ActorPath).Tell(new Identify(1));
            var gateway = provider.ResolveActorRef(root + CommandGatewayAddress.ActorPath);
            gateway.Tell(Kill.Instance);
            gateway.Tell(PoisonPill.Instance);
            gateway.Tell(new SetInterfaceAdminState("GigabitEthernet1", false));
            gateway.Tell(new ForgedPayload("ActorRouter.ControlPlane.Messages.SetInterfaceAdminState, ActorRouter.ControlPlane",
                Encoding.UTF8.GetBytes("""{"Name":"GigabitEthernet1","Up":false}""")));
            gateway.Tell(new ForgedPayload("SetShutdownRequest", Encoding.UTF8.GetBytes("{not json")));
            // A well-formed request whose reply would go to FMAN.
            gateway.Tell(new ForgedPayload("SetShutdownRequest", Encoding.UTF8.GetBytes("""{"Interface":"gi1","Shutdown":true}""")),
                provider.ResolveActorRef(root + "/user/router/fman"));

            long[] expected = [19, 1, 3, 1, 1, 0]; // Recipient, Sender, Serializer, Manifest, Payload, Frame
            var seen = await InProcessRouter.EventuallyAsync(() => Task.FromResult(Counts(statistics).SequenceEqual(expected)), Deadline);
            Assert.True(seen, $"dropped {string.Join(",", Counts(statistics))}, expected {string.Join(",", expected)}\n{router.HostOutput}");

            // Watching the gateway sends a Watch system message (and then heartbeats to the remote watcher): dropped too.
            var watcher = hostile.ActorOf(Props.Create(() => new Watcher(gateway)));
            Assert.True(await InProcessRouter.EventuallyAsync(
                () => Task.FromResult(statistics.Dropped(ControlDropReason.Serializer) > expected[2]), Deadline));
            hostile.Stop(watcher);
        }
        finally
        {
            await hostile.Terminate();
        }

        // Nothing changed: the same actors, every interface still up, forwarding goes on.
        var actorsAfter = await router.ArctlAsync("show", "actors");
        Assert.Equal(actorsBefore.Stdout, actorsAfter.Stdout);
        var brief = await router.ArctlAsync("show", "ip", "interface", "brief");
        Assert.True(brief.ExitCode == 0, brief.ToString());
        Assert.All(brief.Lines.Skip(1), line => Assert.Contains(" up                    up", line));
        Assert.True(await InProcessRouter.EventuallyAsync(
            () => Task.FromResult(dataPlane.ReadInterfaceCounter(1, InterfaceCounter.RxPackets) > rxBefore + 50), Deadline));

        var endpoint = await router.ArctlAsync("show", "control", "endpoint");
        Assert.True(endpoint.ExitCode == 0, endpoint.ToString());
        Assert.Contains($"    Recipient    {statistics.Dropped(ControlDropReason.Recipient)}", endpoint.Lines);
        Assert.Contains("    Manifest     1", endpoint.Lines);
        Assert.Contains("    Payload      1", endpoint.Lines);
        Assert.Contains("    Sender       1", endpoint.Lines);
    }

    private sealed class Watcher : ReceiveActor
    {
        public Watcher(IActorRef target)
        {
            Context.Watch(target);
            ReceiveAny(_ => { });
        }
    }

    [Fact]
    public async Task An_oversize_frame_closes_its_connection_and_the_router_answers_the_next_client()
    {
        await using var router = await InProcessRouter.StartAsync();
        using (var client = new TcpClient())
        {
            await client.ConnectAsync("127.0.0.1", router.Port);
            // Past TLS with a valid credential, so that it is the frame limit that closes the connection.
            using var credential = LoadedCredential.Load(new ClientCertificate(router.AdminCredential, null));
            var stream = new System.Net.Security.SslStream(client.GetStream());
            await stream.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions
            {
                TargetHost = "127.0.0.1",
                ClientCertificates = [credential.Certificate],
                RemoteCertificateValidationCallback = (_, presented, _, _) => RouterConnection.IsRouterCertificate(presented, credential.Ca),
            });
            // A length prefix (little-endian, as Akka.Remote frames) of 64 MiB, then some of the promised bytes.
            await stream.WriteAsync(new byte[] { 0x00, 0x00, 0x00, 0x04 });
            using var limit = new CancellationTokenSource(Deadline);
            try
            {
                // The router may close as soon as it has read the prefix: then this write fails (a broken pipe).
                await stream.WriteAsync(new byte[64 * 1024], limit.Token);
            }
            catch (IOException)
            {
            }
            // The router closes the connection: the read ends (0 bytes, or a reset).
            var buffer = new byte[16];
            try
            {
                while (await stream.ReadAsync(buffer, limit.Token) > 0)
                {
                }
            }
            catch (IOException)
            {
            }
            Assert.False(limit.IsCancellationRequested, "the router kept the connection of an oversize frame open");
        }
        var brief = await router.ArctlAsync("show", "ip", "interface", "brief");
        Assert.True(brief.ExitCode == 0, brief + "\n" + router.HostOutput);
        Assert.Equal(3, brief.Lines.Length);
    }

    [Fact]
    public async Task A_request_larger_than_the_frame_limit_is_not_delivered_and_the_router_goes_on()
    {
        await using var router = await InProcessRouter.StartAsync();
        var huge = Path.Combine(Path.GetTempPath(), $"door2-huge-{Guid.NewGuid():N}.conf");
        await File.WriteAllTextAsync(huge, "# " + new string('x', CommandGatewayAddress.MaximumFrameSize + 1024) + "\n");
        try
        {
            var sent = await router.ArctlAsync("qos", "define", huge);
            Assert.Equal(3, sent.ExitCode);
        }
        finally
        {
            File.Delete(huge);
        }
        var brief = await router.ArctlAsync("show", "ip", "interface", "brief");
        Assert.True(brief.ExitCode == 0, brief + "\n" + router.HostOutput);
    }

    [Fact]
    public async Task One_connection_serves_requests_before_and_after_an_idle_spell_longer_than_the_heartbeat_interval()
    {
        await using var router = await InProcessRouter.StartAsync();
        using var credential = LoadedCredential.Load(new ClientCertificate(router.AdminCredential, null));
        await using var connection = await RouterConnection.ConnectAsync(RouterAddress.Parse(router.Router), TimeSpan.FromSeconds(10), credential);
        var address = RouterAddress.Parse(router.Router);
        var first = await connection.AskAsync(new ShowIpInterfaceBriefRequest(), TimeSpan.FromSeconds(15), address);
        Assert.Equal(2, Assert.IsType<InterfacesView>(first).Interfaces.Count);
        await Task.Delay(TimeSpan.FromSeconds(9));
        var second = await connection.AskAsync(new ShowActorsRequest(), TimeSpan.FromSeconds(15), address);
        Assert.Contains("/user/control/cli-gateway", Assert.IsType<ActorsView>(second).Paths);
        var endpoint = Assert.IsType<ControlEndpointView>(await connection.AskAsync(new ShowControlEndpointRequest(), TimeSpan.FromSeconds(15), address));
        Assert.Equal(0, endpoint.Dropped.Sum(d => d.Count));
    }

    [Fact]
    public async Task Every_request_type_has_a_fixed_manifest_and_round_trips()
    {
        var requests = typeof(IArctlRequest).Assembly.GetTypes()
            .Where(t => t.IsClass && !t.IsAbstract && typeof(IArctlRequest).IsAssignableFrom(t)).ToList();
        Assert.All(requests, t => Assert.Contains(t, ContractSerializer.Types));
        var request = new SetIpAddressRequest("gi1", "192.0.2.9/24");
        var system = ActorSystem.Create("serializer-test", ContractSerializer.Hocon);
        try
        {
            var serializer = (SerializerWithStringManifest)system.Serialization.FindSerializerFor(request);
            Assert.Equal(ContractSerializer.Id, serializer.Identifier);
            var bytes = serializer.ToBinary(request);
            Assert.Equal("""{"Interface":"gi1","Address":"192.0.2.9/24"}""", Encoding.UTF8.GetString(bytes));
            Assert.Equal(request, serializer.FromBinary(bytes, serializer.Manifest(request)));
            var refused = Assert.Throws<System.Runtime.Serialization.SerializationException>(
                () => serializer.FromBinary(bytes, "System.Diagnostics.Process, System.Diagnostics.Process"));
            Assert.Equal("'System.Diagnostics.Process, System.Diagnostics.Process' is not a control contract type", refused.Message);
        }
        finally
        {
            await system.Terminate();
        }
    }
}
