using ActorRouter.Control.Contracts;
using ActorRouter.ControlPlane.Commands;
using ActorRouter.ControlPlane.Fleet;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.ControlPlane.Tests.ControlPlane;
using Akka.Actor;
using Akka.TestKit;
using Xunit.Abstractions;

namespace ActorRouter.ControlPlane.Tests.Commands;

/// <summary>
/// The gateway's side of the fleet: what it hands to the fleet actor (with the caller's signature and
/// identity), what it runs itself, and how it admits a request another member carried here — the
/// caller's signature, clock, nonce and role are checked on the target as for arctl's own.
/// </summary>
public sealed class FleetGatewayTests(ITestOutputHelper output) : ControlPlaneTestKit(output)
{
    private static readonly RunningConfigView Running = new("(embedded default)", "actorrouter {}\n");

    /// <summary>FMAN and the supervisor in one, answering the running configuration at once.</summary>
    private sealed class QuickFman : ReceiveActor
    {
        public QuickFman()
        {
            var config = TestConfigs.TwoInterfaces();
            Receive<GetControlPlaneActors>(_ => Sender.Tell(new ControlPlaneActors(Self, Self, Self)));
            Receive<GetRunningConfig>(_ => Sender.Tell(new RunningConfig(config, "actorrouter {}\n")));
        }
    }

    private (IActorRef Gateway, TestProbe Fleet, FleetMembership Membership) StartMember(string routerName)
    {
        var fleet = CreateTestProbe();
        var membership = new FleetMembership();
        var fman = Sys.ActorOf(Props.Create(() => new QuickFman()));
        var gateway = Sys.ActorOf(CommandGatewayActor.Props(fman, null, TestSigner.Authorizer(), fleet: new FleetLink(fleet.Ref, routerName, membership)));
        return (gateway, fleet, membership);
    }

    [Fact]
    public void Outside_a_fleet_every_fleet_request_is_refused()
    {
        var fman = Sys.ActorOf(Props.Create(() => new QuickFman()));
        var gateway = Sys.ActorOf(CommandGatewayActor.Props(fman, null, TestSigner.Authorizer()));
        var refusal = new CommandRefused("this router is not a member of a fleet (actorrouter.fleet.enabled is off)");

        gateway.Tell(TestSigner.Admin(new ShowFleetRequest()), TestActor);
        Assert.Equal(refusal, ExpectMsg<CommandRefused>());
        gateway.Tell(TestSigner.Admin(new NodeRequest("r2", new ShowRunningConfigRequest())), TestActor);
        Assert.Equal(refusal, ExpectMsg<CommandRefused>());
        gateway.Tell(TestSigner.Admin(new FleetRequest(new ShowRunningConfigRequest(), 2000)), TestActor);
        Assert.Equal(refusal, ExpectMsg<CommandRefused>());
    }

    [Fact]
    public void A_node_request_for_this_router_runs_here_and_the_fleet_actor_hears_nothing()
    {
        var (gateway, fleet, _) = StartMember("r1");

        gateway.Tell(TestSigner.Admin(new NodeRequest("r1", new ShowRunningConfigRequest())), TestActor);

        Assert.Equal(Running, ExpectMsg<RunningConfigView>());
        fleet.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Show_fleet_and_requests_for_other_members_go_to_the_fleet_actor_with_the_callers_signature_and_identity()
    {
        var (gateway, fleet, _) = StartMember("r1");
        var node = TestSigner.Admin(new NodeRequest("r2", new ShowRunningConfigRequest()));
        var everyone = TestSigner.Admin(new FleetRequest(new ShowIpRouteRequest(), 2000));

        gateway.Tell(TestSigner.Admin(new ShowFleetRequest()), TestActor);
        gateway.Tell(node, TestActor);
        gateway.Tell(everyone, TestActor);

        var show = fleet.ExpectMsg<FleetCommand>();
        Assert.Equal((new ShowFleetRequest(), "admin", TestActor), (show.Request, show.Identity.Name, show.ReplyTo));
        var carried = fleet.ExpectMsg<FleetCommand>();
        Assert.Equal((node.Request, node, "admin", TestActor), (carried.Request, carried.Signed, carried.Identity.Name, carried.ReplyTo));
        var fanned = fleet.ExpectMsg<FleetCommand>();
        Assert.Equal((everyone.Request, everyone, "admin", TestActor), (fanned.Request, fanned.Signed, fanned.Identity.Name, fanned.ReplyTo));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void What_cannot_be_carried_is_refused_before_it_leaves()
    {
        var (gateway, fleet, _) = StartMember("r1");

        gateway.Tell(TestSigner.Admin(new FleetRequest(new SetMtuRequest("gi1", 1400), 2000)), TestActor);
        Assert.Equal(new CommandRefused("--fleet runs show commands only (show fleet itself already lists every member)"), ExpectMsg<CommandRefused>());
        gateway.Tell(TestSigner.Admin(new FleetRequest(new ShowIpRouteRequest(), 10)), TestActor);
        Assert.Equal(new CommandRefused("the --fleet deadline must be 100 ms to 60000 ms"), ExpectMsg<CommandRefused>());
        gateway.Tell(TestSigner.Admin(new NodeRequest("r2", new NodeRequest("r3", new ShowIpRouteRequest()))), TestActor);
        Assert.Equal(new CommandRefused("a --node or --fleet request cannot carry another one"), ExpectMsg<CommandRefused>());
        // The role is checked on what is carried: a read-only caller may not have a change carried.
        gateway.Tell(TestSigner.ReadOnly(new NodeRequest("r2", new SetMtuRequest("gi1", 1400))), TestActor);
        Assert.Equal(new NotAuthorised("not authorised: credential 'viewer' has role read-only, and SetMtu needs role admin"), ExpectMsg<NotAuthorised>());
        fleet.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void A_carried_request_is_admitted_on_the_target_as_arctls_own_signature_role_and_nonce()
    {
        var (gateway, _, _) = StartMember("r2");
        var show = TestSigner.ReadOnly(new NodeRequest("r2", new ShowRunningConfigRequest()));

        gateway.Tell(new FleetDelivery(show, "akka.ssl.tcp://lab@192.0.2.11:4054"), TestActor);
        Assert.Equal(Running, ExpectMsg<RunningConfigView>());

        // The same signed request again: a replay, whoever carries it.
        gateway.Tell(new FleetDelivery(show, "akka.ssl.tcp://lab@192.0.2.11:4054"), TestActor);
        Assert.Equal(new NotAuthorised("replayed request"), ExpectMsg<NotAuthorised>());

        // A member that vouches for a read-only caller's change gets the caller's refusal.
        gateway.Tell(new FleetDelivery(TestSigner.ReadOnly(new NodeRequest("r2", new SetMtuRequest("gi1", 1400))), "akka.ssl.tcp://lab@192.0.2.11:4054"), TestActor);
        Assert.Equal(new NotAuthorised("not authorised: credential 'viewer' has role read-only, and SetMtu needs role admin"), ExpectMsg<NotAuthorised>());

        // What the caller signed names the target: a member cannot redirect it.
        gateway.Tell(new FleetDelivery(TestSigner.Admin(new NodeRequest("r3", new ShowRunningConfigRequest())), "akka.ssl.tcp://lab@192.0.2.11:4054"), TestActor);
        Assert.Equal(new CommandRefused("the request is addressed to r3, and this is r2"), ExpectMsg<CommandRefused>());

        // A fleet request runs its show here.
        gateway.Tell(new FleetDelivery(TestSigner.Admin(new FleetRequest(new ShowRunningConfigRequest(), 2000)), "akka.ssl.tcp://lab@192.0.2.11:4054"), TestActor);
        Assert.Equal(Running, ExpectMsg<RunningConfigView>());

        // Anything else carried is refused.
        gateway.Tell(new FleetDelivery(TestSigner.Admin(new ShowRunningConfigRequest()), "akka.ssl.tcp://lab@192.0.2.11:4054"), TestActor);
        Assert.Equal(new CommandRefused("a fleet member carries only --node and --fleet requests, not ShowRunningConfigRequest"), ExpectMsg<CommandRefused>());
    }

    [Fact]
    public void Once_the_membership_ended_fleet_requests_are_refused_with_the_reason()
    {
        var (gateway, fleet, membership) = StartMember("r1");
        membership.End("the cluster downed it");

        gateway.Tell(TestSigner.Admin(new ShowFleetRequest()), TestActor);
        Assert.Equal(new CommandRefused("r1 is no longer in its fleet (the cluster downed it); the router goes on forwarding; restart it to rejoin"), ExpectMsg<CommandRefused>());
        gateway.Tell(TestSigner.Admin(new FleetRequest(new ShowIpRouteRequest(), 2000)), TestActor);
        Assert.Equal(new CommandRefused("r1 is no longer in its fleet (the cluster downed it); the router goes on forwarding; restart it to rejoin"), ExpectMsg<CommandRefused>());
        // Its own commands still answer.
        gateway.Tell(TestSigner.Admin(new ShowRunningConfigRequest()), TestActor);
        Assert.Equal(Running, ExpectMsg<RunningConfigView>());
        fleet.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }
}
