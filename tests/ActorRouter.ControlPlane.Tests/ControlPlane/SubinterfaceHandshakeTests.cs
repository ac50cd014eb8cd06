using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Fman;
using ActorRouter.ControlPlane.Messages;
using Akka.Actor;
using Xunit.Abstractions;

namespace ActorRouter.ControlPlane.Tests.ControlPlane;

/// <summary>An 802.1Q subinterface's handshake: exact message sequences, with a probe as the QFP client.</summary>
public sealed class SubinterfaceHandshakeTests(ITestOutputHelper output) : ControlPlaneTestKit(output)
{
    private static readonly RouterConfig Config = TestConfigs.TwoInterfaces();
    private static readonly InterfaceConfig Gi1 = Config.Interfaces[0];
    private static readonly InterfaceConfig Gi1Vlan100 = InterfaceConfig.Subinterface(Gi1, "GigabitEthernet1.100", 100) with { Ipv4 = Ipv4Cidr.Parse("203.0.113.129/25") };

    private IActorRef StartFman(IActorRef qfpClient) => Sys.ActorOf(FmanActor.Props(qfpClient, Config, new FmanStateStore(Config)));

    private IReadOnlyList<RouteStatus> RoutesOf(IActorRef fman)
    {
        var asker = CreateTestProbe();
        fman.Tell(GetRoutes.Instance, asker.Ref);
        return asker.ExpectMsg<RouteList>().Routes;
    }

    private RouterConfig RunningOf(IActorRef fman)
    {
        var asker = CreateTestProbe();
        fman.Tell(GetRunningConfig.Instance, asker.Ref);
        return asker.ExpectMsg<RunningConfig>().Config;
    }

    /// <summary>Runs GigabitEthernet1's handshake to up at uIDB 0.</summary>
    private static void BringUpGi1(IActorRef fman, Akka.TestKit.TestProbe qfp, Akka.TestKit.TestProbe platform)
    {
        fman.Tell(new InterfaceDiscovered(Gi1), platform.Ref);
        qfp.ExpectMsg<CreateUidb>();
        qfp.Reply(new UidbCreated("GigabitEthernet1", 0));
        qfp.ExpectMsg<BindUidb>();
        qfp.Reply(new UidbBound("GigabitEthernet1", 0));
        qfp.ExpectMsg<RegisterInterface>();
        qfp.Reply(new InterfaceReady("GigabitEthernet1", 0));
        var publish = qfp.ExpectMsg<PublishRoutes>();
        qfp.Reply(new RoutesPublished(publish.Generation, 3, []));
        platform.ExpectMsg<InterfaceUp>();
    }

    [Fact]
    public void A_subinterface_discovered_with_its_parent_waits_for_the_parents_registration_then_goes_create_bind_configure_publish_up()
    {
        var qfp = CreateTestProbe();
        var platform = CreateTestProbe();
        var fman = StartFman(qfp.Ref);

        fman.Tell(new InterfaceDiscovered(Gi1), platform.Ref);
        fman.Tell(new InterfaceDiscovered(Gi1Vlan100), platform.Ref);

        Assert.Equal(new CreateUidb("GigabitEthernet1", "mem0", 1500, TestConfigs.Gi1Mac), qfp.ExpectMsg<CreateUidb>());
        qfp.Reply(new UidbCreated("GigabitEthernet1", 0));
        Assert.Equal(new BindUidb("GigabitEthernet1", 0), qfp.ExpectMsg<BindUidb>());
        qfp.Reply(new UidbBound("GigabitEthernet1", 0));
        Assert.Equal(new RegisterInterface("GigabitEthernet1", 0, Gi1), qfp.ExpectMsg<RegisterInterface>());
        qfp.Reply(new InterfaceReady("GigabitEthernet1", 0));
        // The parent is registered: its routes are published, then the subinterface's uIDB is created on it.
        var first = qfp.ExpectMsg<PublishRoutes>();
        Assert.Equal(new CreateSubinterfaceUidb("GigabitEthernet1.100", 0, 100, 1500), qfp.ExpectMsg<CreateSubinterfaceUidb>());
        fman.Tell(new RoutesPublished(first.Generation, 3, []), qfp.Ref);
        Assert.Equal(new InterfaceUp("GigabitEthernet1", "mem0", 0), platform.ExpectMsg<InterfaceUp>());

        fman.Tell(new UidbCreated("GigabitEthernet1.100", 1), qfp.Ref);
        Assert.Equal(new BindUidb("GigabitEthernet1.100", 1), qfp.ExpectMsg<BindUidb>());
        fman.Tell(new UidbBound("GigabitEthernet1.100", 1), qfp.Ref);
        Assert.Equal(new ConfigureSubinterface("GigabitEthernet1.100", 1, Gi1Vlan100), qfp.ExpectMsg<ConfigureSubinterface>());
        fman.Tell(new InterfaceReady("GigabitEthernet1.100", 1), qfp.Ref);
        var second = qfp.ExpectMsg<PublishRoutes>();
        fman.Tell(new RoutesPublished(second.Generation, 5, []), qfp.Ref);
        Assert.Equal(new InterfaceUp("GigabitEthernet1.100", "mem0", 1), platform.ExpectMsg<InterfaceUp>());
        qfp.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        var routes = RoutesOf(fman);
        Assert.Contains(new RouteStatus(RouteKind.Connected, Ipv4Cidr.Parse("203.0.113.128/25"), 0, "GigabitEthernet1.100", true), routes);
    }

    [Fact]
    public void A_subinterface_whose_parent_fails_fails_at_discover_and_creates_nothing()
    {
        var qfp = CreateTestProbe();
        var platform = CreateTestProbe();
        var fman = StartFman(qfp.Ref);

        fman.Tell(new InterfaceDiscovered(Gi1), platform.Ref);
        fman.Tell(new InterfaceDiscovered(Gi1Vlan100), platform.Ref);
        qfp.ExpectMsg<CreateUidb>();
        qfp.Reply(new InterfaceInitFailed("GigabitEthernet1", HandshakeStep.CreateUidb, "no free uIDB"));

        Assert.Equal(new InterfaceInitFailed("GigabitEthernet1", HandshakeStep.CreateUidb, "no free uIDB"), platform.ExpectMsg<InterfaceInitFailed>());
        Assert.Equal(
            new InterfaceInitFailed("GigabitEthernet1.100", HandshakeStep.Discover, "its parent GigabitEthernet1 did not come up (CreateUidb: no free uIDB)"),
            platform.ExpectMsg<InterfaceInitFailed>());
        qfp.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void At_run_time_a_subinterface_is_created_on_a_registered_parent_and_answered_when_up_and_removed_again()
    {
        var qfp = CreateTestProbe();
        var platform = CreateTestProbe();
        var cli = CreateTestProbe();
        var fman = StartFman(qfp.Ref);
        BringUpGi1(fman, qfp, platform);

        fman.Tell(new CreateSubinterface("GigabitEthernet1.200", 200), cli.Ref);
        Assert.Equal(new CreateSubinterfaceUidb("GigabitEthernet1.200", 0, 200, 1500), qfp.ExpectMsg<CreateSubinterfaceUidb>());
        qfp.Reply(new UidbCreated("GigabitEthernet1.200", 1));
        qfp.ExpectMsg<BindUidb>();
        qfp.Reply(new UidbBound("GigabitEthernet1.200", 1));
        Assert.Equal(new ConfigureSubinterface("GigabitEthernet1.200", 1, InterfaceConfig.Subinterface(Gi1, "GigabitEthernet1.200", 200)), qfp.ExpectMsg<ConfigureSubinterface>());
        qfp.Reply(new InterfaceReady("GigabitEthernet1.200", 1));
        var publish = qfp.ExpectMsg<PublishRoutes>();
        qfp.Reply(new RoutesPublished(publish.Generation, 3, []));
        Assert.Equal(new InterfaceUp("GigabitEthernet1.200", "mem0", 1), cli.ExpectMsg<InterfaceUp>());

        // The same VLAN again on the same parent, under another name: refused before the data plane is asked.
        fman.Tell(new CreateSubinterface("GigabitEthernet1.201", 200), cli.Ref);
        Assert.Equal(new CommandFailed("GigabitEthernet1.201: vlan 200 is already used on GigabitEthernet1 by GigabitEthernet1.200"), cli.ExpectMsg<CommandFailed>());
        fman.Tell(new CreateSubinterface("GigabitEthernet1.200", 200), cli.Ref);
        Assert.Equal(new CommandSucceeded("GigabitEthernet1.200: encapsulation dot1q 200 (unchanged)"), cli.ExpectMsg<CommandSucceeded>());
        fman.Tell(new CreateSubinterface("GigabitEthernet7.5", 5), cli.Ref);
        Assert.Equal(new CommandFailed("no interface GigabitEthernet7"), cli.ExpectMsg<CommandFailed>());
        fman.Tell(new RemoveSubinterface("GigabitEthernet1"), cli.Ref);
        Assert.Equal(new CommandFailed("GigabitEthernet1 is a physical interface; only subinterfaces and tunnels can be removed"), cli.ExpectMsg<CommandFailed>());
        qfp.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        fman.Tell(new RemoveSubinterface("GigabitEthernet1.200"), cli.Ref);
        Assert.Equal(new DeleteUidb("GigabitEthernet1.200", 1), qfp.ExpectMsg<DeleteUidb>());
        qfp.Reply(new UidbDeleted("GigabitEthernet1.200", 1));
        var afterRemoval = qfp.ExpectMsg<PublishRoutes>();
        qfp.Reply(new RoutesPublished(afterRemoval.Generation, 3, []));
        Assert.Equal(new CommandSucceeded("no interface GigabitEthernet1.200"), cli.ExpectMsg<CommandSucceeded>());
        Assert.DoesNotContain(RunningOf(fman).Interfaces, i => i.IsSubinterface);
    }

    [Fact]
    public void A_parent_shut_down_takes_its_subinterfaces_connected_route_out_of_service()
    {
        var qfp = CreateTestProbe();
        var platform = CreateTestProbe();
        var cli = CreateTestProbe();
        var fman = StartFman(qfp.Ref);
        BringUpGi1(fman, qfp, platform);
        fman.Tell(new InterfaceDiscovered(Gi1Vlan100), platform.Ref);
        qfp.ExpectMsg<CreateSubinterfaceUidb>();
        qfp.Reply(new UidbCreated("GigabitEthernet1.100", 1));
        qfp.ExpectMsg<BindUidb>();
        qfp.Reply(new UidbBound("GigabitEthernet1.100", 1));
        qfp.ExpectMsg<ConfigureSubinterface>();
        qfp.Reply(new InterfaceReady("GigabitEthernet1.100", 1));
        var publish = qfp.ExpectMsg<PublishRoutes>();
        qfp.Reply(new RoutesPublished(publish.Generation, 5, []));
        platform.ExpectMsg<InterfaceUp>();

        fman.Tell(new SetInterfaceAdminState("GigabitEthernet1", Up: false), cli.Ref);
        var shutdown = qfp.ExpectMsg<ApplyAdminState>();
        Assert.Equal((0, false), (shutdown.Index, shutdown.Up));
        qfp.Reply(new DataPlaneCommandApplied(shutdown.CorrelationId));
        var afterShutdown = qfp.ExpectMsg<PublishRoutes>();
        qfp.Reply(new RoutesPublished(afterShutdown.Generation, 0, []));
        cli.ExpectMsg<CommandSucceeded>();

        var routes = RoutesOf(fman);
        Assert.Contains(new RouteStatus(RouteKind.Connected, Ipv4Cidr.Parse("203.0.113.128/25"), 0, "GigabitEthernet1.100", false), routes);
        // The subinterface itself stays administratively up: only its parent was shut.
        Assert.False(RunningOf(fman).Interfaces.Single(i => i.Name == "GigabitEthernet1.100").Shutdown);
    }
}
