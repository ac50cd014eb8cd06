using ActorRouter.ControlPlane.Configuration;
using static ActorRouter.ControlPlane.Tests.Configuration.ConfigText;

namespace ActorRouter.ControlPlane.Tests.Configuration;

/// <summary>802.1Q subinterfaces in the configuration file, and the buffer layout rules that make room for their tag.</summary>
public class SubinterfaceConfigTests
{
    private static string WithSub(string sub) => $$"""
        actorrouter {
          interfaces = [
            { os-name = "mem0", name = "GigabitEthernet1", ipv4 = "192.0.2.1/25", mtu = 1500, ring-size = 256, mac = "02:00:00:00:00:01" },
            {{sub}}
          ]
        }
        """;

    [Fact]
    public void A_subinterface_takes_its_parents_port_settings_and_keeps_its_own_address_mtu_and_state()
    {
        var config = RouterConfigLoader.LoadString(
            WithSub("""{ name = "gi1.100", vlan = 100, ipv4 = "192.0.2.129 255.255.255.128", mtu = 1400, shutdown = true }""").Replace("gi1.100", "GigabitEthernet1.100"),
            Source);

        var sub = config.Interfaces[1];
        Assert.Equal(
            new InterfaceConfig("mem0", "GigabitEthernet1.100", InterfaceDriver.Memory, Ipv4Cidr.Parse("192.0.2.129/25"), 1400, 256, null, true) { Vlan = 100 },
            sub);
        Assert.Equal("GigabitEthernet1", sub.ParentName);
    }

    [Fact]
    public void The_parents_name_is_written_as_the_parent_is_named()
    {
        var config = RouterConfigLoader.LoadString(WithSub("""{ name = "gigabitethernet1.7", vlan = 7 }"""), Source);
        Assert.Equal("GigabitEthernet1.7", config.Interfaces[1].Name);
    }

    [Fact]
    public void A_subinterface_survives_writing_and_loading_and_is_written_without_its_parents_keys()
    {
        var config = RouterConfigLoader.LoadString(
            WithSub("""{ name = "GigabitEthernet1.100", vlan = 100, ipv4 = "192.0.2.129/25", mtu = 1400 }"""), Source);

        var text = RouterConfigWriter.ToHocon(config);

        var lines = text.Split('\n').Select(l => l.Trim()).ToList();
        var at = lines.IndexOf("name = \"GigabitEthernet1.100\"");
        Assert.Equal(["name = \"GigabitEthernet1.100\"", "vlan = 100", "ipv4 = \"192.0.2.129/25\"", "mtu = 1400", "shutdown = false", "}"], lines.Skip(at).Take(6));
        Assert.Equal(config, RouterConfigLoader.LoadString(text, "running-config"));
    }

    [Theory]
    [InlineData("""{ name = "GigabitEthernet1.100" }""", "actorrouter.interfaces[1].vlan", "missing: subinterface GigabitEthernet1.100 needs its 802.1Q vlan (1..4094)")]
    [InlineData("""{ name = "GigabitEthernet1.100", vlan = 4095 }""", "actorrouter.interfaces[1].vlan", "4095 is out of range 1..4094")]
    [InlineData("""{ name = "GigabitEthernet1.100", vlan = 0 }""", "actorrouter.interfaces[1].vlan", "0 is out of range 1..4094")]
    [InlineData("""{ name = "GigabitEthernet2.100", vlan = 100 }""", "actorrouter.interfaces[1].name", "subinterface GigabitEthernet2.100 has no parent: no interface named 'GigabitEthernet2' (configured: GigabitEthernet1)")]
    [InlineData("""{ name = "GigabitEthernet1.100", vlan = 100, os-name = "mem9" }""", "actorrouter.interfaces[1].os-name", "a subinterface uses its parent's os-name; set it on GigabitEthernet1")]
    [InlineData("""{ name = "GigabitEthernet1.100", vlan = 100, mac = "02:00:00:00:00:09" }""", "actorrouter.interfaces[1].mac", "a subinterface uses its parent's mac; set it on GigabitEthernet1")]
    [InlineData("""{ name = "GigabitEthernet1.100", vlan = 100, mtu = 1501 }""", "actorrouter.interfaces[1].mtu", "1501 is more than the mtu 1500 of its parent GigabitEthernet1")]
    [InlineData("""{ name = "GigabitEthernet1.100", vlan = 100, ipv4 = "192.0.2.5/24" }""", "actorrouter.interfaces[1].ipv4", "192.0.2.5/24 overlaps 192.0.2.1/25 of GigabitEthernet1 (at actorrouter.interfaces[0])")]
    [InlineData("""{ name = "GigabitEthernet1.0", vlan = 100 }""", "actorrouter.interfaces[1].name", "'GigabitEthernet1.0': a subinterface number is 1..4294967295")]
    [InlineData("""{ os-name = "mem1", name = "GigabitEthernet2", vlan = 100 }""", "actorrouter.interfaces[1].vlan", "only a subinterface (PARENT.NUMBER, such as GigabitEthernet2.100) has a vlan")]
    public void A_wrong_subinterface_is_reported_at_its_key(string sub, string key, string reason) =>
        AssertSingleError(WithSub(sub), key, reason);

    [Fact]
    public void A_vlan_is_used_once_per_parent()
    {
        AssertSingleError(
            WithSub("""{ name = "GigabitEthernet1.100", vlan = 100 }, { name = "GigabitEthernet1.101", vlan = 100 }"""),
            "actorrouter.interfaces[2].vlan",
            "vlan 100 is already used on GigabitEthernet1 by GigabitEthernet1.100 (at actorrouter.interfaces[1])");
    }

    [Theory]
    [InlineData("headroom = 3", "actorrouter.data-plane.gpm.headroom", "headroom 3 is less than 4 bytes, the 802.1Q tag the data plane pushes in front of a frame")]
    [InlineData("headroom = 0", "actorrouter.data-plane.gpm.headroom", "headroom 0 is less than 4 bytes, the 802.1Q tag the data plane pushes in front of a frame")]
    public void A_headroom_without_room_for_a_tag_is_refused(string setting, string key, string reason) =>
        AssertSingleError($$"""actorrouter.data-plane.gpm { {{setting}} }""", key, reason);

    [Fact]
    public void The_largest_mtu_is_what_a_buffer_holds_with_a_tag_and_one_byte_more_is_refused()
    {
        // 2048 − 4 (headroom) − 14 − 4 = 2026.
        var fits = RouterConfigLoader.LoadString(
            """actorrouter { data-plane.gpm.headroom = 4, interfaces = [ { os-name = "mem0", name = "GigabitEthernet1", mtu = 2026 } ] }""", Source);
        Assert.Equal(2026, fits.Interfaces[0].Mtu);
        AssertSingleError(
            """actorrouter { data-plane.gpm.headroom = 4, interfaces = [ { os-name = "mem0", name = "GigabitEthernet1", mtu = 2027 } ] }""",
            "actorrouter.interfaces[0].mtu",
            "mtu 2027 does not fit a packet buffer: headroom 4 + frame 2045 (mtu + Ethernet header 14 + 802.1Q tag 4) = 2049 bytes > data-plane.gpm.buffer-size 2048");
    }

    [Fact]
    public void Errors_read_as_file_key_reason()
    {
        var error = Errors("""actorrouter.data-plane.gpm.headroom = 2""").Single();
        Assert.Equal("test.conf: actorrouter.data-plane.gpm.headroom: headroom 2 is less than 4 bytes, the 802.1Q tag the data plane pushes in front of a frame", error.ToString());
    }
}
