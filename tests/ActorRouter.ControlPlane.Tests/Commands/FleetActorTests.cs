using System.Net;
using System.Net.Sockets;
using ActorRouter.Control.Contracts;
using ActorRouter.ControlPlane.Credentials;
using ActorRouter.ControlPlane.Fleet;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using Xunit.Abstractions;

namespace ActorRouter.ControlPlane.Tests.Commands;

/// <summary>
/// Three fleet actor systems in one process form a cluster on 127.0.0.1 (plain TCP here: the TLS is
/// the host's and its process test's). Each member's gateway is a stand-in that records what it is
/// handed and answers with its router name, so the tests see exactly what crosses between members.
/// </summary>
public sealed class FleetActorTests : TestKit
{
    private static readonly TimeSpan Formation = TimeSpan.FromSeconds(60);
    private const string FleetName = "testfleet";

    private readonly List<ActorSystem> _members = [];
    private readonly List<IActorRef> _fleetActors = [];
    private readonly List<Akka.TestKit.TestProbe> _gatewayProbes = [];

    public FleetActorTests(ITestOutputHelper output) : base("akka.loglevel = INFO", output: output)
    {
    }

    /// <summary>The member's gateway: tells the probe what came, answers with the router's name.</summary>
    private sealed class StandInGateway : ReceiveActor
    {
        public StandInGateway(string router, IActorRef probe)
        {
            Receive<FleetDelivery>(d =>
            {
                probe.Tell(d);
                Sender.Tell(new CommandDone($"{router} ran {((d.Signed.Request as NodeRequest)?.Request ?? (d.Signed.Request as FleetRequest)?.Request)?.GetType().Name}"));
            });
            Receive<RunAdmitted>(r =>
            {
                probe.Tell(r);
                Sender.Tell(new CommandDone($"{router} ran {r.Request.GetType().Name} for {r.Identity.Name}"));
            });
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void StartFleet(int count)
    {
        var ports = Enumerable.Range(0, count).Select(_ => FreePort()).ToList();
        for (var i = 0; i < count; i++)
        {
            var router = $"r{i + 1}";
            var config = ActorRouter.ControlPlane.Tests.Fleet.LoopbackFleetMember.Config(FleetName, router, ports[i], ports[0], DateTimeOffset.UtcNow.AddMinutes(-i));
            var system = ActorSystem.Create(FleetName, config);
            _members.Add(system);
            var probe = CreateTestProbe();
            _gatewayProbes.Add(probe);
            var fleet = system.ActorOf(FleetActor.Props(FleetName, router), FleetActor.Name);
            fleet.Tell(new AttachGateway(system.ActorOf(Props.Create(() => new StandInGateway(router, probe.Ref)))));
            _fleetActors.Add(fleet);
        }
        AwaitCondition(() => _members.All(m => Cluster.Get(m).State.Members.Count(x => x.Status == MemberStatus.Up) == count), Formation, TimeSpan.FromMilliseconds(250));
    }

    private static readonly ClientIdentity Admin = new("admin", ClientRoles.Admin, "01");

    [Fact]
    public void Show_fleet_lists_every_member_with_its_router_name_leader_and_uptime()
    {
        StartFleet(3);

        _fleetActors[1].Tell(new FleetCommand(new ShowFleetRequest(), null, Admin, TestActor));

        var view = ExpectMsg<FleetView>();
        Assert.Equal((FleetName, "r2"), (view.Fleet, view.Router));
        Assert.Equal(["r1", "r2", "r3"], view.Members.Select(m => m.Router));
        Assert.Equal([false, true, false], view.Members.Select(m => m.Self));
        Assert.All(view.Members, m => Assert.Equal(("Up", true), (m.Status, m.Reachable)));
        Assert.Equal(_members.Select(m => Cluster.Get(m).SelfAddress.ToString()), view.Members.Select(m => m.Address));
        // The leader Akka chose, by router name: the member with the lowest address among the Up ones.
        var leader = Assert.Single(view.Members, m => m.Leader);
        Assert.Equal(leader.Router, view.Leader);
        // Each member's start time travels in its roles: r3 started two minutes before now.
        Assert.InRange(view.Members[2].UptimeSeconds!.Value, 120, 180);
    }

    [Fact]
    public void A_node_request_reaches_the_targets_gateway_as_the_callers_own_signed_request()
    {
        StartFleet(3);
        var signed = TestSigner.Admin(new NodeRequest("r3", new ShowIpRouteRequest()));

        _fleetActors[0].Tell(new FleetCommand(signed.Request, signed, Admin, TestActor));

        Assert.Equal(new CommandDone("r3 ran ShowIpRouteRequest"), ExpectMsg<CommandDone>(TimeSpan.FromSeconds(20)));
        var delivered = _gatewayProbes[2].ExpectMsg<FleetDelivery>();
        Assert.Equal(signed.Signature, delivered.Signed.Signature);
        Assert.Equal(signed.Nonce, delivered.Signed.Nonce);
        Assert.Equal(signed.Request, delivered.Signed.Request);
        Assert.Equal(Cluster.Get(_members[0]).SelfAddress.ToString(), delivered.Origin);
        _gatewayProbes[0].ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        _gatewayProbes[1].ExpectNoMsg(TimeSpan.Zero);

        _fleetActors[0].Tell(new FleetCommand(new NodeRequest("r9", new ShowIpRouteRequest()), signed, Admin, TestActor));
        Assert.Equal(new CommandRefused($"no member of fleet '{FleetName}' is named 'r9' (members: r1, r2, r3)"), ExpectMsg<CommandRefused>());
    }

    [Fact]
    public async Task A_fleet_request_gathers_every_answer_and_names_a_member_that_stopped_answering()
    {
        StartFleet(3);
        var signed = TestSigner.Admin(new FleetRequest(new ShowIpArpRequest(), 1500));

        _fleetActors[0].Tell(new FleetCommand(signed.Request, signed, Admin, TestActor));

        var all = ExpectMsg<FleetAnswersView>(TimeSpan.FromSeconds(20));
        Assert.Equal(
            [new FleetAnswer("r1", new CommandDone("r1 ran ShowIpArpRequest for admin")), new FleetAnswer("r2", new CommandDone("r2 ran ShowIpArpRequest")), new FleetAnswer("r3", new CommandDone("r3 ran ShowIpArpRequest"))],
            all.Answers);
        Assert.Empty(all.NotAnswered);
        // This member's own part is not admitted twice (the signed request's nonce is spent here already).
        Assert.Equal(new RunAdmitted(new ShowIpArpRequest(), Admin), _gatewayProbes[0].ExpectMsg<RunAdmitted>());

        // r3 goes silent without leaving: its system stops; the others notice through the failure detector.
        var r3 = Cluster.Get(_members[2]).SelfAddress;
        await _members[2].Terminate().WaitAsync(TimeSpan.FromSeconds(20));
        AwaitCondition(() => Cluster.Get(_members[0]).State.Unreachable.Any(m => m.Address == r3), Formation, TimeSpan.FromMilliseconds(250));
        var again = TestSigner.Admin(new FleetRequest(new ShowIpArpRequest(), 1500));
        _fleetActors[0].Tell(new FleetCommand(again.Request, again, Admin, TestActor));

        var partial = ExpectMsg<FleetAnswersView>(TimeSpan.FromSeconds(20));
        Assert.Equal(["r1", "r2"], partial.Answers.Select(a => a.Router));
        Assert.Equal([new FleetSilence("r3", "no answer within 1.5 s (unreachable)")], partial.NotAnswered);
    }

    protected override void Dispose(bool disposing)
    {
        foreach (var member in _members)
        {
            member.Terminate().Wait(TimeSpan.FromSeconds(20));
        }
        base.Dispose(disposing);
    }
}
