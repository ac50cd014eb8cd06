using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Fman;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.ControlPlane.Platform;
using Akka.Actor;
using Xunit.Abstractions;

namespace ActorRouter.ControlPlane.Tests.ControlPlane;

/// <summary>The handshake's exact message sequence, with probes standing in for FMAN's partners.</summary>
public sealed class HandshakeSequenceTests(ITestOutputHelper output) : ControlPlaneTestKit(output)
{
    private static readonly RouterConfig Config = TestConfigs.TwoInterfaces();
    private static readonly InterfaceConfig Gi1 = Config.Interfaces[0];
    private static readonly InterfaceConfig Gi2 = Config.Interfaces[1];

    private IActorRef StartFman(IActorRef qfpClient) => Sys.ActorOf(FmanActor.Props(qfpClient, Config, new FmanStateStore(Config)));

    [Fact]
    public void Platform_hands_every_configured_interface_to_fman_in_configuration_order()
    {
        var fman = CreateTestProbe();
        var platform = Sys.ActorOf(PlatformActor.Props(Config.Interfaces, fman.Ref));

        platform.Tell(DiscoverInterfaces.Instance);

        Assert.Equal(new InterfaceDiscovered(Gi1), fman.ExpectMsg<InterfaceDiscovered>());
        Assert.Equal(new InterfaceDiscovered(Gi2), fman.ExpectMsg<InterfaceDiscovered>());
        fman.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void One_interface_goes_create_bind_register_publish_then_up()
    {
        var qfp = CreateTestProbe();
        var platform = CreateTestProbe();
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events.Ref, typeof(InterfaceUp));
        var fman = StartFman(qfp.Ref);

        fman.Tell(new InterfaceDiscovered(Gi1), platform.Ref);

        Assert.Equal(new CreateUidb("GigabitEthernet1", "mem0", 1500, TestConfigs.Gi1Mac), qfp.ExpectMsg<CreateUidb>());
        qfp.Reply(new UidbCreated("GigabitEthernet1", 0));
        Assert.Equal(new BindUidb("GigabitEthernet1", 0), qfp.ExpectMsg<BindUidb>());
        qfp.Reply(new UidbBound("GigabitEthernet1", 0));
        Assert.Equal(new RegisterInterface("GigabitEthernet1", 0, Gi1), qfp.ExpectMsg<RegisterInterface>());
        qfp.Reply(new InterfaceReady("GigabitEthernet1", 0));
        var publish = qfp.ExpectMsg<PublishRoutes>();
        Assert.Single(publish.StaticRoutes);
        Assert.Empty(publish.Neighbors);
        platform.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // not up before the routes are published
        qfp.Reply(new RoutesPublished(publish.Generation, 4, publish.StaticRoutes));

        Assert.Equal(new InterfaceUp("GigabitEthernet1", "mem0", 0), platform.ExpectMsg<InterfaceUp>());
        Assert.Equal(new InterfaceUp("GigabitEthernet1", "mem0", 0), events.ExpectMsg<InterfaceUp>());
        qfp.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        platform.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Several_interfaces_handshake_independently_and_each_comes_up_once()
    {
        var qfp = CreateTestProbe();
        var platform = CreateTestProbe();
        var fman = StartFman(qfp.Ref);

        fman.Tell(new InterfaceDiscovered(Gi1), platform.Ref);
        fman.Tell(new InterfaceDiscovered(Gi2), platform.Ref);

        Assert.Equal("GigabitEthernet1", qfp.ExpectMsg<CreateUidb>().Name);
        var gi1 = qfp.LastSender;
        Assert.Equal("GigabitEthernet2", qfp.ExpectMsg<CreateUidb>().Name);
        // The data plane answers out of order: each interface follows its own sequence.
        fman.Tell(new UidbCreated("GigabitEthernet2", 1), qfp.Ref);
        Assert.Equal(new BindUidb("GigabitEthernet2", 1), qfp.ExpectMsg<BindUidb>());
        gi1.Tell(new UidbCreated("GigabitEthernet1", 0), qfp.Ref);
        Assert.Equal(new BindUidb("GigabitEthernet1", 0), qfp.ExpectMsg<BindUidb>());
        fman.Tell(new UidbBound("GigabitEthernet1", 0), qfp.Ref);
        Assert.Equal(new RegisterInterface("GigabitEthernet1", 0, Gi1), qfp.ExpectMsg<RegisterInterface>());
        fman.Tell(new UidbBound("GigabitEthernet2", 1), qfp.Ref);
        Assert.Equal(new RegisterInterface("GigabitEthernet2", 1, Gi2), qfp.ExpectMsg<RegisterInterface>());
        fman.Tell(new InterfaceReady("GigabitEthernet2", 1), qfp.Ref);
        var first = qfp.ExpectMsg<PublishRoutes>();
        fman.Tell(new RoutesPublished(first.Generation, 3, []), qfp.Ref);
        Assert.Equal(new InterfaceUp("GigabitEthernet2", "mem1", 1), platform.ExpectMsg<InterfaceUp>());
        fman.Tell(new InterfaceReady("GigabitEthernet1", 0), qfp.Ref);
        var second = qfp.ExpectMsg<PublishRoutes>();
        Assert.True(second.Generation > first.Generation);
        fman.Tell(new RoutesPublished(second.Generation, 6, []), qfp.Ref);
        Assert.Equal(new InterfaceUp("GigabitEthernet1", "mem0", 0), platform.ExpectMsg<InterfaceUp>());
        platform.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Theory]
    [InlineData(HandshakeStep.OpenPort, "mem0: no such device")]
    [InlineData(HandshakeStep.RegisterPort, "GigabitEthernet1 is already registered with port mem0")]
    [InlineData(HandshakeStep.Configure, "prefix length 33 is not 0..32")]
    public void A_failure_after_the_uidb_exists_rolls_it_back_before_it_is_reported(HandshakeStep step, string reason)
    {
        var qfp = CreateTestProbe();
        var platform = CreateTestProbe();
        var fman = StartFman(qfp.Ref);

        fman.Tell(new InterfaceDiscovered(Gi1), platform.Ref);
        qfp.ExpectMsg<CreateUidb>();
        qfp.Reply(new UidbCreated("GigabitEthernet1", 0));
        qfp.ExpectMsg<BindUidb>();
        qfp.Reply(new UidbBound("GigabitEthernet1", 0));
        qfp.ExpectMsg<RegisterInterface>();
        qfp.Reply(new InterfaceInitFailed("GigabitEthernet1", step, reason));

        Assert.Equal(new DeleteUidb("GigabitEthernet1", 0), qfp.ExpectMsg<DeleteUidb>());
        platform.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // reported only once rolled back
        qfp.Reply(new UidbDeleted("GigabitEthernet1", 0));
        Assert.Equal(new InterfaceInitFailed("GigabitEthernet1", step, reason), platform.ExpectMsg<InterfaceInitFailed>());
        qfp.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        // Nothing of it remains in FMAN.
        fman.Tell(GetInterfaces.Instance, platform.Ref);
        Assert.Empty(qfp.ExpectMsg<ReadInterfaceStatus>().Interfaces);
    }

    [Fact]
    public void A_uidb_the_data_plane_refuses_is_reported_with_nothing_to_roll_back()
    {
        var qfp = CreateTestProbe();
        var platform = CreateTestProbe();
        var fman = StartFman(qfp.Ref);

        fman.Tell(new InterfaceDiscovered(Gi1), platform.Ref);
        qfp.ExpectMsg<CreateUidb>();
        qfp.Reply(new InterfaceInitFailed("GigabitEthernet1", HandshakeStep.CreateUidb, "uIDB for GigabitEthernet1 already exists"));

        Assert.Equal(HandshakeStep.CreateUidb, platform.ExpectMsg<InterfaceInitFailed>().Step);
        qfp.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void A_second_discovery_of_a_name_still_in_its_handshake_is_refused_at_discover()
    {
        var qfp = CreateTestProbe();
        var platform = CreateTestProbe();
        var fman = StartFman(qfp.Ref);

        fman.Tell(new InterfaceDiscovered(Gi1), platform.Ref);
        fman.Tell(new InterfaceDiscovered(Gi1 with { OsName = "mem7" }), platform.Ref);

        qfp.ExpectMsg<CreateUidb>();
        var failure = platform.ExpectMsg<InterfaceInitFailed>();
        Assert.Equal(HandshakeStep.Discover, failure.Step);
        Assert.Contains("already in progress", failure.Reason);
        qfp.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void Neighbor_changes_are_sent_as_that_neighbor_alone()
    {
        var qfp = CreateTestProbe();
        var fman = StartFman(qfp.Ref);

        fman.Tell(new NeighborResolved(1, TestConfigs.HostB, TestConfigs.HostBMac));
        var learned = qfp.ExpectMsg<PublishNeighbor>();
        Assert.Equal(new DataPlane.Forwarding.Neighbor(1, TestConfigs.HostB, TestConfigs.HostBMac), learned.Neighbor);
        fman.Tell(new NeighborResolved(1, TestConfigs.HostB, TestConfigs.HostBMac));
        qfp.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // unchanged: nothing to publish
        fman.Tell(new NeighborResolved(1, TestConfigs.HostB, TestConfigs.HostBMac + 1));
        var moved = qfp.ExpectMsg<PublishNeighbor>();
        Assert.Equal(new DataPlane.Forwarding.Neighbor(1, TestConfigs.HostB, TestConfigs.HostBMac + 1), moved.Neighbor);
        Assert.True(moved.Generation > learned.Generation);
        fman.Tell(new NeighborExpired(1, TestConfigs.HostB));
        var expired = qfp.ExpectMsg<WithdrawNeighbor>();
        Assert.Equal((1, TestConfigs.HostB), (expired.Interface, expired.Address));
        Assert.True(expired.Generation > moved.Generation);
        qfp.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void A_learned_ipv6_neighbour_is_published_with_the_ipv6_adjacency_source_once_per_change()
    {
        var qfp = CreateTestProbe();
        var fman = StartFman(qfp.Ref);
        var host = ((UInt128)0x2001_0db8_0001_0000UL << 64) | 0x20;

        fman.Tell(new Ipv6NeighborLearned(1, host, 0x0200_0000_0214));
        var learned = qfp.ExpectMsg<PublishRoutes>();
        Assert.Equal([new DataPlane.Forwarding.Ipv6Neighbor(1, host, 0x0200_0000_0214)], learned.Ipv6Neighbors);
        fman.Tell(new Ipv6NeighborLearned(1, host, 0x0200_0000_0214));
        qfp.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // unchanged: nothing to publish
        fman.Tell(new Ipv6NeighborLearned(1, host, 0x0200_0000_0215));
        var moved = qfp.ExpectMsg<PublishRoutes>();
        Assert.Equal([new DataPlane.Forwarding.Ipv6Neighbor(1, host, 0x0200_0000_0215)], moved.Ipv6Neighbors);
        Assert.True(moved.Generation > learned.Generation);
        qfp.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }
}
