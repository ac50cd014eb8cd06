using ActorRouter.ControlPlane.Qfp;
using ActorRouter.ControlPlane.Tests.ControlPlane;
using ActorRouter.DataPlane;
using Xunit.Abstractions;

namespace ActorRouter.ControlPlane.Tests.Multicast;

/// <summary>The QFP client merges FMAN's multicast changes into the data plane's entries, read back from the data plane.</summary>
public sealed class QfpClientMulticastTests(ITestOutputHelper output) : ControlPlaneTestKit(output), IDisposable
{
    private readonly QfpDataPlane _dataPlane = new(TestConfigs.SmallDataPlane);

    [Fact]
    public void Changes_are_merged_into_what_the_data_plane_has_and_a_refused_one_changes_nothing()
    {
        _dataPlane.CreateUidb("GigabitEthernet1", "mem0", 1500, TestConfigs.Gi1Mac);
        _dataPlane.CreateUidb("GigabitEthernet2", "mem1", 1500, TestConfigs.Gi2Mac);
        var client = Sys.ActorOf(QfpClientActor.Props(_dataPlane, new ActorRouter.ControlPlane.Vnic.MemoryVnicFactory()));
        uint g1 = 0xEF010101, g2 = 0xEF020202;

        client.Tell(new ProgramMulticast(true, [new MulticastRouteSpec(0, g1, "GigabitEthernet1", ["GigabitEthernet2"]),
            new MulticastRouteSpec(TestConfigs.HostB, g2, "GigabitEthernet2", ["GigabitEthernet1"])], []), TestActor);
        Assert.Equal(new MulticastProgrammed(true, 2), ExpectMsg<MulticastProgrammed>());

        client.Tell(new ProgramMulticast(true, [new MulticastRouteSpec(0, g1, "GigabitEthernet1", [])], [(TestConfigs.HostB, g2)]), TestActor);
        Assert.Equal(new MulticastProgrammed(true, 1), ExpectMsg<MulticastProgrammed>());
        var entry = Assert.Single(_dataPlane.Multicast.Current.Entries);
        Assert.Equal((0u, g1, (ushort)0, 0), (entry.Source, entry.Group, entry.Incoming, entry.Outgoing.Length));
        Assert.NotNull(_dataPlane.Multicast.Current.Find(TestConfigs.HostA, g1));

        client.Tell(new ProgramMulticast(true, [new MulticastRouteSpec(0, g2, "GigabitEthernet9", [])], []), TestActor);
        Assert.Equal(new MulticastRefused("multicast route (*, 239.2.2.2): no interface GigabitEthernet9"), ExpectMsg<MulticastRefused>());
        Assert.Single(_dataPlane.Multicast.Current.Entries);

        client.Tell(new ProgramMulticast(false, [], [(0, g1)]), TestActor);
        Assert.Equal(new MulticastProgrammed(false, 0), ExpectMsg<MulticastProgrammed>());
        Assert.False(_dataPlane.Multicast.Current.Routing);
    }

    void IDisposable.Dispose()
    {
        _dataPlane.Dispose();
        Dispose();
    }
}
