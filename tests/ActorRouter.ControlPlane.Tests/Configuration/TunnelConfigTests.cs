using ActorRouter.ControlPlane.Commands;
using ActorRouter.ControlPlane.Configuration;
using static ActorRouter.ControlPlane.Tests.Configuration.ConfigText;

namespace ActorRouter.ControlPlane.Tests.Configuration;

/// <summary>Tunnel interfaces (route-based IPsec, manually keyed AES-GCM SAs) in the configuration file.</summary>
public class TunnelConfigTests
{
    internal const string Key128 = "0xfeffe9928665731c6d6a8f9467308308";
    internal const string Key256 = "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    internal static string Tunnel(string extra = "", string tunnelExtra = "", string espOut = $"spi = 0xa5f8, key = \"{Key128}\", salt = \"0xcafebabe\"",
        string espIn = $"spi = 4097, key = \"{Key256}\", salt = \"0x01020304\"") => $$"""
        { name = "Tunnel1", ipv4 = "203.0.113.253/30" {{extra}}
          tunnel { source = "198.51.100.1", destination = "198.51.100.10" {{tunnelExtra}}
            esp-out { {{espOut}} }
            esp-in { {{espIn}} } } }
        """;

    private static string WithTunnel(string tunnel) => $$"""
        actorrouter {
          interfaces = [
            { os-name = "mem0", name = "GigabitEthernet1", ipv4 = "192.0.2.1/24" },
            { os-name = "mem1", name = "GigabitEthernet2", ipv4 = "198.51.100.1/24" },
            {{tunnel}}
          ]
          static-routes = [ { prefix = "203.0.113.0/25", next-hop = "203.0.113.254" } ]
        }
        """;

    private static readonly TunnelConfig Expected = new(Ipv4Text.Parse("198.51.100.1"), Ipv4Text.Parse("198.51.100.10"),
        new EspSaConfig(0xa5f8, "FEFFE9928665731C6D6A8F9467308308", 0xcafebabe),
        new EspSaConfig(4097, "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F", 0x01020304));

    [Fact]
    public void A_tunnel_interface_reads_to_its_endpoints_and_sas_with_the_tunnel_mtu_by_default()
    {
        var config = RouterConfigLoader.LoadString(WithTunnel(Tunnel()), Source);

        Assert.Equal(InterfaceConfig.TunnelInterface("Tunnel1", Ipv4Cidr.Parse("203.0.113.253/30"), TunnelConfig.DefaultMtu, false, Expected), config.Interfaces[2]);
        Assert.True(config.Interfaces[2].IsTunnel);
        Assert.Equal(128, config.Interfaces[2].Tunnel!.Outbound.KeyBits);
        Assert.Equal(256, config.Interfaces[2].Tunnel!.Inbound.KeyBits);
    }

    [Fact]
    public void A_tunnel_survives_writing_and_loading_and_show_running_config_hides_its_keys()
    {
        var config = RouterConfigLoader.LoadString(WithTunnel(Tunnel(", mtu = 1380, shutdown = true")), Source);

        var text = RouterConfigWriter.ToHocon(config);

        Assert.Equal(config, RouterConfigLoader.LoadString(text, "running-config"));
        var lines = text.Split('\n').Select(l => l.Trim()).ToList();
        var at = lines.IndexOf("name = \"Tunnel1\"");
        Assert.Equal(["name = \"Tunnel1\"", "ipv4 = \"203.0.113.253/30\"", "mtu = 1380", "shutdown = true", "tunnel {", "source = \"198.51.100.1\"",
            "destination = \"198.51.100.10\"", "esp-out {", "spi = \"0xa5f8\"", $"key = \"{Key128}\"", "salt = \"0xcafebabe\"", "}", "esp-in {",
            "spi = \"0x1001\"", $"key = \"{Key256}\"", "salt = \"0x01020304\"", "}", "}"], lines.Skip(at).Take(18));
        var shown = CommandRequestActor.HideTunnelKeys(text);
        Assert.DoesNotContain("feffe992", shown, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(2, shown.Split('\n').Count(l => l.Trim() == "key = \"<hidden>\""));
    }

    [Theory]
    [InlineData("spi = 255, key = \"" + Key128 + "\", salt = \"0xcafebabe\"", "actorrouter.interfaces[2].tunnel.esp-out.spi",
        "'255' is not an SPI (256..4294967295, decimal or 0x…; 0..255 are reserved)")]
    [InlineData("spi = 300, key = \"0x0011\", salt = \"0xcafebabe\"", "actorrouter.interfaces[2].tunnel.esp-out.key",
        "expected an AES-GCM key in hexadecimal: 0x and 32 digits (128 bit) or 64 digits (256 bit)")]
    [InlineData("spi = 300, key = \"" + Key128 + "\", salt = \"cafebabe\"", "actorrouter.interfaces[2].tunnel.esp-out.salt",
        "expected a 4-byte salt in hexadecimal: 0x and 8 digits")]
    public void A_wrong_sa_is_reported_at_its_key(string espOut, string key, string reason) =>
        AssertSingleError(WithTunnel(Tunnel(espOut: espOut)), key, reason);

    [Fact]
    public void A_tunnel_has_no_port_keys() =>
        AssertSingleError(WithTunnel(Tunnel(", os-name = \"mem9\"")), "actorrouter.interfaces[2].os-name", "a tunnel interface has no os-name");

    [Fact]
    public void A_tunnel_needs_both_sas() =>
        AssertSingleError(WithTunnel("""{ name = "Tunnel1", tunnel { source = "198.51.100.1", destination = "198.51.100.10", esp-out { spi = 300, key = "0xfeffe9928665731c6d6a8f9467308308", salt = "0xcafebabe" } } }"""),
            "actorrouter.interfaces[2].tunnel.esp-in.spi", "missing: a tunnel needs esp-out and esp-in, each with spi, key and salt");
}
