using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.ControlPlane.Supervision;
using ActorRouter.ControlPlane.Vnic;
using ActorRouter.DataPlane;
using ActorRouter.DataPlane.Vnic;
using ActorRouter.IO.Memory;
using ActorRouter.Packets;
using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Xunit.Abstractions;

namespace ActorRouter.ControlPlane.Tests.ControlPlane;

/// <summary>Tests that start data planes run one at a time: the machine has few cores.</summary>
[CollectionDefinition(Name)]
public sealed class DataPlaneCollection
{
    public const string Name = "data plane";
}

/// <summary>Small router configurations: a few MiB of GPM so that tests start quickly.</summary>
public static class TestConfigs
{
    public const ulong Gi1Mac = 0x02_00_00_00_00_01;
    public const ulong Gi2Mac = 0x02_00_00_00_00_02;
    public const ulong HostAMac = 0x02_00_00_00_01_0a;
    public const ulong HostBMac = 0x02_00_00_00_02_0a;
    public static readonly uint HostA = Ipv4Text.Parse("192.0.2.10");
    public static readonly uint HostB = Ipv4Text.Parse("198.51.100.10");

    public static string Interface(string osName, string name, string? ipv4, string? mac = null, string driver = "memory", bool shutdown = false) =>
        $$"""
          {
            os-name = "{{osName}}"
            name = "{{name}}"
            driver = {{driver}}
            {{(ipv4 is null ? "" : $"ipv4 = \"{ipv4}\"")}}
            {{(mac is null ? "" : $"mac = \"{mac}\"")}}
            shutdown = {{(shutdown ? "true" : "false")}}
          }
        """;

    public static RouterConfig Build(IEnumerable<string> interfaces, string staticRoutes = "", bool faultInjection = false) =>
        RouterConfigLoader.LoadString($$"""
            actorrouter {
              data-plane {
                gpm { buffer-size = 2048, buffer-count = 2048, headroom = 128 }
                # The supervision tests name the split layout's threads (rx, ppe0, ppe1, hqf).
                layout = split
                ppe-threads = 2
                burst-size = 32
                ring-size = 256
              }
              interfaces = [
                {{string.Join(",\n", interfaces)}}
              ]
              {{(staticRoutes.Length == 0 ? "" : $"static-routes = [ {staticRoutes} ]")}}
              fault-injection.enabled = {{(faultInjection ? "true" : "false")}}
            }
            """, "test.conf");

    /// <summary>GigabitEthernet1 (mem0) 192.0.2.1/24 and GigabitEthernet2 (mem1) 198.51.100.1/24, 203.0.113.0/24 via 198.51.100.2.</summary>
    public static RouterConfig TwoInterfaces(bool faultInjection = false) => Build(
        [
            Interface("mem0", "GigabitEthernet1", "192.0.2.1/24", "02:00:00:00:00:01"),
            Interface("mem1", "GigabitEthernet2", "198.51.100.1/24", "02:00:00:00:00:02"),
        ],
        """{ prefix = "203.0.113.0/24", next-hop = "198.51.100.2" }""",
        faultInjection);

    public static DataPlaneOptions SmallDataPlane => DataPlaneOptionsMapper.FromConfig(TwoInterfaces());

    /// <summary>A UDP frame from host A (behind GigabitEthernet1) to host B (behind GigabitEthernet2).</summary>
    public static byte[] FrameAToB(ushort sequence) => PacketBuilder.Udp(
        new MacAddress(HostAMac), new MacAddress(Gi1Mac), HostA, HostB, 40000, 9, BitConverter.GetBytes(sequence));
}

/// <summary>A memory-driver factory that refuses to open the named OS interfaces, as a driver that cannot find its NIC.</summary>
public sealed class RefusingVnicFactory(IVnicFactory inner, params string[] refused) : IVnicFactory
{
    public IVnicPort Open(InterfaceConfig config) =>
        refused.Contains(config.OsName) ? throw new VnicOpenException($"{config.OsName}: no such device") : inner.Open(config);

    public void Close(string osName) => inner.Close(osName);
}

/// <summary>TestKit base: Akka with the test event listener, generous timeouts for a loaded machine.</summary>
public abstract class ControlPlaneTestKit(ITestOutputHelper output) : TestKit(AkkaConfig, output)
{
    public const string AkkaConfig = """
        akka.loglevel = INFO
        akka.test.single-expect-default = 10s
        """;

    protected static readonly TimeSpan Long = TimeSpan.FromSeconds(20);

    /// <summary>Starts the supervisor (data plane, QFP client, FMAN, platform) and waits for every InterfaceUp/InterfaceInitFailed.</summary>
    protected RunningRouter StartRouter(RouterConfig config, IVnicFactory? vnics = null, MemoryVnicFactory? memory = null, int? expectedOutcomes = null,
        IReadOnlyList<ControlPlaneChild>? children = null, SupervisionTimings? timings = null)
    {
        memory ??= new MemoryVnicFactory(config.DataPlane.Gpm.BufferSize);
        var events = CreateTestProbe();
        Sys.EventStream.Subscribe(events.Ref, typeof(InterfaceUp));
        Sys.EventStream.Subscribe(events.Ref, typeof(InterfaceInitFailed));
        var supervisor = Sys.ActorOf(DataPlaneSupervisor.Props(config, vnics ?? new DriverVnicFactory(memory), children, timings), "dp-" + Guid.NewGuid().ToString("N")[..8]);
        var outcomes = new List<object>();
        for (var i = 0; i < (expectedOutcomes ?? config.Interfaces.Count); i++)
        {
            outcomes.Add(events.ExpectMsg<object>(m => m is InterfaceUp or InterfaceInitFailed, Long));
        }
        Sys.EventStream.Unsubscribe(events.Ref);
        var dataPlane = supervisor.Ask<DataPlaneReference>(GetDataPlane.Instance, Long).Result.DataPlane;
        var fman = supervisor.Ask<ControlPlaneActors>(GetControlPlaneActors.Instance, Long).Result.Fman;
        return new RunningRouter(this, supervisor, fman, dataPlane, memory, outcomes);
    }

    protected sealed class RunningRouter(TestKitBase kit, IActorRef supervisor, IActorRef fman, QfpDataPlane dataPlane, MemoryVnicFactory memory, List<object> outcomes) : IDisposable
    {
        public IActorRef Supervisor { get; } = supervisor;
        public IActorRef Fman { get; } = fman;
        public QfpDataPlane DataPlane { get; } = dataPlane;
        public MemoryVnicFactory Memory { get; } = memory;
        public IReadOnlyList<object> Outcomes { get; } = outcomes;

        public MemoryWire Wire(string osName) => Memory.TryGetWire(osName, out var wire) ? wire : throw new InvalidOperationException($"{osName} is not open");

        public T Ask<T>(IActorRef target, object message) => target.Ask<T>(message, Long).Result;

        public IReadOnlyList<InterfaceStatus> Interfaces() => Ask<InterfaceList>(Fman, GetInterfaces.Instance).Interfaces;

        public DataPlaneStopped Stop() => Ask<DataPlaneStopped>(Supervisor, StopDataPlane.Instance);

        public void Dispose()
        {
            kit.Watch(Supervisor);
            Supervisor.Tell(PoisonPill.Instance);
            kit.ExpectTerminated(Supervisor, Long);
            Memory.Dispose();
        }
    }
}
