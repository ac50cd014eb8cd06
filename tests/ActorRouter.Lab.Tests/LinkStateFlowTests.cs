using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.ControlPlane.Platform;
using ActorRouter.ControlPlane.Supervision;
using ActorRouter.ControlPlane.Vnic;
using Akka.Actor;
using Akka.TestKit.Xunit2;

namespace ActorRouter.Lab.Tests;

/// <summary>
/// A link change from the platform through FMAN and the QFP client into the data plane, on the real
/// actors and data plane with memory interfaces (no root): the interface goes operationally down,
/// its connected route leaves the forwarding table, the configuration keeps it "no shutdown"; and
/// back. A "no shutdown" while the link is down does not enable it.
/// </summary>
public sealed class LinkStateFlowTests : TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Link_down_disables_the_interface_in_the_data_plane_and_link_up_enables_it_again()
    {
        var config = RouterConfigLoader.LoadString("""
            actorrouter {
              data-plane { ppe-threads = 1 }
              interfaces = [
                { os-name = mem0, name = GigabitEthernet1, ipv4 = "192.0.2.1/24" },
                { os-name = mem1, name = GigabitEthernet2, ipv4 = "198.51.100.1/24" }
              ]
            }
            """, "test.conf");
        using var memory = new MemoryVnicFactory(2048);
        Sys.EventStream.Subscribe(TestActor, typeof(InterfaceUp));
        var supervisor = Sys.ActorOf(DataPlaneSupervisor.Props(config, new DriverVnicFactory(memory)));
        try
        {
            ExpectMsg<InterfaceUp>(Wait);
            ExpectMsg<InterfaceUp>(Wait);
            var fman = (await supervisor.Ask<ControlPlaneActors>(GetControlPlaneActors.Instance, Wait)).Fman;

            fman.Tell(new InterfaceLinkChanged("GigabitEthernet2", "mem1", LinkUp: false), TestActor);
            ExpectMsg<CommandSucceeded>(Wait);
            var gi2 = await Interface(fman, "GigabitEthernet2");
            Assert.True(gi2.AdminUp);
            Assert.False(gi2.OperUp);
            Assert.False((await Route(fman, "198.51.100.0/24")).Active);
            Assert.Contains("shutdown = false", (await fman.Ask<RunningConfig>(GetRunningConfig.Instance, Wait)).Text);

            // "no shutdown" is accepted but cannot enable a link that is down.
            fman.Tell(new SetInterfaceAdminState("GigabitEthernet2", Up: true), TestActor);
            ExpectMsg<CommandSucceeded>(Wait);
            Assert.False((await Interface(fman, "GigabitEthernet2")).OperUp);

            fman.Tell(new InterfaceLinkChanged("GigabitEthernet2", "mem1", LinkUp: true), TestActor);
            ExpectMsg<CommandSucceeded>(Wait);
            Assert.True((await Interface(fman, "GigabitEthernet2")).OperUp);
            Assert.True((await Route(fman, "198.51.100.0/24")).Active);
            Assert.True((await Interface(fman, "GigabitEthernet1")).OperUp);
        }
        finally
        {
            await supervisor.Ask<DataPlaneStopped>(StopDataPlane.Instance, Wait);
            Sys.Stop(supervisor);
        }
    }

    private static async Task<InterfaceStatus> Interface(IActorRef fman, string name) =>
        (await fman.Ask<InterfaceList>(GetInterfaces.Instance, Wait)).Interfaces.Single(i => i.Name == name);

    private static async Task<RouteStatus> Route(IActorRef fman, string prefix) =>
        (await fman.Ask<RouteList>(GetRoutes.Instance, Wait)).Routes.Single(r => r.Prefix.ToString() == prefix);
}
