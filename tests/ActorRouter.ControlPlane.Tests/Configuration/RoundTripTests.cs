using ActorRouter.ControlPlane.Configuration;

namespace ActorRouter.ControlPlane.Tests.Configuration;

public class RoundTripTests
{
    [Fact]
    public void Embedded_default_survives_writing_and_loading()
    {
        var config = RouterConfigLoader.LoadEmbeddedDefault();
        var text = RouterConfigWriter.ToHocon(config);
        Assert.Equal(config, RouterConfigLoader.LoadString(text, "running-config"));
    }

    [Fact]
    public void Every_optional_value_survives_writing_and_loading()
    {
        var config = new RouterConfig(
            new DataPlaneConfig(new GpmConfig(4096, 512, 4), 1, 256, 64, new CoreAssignment(0, EquatableList.Of(0), 0) { Workers = EquatableList.Of(0) })
            {
                Layout = ActorRouter.DataPlane.DataPlaneLayout.Collapsed,
                Workers = 1,
                IsolateWorkers = false,
                CoalesceMicroseconds = 0,
                CoalesceBatch = 2,
                LingerMilliseconds = 0,
            },
            new PuntConfig(64) { Arp = new PuntClassConfig(5, 1, 40), Broadcast = new PuntClassConfig(7, 3, 5) },
            new IcmpConfig(0, 1),
            EquatableList.Of(
                new InterfaceConfig("eth0", "GigabitEthernet0/0/0", InterfaceDriver.AfPacket, new Ipv4Cidr(0x0A000001, 31), 4000, 4096, 0x0200_0000_00FFUL, true),
                new InterfaceConfig("mem7", "Loopback7", InterfaceDriver.Memory, null, 68, 64, null, false),
                new InterfaceConfig("mem8", "TenGigabitEthernet8", InterfaceDriver.Memory, new Ipv4Cidr(0xAC100001, 16), 1500, 512, null, false),
                new InterfaceConfig("mem8", "TenGigabitEthernet8.200", InterfaceDriver.Memory, new Ipv4Cidr(0xC0000281, 25), 1400, 512, null, true) { Vlan = 200 }),
            EquatableList.Of(
                new StaticRouteConfig(new Ipv4Cidr(0, 0), 0x0A000000, "GigabitEthernet0/0/0"),
                new StaticRouteConfig(new Ipv4Cidr(0xC0A80000, 16), 0xAC100002, null)),
            new ControlConfig("router.example", 0, "/var/lib/actor \"router\"", "net-ops", "/etc/actorrouter", new SecretReference("/etc/actorrouter/key \"pass\"", null), "/var/lib/actorrouter/captures"),
            new FaultInjectionConfig(true),
            new SimulationConfig(EquatableList.Of(
                new SimulatedHostConfig("TenGigabitEthernet8", 0xAC10FFFE, 0x0200_0000_0A0AUL, 0xAC100001, null, 1, 0))));

        var text = RouterConfigWriter.ToHocon(config);

        Assert.Equal(config, RouterConfigLoader.LoadString(text, "running-config"));
    }

    [Fact]
    public void Writing_is_canonical()
    {
        var fromFile = RouterConfigLoader.LoadEmbeddedDefault();
        var once = RouterConfigWriter.ToHocon(fromFile);
        var twice = RouterConfigWriter.ToHocon(RouterConfigLoader.LoadString(once, "running-config"));
        Assert.Equal(once, twice);
    }

    [Fact]
    public void Writer_output_has_the_expected_shape()
    {
        var config = RouterConfigLoader.LoadString(
            """actorrouter { interfaces = [ { os-name = "mem0", name = "GigabitEthernet1", ipv4 = "192.0.2.1/24" } ], static-routes = [ { prefix = "10.0.0.0/8", next-hop = "192.0.2.2" } ] }""",
            ConfigText.Source);
        Assert.Equal(
            """
            actorrouter {
              data-plane {
                gpm {
                  buffer-size = 2048
                  buffer-count = 16384
                  headroom = 128
                }
                ppe-threads = 2
                burst-size = 32
                ring-size = 1024
                layout = auto
                workers = 0
                isolate-workers = true
                coalesce-microseconds = 30
                coalesce-batch = 16
                linger-milliseconds = 1000
                cores {
                  rx = -1
                  ppe = []
                  hqf = -1
                  workers = []
                }
              }
              punt {
                ring-size = 1024
                arp {
                  rate = 1000
                  burst = 200
                  ring-share = 25
                }
                glean {
                  rate = 500
                  burst = 100
                  ring-share = 15
                }
                icmp-for-us {
                  rate = 1000
                  burst = 100
                  ring-share = 20
                }
                other-for-us {
                  rate = 1000
                  burst = 100
                  ring-share = 20
                }
                broadcast {
                  rate = 200
                  burst = 50
                  ring-share = 10
                }
              }
              icmp {
                error-rate-limit-pps = 100
                burst = 10
              }
              interfaces = [
                {
                  os-name = "mem0"
                  name = "GigabitEthernet1"
                  driver = memory
                  ipv4 = "192.0.2.1/24"
                  mtu = 1500
                  ring-size = 512
                  shutdown = false
                }
              ]
              static-routes = [
                {
                  prefix = "10.0.0.0/8"
                  next-hop = "192.0.2.2"
                }
              ]
              control {
                hostname = "127.0.0.1"
                port = 4053
              }
              fault-injection {
                enabled = false
              }
              simulation {
                hosts = []
              }
            }

            """.ReplaceLineEndings("\n"),
            RouterConfigWriter.ToHocon(config));
    }
}
