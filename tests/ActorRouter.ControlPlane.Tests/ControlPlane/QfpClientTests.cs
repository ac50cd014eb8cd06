using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.ControlPlane.Qfp;
using ActorRouter.ControlPlane.Vnic;
using ActorRouter.DataPlane;
using Xunit.Abstractions;

namespace ActorRouter.ControlPlane.Tests.ControlPlane;

/// <summary>The QFP client against a real (not started) data plane: each step's answer and its effect on the uIDB table.</summary>
public sealed class QfpClientTests(ITestOutputHelper output) : ControlPlaneTestKit(output), IDisposable
{
    private static readonly InterfaceConfig Gi1 = TestConfigs.TwoInterfaces().Interfaces[0];
    private readonly QfpDataPlane _dataPlane = new(TestConfigs.SmallDataPlane);
    private readonly MemoryVnicFactory _memory = new();

    [Fact]
    public void Each_handshake_step_is_answered_and_leaves_the_uidb_registered_enabled_and_addressed()
    {
        var client = Sys.ActorOf(QfpClientActor.Props(_dataPlane, new DriverVnicFactory(_memory)));

        client.Tell(new CreateUidb("GigabitEthernet1", "mem0", 1500, TestConfigs.Gi1Mac), TestActor);
        Assert.Equal(new UidbCreated("GigabitEthernet1", 0), ExpectMsg<UidbCreated>());
        Assert.False(_dataPlane.Interfaces[0]!.Registered);
        client.Tell(new BindUidb("GigabitEthernet1", 0), TestActor);
        Assert.Equal(new UidbBound("GigabitEthernet1", 0), ExpectMsg<UidbBound>());
        client.Tell(new RegisterInterface("GigabitEthernet1", 0, Gi1), TestActor);
        Assert.Equal(new InterfaceReady("GigabitEthernet1", 0), ExpectMsg<InterfaceReady>());

        var uidb = _dataPlane.Interfaces[0]!;
        Assert.True(uidb.Registered);
        Assert.True(uidb.AdminUp);
        Assert.Equal("mem0", uidb.Port!.OsName);
        Assert.Equal(TestConfigs.Gi1Mac, uidb.Mac);
        Assert.Equal(Ipv4Text.Parse("192.0.2.1"), uidb.Ipv4Address);
        Assert.Equal(24, uidb.Ipv4PrefixLength);
        Assert.True(_memory.TryGetWire("mem0", out _));
    }

    [Fact]
    public void An_mtu_larger_than_a_packet_buffer_fails_at_create_uidb()
    {
        var client = Sys.ActorOf(QfpClientActor.Props(_dataPlane, new DriverVnicFactory(_memory)));

        client.Tell(new CreateUidb("GigabitEthernet1", "mem0", 4000, 0), TestActor);

        var failure = ExpectMsg<InterfaceInitFailed>();
        Assert.Equal(HandshakeStep.CreateUidb, failure.Step);
        Assert.Contains("MTU 4000", failure.Reason);
        Assert.Empty(_dataPlane.Interfaces.All);
    }

    [Fact]
    public void A_port_the_driver_cannot_open_fails_at_open_port_and_delete_uidb_removes_the_uidb()
    {
        var client = Sys.ActorOf(QfpClientActor.Props(_dataPlane, new DriverVnicFactory(_memory)));
        client.Tell(new CreateUidb("GigabitEthernet1", "eth0", 1500, 0), TestActor);
        ExpectMsg<UidbCreated>();

        client.Tell(new RegisterInterface("GigabitEthernet1", 0, Gi1 with { OsName = "eth0", Driver = InterfaceDriver.AfPacket }), TestActor);
        var failure = ExpectMsg<InterfaceInitFailed>();
        Assert.Equal(HandshakeStep.OpenPort, failure.Step);
        Assert.Equal("eth0: af-packet driver not available yet", failure.Reason);

        client.Tell(new DeleteUidb("GigabitEthernet1", 0), TestActor);
        ExpectMsg(new UidbDeleted("GigabitEthernet1", 0));
        Assert.Empty(_dataPlane.Interfaces.All);
    }

    [Fact]
    public void Binding_a_uidb_to_another_name_fails_at_bind()
    {
        var client = Sys.ActorOf(QfpClientActor.Props(_dataPlane, new DriverVnicFactory(_memory)));
        client.Tell(new CreateUidb("GigabitEthernet1", "mem0", 1500, 0), TestActor);
        ExpectMsg<UidbCreated>();

        client.Tell(new BindUidb("GigabitEthernet2", 0), TestActor);

        Assert.Equal(HandshakeStep.BindUidb, ExpectMsg<InterfaceInitFailed>().Step);
    }

    void IDisposable.Dispose()
    {
        Shutdown();
        _dataPlane.Dispose();
        _memory.Dispose();
        base.Dispose();
    }
}
