using ActorRouter.ControlPlane.Configuration;
using static ActorRouter.ControlPlane.Tests.Configuration.ConfigText;

namespace ActorRouter.ControlPlane.Tests.Configuration;

public class SimulationErrorTests
{
    private static string WithHost(string host) => TwoInterfaces(more: $"simulation.hosts = [ {{ {host} }} ]");

    [Fact]
    public void Host_outside_its_interfaces_subnet_is_reported() =>
        AssertSingleError(
            WithHost("""interface = "GigabitEthernet1", ipv4 = "198.51.100.10", gateway = "192.0.2.1" """),
            "actorrouter.simulation.hosts[0].ipv4",
            "198.51.100.10 is outside GigabitEthernet1's subnet 192.0.2.0/24");

    [Fact]
    public void Host_with_the_routers_address_is_reported() =>
        AssertSingleError(
            WithHost("""interface = "GigabitEthernet1", ipv4 = "192.0.2.1", gateway = "192.0.2.1" """),
            "actorrouter.simulation.hosts[0].ipv4",
            "192.0.2.1 is GigabitEthernet1's own address");

    [Fact]
    public void Host_gateway_other_than_the_router_is_reported() =>
        AssertSingleError(
            WithHost("""interface = "GigabitEthernet2", ipv4 = "198.51.100.10", gateway = "198.51.100.254" """),
            "actorrouter.simulation.hosts[0].gateway",
            "expected GigabitEthernet2's address 198.51.100.1, got 198.51.100.254");

    [Fact]
    public void Host_on_an_unknown_interface_is_reported() =>
        AssertSingleError(
            WithHost("""interface = "GigabitEthernet3", ipv4 = "192.0.2.10", gateway = "192.0.2.1" """),
            "actorrouter.simulation.hosts[0].interface",
            "no interface named 'GigabitEthernet3' (configured: GigabitEthernet1, GigabitEthernet2)");

    [Fact]
    public void Host_on_an_af_packet_interface_is_reported() =>
        AssertSingleError(
            TwoInterfaces(interfaceExtra0: ", driver = af-packet", more: """simulation.hosts = [ { interface = "GigabitEthernet1", ipv4 = "192.0.2.10", gateway = "192.0.2.1" } ]"""),
            "actorrouter.simulation.hosts[0].interface",
            "GigabitEthernet1 uses the af-packet driver; simulated hosts attach only to memory interfaces");

    [Fact]
    public void Host_on_an_interface_without_address_is_reported() =>
        AssertSingleError(
            """
            actorrouter {
              interfaces = [ { os-name = "mem0", name = "GigabitEthernet1" } ]
              simulation.hosts = [ { interface = "GigabitEthernet1", ipv4 = "192.0.2.10", gateway = "192.0.2.1" } ]
            }
            """,
            "actorrouter.simulation.hosts[0].interface",
            "GigabitEthernet1 has no ipv4 address, so no host can be attached to it");

    [Fact]
    public void Duplicate_host_address_is_reported() =>
        AssertSingleError(
            TwoInterfaces(more: """
                simulation.hosts = [
                  { interface = "GigabitEthernet1", ipv4 = "192.0.2.10", gateway = "192.0.2.1" },
                  { interface = "GigabitEthernet1", ipv4 = "192.0.2.10", gateway = "192.0.2.1" }
                ]
                """),
            "actorrouter.simulation.hosts[1].ipv4",
            "duplicate simulated host 192.0.2.10 (also at actorrouter.simulation.hosts[0])");

    [Fact]
    public void Host_payload_larger_than_the_mtu_allows_is_reported() =>
        AssertSingleError(
            WithHost("""interface = "GigabitEthernet1", ipv4 = "192.0.2.10", gateway = "192.0.2.1", payload-bytes = 1473"""),
            "actorrouter.simulation.hosts[0].payload-bytes",
            "1473 does not fit mtu 1500 of GigabitEthernet1 (at most 1472)");

    [Fact]
    public void Host_missing_its_address_is_reported() =>
        AssertSingleError(
            WithHost("""interface = "GigabitEthernet1", gateway = "192.0.2.1" """),
            "actorrouter.simulation.hosts[0].ipv4",
            "missing required value");
}

public class SourceErrorTests
{
    [Fact]
    public void Unclosed_brace_is_a_syntax_error_with_its_line() =>
        AssertSingleError("actorrouter {\n  control {\n    port = 4053\n}\n", "", "syntax error: '{' opened at line 1 is never closed");

    [Fact]
    public void Stray_closing_brace_is_a_syntax_error_with_its_line() =>
        AssertSingleError("actorrouter {\n}\n}\n", "", "syntax error: '}' at line 3 closes nothing");

    [Fact]
    public void Mismatched_bracket_is_a_syntax_error_with_both_lines() =>
        AssertSingleError("actorrouter {\n  interfaces = [\n  }\n}\n", "", "syntax error: '}' at line 3 does not match '[' opened at line 2");

    [Fact]
    public void Braces_inside_strings_and_comments_are_not_structure()
    {
        var config = RouterConfigLoader.LoadString(
            "# a comment with {\nactorrouter { // and ]\n  control.hostname = \"a{b]\\\"c\"\n}\n",
            Source);
        Assert.Equal("a{b]\"c", config.Control.Hostname);
    }

    [Fact]
    public void Unquoted_mac_is_a_syntax_error_from_the_hocon_parser() =>
        AssertSingleError(
            TwoInterfaces(interfaceExtra0: ", mac = 02:00:00:00:00:01"),
            "",
            "syntax error: Could not parse an unquoted text value containing assignment character '=' or ':'. Quote values that contain ':', such as MAC addresses: mac = \"02:00:00:00:00:01\"");

    [Fact]
    public void Syntax_error_message_names_the_source()
    {
        var e = Assert.Throws<ConfigurationException>(() => RouterConfigLoader.LoadString("actorrouter {", "lab.conf"));
        Assert.Equal("lab.conf: syntax error: '{' opened at line 1 is never closed", e.Message);
        Assert.Equal("lab.conf", e.SourceName);
        Assert.Equal("", e.Key);
    }

    [Fact]
    public void Missing_file_is_reported_with_its_path()
    {
        var path = Path.Combine(Path.GetTempPath(), $"actorrouter-missing-{Guid.NewGuid():N}", "router.conf");
        var e = Assert.Throws<ConfigurationException>(() => RouterConfigLoader.LoadFile(path));
        Assert.Equal(path, e.SourceName);
        Assert.Equal("", e.Key);
        Assert.Equal("file not found", e.Reason);
        Assert.Equal($"{path}: file not found", e.Message);
    }

    [Fact]
    public void Errors_in_a_file_carry_the_file_path()
    {
        var path = Path.Combine(Path.GetTempPath(), $"actorrouter-{Guid.NewGuid():N}.conf");
        File.WriteAllText(path, "actorrouter { punt { burts = 5 } }");
        try
        {
            var e = Assert.Throws<ConfigurationException>(() => RouterConfigLoader.LoadFile(path));
            Assert.Equal($"{path}: actorrouter.punt.burts: unknown key 'burts' (did you mean 'burst'?)", e.Message);
            Assert.Equal(path, e.SourceName);
            Assert.Equal("actorrouter.punt.burts", e.Key);
            Assert.Equal("unknown key 'burts' (did you mean 'burst'?)", e.Reason);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Every_error_is_reported_together()
    {
        var hocon = """
            actorrouter {
              data-plane { ppe-threads = 100 }
              interfaces = [
                { os-name = "mem0", name = "GigabitEthernet1", ipv4 = "192.0.2.1/24", mtuu = 1500 },
                { os-name = "mem0", name = "GigabitEthernet2", ipv4 = "198.51.100.1/24", mac = "01:00:00:00:00:01" }
              ]
              static-routes = [ { prefix = "203.0.113.1/24", next-hop = "198.51.100.2" } ]
              control { port = abc }
            }
            """;

        var errors = Errors(hocon);

        Assert.Equal(
            [
                new ConfigurationError(Source, "actorrouter.data-plane.ppe-threads", "100 is out of range 1..64"),
                new ConfigurationError(Source, "actorrouter.interfaces[0].mtuu", "unknown key 'mtuu' (did you mean 'mtu'?)"),
                new ConfigurationError(Source, "actorrouter.interfaces[1].mac", "01:00:00:00:00:01 is a multicast MAC address; a unicast one is needed"),
                new ConfigurationError(Source, "actorrouter.interfaces[1].os-name", "duplicate os-name 'mem0' (also at actorrouter.interfaces[0])"),
                new ConfigurationError(Source, "actorrouter.static-routes[0].prefix", "203.0.113.1/24 has host bits set (did you mean 203.0.113.0/24?)"),
                new ConfigurationError(Source, "actorrouter.control.port", "expected an integer, got 'abc'"),
            ],
            errors);

        var e = Assert.Throws<ConfigurationException>(() => RouterConfigLoader.LoadString(hocon, Source));
        Assert.Equal(errors, e.Errors);
        Assert.Equal(string.Join(Environment.NewLine, errors.Select(error => error.ToString())), e.Message);
        Assert.Equal("actorrouter.data-plane.ppe-threads", e.Key);
    }
}
