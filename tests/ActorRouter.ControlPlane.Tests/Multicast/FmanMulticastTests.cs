using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Fman;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.ControlPlane.Qfp;
using ActorRouter.ControlPlane.Tests.ControlPlane;
using ActorRouter.DataPlane;
using Akka.Actor;
using Xunit.Abstractions;

namespace ActorRouter.ControlPlane.Tests.Multicast;

/// <summary>
/// FMAN programs multicast routes by change: a route once its incoming interface is up, outgoing interfaces as they come
/// up, the interfaces IGMP learned added to (*,G) routes; with a probe for the QFP client and the exact messages.
/// </summary>
public sealed class FmanMulticastTests(ITestOutputHelper output) : ControlPlaneTestKit(output)
{
    private static readonly uint G1 = Ipv4Text.Parse("239.1.1.1"), G2 = Ipv4Text.Parse("239.2.2.2"), G3 = Ipv4Text.Parse("239.3.3.3");

    private static readonly RouterConfig Config = TestConfigs.TwoInterfaces() with
    {
        Multicast = new MulticastConfig(true,
            EquatableList.Of(
                new MulticastRouteConfig(null, G1, "GigabitEthernet1", EquatableList.Of("GigabitEthernet2")),
                new MulticastRouteConfig(TestConfigs.HostB, G2, "GigabitEthernet2", EquatableList.Of("GigabitEthernet1")),
                new MulticastRouteConfig(null, G3, "GigabitEthernet2", EquatableList<string>.Empty)),
            IgmpConfig.Default),
    };

    private static string Text(MulticastRouteSpec r) => $"({r.Source:X8},{r.Group:X8}) in {r.Incoming} out [{string.Join(",", r.Outgoing)}]";

    private static string Text(ProgramMulticast m) =>
        $"routing={m.Routing} set={string.Join("; ", m.Set.Select(Text))} remove={string.Join("; ", m.Remove.Select(k => $"({k.Source:X8},{k.Group:X8})"))}";

    private void BringUp(IActorRef fman, Akka.TestKit.TestProbe qfp, InterfaceConfig config, int index)
    {
        fman.Tell(new InterfaceDiscovered(config), CreateTestProbe().Ref);
        qfp.ExpectMsg<CreateUidb>();
        qfp.Reply(new UidbCreated(config.Name, index));
        qfp.ExpectMsg<BindUidb>();
        qfp.Reply(new UidbBound(config.Name, index));
        qfp.ExpectMsg<RegisterInterface>();
        qfp.Reply(new InterfaceReady(config.Name, index));
        var publish = qfp.ExpectMsg<PublishRoutes>();
        qfp.Reply(new RoutesPublished(publish.Generation, 4, publish.StaticRoutes));
    }

    [Fact]
    public void Routes_are_programmed_as_their_interfaces_come_up_and_learned_groups_change_only_their_any_source_route()
    {
        var qfp = CreateTestProbe();
        var fman = Sys.ActorOf(FmanActor.Props(qfp.Ref, Config, new FmanStateStore(Config)));

        BringUp(fman, qfp, Config.Interfaces[0], 0);
        Assert.Equal("routing=True set=(00000000,EF010101) in GigabitEthernet1 out [] remove=", Text(qfp.ExpectMsg<ProgramMulticast>()));

        BringUp(fman, qfp, Config.Interfaces[1], 1);
        Assert.Equal("routing=True set=(00000000,EF010101) in GigabitEthernet1 out [GigabitEthernet2]; " +
                     "(C633640A,EF020202) in GigabitEthernet2 out [GigabitEthernet1]; (00000000,EF030303) in GigabitEthernet2 out [] remove=",
            Text(qfp.ExpectMsg<ProgramMulticast>()));

        // Members of 239.1.1.1 on its static outgoing interface, and of 239.2.2.2 (an (S,G) route): nothing to program.
        fman.Tell(new IgmpGroupsLearned(new Dictionary<uint, IReadOnlyList<string>> { [G1] = ["GigabitEthernet2"], [G2] = ["GigabitEthernet2"] }));
        qfp.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        fman.Tell(new IgmpGroupsLearned(new Dictionary<uint, IReadOnlyList<string>> { [G1] = ["GigabitEthernet2"], [G3] = ["GigabitEthernet1", "GigabitEthernet2"] }));
        Assert.Equal("routing=True set=(00000000,EF030303) in GigabitEthernet2 out [GigabitEthernet1] remove=", Text(qfp.ExpectMsg<ProgramMulticast>()));

        fman.Tell(GetMulticastRoutes.Instance, TestActor);
        var list = ExpectMsg<MulticastRouteList>();
        Assert.True(list.Routing);
        Assert.Equal(
            [
                "* 239.1.1.1 GigabitEthernet1 GigabitEthernet2:static+igmp True",
                "198.51.100.10 239.2.2.2 GigabitEthernet2 GigabitEthernet1:static True",
                "* 239.3.3.3 GigabitEthernet2 GigabitEthernet1:igmp True",
            ],
            list.Routes.Select(r => $"{(r.Source is { } s ? Ipv4Text.Format(s) : "*")} {Ipv4Text.Format(r.Group)} {r.Incoming} " +
                                    $"{string.Join(",", r.Outgoing.Select(o => $"{o.Interface}:{o.Origin}"))} {r.Programmed}"));

        fman.Tell(new IgmpGroupsLearned(new Dictionary<uint, IReadOnlyList<string>>()));
        Assert.Equal("routing=True set=(00000000,EF030303) in GigabitEthernet2 out [] remove=", Text(qfp.ExpectMsg<ProgramMulticast>()));
        qfp.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }
}
