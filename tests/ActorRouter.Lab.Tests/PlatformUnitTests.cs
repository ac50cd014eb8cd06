using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.ControlPlane.Platform;
using ActorRouter.ControlPlane.Vnic;
using ActorRouter.IO.AfPacket;
using Akka.Actor;
using Akka.TestKit.Xunit2;

namespace ActorRouter.Lab.Tests;

/// <summary>Discovery, naming, the platform settings and link watching, without root: the OS is a stand-in.</summary>
public sealed class PlatformUnitTests : TestKit
{
    private static NetDevice Device(string name, int index, bool up = true, bool carrier = true, int mtu = 1500) =>
        new(name, index, mtu, 0x0200_0000_0000UL | (uint)index, up, up && carrier, Loopback: false, Ethernet: true);

    private static readonly NetDevice Loopback = new("lo", 1, 65536, 0, true, true, Loopback: true, Ethernet: false);

    private static RouterConfig Load(string body) => RouterConfigLoader.LoadString($"actorrouter {{ {body} }}", "test.conf");

    private sealed class FakeDevices(params NetDevice[] devices) : INetDevices
    {
        private readonly Dictionary<string, NetDevice> _devices = devices.ToDictionary(d => d.Name);

        public List<(string Name, int Mtu)> MtuSet { get; } = new();

        public void Set(NetDevice device)
        {
            lock (_devices)
            {
                _devices[device.Name] = device;
            }
        }

        public IReadOnlyList<NetDevice> List()
        {
            lock (_devices)
            {
                return _devices.Values.ToList();
            }
        }

        public NetDevice? Read(string name)
        {
            lock (_devices)
            {
                return _devices.GetValueOrDefault(name);
            }
        }

        public string? SetMtu(string name, int mtu)
        {
            MtuSet.Add((name, mtu));
            lock (_devices)
            {
                _devices[name] = _devices[name] with { Mtu = mtu };
            }
            return null;
        }
    }

    [Fact]
    public void Platform_settings_default_to_config_discovery()
    {
        var config = Load("");
        Assert.Equal(PlatformConfig.Default, config.Platform);
        Assert.Equal(PlatformDiscovery.Config, config.Platform.Discovery);
        Assert.Equal("GigabitEthernet", config.Platform.NamePrefix);
        Assert.Equal(TimeSpan.FromMilliseconds(500), config.Platform.PollInterval);
        Assert.Empty(config.Platform.Exclude);
    }

    [Fact]
    public void Platform_settings_and_af_packet_mode_read_and_write_back()
    {
        var config = Load("""
            platform { discovery = linux, exclude = ["eth0", "docker0"], name-prefix = "TenGigabitEthernet", poll-interval = 2s }
            interfaces = [ { os-name = "eth1", name = "TenGigabitEthernet1", driver = af-packet, af-packet-mode = throughput } ]
            """);
        Assert.Equal(new PlatformConfig(PlatformDiscovery.Linux, EquatableList.Of("eth0", "docker0"), "TenGigabitEthernet", TimeSpan.FromSeconds(2)), config.Platform);
        Assert.Equal(AfPacketMode.Throughput, config.Interfaces[0].AfPacketMode);
        var text = RouterConfigWriter.ToHocon(config);
        Assert.Contains("poll-interval = 2000ms", text);
        Assert.Contains("af-packet-mode = throughput", text);
        Assert.Equal(config, RouterConfigLoader.LoadString(text, "running-config"));
    }

    [Theory]
    [InlineData("platform.discovery = netlink", "actorrouter.platform.discovery", "expected config or linux, got 'netlink'")]
    [InlineData("platform.poll-interval = 10ms", "actorrouter.platform.poll-interval", "10ms is out of range 50ms..60s")]
    [InlineData("platform.poll-interval = soon", "actorrouter.platform.poll-interval", "expected a duration such as 500ms or 1s, got 'soon'")]
    [InlineData("platform.name-prefix = \"Gi 0\"", "actorrouter.platform.name-prefix", "'Gi 0' is not an interface type name (letters and '-', such as GigabitEthernet)")]
    [InlineData("platform.scan = true", "actorrouter.platform.scan", "unknown key 'scan'")]
    [InlineData("interfaces = [ { os-name = mem0, name = GigabitEthernet1, af-packet-mode = latency } ]", "actorrouter.interfaces[0].af-packet-mode", "applies to driver = af-packet (or auto) only")]
    [InlineData("interfaces = [ { os-name = eth0, name = GigabitEthernet1, driver = af-packet, af-packet-mode = fast } ]", "actorrouter.interfaces[0].af-packet-mode", "expected latency or throughput, got 'fast'")]
    public void Bad_platform_settings_are_reported_with_their_key(string body, string key, string reason)
    {
        Assert.True(!RouterConfigLoader.TryLoadString($"actorrouter {{ {body} }}", "test.conf", out _, out var errors));
        Assert.Contains(errors, e => e.Key == key && e.Reason.StartsWith(reason, StringComparison.Ordinal));
    }

    /// <summary>Digit runs compare as numbers; equal numbers fall back to ordinal order (eth02 before eth2).</summary>
    [Fact]
    public void Names_sort_naturally()
    {
        string[] names = ["eth10", "eth2", "enp0s3", "eth1", "eth02"];
        Assert.Equal(["enp0s3", "eth1", "eth02", "eth2", "eth10"], names.OrderBy(n => n, NaturalNameComparer.Instance));
    }

    [Fact]
    public void Linux_discovery_names_by_position_overrides_by_os_name_and_skips_loopback_and_excluded()
    {
        var config = Load("""
            platform { discovery = linux, exclude = ["eth5"] }
            interfaces = [
              { os-name = "eth2", name = "GigabitEthernet2", driver = af-packet, ipv4 = "198.51.100.1/24", mtu = 1280 },
              { os-name = "mem0", name = "Loopback-Memory0", ipv4 = "203.0.113.1/24" }
            ]
            """);
        var devices = new[] { Device("eth10", 5), Device("eth2", 3), Loopback, Device("eth1", 2, up: false), Device("eth5", 4),
            new NetDevice("ipip0", 6, 1480, 0, true, true, false, Ethernet: false) };
        var plan = DiscoveryPlan.Resolve(config, devices);

        Assert.Empty(plan.Failures);
        Assert.Equal(["eth1 GigabitEthernet1", "eth2 GigabitEthernet2", "eth10 GigabitEthernet3", "mem0 Loopback-Memory0"],
            plan.Interfaces.Select(i => $"{i.OsName} {i.Name}"));
        Assert.True(plan.Interfaces[0].Shutdown);                                   // the OS interface is down
        Assert.Equal(InterfaceDriver.AfPacket, plan.Interfaces[0].Driver);
        Assert.Null(plan.Interfaces[0].Ipv4);
        Assert.Equal(1280, plan.Interfaces[1].Mtu);                                 // from the entry
        Assert.Equal(InterfaceDriver.Memory, plan.Interfaces[3].Driver);
    }

    [Fact]
    public void Linux_discovery_reports_missing_interfaces_and_name_clashes_at_discover()
    {
        var config = Load("""
            platform.discovery = linux
            interfaces = [
              { os-name = "eth9", name = "GigabitEthernet1", driver = af-packet },
            ]
            """);
        var plan = DiscoveryPlan.Resolve(config, [Device("eth0", 2), Device("eth1", 3)]);
        Assert.Equal(["eth1 GigabitEthernet2"], plan.Interfaces.Select(i => $"{i.OsName} {i.Name}"));
        Assert.Equal(
            [
                new InterfaceInitFailed("GigabitEthernet1", HandshakeStep.Discover, "eth0 would be GigabitEthernet1, but actorrouter.interfaces gives that name to eth9; list eth0 there with a name of its own, or exclude it"),
                new InterfaceInitFailed("GigabitEthernet1", HandshakeStep.Discover, "no interface eth9 in this network namespace"),
            ],
            plan.Failures);
    }

    [Fact]
    public void Config_discovery_takes_the_list_as_it_is()
    {
        var config = Load("""interfaces = [ { os-name = "eth7", name = "GigabitEthernet1", driver = af-packet } ]""");
        var plan = DiscoveryPlan.Resolve(config, [Device("eth0", 2)]);
        Assert.Equal(config.Interfaces, plan.Interfaces);
    }

    [Fact]
    public void Platform_matches_the_os_mtu_and_reports_link_changes_to_fman()
    {
        var config = Load("""
            platform { discovery = linux, poll-interval = 50ms }
            interfaces = [ { os-name = "eth2", name = "GigabitEthernet2", driver = af-packet, mtu = 1280 } ]
            """);
        var devices = new FakeDevices(Device("eth1", 2), Device("eth2", 3));
        var fman = CreateTestProbe();
        Sys.EventStream.Subscribe(TestActor, typeof(InterfacesDiscovered));
        var platform = Sys.ActorOf(PlatformActor.Props(config, fman, devices));

        platform.Tell(DiscoverInterfaces.Instance);
        var discovered = ExpectMsg<InterfacesDiscovered>();
        Assert.Equal(2, discovered.ExpectedOutcomes);
        Assert.Equal("GigabitEthernet1", fman.ExpectMsg<InterfaceDiscovered>().Interface.Name);
        Assert.Equal("GigabitEthernet2", fman.ExpectMsg<InterfaceDiscovered>().Interface.Name);
        Assert.Equal([("eth2", 1280)], devices.MtuSet);

        platform.Tell(new InterfaceUp("GigabitEthernet2", "eth2", 1));
        fman.ExpectNoMsg(TimeSpan.FromMilliseconds(200));                           // linked: nothing to say
        devices.Set(Device("eth2", 3, carrier: false) with { Mtu = 1280 });
        Assert.Equal(new InterfaceLinkChanged("GigabitEthernet2", "eth2", false), fman.ExpectMsg<InterfaceLinkChanged>());
        devices.Set(Device("eth2", 3, up: false) with { Mtu = 1280 });
        fman.ExpectNoMsg(TimeSpan.FromMilliseconds(200));                           // still down, only for another reason
        devices.Set(Device("eth2", 3) with { Mtu = 1280 });
        Assert.Equal(new InterfaceLinkChanged("GigabitEthernet2", "eth2", true), fman.ExpectMsg<InterfaceLinkChanged>());

        // An interface whose link is down when it comes up is reported at once.
        devices.Set(Device("eth1", 2, carrier: false));
        platform.Tell(new InterfaceUp("GigabitEthernet1", "eth1", 0));
        Assert.Equal(new InterfaceLinkChanged("GigabitEthernet1", "eth1", false), fman.ExpectMsg<InterfaceLinkChanged>());
    }

    [Fact]
    public void Af_packet_factory_turns_an_open_failure_into_a_precise_message()
    {
        using var factory = new AfPacketVnicFactory();
        var config = new InterfaceConfig("arnoexist0", "GigabitEthernet9", InterfaceDriver.AfPacket, null, 1500, 256, null, false);
        var e = Assert.Throws<ControlPlane.Vnic.VnicOpenException>(() => factory.Open(config));
        Assert.StartsWith("cannot open GigabitEthernet9 (arnoexist0)", e.Message);
        Assert.Throws<ControlPlane.Vnic.VnicOpenException>(() => factory.Open(config with { Driver = InterfaceDriver.Memory }));
        Assert.Equal(2048, AfPacketVnicFactory.RingFrameSizeFor(1500));
        Assert.Equal(16384, AfPacketVnicFactory.RingFrameSizeFor(9000));
    }
}
