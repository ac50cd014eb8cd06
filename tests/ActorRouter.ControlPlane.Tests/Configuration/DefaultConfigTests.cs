using ActorRouter.ControlPlane.Configuration;

namespace ActorRouter.ControlPlane.Tests.Configuration;

public class DefaultConfigTests
{
    private static readonly RouterConfig Expected = new(
        new DataPlaneConfig(
            new GpmConfig(BufferSize: 2048, BufferCount: 16384, Headroom: 128),
            PpeThreads: 2,
            BurstSize: 32,
            RingSize: 1024,
            new CoreAssignment(-1, EquatableList<int>.Empty, -1)),
        new PuntConfig(RingSize: 1024),
        new IcmpConfig(ErrorRateLimitPps: 100, Burst: 10),
        EquatableList.Of(
            new InterfaceConfig("mem0", "GigabitEthernet1", InterfaceDriver.Memory, new Ipv4Cidr(0xC0000201, 24), 1500, 512, 0x0200_0000_0001UL, false),
            new InterfaceConfig("mem1", "GigabitEthernet2", InterfaceDriver.Memory, new Ipv4Cidr(0xC6336401, 24), 1500, 512, 0x0200_0000_0002UL, false)),
        EquatableList.Of(new StaticRouteConfig(new Ipv4Cidr(0xCB007100, 24), 0xC6336402, null)),
        new ControlConfig("127.0.0.1", 4053),
        new FaultInjectionConfig(false),
        new SimulationConfig(EquatableList.Of(
            new SimulatedHostConfig("GigabitEthernet1", 0xC000020A, 0x0200_0000_010AUL, 0xC0000201, 0xC633640A, 100, 64),
            new SimulatedHostConfig("GigabitEthernet2", 0xC633640A, 0x0200_0000_020AUL, 0xC6336401, 0xC000020A, 100, 64))));

    [Fact]
    public void Embedded_default_loads_with_the_documented_values()
    {
        Assert.Equal(Expected, RouterConfigLoader.LoadEmbeddedDefault());
    }

    [Fact]
    public void Embedded_resource_is_config_router_conf()
    {
        var onDisk = File.ReadAllText(Path.Combine(ConfigText.RepoRoot(), "config", "router.conf"));
        Assert.Equal(onDisk, RouterConfigLoader.ReadEmbeddedDefaultText());
        Assert.Equal(Expected, RouterConfigLoader.LoadFile(Path.Combine(ConfigText.RepoRoot(), "config", "router.conf")));
    }

    [Fact]
    public void Example_files_load()
    {
        var examples = Directory.GetFiles(Path.Combine(ConfigText.RepoRoot(), "config", "examples"), "*.conf");
        Assert.NotEmpty(examples);
        foreach (var path in examples)
        {
            var loaded = RouterConfigLoader.TryLoadFile(path, out _, out var errors);
            Assert.True(loaded, string.Join("\n", errors));
        }
    }

    [Fact]
    public void Static_routes_example_uses_the_options_it_documents()
    {
        var config = RouterConfigLoader.LoadFile(Path.Combine(ConfigText.RepoRoot(), "config", "examples", "static-routes.conf"));
        Assert.Contains(config.StaticRoutes, r => r.Interface is not null);
        Assert.Contains(config.StaticRoutes, r => r.Prefix.PrefixLength == 0);
        Assert.Contains(config.Interfaces, i => i.Shutdown);
        Assert.Contains(config.Interfaces, i => i.Ipv4 is null);
    }

    [Fact]
    public void Omitted_sections_take_their_defaults()
    {
        var config = RouterConfigLoader.LoadString("actorrouter { }", ConfigText.Source);
        Assert.Equal(
            new RouterConfig(
                DataPlaneConfig.Default,
                PuntConfig.Default,
                IcmpConfig.Default,
                EquatableList<InterfaceConfig>.Empty,
                EquatableList<StaticRouteConfig>.Empty,
                ControlConfig.Default,
                FaultInjectionConfig.Default,
                SimulationConfig.Default),
            config);
    }

    [Fact]
    public void Omitted_interface_keys_take_their_defaults()
    {
        var config = RouterConfigLoader.LoadString(
            """actorrouter { interfaces = [ { os-name = "eth0", name = "GigabitEthernet0/0/1" } ] }""",
            ConfigText.Source);
        Assert.Equal(
            [new InterfaceConfig("eth0", "GigabitEthernet0/0/1", InterfaceDriver.Memory, null, 1500, 512, null, false)],
            config.Interfaces);
    }

    [Fact]
    public void Simulated_host_without_mac_gets_one_derived_from_its_address()
    {
        var config = RouterConfigLoader.LoadString(ConfigText.TwoInterfaces(more: """
            simulation.hosts = [ { interface = "GigabitEthernet1", ipv4 = "192.0.2.10", gateway = "192.0.2.1" } ]
            """), ConfigText.Source);
        var host = Assert.Single(config.Simulation.Hosts);
        Assert.Equal(new SimulatedHostConfig("GigabitEthernet1", 0xC000020A, 0x0200_C000_020AUL, 0xC0000201, null, 100, 64), host);
        Assert.Equal("02:00:c0:00:02:0a", MacText.Format(host.Mac));
    }
}
