using System.Diagnostics;
using ActorRouter.Control.Contracts;
using ActorRouter.ControlPlane.Commands;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.ControlPlane.Tests.ControlPlane;
using Akka.Actor;
using Xunit.Abstractions;

namespace ActorRouter.ControlPlane.Tests.Commands;

/// <summary>
/// The gateway serves requests concurrently with a bounded queue per client. FMAN is a stand-in
/// whose changes take 10 s (a slow data plane) and whose queries answer at once.
/// </summary>
public sealed class GatewayConcurrencyTests(ITestOutputHelper output) : ControlPlaneTestKit(output)
{
    private static readonly TimeSpan SlowChange = TimeSpan.FromSeconds(10);

    /// <summary>FMAN and the supervisor in one: queries answered at once, each change answered after <see cref="SlowChange"/>.</summary>
    private sealed class SlowFman : ReceiveActor
    {
        public SlowFman()
        {
            var config = TestConfigs.TwoInterfaces();
            Receive<GetControlPlaneActors>(_ => Sender.Tell(new ControlPlaneActors(Self, Self, Self)));
            Receive<GetRunningConfig>(_ => Sender.Tell(new RunningConfig(config, "actorrouter {}\n")));
            Receive<GetInterfaces>(_ => Sender.Tell(new InterfaceList([
                new InterfaceStatus("GigabitEthernet1", "mem0", 0, true, true, 1500, 1, null, 0, 0, 0, 0, 0)])));
            Receive<SetInterfaceMtu>(m => Context.System.Scheduler.ScheduleTellOnce(
                SlowChange, Sender, new CommandSucceeded($"{m.Name}: mtu {m.Mtu}"), Self));
        }
    }

    private IActorRef StartGateway(int queueCapacity = CommandGatewayActor.DefaultQueueCapacityPerClient)
    {
        var fman = Sys.ActorOf(Props.Create(() => new SlowFman()));
        return Sys.ActorOf(CommandGatewayActor.Props(fman, null, TestSigner.Authorizer(), queueCapacityPerClient: queueCapacity));
    }

    [Fact]
    public void Twenty_shows_complete_while_a_ten_second_change_is_in_flight()
    {
        var gateway = StartGateway();
        var changer = CreateTestProbe();
        var viewer = CreateTestProbe();

        gateway.Tell(TestSigner.Admin(new SetMtuRequest("gi1", 1400)), changer.Ref);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 20; i++)
        {
            gateway.Tell(TestSigner.Admin(new ShowRunningConfigRequest()), viewer.Ref);
        }
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(new RunningConfigView("(embedded default)", "actorrouter {}\n"), viewer.ExpectMsg<RunningConfigView>(TimeSpan.FromSeconds(5)));
        }
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"20 shows took {clock.Elapsed.TotalSeconds:0.0} s beside a 10 s change");
        changer.ExpectNoMsg(TimeSpan.Zero);
        Assert.Equal(new CommandDone("GigabitEthernet1: mtu 1400"), changer.ExpectMsg<CommandDone>(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public void A_client_flooding_ten_thousand_requests_is_throttled_while_another_clients_show_answers()
    {
        const int capacity = 32;
        var gateway = StartGateway(capacity);
        var flooder = CreateTestProbe();
        var other = CreateTestProbe();

        // Slow requests fill the flooder's queue; everything beyond it is refused at once.
        for (var i = 0; i < 10_000; i++)
        {
            gateway.Tell(TestSigner.Admin(new SetMtuRequest("gi1", 1400)), flooder.Ref);
        }
        gateway.Tell(TestSigner.Admin(new ShowRunningConfigRequest()), other.Ref);
        Assert.Equal(new RunningConfigView("(embedded default)", "actorrouter {}\n"), other.ExpectMsg<RunningConfigView>(TimeSpan.FromSeconds(10)));

        var refusal = new CommandRefused($"too many requests from this client: {capacity} are already running or queued; wait for their answers and try again");
        for (var i = 0; i < 10_000 - capacity; i++)
        {
            Assert.Equal(refusal, flooder.ExpectMsg<CommandRefused>(TimeSpan.FromSeconds(10)));
        }
        gateway.Tell(TestSigner.Admin(new ShowControlEndpointRequest()), other.Ref);
        var endpoint = other.ExpectMsg<ControlEndpointView>();
        Assert.Equal(capacity + 1, endpoint.RequestsAdmitted);
        Assert.Equal(10_000 - capacity, endpoint.RequestsThrottled);
        Assert.Equal(capacity, endpoint.QueueCapacityPerClient);
        Assert.Equal(1, endpoint.ClientsWithRequestsInFlight);
        // The admitted ones are served, four at a time: the first four after one slow change.
        for (var i = 0; i < CommandGatewayActor.RunningPerClient; i++)
        {
            Assert.Equal(new CommandDone("GigabitEthernet1: mtu 1400"), flooder.ExpectMsg<CommandDone>(TimeSpan.FromSeconds(20)));
        }
    }
}
