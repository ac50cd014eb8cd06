using ActorRouter.ControlPlane.Configuration;
using static ActorRouter.ControlPlane.Tests.Configuration.ConfigText;

namespace ActorRouter.ControlPlane.Tests.Configuration;

public class ValidationErrorTests
{
    [Fact]
    public void Unknown_key_is_reported_with_the_closest_known_key() =>
        AssertSingleError(
            TwoInterfaces(interfaceExtra1: ", mtuu = 9000"),
            "actorrouter.interfaces[1].mtuu",
            "unknown key 'mtuu' (did you mean 'mtu'?)");

    [Fact]
    public void Unknown_nested_key_is_reported_with_its_full_path() =>
        AssertSingleError(
            "actorrouter { data-plane { gpm { bufer-size = 4096 } } }",
            "actorrouter.data-plane.gpm.bufer-size",
            "unknown key 'bufer-size' (did you mean 'buffer-size'?)");

    [Fact]
    public void Unknown_key_far_from_every_known_key_gets_no_suggestion() =>
        AssertSingleError("actorrouter { zebra = 1 }", "actorrouter.zebra", "unknown key 'zebra'");

    [Fact]
    public void Missing_root_section_is_reported() =>
        AssertSingleError("akka { loglevel = INFO }", "actorrouter", "missing required section");

    [Fact]
    public void Root_of_the_wrong_kind_is_reported() =>
        AssertSingleError("actorrouter = 5", "actorrouter", "expected an object, got '5'");

    [Fact]
    public void Other_top_level_sections_may_share_the_file()
    {
        var config = RouterConfigLoader.LoadString("akka { loglevel = INFO }\nactorrouter { control.port = 0 }", Source);
        Assert.Equal(0, config.Control.Port);
    }

    [Fact]
    public void Misspelled_root_section_is_reported_with_a_suggestion() =>
        AssertSingleError("actorouter { }", "actorrouter", "missing required section (found 'actorouter'; did you mean 'actorrouter'?)");

    [Fact]
    public void Malformed_route_prefix_is_reported() =>
        AssertSingleError(
            TwoInterfaces(more: """static-routes = [ { prefix = "203.0.113.0/33", next-hop = "198.51.100.2" } ]"""),
            "actorrouter.static-routes[0].prefix",
            "'203.0.113.0/33' is not a prefix (A.B.C.D/LEN or A.B.C.D M.M.M.M)");

    [Fact]
    public void Route_prefix_with_host_bits_is_reported_with_the_network_it_probably_meant() =>
        AssertSingleError(
            TwoInterfaces(more: """static-routes = [ { prefix = "203.0.113.1/24", next-hop = "198.51.100.2" } ]"""),
            "actorrouter.static-routes[0].prefix",
            "203.0.113.1/24 has host bits set (did you mean 203.0.113.0/24?)");

    [Fact]
    public void Duplicate_static_route_names_both_entries() =>
        AssertSingleError(
            TwoInterfaces(more: """
                static-routes = [
                  { prefix = "203.0.113.0/24", next-hop = "198.51.100.2" },
                  { prefix = "10.0.0.0/8", next-hop = "198.51.100.2" },
                  { prefix = "203.0.113.0/24", next-hop = "198.51.100.2" }
                ]
                """),
            "actorrouter.static-routes[2].prefix",
            "duplicate static route 203.0.113.0/24 via 198.51.100.2 (also at actorrouter.static-routes[0])");

    [Fact]
    public void Static_route_through_an_unknown_interface_is_reported() =>
        AssertSingleError(
            TwoInterfaces(more: """static-routes = [ { prefix = "10.0.0.0/8", next-hop = "198.51.100.2", interface = "GigabitEthernet9" } ]"""),
            "actorrouter.static-routes[0].interface",
            "no interface named 'GigabitEthernet9' (configured: GigabitEthernet1, GigabitEthernet2)");

    [Fact]
    public void Static_route_to_the_routers_own_address_is_reported() =>
        AssertSingleError(
            TwoInterfaces(more: """static-routes = [ { prefix = "10.0.0.0/8", next-hop = "198.51.100.1" } ]"""),
            "actorrouter.static-routes[0].next-hop",
            "198.51.100.1 is this router's own address on GigabitEthernet2");

    [Fact]
    public void Duplicate_interface_name_names_both_indices() =>
        AssertSingleError(
            """
            actorrouter.interfaces = [
              { os-name = "mem0", name = "GigabitEthernet1" },
              { os-name = "mem1", name = "GigabitEthernet1" }
            ]
            """,
            "actorrouter.interfaces[1].name",
            "duplicate interface name 'GigabitEthernet1' (also at actorrouter.interfaces[0])");

    [Fact]
    public void Duplicate_interface_os_name_names_both_indices() =>
        AssertSingleError(
            """
            actorrouter.interfaces = [
              { os-name = "mem0", name = "GigabitEthernet1" },
              { os-name = "mem1", name = "GigabitEthernet2" },
              { os-name = "mem0", name = "GigabitEthernet3" }
            ]
            """,
            "actorrouter.interfaces[2].os-name",
            "duplicate os-name 'mem0' (also at actorrouter.interfaces[0])");

    [Fact]
    public void Overlapping_interface_subnets_are_reported() =>
        AssertSingleError(
            TwoInterfaces(interfaceExtra1: "").Replace("198.51.100.1/24", "192.0.2.129/25"),
            "actorrouter.interfaces[1].ipv4",
            "192.0.2.129/25 overlaps 192.0.2.1/24 of GigabitEthernet1 (at actorrouter.interfaces[0])");

    [Fact]
    public void Missing_required_value_is_reported() =>
        AssertSingleError(
            """actorrouter.interfaces = [ { os-name = "mem0" } ]""",
            "actorrouter.interfaces[0].name",
            "missing required value");

    [Fact]
    public void Null_required_value_counts_as_missing() =>
        AssertSingleError(
            TwoInterfaces(more: """static-routes = [ { prefix = "10.0.0.0/8", next-hop = null } ]"""),
            "actorrouter.static-routes[0].next-hop",
            "missing required value");

    [Theory]
    [InlineData("mtu = abc", "actorrouter.interfaces[0].mtu", "expected an integer, got 'abc'")]
    [InlineData("mtu = 1500.5", "actorrouter.interfaces[0].mtu", "expected an integer, got '1500.5'")]
    [InlineData("shutdown = maybe", "actorrouter.interfaces[0].shutdown", "expected true or false, got 'maybe'")]
    [InlineData("driver = dpdk", "actorrouter.interfaces[0].driver", "expected memory, af-packet, af-xdp or auto, got 'dpdk'")]
    [InlineData("name { x = 1 }", "actorrouter.interfaces[0].name", "expected a string, got an object")]
    [InlineData("mtu = [1500]", "actorrouter.interfaces[0].mtu", "expected an integer, got a list")]
    public void Wrong_type_in_an_interface_is_reported(string setting, string key, string reason) =>
        AssertSingleError(
            $$"""actorrouter.interfaces = [ { os-name = "mem0", name = "GigabitEthernet1", {{setting}} } ]""",
            key,
            reason);

    [Theory]
    [InlineData("actorrouter { interfaces = \"mem0\" }", "actorrouter.interfaces", "expected a list, got 'mem0'")]
    [InlineData("actorrouter { interfaces = [ 5 ] }", "actorrouter.interfaces[0]", "expected an object, got '5'")]
    [InlineData("actorrouter { data-plane = 5 }", "actorrouter.data-plane", "expected an object, got '5'")]
    [InlineData("actorrouter { data-plane.cores.ppe = [0, x] }", "actorrouter.data-plane.cores.ppe[1]", "expected an integer, got 'x'")]
    public void Wrong_type_of_section_is_reported(string hocon, string key, string reason) =>
        AssertSingleError(hocon, key, reason);

    [Theory]
    [InlineData("data-plane.gpm.buffer-size = 3000", "actorrouter.data-plane.gpm.buffer-size", "3000 is not a power of two (1024..16384)")]
    [InlineData("data-plane.gpm.buffer-size = 32768", "actorrouter.data-plane.gpm.buffer-size", "32768 is out of range 1024..16384")]
    [InlineData("data-plane.gpm.buffer-count = 255", "actorrouter.data-plane.gpm.buffer-count", "255 is out of range 256..4194304")]
    [InlineData("data-plane.ppe-threads = 0", "actorrouter.data-plane.ppe-threads", "0 is out of range 1..64")]
    [InlineData("data-plane.ppe-threads = 65", "actorrouter.data-plane.ppe-threads", "65 is out of range 1..64")]
    [InlineData("data-plane.burst-size = 257", "actorrouter.data-plane.burst-size", "257 is out of range 1..256")]
    [InlineData("data-plane.ring-size = 1000", "actorrouter.data-plane.ring-size", "1000 is not a power of two (64..65536)")]
    [InlineData("data-plane.cores.rx = -2", "actorrouter.data-plane.cores.rx", "-2 is out of range -1..2147483647")]
    [InlineData("punt.ring-size = 100", "actorrouter.punt.ring-size", "100 is not a power of two (64..65536)")]
    [InlineData("punt.arp.rate = 0", "actorrouter.punt.arp.rate", "0 is out of range 1..1000000")]
    [InlineData("punt.glean.burst = 0", "actorrouter.punt.glean.burst", "0 is out of range 1..100000")]
    [InlineData("punt.broadcast.ring-share = 101", "actorrouter.punt.broadcast.ring-share", "101 is out of range 1..100")]
    [InlineData("punt.arp.ring-share = 60", "actorrouter.punt.ring-share", "the classes' ring shares add up to 125 % (arp 60 + glean 15 + icmp-for-us 20 + other-for-us 20 + broadcast 10); at most 100 %")]
    [InlineData("punt.rate-limit-pps = 1000", "actorrouter.punt.rate-limit-pps", "the punt path is policed per class now: set punt.arp, punt.glean, punt.icmp-for-us, punt.other-for-us and punt.broadcast { rate, burst, ring-share } (ICMP errors: actorrouter.icmp)")]
    [InlineData("punt.icmp-error.rate = 10", "actorrouter.punt.icmp-error", "ICMP errors are policed by actorrouter.icmp { error-rate-limit-pps, burst }")]
    [InlineData("icmp.burst = 0", "actorrouter.icmp.burst", "0 is out of range 1..100000")]
    [InlineData("control.port = 65536", "actorrouter.control.port", "65536 is out of range 0..65535")]
    [InlineData("control.port = -1", "actorrouter.control.port", "-1 is out of range 0..65535")]
    public void Out_of_range_value_is_reported(string setting, string key, string reason) =>
        AssertSingleError($"actorrouter {{ {setting} }}", key, reason);

    [Theory]
    [InlineData("mtu = 67", "actorrouter.interfaces[0].mtu", "67 is out of range 68..9000")]
    [InlineData("mtu = 9001", "actorrouter.interfaces[0].mtu", "9001 is out of range 68..9000")]
    [InlineData("ring-size = 32", "actorrouter.interfaces[0].ring-size", "32 is out of range 64..4096")]
    [InlineData("ring-size = 768", "actorrouter.interfaces[0].ring-size", "768 is not a power of two (64..4096)")]
    [InlineData("mtu = 2000", "actorrouter.interfaces[0].mtu", "mtu 2000 does not fit a packet buffer: headroom 128 + frame 2018 (mtu + Ethernet header 14 + 802.1Q tag 4) = 2146 bytes > data-plane.gpm.buffer-size 2048")]
    public void Out_of_range_interface_value_is_reported(string setting, string key, string reason) =>
        AssertSingleError(TwoInterfaces(interfaceExtra0: ", " + setting), key, reason);

    [Fact]
    public void Core_beyond_the_machines_processors_is_reported()
    {
        var processors = Environment.ProcessorCount;
        AssertSingleError(
            $"actorrouter.data-plane.cores.hqf = {processors}",
            "actorrouter.data-plane.cores.hqf",
            $"core {processors} does not exist: this machine has {processors} processors (cores 0..{processors - 1})");
    }

    [Fact]
    public void Unknown_layout_is_reported() =>
        AssertSingleError(
            "actorrouter.data-plane.layout = pipelined",
            "actorrouter.data-plane.layout",
            "expected split, collapsed or auto, got 'pipelined'");

    [Fact]
    public void Worker_core_list_must_match_the_worker_count() =>
        AssertSingleError(
            "actorrouter.data-plane { layout = collapsed, workers = 2, cores.workers = [0] }",
            "actorrouter.data-plane.cores.workers",
            "lists 1 core but workers is 2 (give one core per worker, or [] to leave them unpinned)");

    [Fact]
    public void Worker_cores_with_the_split_layout_are_reported() =>
        AssertSingleError(
            "actorrouter.data-plane { layout = split, cores.workers = [0] }",
            "actorrouter.data-plane.cores.workers",
            "pins collapsed-layout workers, but layout is split (pin split threads with rx, ppe and hqf)");

    [Fact]
    public void Ppe_core_list_must_match_the_thread_count() =>
        AssertSingleError(
            "actorrouter.data-plane { ppe-threads = 2, cores.ppe = [0] }",
            "actorrouter.data-plane.cores.ppe",
            "lists 1 core but ppe-threads is 2 (give one core per PPE thread, or [] to leave them unpinned)");

    [Fact]
    public void Invalid_ppe_core_is_reported_once_without_a_count_mismatch()
    {
        var processors = Environment.ProcessorCount;
        AssertSingleError(
            $"actorrouter.data-plane {{ ppe-threads = 2, cores.ppe = [0, {processors}] }}",
            "actorrouter.data-plane.cores.ppe[1]",
            $"core {processors} does not exist: this machine has {processors} processors (cores 0..{processors - 1})");
    }

    [Theory]
    [InlineData("GigabitEthernet", "'GigabitEthernet' is not a valid interface name (a type and a number, such as GigabitEthernet1 or GigabitEthernet0/0/1, or a subinterface such as GigabitEthernet1.100)")]
    [InlineData("1GigabitEthernet1", "'1GigabitEthernet1' is not a valid interface name (a type and a number, such as GigabitEthernet1 or GigabitEthernet0/0/1, or a subinterface such as GigabitEthernet1.100)")]
    [InlineData("Gi 1", "'Gi 1' is not a valid interface name (a type and a number, such as GigabitEthernet1 or GigabitEthernet0/0/1, or a subinterface such as GigabitEthernet1.100)")]
    public void Malformed_router_interface_name_is_reported(string name, string reason) =>
        AssertSingleError(
            $$"""actorrouter.interfaces = [ { os-name = "mem0", name = "{{name}}" } ]""",
            "actorrouter.interfaces[0].name",
            reason);

    [Fact]
    public void Overlong_os_name_is_reported() =>
        AssertSingleError(
            """actorrouter.interfaces = [ { os-name = "a-very-long-ifname", name = "GigabitEthernet1" } ]""",
            "actorrouter.interfaces[0].os-name",
            "'a-very-long-ifname' is not a valid OS interface name (1..15 characters, no '/' or whitespace)");

    [Theory]
    [InlineData("192.0.2.1", "'192.0.2.1' is not an IPv4 address with its subnet (A.B.C.D/LEN or A.B.C.D M.M.M.M)")]
    [InlineData("192.0.2.256/24", "'192.0.2.256/24' is not an IPv4 address with its subnet (A.B.C.D/LEN or A.B.C.D M.M.M.M)")]
    [InlineData("192.0.2.0/24", "192.0.2.0/24 is the network address of its subnet")]
    [InlineData("192.0.2.255/24", "192.0.2.255/24 is the broadcast address of its subnet")]
    [InlineData("127.0.0.1/8", "127.0.0.1/8 is a loopback address (127.0.0.0/8)")]
    [InlineData("0.1.2.3/8", "0.1.2.3/8 is in 0.0.0.0/8")]
    [InlineData("224.0.0.5/24", "224.0.0.5/24 is a multicast address (224.0.0.0/4)")]
    [InlineData("10.0.0.1/0", "prefix length 0 is not usable on an interface (1..32)")]
    public void Unusable_interface_address_is_reported(string ipv4, string reason) =>
        AssertSingleError(
            $$"""actorrouter.interfaces = [ { os-name = "mem0", name = "GigabitEthernet1", ipv4 = "{{ipv4}}" } ]""",
            "actorrouter.interfaces[0].ipv4",
            reason);

    [Theory]
    [InlineData("10.0.0.0/31")]
    [InlineData("10.0.0.1/31")]
    [InlineData("10.0.0.7/32")]
    public void Point_to_point_and_host_addresses_are_usable(string ipv4)
    {
        var config = RouterConfigLoader.LoadString(
            $$"""actorrouter.interfaces = [ { os-name = "mem0", name = "GigabitEthernet1", ipv4 = "{{ipv4}}" } ]""",
            Source);
        Assert.Equal(Ipv4Cidr.Parse(ipv4), config.Interfaces[0].Ipv4);
    }

    [Theory]
    [InlineData("02:00:00:00:00", "'02:00:00:00:00' is not a MAC address (expected the form 02:00:00:00:00:01)")]
    [InlineData("02-00-00-00-00-01", "'02-00-00-00-00-01' is not a MAC address (expected the form 02:00:00:00:00:01)")]
    [InlineData("02:00:00:00:00:0g", "'02:00:00:00:00:0g' is not a MAC address (expected the form 02:00:00:00:00:01)")]
    [InlineData("01:00:5E:00:00:01", "01:00:5e:00:00:01 is a multicast MAC address; a unicast one is needed")]
    [InlineData("ff:ff:ff:ff:ff:ff", "ff:ff:ff:ff:ff:ff is a multicast MAC address; a unicast one is needed")]
    [InlineData("00:00:00:00:00:00", "00:00:00:00:00:00 is not a usable MAC address")]
    public void Bad_mac_is_reported(string mac, string reason) =>
        AssertSingleError(TwoInterfaces(interfaceExtra1: $", mac = \"{mac}\""), "actorrouter.interfaces[1].mac", reason);

    [Fact]
    public void Mac_is_read_in_either_case()
    {
        var config = RouterConfigLoader.LoadString(TwoInterfaces(interfaceExtra1: ", mac = \"02:AB:cd:00:00:01\""), Source);
        Assert.Equal(0x02AB_CD00_0001UL, config.Interfaces[1].Mac);
    }

    [Fact]
    public void The_old_tls_section_is_an_error_that_says_tls_is_always_on() =>
        AssertSingleError(
            """actorrouter.control.tls { certificate-path = "/etc/ar.pfx" }""",
            "actorrouter.control.tls",
            "the control endpoint always uses mutual TLS with certificates under the router's own CA (kept in control.state-directory); remove control.tls");

    [Fact]
    public void A_password_in_clear_is_refused_with_the_way_to_give_it()
    {
        var errors = Errors("""actorrouter.control.key-password { password = "hunter2" }""");
        Assert.Equal(
            [new ConfigurationError(Source, "actorrouter.control.key-password.password", "a password is never written in the configuration: give password-file = PATH or password-env = NAME")],
            errors);
        Assert.DoesNotContain("hunter2", string.Join("\n", errors));
    }

    [Fact]
    public void Key_password_needs_exactly_one_reference() =>
        AssertSingleError(
            """actorrouter.control.key-password { password-file = "/etc/actorrouter/key.pass", password-env = "AR_KEY" }""",
            "actorrouter.control.key-password",
            "give exactly one of password-file = PATH or password-env = NAME");

    [Fact]
    public void A_relative_config_directory_is_reported() =>
        AssertSingleError("""actorrouter.control.config-directory = "etc" """, "actorrouter.control.config-directory", "must be an absolute path, not 'etc'");

    [Fact]
    public void Null_section_reads_as_absent()
    {
        var config = RouterConfigLoader.LoadString("actorrouter {\n  control {\n    key-password = null\n  }\n  interfaces = null\n}\n", Source);
        Assert.Equal(ControlConfig.Default, config.Control);
        Assert.Empty(config.Interfaces);
    }

    [Fact]
    public void Control_credentials_keys_are_read()
    {
        var config = RouterConfigLoader.LoadString("""
            actorrouter.control {
              state-directory = "/var/lib/ar"
              read-only-group = "netops"
              config-directory = "/etc/actorrouter"
              key-password.password-env = "AR_KEY"
            }
            """, Source);
        Assert.Equal(new ControlConfig("127.0.0.1", 4053, "/var/lib/ar", "netops", "/etc/actorrouter", new SecretReference(null, "AR_KEY")), config.Control);
    }
}
