using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.ControlPlane.Vnic;
using Xunit.Abstractions;

namespace ActorRouter.ControlPlane.Tests.ControlPlane;

/// <summary>The real actors and data plane: which interfaces come up, which fail, and what the uIDB table holds.</summary>
[Collection(DataPlaneCollection.Name)]
public sealed class EndToEndHandshakeTests(ITestOutputHelper output) : ControlPlaneTestKit(output)
{
    [Fact]
    public void Both_interfaces_of_a_two_interface_router_come_up_with_their_uidbs_registered()
    {
        using var router = StartRouter(TestConfigs.TwoInterfaces());

        var up = router.Outcomes.Cast<InterfaceUp>().OrderBy(u => u.Name).ToList();
        Assert.Equal(["GigabitEthernet1", "GigabitEthernet2"], up.Select(u => u.Name));
        Assert.Equal(["mem0", "mem1"], up.Select(u => u.OsName));

        var table = router.DataPlane.Interfaces.All.OrderBy(u => u.Name).ToList();
        Assert.Equal(["GigabitEthernet1", "GigabitEthernet2"], table.Select(u => u.Name));
        Assert.All(table, u => Assert.True(u.Registered && u.AdminUp));
        Assert.Equal(up.Select(u => u.Index), table.Select(u => u.Index));
        Assert.Equal([TestConfigs.Gi1Mac, TestConfigs.Gi2Mac], table.Select(u => u.Mac));

        var interfaces = router.Interfaces();
        Assert.Equal(["GigabitEthernet1", "GigabitEthernet2"], interfaces.Select(i => i.Name).Order());
        Assert.All(interfaces, i => Assert.True(i.AdminUp && i.OperUp));
        Assert.Equal(new Ipv4Cidr(Ipv4Text.Parse("198.51.100.1"), 24), interfaces.Single(i => i.Name == "GigabitEthernet2").Address);
    }

    [Fact]
    public void Failing_interfaces_leave_no_uidb_and_the_others_still_come_up()
    {
        var config = TestConfigs.Build(
        [
            TestConfigs.Interface("mem0", "GigabitEthernet1", "192.0.2.1/24"),
            TestConfigs.Interface("eth9", "GigabitEthernet2", "198.51.100.1/24", driver: "af-packet"),
            TestConfigs.Interface("mem2", "GigabitEthernet3", "10.0.3.1/24"),
            TestConfigs.Interface("mem3", "GigabitEthernet4", "10.0.4.1/24"),
            TestConfigs.Interface("mem4", "GigabitEthernet5", null, shutdown: true),
        ]);
        var memory = new MemoryVnicFactory(2048);
        using var router = StartRouter(config, new RefusingVnicFactory(new DriverVnicFactory(memory), "mem2"), memory);

        var failures = router.Outcomes.OfType<InterfaceInitFailed>().OrderBy(f => f.Name).ToList();
        Assert.Equal(2, failures.Count);
        Assert.Equal(new InterfaceInitFailed("GigabitEthernet2", HandshakeStep.OpenPort, "eth9: af-packet driver not available yet"), failures[0]);
        Assert.Equal(new InterfaceInitFailed("GigabitEthernet3", HandshakeStep.OpenPort, "mem2: no such device"), failures[1]);
        Assert.Equal(["GigabitEthernet1", "GigabitEthernet4", "GigabitEthernet5"],
            router.Outcomes.OfType<InterfaceUp>().Select(u => u.Name).Order());

        Assert.Equal(["GigabitEthernet1", "GigabitEthernet4", "GigabitEthernet5"], router.DataPlane.Interfaces.All.Select(u => u.Name).Order());
        Assert.False(router.DataPlane.Interfaces.FindByName("GigabitEthernet5")!.AdminUp);
        Assert.False(memory.TryGetWire("mem2", out _));
        var statuses = router.Interfaces();
        Assert.Equal(["GigabitEthernet1", "GigabitEthernet4", "GigabitEthernet5"], statuses.Select(i => i.Name).Order());
        // No MAC configured: the memory driver's own.
        Assert.Equal(MemoryVnicFactory.DriverMacFor("mem4"), statuses.Single(i => i.Name == "GigabitEthernet5").Mac);
    }

    [Fact]
    public void A_duplicate_name_or_a_bad_mtu_discovered_later_fails_at_create_uidb_and_changes_nothing()
    {
        using var router = StartRouter(TestConfigs.TwoInterfaces());
        var before = router.DataPlane.Interfaces.All.ToList();
        var reporter = CreateTestProbe();
        var gi1 = TestConfigs.TwoInterfaces().Interfaces[0];

        router.Fman.Tell(new InterfaceDiscovered(gi1 with { OsName = "mem5" }), reporter.Ref);
        var duplicate = reporter.ExpectMsg<InterfaceInitFailed>(Long);
        Assert.Equal(HandshakeStep.CreateUidb, duplicate.Step);
        Assert.Equal("uIDB for GigabitEthernet1 already exists", duplicate.Reason);

        router.Fman.Tell(new InterfaceDiscovered(gi1 with { OsName = "mem6", Name = "GigabitEthernet6", Mtu = 4000, Ipv4 = null }), reporter.Ref);
        var badMtu = reporter.ExpectMsg<InterfaceInitFailed>(Long);
        Assert.Equal(HandshakeStep.CreateUidb, badMtu.Step);
        Assert.StartsWith("MTU 4000 for GigabitEthernet6 is outside 68..", badMtu.Reason);

        Assert.Equal(before, router.DataPlane.Interfaces.All.ToList());
        Assert.Null(router.DataPlane.Interfaces.FindByName("GigabitEthernet6"));
        Assert.Equal(2, router.Interfaces().Count);
    }

    [Fact]
    public void A_failure_after_the_port_is_open_is_rolled_back_in_the_data_plane_and_the_driver()
    {
        using var router = StartRouter(TestConfigs.TwoInterfaces());
        var reporter = CreateTestProbe();
        // Same os-name as GigabitEthernet1: the memory driver refuses a second open of mem0.
        var clash = TestConfigs.TwoInterfaces().Interfaces[0] with { Name = "GigabitEthernet7", Ipv4 = null };

        router.Fman.Tell(new InterfaceDiscovered(clash), reporter.Ref);

        var failure = reporter.ExpectMsg<InterfaceInitFailed>(Long);
        Assert.Equal(new InterfaceInitFailed("GigabitEthernet7", HandshakeStep.OpenPort, "mem0 is already open"), failure);
        Assert.Null(router.DataPlane.Interfaces.FindByName("GigabitEthernet7"));
        Assert.True(router.DataPlane.Interfaces.FindByName("GigabitEthernet1")!.Registered);
    }
}
