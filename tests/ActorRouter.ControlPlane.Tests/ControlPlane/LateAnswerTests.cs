using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Fman;
using ActorRouter.ControlPlane.Messages;
using Akka.Actor;
using Akka.TestKit;
using Xunit.Abstractions;

namespace ActorRouter.ControlPlane.Tests.ControlPlane;

/// <summary>
/// Correlation ids between FMAN and the QFP client (a probe here): an answer after its command timed
/// out is recognised, counted and reconciled, and never taken as the answer to the next command.
/// </summary>
public sealed class LateAnswerTests(ITestOutputHelper output) : ControlPlaneTestKit(output)
{
    private static readonly RouterConfig Config = TestConfigs.TwoInterfaces();
    private static readonly InterfaceConfig Gi1 = Config.Interfaces[0];
    private static readonly TimeSpan ShortTimeout = TimeSpan.FromSeconds(1);

    /// <summary>FMAN with GigabitEthernet1 up at uIDB 0, driven through the handshake by the probe.</summary>
    private IActorRef StartFmanWithGi1(TestProbe qfp)
    {
        var fman = Sys.ActorOf(FmanActor.Props(qfp.Ref, Config, new FmanStateStore(Config), ShortTimeout));
        var platform = CreateTestProbe();
        fman.Tell(new InterfaceDiscovered(Gi1), platform.Ref);
        qfp.ExpectMsg<CreateUidb>();
        qfp.Reply(new UidbCreated("GigabitEthernet1", 0));
        qfp.ExpectMsg<BindUidb>();
        qfp.Reply(new UidbBound("GigabitEthernet1", 0));
        qfp.ExpectMsg<RegisterInterface>();
        qfp.Reply(new InterfaceReady("GigabitEthernet1", 0));
        var publish = qfp.ExpectMsg<PublishRoutes>();
        qfp.Reply(new RoutesPublished(publish.Generation, 2, []));
        platform.ExpectMsg<InterfaceUp>();
        return fman;
    }

    private static UidbEntry Gi1Entry(int mtu) =>
        new(0, "GigabitEthernet1", "mem0", mtu, TestConfigs.Gi1Mac, true, Gi1.Ipv4!.Value.Address, Gi1.Ipv4.Value.PrefixLength, true);

    [Fact]
    public void A_late_applied_answer_is_counted_and_the_data_plane_is_set_back_to_the_running_configuration()
    {
        var qfp = CreateTestProbe();
        var requester = CreateTestProbe();
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events.Ref, typeof(LateDataPlaneAnswer));
        var fman = StartFmanWithGi1(qfp);

        fman.Tell(new SetInterfaceMtu("GigabitEthernet1", 1400), requester.Ref);
        var apply = qfp.ExpectMsg<ApplyMtu>();
        Assert.Equal((0, 1400), (apply.Index, apply.Mtu));
        Assert.NotEqual(0, apply.CorrelationId);
        // While the change waits, a query is answered from the committed state.
        fman.Tell(GetRunningConfig.Instance, requester.Ref);
        Assert.Equal(1500, requester.ExpectMsg<RunningConfig>(TimeSpan.FromSeconds(3)).Config.Interfaces[0].Mtu);
        Assert.Equal(new CommandFailed("GigabitEthernet1: mtu 1400: the data plane did not answer within 1 s"), requester.ExpectMsg<CommandFailed>());

        // The data plane applied it after all: recognised by its id, counted, and reconciled.
        fman.Tell(new DataPlaneCommandApplied(apply.CorrelationId), qfp.Ref);
        Assert.Equal(new LateDataPlaneAnswer(apply.CorrelationId, "GigabitEthernet1: mtu 1400", true, 1), events.ExpectMsg<LateDataPlaneAnswer>());
        qfp.ExpectMsg<ReadUidbTable>();
        fman.Tell(new UidbTableSnapshot([Gi1Entry(1400)]), qfp.Ref);
        var fix = qfp.ExpectMsg<ApplyMtu>();
        Assert.Equal((0, 1500), (fix.Index, fix.Mtu));
        Assert.NotEqual(apply.CorrelationId, fix.CorrelationId);
        fman.Tell(new DataPlaneCommandApplied(fix.CorrelationId), qfp.Ref);
        // The reconciliation's own answer is expected: not a late answer, nothing more to do.
        events.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        qfp.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        fman.Tell(GetRunningConfig.Instance, requester.Ref);
        Assert.Equal(1500, requester.ExpectMsg<RunningConfig>().Config.Interfaces[0].Mtu);
    }

    [Fact]
    public void A_stale_answer_during_the_next_change_is_not_taken_as_its_answer()
    {
        var qfp = CreateTestProbe();
        var requester = CreateTestProbe();
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events.Ref, typeof(LateDataPlaneAnswer));
        var fman = StartFmanWithGi1(qfp);

        fman.Tell(new SetInterfaceMtu("GigabitEthernet1", 1400), requester.Ref);
        var first = qfp.ExpectMsg<ApplyMtu>();
        requester.ExpectMsg<CommandFailed>();

        fman.Tell(new SetInterfaceMtu("GigabitEthernet1", 1300), requester.Ref);
        var second = qfp.ExpectMsg<ApplyMtu>();
        Assert.Equal(1300, second.Mtu);
        // The first command's refusal arrives now: it is the first command's, not the second's.
        fman.Tell(new DataPlaneCommandRefused(first.CorrelationId, "uIDB 0 busy"), qfp.Ref);
        Assert.Equal(new LateDataPlaneAnswer(first.CorrelationId, "GigabitEthernet1: mtu 1400", false, 1), events.ExpectMsg<LateDataPlaneAnswer>());
        requester.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        fman.Tell(new DataPlaneCommandApplied(second.CorrelationId), qfp.Ref);
        var publish = qfp.ExpectMsg<PublishRoutes>();
        fman.Tell(new RoutesPublished(publish.Generation, 2, []), qfp.Ref);
        Assert.Equal(new CommandSucceeded("GigabitEthernet1: mtu 1300"), requester.ExpectMsg<CommandSucceeded>());
    }
}
