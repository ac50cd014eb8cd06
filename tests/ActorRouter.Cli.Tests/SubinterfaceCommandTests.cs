using ActorRouter.Control.Contracts;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.DataPlane.Counters;

namespace ActorRouter.Cli.Tests;

/// <summary>802.1Q subinterfaces through arctl against an in-process router: create, configure, show, save, remove.</summary>
public sealed class SubinterfaceCommandTests
{
    [Fact]
    public void Subinterface_commands_parse_with_the_shared_rules()
    {
        Assert.Equal(new CreateSubinterfaceRequest("gi1.100", 100), CommandTable.Parse(["interface", "gi1.100", "encapsulation", "dot1q", "100"]));
        Assert.Equal(new CreateSubinterfaceRequest("gi1.100", 100), CommandTable.Parse(["int", "gi1.100", "encap", "dot1q", "100"]));
        Assert.Equal(new RemoveSubinterfaceRequest("gi1.100"), CommandTable.Parse(["no", "interface", "gi1.100"]));
        Assert.Equal("vlan 4095 is out of range 1..4094",
            Assert.Throws<UsageException>(() => CommandTable.Parse(["interface", "gi1.100", "encapsulation", "dot1q", "4095"])).Message);
        Assert.Equal("vlan needs a whole number, not 'x'",
            Assert.Throws<UsageException>(() => CommandTable.Parse(["interface", "gi1.100", "encapsulation", "dot1q", "x"])).Message);
        Assert.Equal(new SetIpAddressRequest("gi1.100", "203.0.113.1 255.255.255.0"),
            CommandTable.Parse(["interface", "gi1.100", "ip", "address", "203.0.113.1", "255.255.255.0"]));
    }

    [Fact]
    public async Task A_subinterface_created_with_arctl_is_shown_configured_saved_and_removed()
    {
        await using var router = await InProcessRouter.StartAsync();

        var create = await router.ArctlAsync("interface", "gi1.100", "encapsulation", "dot1q", "100");
        Assert.Equal(0, create.ExitCode);
        Assert.Equal(["GigabitEthernet1.100: encapsulation dot1q 100 (uIDB 2)"], create.Lines);

        var address = await router.ArctlAsync("interface", "gi1.100", "ip", "address", "203.0.113.1", "255.255.255.0");
        Assert.Equal(0, address.ExitCode);
        Assert.Equal(["GigabitEthernet1.100: ip address 203.0.113.1/24"], address.Lines);
        Assert.Equal(0, (await router.ArctlAsync("interface", "gi1.100", "mtu", "1400")).ExitCode);

        var brief = await router.ArctlAsync("show", "ip", "interface", "brief");
        Assert.Equal("GigabitEthernet1.100   203.0.113.1     YES manual up                    up", brief.Lines[3]);
        var dataPlane = await router.DataPlaneAsync();
        var uidb = dataPlane.Interfaces.FindByName("GigabitEthernet1.100")!;
        Assert.Equal((0, (ushort)100, 1400, true), (uidb.ParentIndex, uidb.Vlan, uidb.Mtu, uidb.AdminUp));
        Assert.Contains("C        203.0.113.0/24 is directly connected, GigabitEthernet1.100", (await router.ArctlAsync("show", "ip", "route")).Lines);

        // The same VLAN under another number, and a VLAN on a subinterface, are refused.
        var again = await router.ArctlAsync("interface", "gi1.101", "encapsulation", "dot1q", "100");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("vlan 100 is already used on GigabitEthernet1 by GigabitEthernet1.100", again.Stderr);

        // Parent shutdown takes the subinterface down operationally; it stays administratively up.
        Assert.Equal(0, (await router.ArctlAsync("interface", "gi1", "shutdown")).ExitCode);
        Assert.Equal("GigabitEthernet1.100   203.0.113.1     YES manual down                  down",
            (await router.ArctlAsync("show", "ip", "interface", "brief")).Lines[3]);
        Assert.Equal(0, (await router.ArctlAsync("interface", "gi1", "no", "shutdown")).ExitCode);
        Assert.Equal("GigabitEthernet1.100   203.0.113.1     YES manual up                    up",
            (await router.ArctlAsync("show", "ip", "interface", "brief")).Lines[3]);

        var running = (await router.ArctlAsync("show", "running-config")).Stdout;
        var config = RouterConfigLoader.LoadString(running[running.IndexOf("actorrouter", StringComparison.Ordinal)..], "running-config");
        Assert.Equal(
            new InterfaceConfig("mem0", "GigabitEthernet1.100", InterfaceDriver.Memory, Ipv4Cidr.Parse("203.0.113.1/24"), 1400, 512, null, false) { Vlan = 100 },
            config.Interfaces.Single(i => i.IsSubinterface));

        var remove = await router.ArctlAsync("no", "interface", "gi1.100");
        Assert.Equal(0, remove.ExitCode);
        Assert.Equal(["no interface GigabitEthernet1.100"], remove.Lines);
        Assert.Null(dataPlane.Interfaces.FindByName("GigabitEthernet1.100"));
        Assert.Equal(3, (await router.ArctlAsync("show", "ip", "interface", "brief")).Lines.Length);
        var physical = await router.ArctlAsync("no", "interface", "gi1");
        Assert.Equal(1, physical.ExitCode);
        Assert.Contains("GigabitEthernet1 is a physical interface; only subinterfaces and tunnels can be removed", physical.Stderr);
        Assert.Equal(0, dataPlane.ReadDrops(DropReason.UnknownVlan));
    }
}
