using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Tests.Configuration;
using ActorRouter.DataPlane.Qos;
using static ActorRouter.ControlPlane.Tests.Configuration.ConfigText;

namespace ActorRouter.ControlPlane.Tests.Qos;

/// <summary>The actorrouter.qos section: what it reads into, what it refuses and how, and how it is written back.</summary>
public class QosConfigTests
{
    private const string Q = "actorrouter.qos";

    private static string WithQos(string qos, string interfaceExtra1 = "") => TwoInterfaces(interfaceExtra1: interfaceExtra1, more: $"qos {{ {qos} }}");

    private const string Maps = """
        class-maps = [
          { name = "VOICE", dscp = [46] },
          { name = "WEB", match = all, protocol = tcp, destination-ports = "80" }
        ]
        """;

    private static string Policy(string classes, string extra = "") => $$"""
        {{Maps}}
        policy-maps = [ { name = "WAN", {{extra}} classes = [ {{classes}} ] } ]
        """;

    [Fact]
    public void The_example_file_loads_with_everything_in_it()
    {
        var config = RouterConfigLoader.LoadFile(Path.Combine(RepoRoot(), "config", "examples", "qos.conf"));
        var qos = config.Qos;
        Assert.Equal(["VOICE", "SIGNALLING", "BUSINESS", "BULK"], qos.ClassMaps.Select(c => c.Name));
        var voice = qos.ClassMaps[0];
        Assert.Equal(ClassMatchMode.Any, voice.Match);
        Assert.Equal([46], voice.Dscp);
        Assert.Equal(Ipv4Cidr.Parse("192.0.2.128/25"), voice.Source);
        var signalling = qos.ClassMaps[1];
        Assert.Equal(ClassMatchMode.All, signalling.Match);
        Assert.Equal(17, signalling.Protocol);
        Assert.Equal(new PortRangeConfig(5060, 5061), signalling.DestinationPorts);
        Assert.Equal("GigabitEthernet1", qos.ClassMaps[3].InputInterface);

        var wan = Assert.Single(qos.PolicyMaps);
        Assert.Equal(new RateConfig(10_000_000, 15_000), wan.Shape);
        Assert.Equal(new RateConfig(1_000_000, 4000), wan.Classes[0].Priority);
        Assert.Equal(32, wan.Classes[0].QueueLimit);
        Assert.Equal(5, wan.Classes[1].BandwidthPercent);
        Assert.Equal(24, wan.Classes[1].SetDscp);
        Assert.Equal(new RandomDetectConfig(32, 96, 10, 9)
        {
            Dscp = EquatableList.Of(new RandomDetectDscpConfig(20, 24, 96, 10), new RandomDetectDscpConfig(22, 16, 64, 5)),
        }, wan.Classes[2].RandomDetect);
        Assert.Equal(new RateConfig(4_000_000, 8000), wan.Classes[3].Shape);
        Assert.Equal("class-default", wan.Classes[4].Class);
        Assert.Equal(PolicyClassConfig.DefaultQueueLimit, wan.Classes[1].QueueLimit);
        Assert.Equal("WAN", config.Interfaces[1].ServicePolicyOutput);
        Assert.Null(config.Interfaces[0].ServicePolicyOutput);
    }

    [Fact]
    public void The_example_file_round_trips_through_the_writer()
    {
        var config = RouterConfigLoader.LoadFile(Path.Combine(RepoRoot(), "config", "examples", "qos.conf"));
        var text = RouterConfigWriter.ToHocon(config);
        Assert.Equal(config, RouterConfigLoader.LoadString(text, "running-config"));
        Assert.Equal(text, RouterConfigWriter.ToHocon(RouterConfigLoader.LoadString(text, "running-config")));
        Assert.Contains("service-policy-output = \"WAN\"", text);
        Assert.Contains("protocol = udp", text);
    }

    [Fact]
    public void Defaults_fill_in_bursts_and_wred_values()
    {
        var config = RouterConfigLoader.LoadString(WithQos(Policy("""{ class = "VOICE", priority = { rate = 800000 } }, { class = "WEB", bandwidth-percent = 50, random-detect = { } }""", "shape = { average = 2000000 },")), Source);
        var wan = config.Qos.PolicyMaps[0];
        Assert.Equal(new RateConfig(2_000_000, 6250), wan.Shape);
        Assert.Equal(new RateConfig(800_000, 2500), wan.Classes[0].Priority);
        Assert.Equal(RandomDetectConfig.Default, wan.Classes[1].RandomDetect);
    }

    [Fact]
    public void A_configuration_without_qos_writes_no_qos_section()
    {
        var config = RouterConfigLoader.LoadString(TwoInterfaces(), Source);
        Assert.True(config.Qos.IsEmpty);
        Assert.DoesNotContain("qos", RouterConfigWriter.ToHocon(config));
    }

    [Fact]
    public void The_compiled_policy_resolves_class_maps_and_interfaces()
    {
        var config = RouterConfigLoader.LoadFile(Path.Combine(RepoRoot(), "config", "examples", "qos.conf"));
        var definition = QosPolicyCompiler.ToDataPlane(config.Qos, "WAN", name => name == "GigabitEthernet1" ? 0 : null);
        Assert.Equal(new RateSpec(10_000_000, 15_000), definition.Shape);
        Assert.Equal(["VOICE", "SIGNALLING", "BUSINESS", "BULK", "class-default"], definition.Classes.Select(c => c.Name));
        Assert.Equal(0, definition.Classes[3].ClassMap!.InputInterface);
        Assert.Equal(10, definition.Classes[3].SetDscp);
        Assert.Null(definition.Classes[4].ClassMap);
        // The data plane accepts it.
        var compiled = new CompiledPolicy(definition);
        Assert.Equal(5, compiled.ClassCount);
        Assert.Equal([0, 5, 40, 20, 35], compiled.Weights);
    }

    [Fact]
    public void Unknown_class_is_reported_with_the_defined_ones() =>
        AssertSingleError(WithQos(Policy("""{ class = "VIDEO", bandwidth-percent = 10 }""")),
            $"{Q}.policy-maps[0].classes[0].class", "no class-map named 'VIDEO' (defined: VOICE, WEB)");

    [Fact]
    public void Priority_and_bandwidth_in_one_class_are_reported() =>
        AssertSingleError(WithQos(Policy("""{ class = "VOICE", priority = { rate = 1000000, burst = 2000 }, bandwidth-percent = 10 }""")),
            $"{Q}.policy-maps[0].classes[0].priority", "priority and bandwidth-percent in one class: a priority class is served first and takes no bandwidth share");

    [Fact]
    public void Percentages_over_100_are_reported() =>
        AssertSingleError(WithQos(Policy("""{ class = "VOICE", bandwidth-percent = 60 }, { class = "WEB", bandwidth-percent = 30 }, { class = "class-default", bandwidth-percent = 20 }""")),
            $"{Q}.policy-maps[0].classes", "bandwidth percentages add up to 110, more than 100");

    [Fact]
    public void A_percentage_out_of_range_is_reported_once() =>
        AssertSingleError(WithQos(Policy("""{ class = "VOICE", bandwidth-percent = 101 }""")),
            $"{Q}.policy-maps[0].classes[0].bandwidth-percent", "101 is out of range 1..100");

    [Fact]
    public void Percent_and_weight_mixed_in_one_policy_are_reported() =>
        AssertSingleError(WithQos(Policy("""{ class = "VOICE", bandwidth-percent = 10 }, { class = "WEB", bandwidth-weight = 3 }""")),
            $"{Q}.policy-maps[0].classes[1].bandwidth-weight", "policy-map 'WAN' already gives bandwidth as a percent (at actorrouter.qos.policy-maps[0].classes[0]); use one kind in a policy-map");

    [Fact]
    public void Unknown_policy_name_on_an_interface_is_reported() =>
        AssertSingleError(WithQos(Policy("""{ class = "VOICE", bandwidth-percent = 10 }"""), interfaceExtra1: """, service-policy-output = "LAN" """),
            "actorrouter.interfaces[1].service-policy-output", "no policy-map named 'LAN' (defined: WAN)");

    [Fact]
    public void Policy_name_without_any_qos_section_is_reported() =>
        AssertSingleError(TwoInterfaces(interfaceExtra0: """, service-policy-output = "WAN" """),
            "actorrouter.interfaces[0].service-policy-output", "no policy-map named 'WAN' (no policy-maps are defined)");

    [Fact]
    public void Wred_thresholds_out_of_order_are_reported() =>
        AssertSingleError(WithQos(Policy("""{ class = "WEB", random-detect = { min-threshold = 40, max-threshold = 20 } }""")),
            $"{Q}.policy-maps[0].classes[0].random-detect.max-threshold", "max-threshold 20 must be above min-threshold 40");

    [Fact]
    public void Dscp_profiles_take_the_class_thresholds_as_defaults_and_are_checked()
    {
        var config = RouterConfigLoader.LoadString(WithQos(Policy("""{ class = "WEB", random-detect = { min-threshold = 10, max-threshold = 30, dscp = [ { value = 12, max-threshold = 20 } ] } }""")), Source);
        Assert.Equal([new RandomDetectDscpConfig(12, 10, 20, 10)], config.Qos.PolicyMaps[0].Classes[0].RandomDetect!.Dscp);
        Assert.Equal(
        [
            new ConfigurationError(Source, $"{Q}.policy-maps[0].classes[0].random-detect.dscp[0].value", "'64' is not a DSCP (0..63)"),
            new ConfigurationError(Source, $"{Q}.policy-maps[0].classes[0].random-detect.dscp[2].value", "DSCP 12 has two profiles (also at actorrouter.qos.policy-maps[0].classes[0].random-detect.dscp[1])"),
            new ConfigurationError(Source, $"{Q}.policy-maps[0].classes[0].random-detect.dscp[2].max-threshold", "max-threshold 5 must be above min-threshold 10"),
        ], Errors(WithQos(Policy("""{ class = "WEB", random-detect = { min-threshold = 10, max-threshold = 30, dscp = [ { value = 64 }, { value = 12 }, { value = 12, max-threshold = 5 } ] } }"""))));
    }

    [Fact]
    public void Unknown_keys_in_qos_are_reported_with_suggestions()
    {
        AssertSingleError(WithQos(Policy("""{ class = "WEB", bandwith-percent = 10 }""")),
            $"{Q}.policy-maps[0].classes[0].bandwith-percent", "unknown key 'bandwith-percent' (did you mean 'bandwidth-percent'?)");
        AssertSingleError(WithQos("""class-maps = [ { name = "X", dscpp = [1] } ]"""),
            $"{Q}.class-maps[0].dscpp", "unknown key 'dscpp' (did you mean 'dscp'?)");
    }

    [Fact]
    public void Class_map_values_are_checked()
    {
        Assert.Equal(
        [
            new ConfigurationError(Source, $"{Q}.class-maps[0].match", "expected any or all, got 'some'"),
            new ConfigurationError(Source, $"{Q}.class-maps[0].dscp[1]", "64 is out of range 0..63"),
            new ConfigurationError(Source, $"{Q}.class-maps[0].precedence[0]", "8 is out of range 0..7"),
            new ConfigurationError(Source, $"{Q}.class-maps[0].protocol", "'tcpp' is not a protocol (a number 0..255 or one of icmp, tcp, udp, gre, esp, ah, icmpv6, ospf, sctp)"),
            new ConfigurationError(Source, $"{Q}.class-maps[0].source", "10.0.0.1/8 has host bits set (did you mean 10.0.0.0/8?)"),
            new ConfigurationError(Source, $"{Q}.class-maps[0].destination-ports", "'90-80' is not a port range (a-b with 0 ≤ a ≤ b ≤ 65535, or one port)"),
            new ConfigurationError(Source, $"{Q}.class-maps[0].input-interface", "no interface named 'GigabitEthernet9' (configured: GigabitEthernet1, GigabitEthernet2)"),
        ], Errors(WithQos("""
            class-maps = [ { name = "X", match = some, dscp = [1, 64], precedence = [8], protocol = tcpp, source = "10.0.0.1/8",
                             destination-ports = "90-80", input-interface = "GigabitEthernet9" } ]
            """)));
    }

    [Fact]
    public void Duplicate_and_reserved_names_and_empty_class_maps_are_reported()
    {
        Assert.Equal(
        [
            new ConfigurationError(Source, $"{Q}.class-maps[1].name", "duplicate class-map name 'A' (also at actorrouter.qos.class-maps[0])"),
            new ConfigurationError(Source, $"{Q}.class-maps[2].name", "'class-default' is reserved for the class every policy-map has"),
            new ConfigurationError(Source, $"{Q}.class-maps[3]", "no match criteria (give at least one of dscp, precedence, protocol, source, destination, source-ports, destination-ports, input-interface, ip-version)"),
            new ConfigurationError(Source, $"{Q}.policy-maps[0].classes[1].class", "class 'A' appears twice in policy-map 'P' (also at actorrouter.qos.policy-maps[0].classes[0])"),
            new ConfigurationError(Source, $"{Q}.policy-maps[1].name", "duplicate policy-map name 'P' (also at actorrouter.qos.policy-maps[0])"),
        ], Errors(WithQos("""
            class-maps = [ { name = "A", dscp = [1] }, { name = "A", dscp = [2] }, { name = "class-default", dscp = [3] }, { name = "E" } ]
            policy-maps = [ { name = "P", classes = [ { class = "A" }, { class = "A" } ] }, { name = "P" } ]
            """)));
    }

    [Fact]
    public void Rates_are_checked()
    {
        Assert.Equal(
        [
            new ConfigurationError(Source, $"{Q}.policy-maps[0].shape.average", "missing required value"),
            new ConfigurationError(Source, $"{Q}.policy-maps[0].classes[0].priority.rate", "100 is out of range 8000..100000000000"),
            new ConfigurationError(Source, $"{Q}.policy-maps[0].classes[0].priority.burst", "10 is out of range 64..1000000000"),
        ], Errors(WithQos(Policy("""{ class = "VOICE", priority = { rate = 100, burst = 10 } }""", "shape = { burst = 1500 },"))));
    }

    [Fact]
    public void Every_qos_value_survives_writing_and_loading()
    {
        var config = RouterConfigLoader.LoadString(TwoInterfaces(), Source) with
        {
            Qos = new QosConfig(
                EquatableList.Of(
                    new ClassMapConfig("ALL", ClassMatchMode.All, EquatableList.Of(0, 63), EquatableList.Of(7), 132, Ipv4Cidr.Parse("10.0.0.0/8"), Ipv4Cidr.Parse("0.0.0.0/0"),
                        new PortRangeConfig(0, 65535), new PortRangeConfig(7, 7), "GigabitEthernet2"),
                    new ClassMapConfig("ONE", ClassMatchMode.Any, EquatableList<int>.Empty, EquatableList<int>.Empty, 200, null, null, null, null, null),
                    new ClassMapConfig("V6", ClassMatchMode.All, EquatableList<int>.Empty, EquatableList<int>.Empty, 58, null, null, null, null, null,
                        Ipv6Cidr.Parse("2001:db8:1::/48"), Ipv6Cidr.Parse("2001:db8:2::7/128"), 6)),
                EquatableList.Of(
                    new PolicyMapConfig("P", new RateConfig(100_000_000_000, 1_000_000_000), EquatableList.Of(
                        new PolicyClassConfig("ALL", new RateConfig(8000, 64), null, null, new RateConfig(9000, 100), 1, null, 0),
                        new PolicyClassConfig("ONE", null, null, 10_000, null, 65536, new RandomDetectConfig(1, 65536, 65535, 16) { Dscp = EquatableList.Of(new RandomDetectDscpConfig(0, 1, 2, 1), new RandomDetectDscpConfig(63, 65535, 65536, 65535)) }, 63),
                        new PolicyClassConfig("class-default", null, null, 1, null, 64, null, null))),
                    new PolicyMapConfig("EMPTY", null, EquatableList<PolicyClassConfig>.Empty))),
        };
        config = config with { Interfaces = EquatableList.Of(config.Interfaces[0] with { ServicePolicyOutput = "EMPTY" }, config.Interfaces[1]) };
        var text = RouterConfigWriter.ToHocon(config);
        Assert.Equal(config, RouterConfigLoader.LoadString(text, "running-config"));
    }

    [Fact]
    public void A_class_map_takes_ipv6_prefixes_in_source_and_destination_and_an_ip_version()
    {
        var qos = RouterConfigLoader.LoadString(WithQos("""
            class-maps = [
              { name = "V6-VOICE", match = all, source = "2001:db8:1::/48", destination = "2001:db8:2::/64", protocol = udp, ip-version = 6 },
              { name = "ND", protocol = icmpv6 }
            ]
            """), Source).Qos;
        var voice = qos.ClassMaps[0];
        Assert.Equal((null, null), (voice.Source, voice.Destination));
        Assert.Equal((Ipv6Cidr.Parse("2001:db8:1::/48"), Ipv6Cidr.Parse("2001:db8:2::/64"), 17, 6), (voice.SourceIpv6!.Value, voice.DestinationIpv6!.Value, voice.Protocol!.Value, voice.IpVersion!.Value));
        Assert.Equal(58, qos.ClassMaps[1].Protocol);

        var compiled = QosPolicyCompiler.ToDataPlane(qos with { PolicyMaps = EquatableList.Of(new PolicyMapConfig("P", null, EquatableList.Of(
            new PolicyClassConfig("V6-VOICE", null, null, null, null, 64, null, null)))) }, "P", _ => null).Classes[0].ClassMap!;
        Assert.Equal((new Ipv6PrefixMatch(Ipv6Cidr.Parse("2001:db8:1::/48").Address, 48), new Ipv6PrefixMatch(Ipv6Cidr.Parse("2001:db8:2::/64").Address, 64), 6),
            (compiled.SourceIpv6!.Value, compiled.DestinationIpv6!.Value, compiled.IpVersion!.Value));
    }

    [Fact]
    public void Ipv6_class_map_values_are_checked()
    {
        Assert.Equal(
        [
            new ConfigurationError(Source, $"{Q}.class-maps[0].source", "2001:db8::1/32 has host bits set (did you mean 2001:db8::/32?)"),
            new ConfigurationError(Source, $"{Q}.class-maps[0].destination", "'2001:db8:::/200' is not an IPv6 prefix (X:X::X/L)"),
            new ConfigurationError(Source, $"{Q}.class-maps[0].ip-version", "expected 4 or 6, got 5"),
            new ConfigurationError(Source, $"{Q}.class-maps[1]", "match all with criteria of both IP versions can never match (an IPv4 prefix, an IPv6 prefix, or ip-version of the other)"),
        ], Errors(WithQos("""
            class-maps = [ { name = "X", source = "2001:db8::1/32", destination = "2001:db8:::/200", ip-version = 5 },
                           { name = "Y", match = all, source = "192.0.2.0/24", ip-version = 6 } ]
            """)));
    }
}
