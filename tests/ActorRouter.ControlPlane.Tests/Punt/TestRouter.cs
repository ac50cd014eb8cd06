using ActorRouter.ControlPlane.Punt;
using ActorRouter.DataPlane;
using ActorRouter.DataPlane.Forwarding;
using ActorRouter.IO.Memory;
using ActorRouter.Packets;
using Akka.Actor;

namespace ActorRouter.ControlPlane.Tests.Punt;

/// <summary>
/// A running data plane with two memory interfaces, and optionally the punt path (reader, ARP
/// actor, responders) on top of it. GigabitEthernet1 192.0.2.1/24 faces host 1 (192.0.2.10),
/// GigabitEthernet2 198.51.100.1/24 faces host 2 (198.51.100.20); the far ends are the wires' B
/// sides. Dispose stops the punt path before the data plane, which frees the memory they use.
/// </summary>
internal sealed class TestRouter : IDisposable
{
    public const uint Router1 = 0xC0000201;
    public const uint Router2 = 0xC6336401;
    public const uint Host1 = 0xC000020A;
    public const uint Host2 = 0xC6336414;
    public static readonly MacAddress RouterMac1 = new(0x0200_0000_0001);
    public static readonly MacAddress RouterMac2 = new(0x0200_0000_0002);
    public static readonly MacAddress HostMac1 = new(0x0200_0000_010A);
    public static readonly MacAddress HostMac2 = new(0x0200_0000_0214);

    public TestRouter(double puntRatePerSecond = 1000, double puntBurst = 100)
    {
        DataPlane = new QfpDataPlane(new DataPlaneOptions
        {
            BufferCount = 4096,
            PpeThreads = 1,
            RingSize = 1024,
            PuntRatePerSecond = puntRatePerSecond,
            PuntBurst = puntBurst,
        });
        Wire1 = new MemoryWire("mem0", RouterMac1.Value, "host1", HostMac1.Value, 512, 1500);
        Wire2 = new MemoryWire("mem1", RouterMac2.Value, "host2", HostMac2.Value, 512, 1500);
        Index1 = AddInterface("GigabitEthernet1", Wire1, Router1);
        Index2 = AddInterface("GigabitEthernet2", Wire2, Router2);
        PublishNeighbors();
        DataPlane.Start();
    }

    public QfpDataPlane DataPlane { get; }
    public MemoryWire Wire1 { get; }
    public MemoryWire Wire2 { get; }
    public MemoryVnicPort Far1 => Wire1.B;
    public MemoryVnicPort Far2 => Wire2.B;
    public int Index1 { get; }
    public int Index2 { get; }
    public PuntServices? Services { get; private set; }
    public PuntReader? Reader => Services?.Reader;
    public ArpResponder? Arp => Services?.Arp;
    public IcmpEchoResponder? Icmp => Services?.Icmp;
    public IActorRef? ArpActor => Services?.ArpActor;

    private int AddInterface(string name, MemoryWire wire, uint address)
    {
        var uidb = DataPlane.CreateUidb(name, wire.A.OsName, 1500, wire.A.Mac);
        DataPlane.RegisterPort(uidb.Index, wire.A);
        DataPlane.SetAdminState(uidb.Index, true);
        DataPlane.SetIpv4Address(uidb.Index, address, 24);
        return uidb.Index;
    }

    /// <summary>What FMAN does on NeighborResolved/NeighborExpired: republish with the current neighbor set.</summary>
    public void PublishNeighbors(params Neighbor[] neighbors) => DataPlane.PublishRoutes(Array.Empty<StaticRoute>(), neighbors);

    /// <param name="detectDuplicateAddresses">Duplicate address detection and MLD reports when IPv6 interfaces come up:
    /// off unless a test is about them, so the far ends see only what the test provokes.</param>
    public void StartPuntPath(ActorSystem system, IActorRef fman, ArpSettings? settings = null, bool detectDuplicateAddresses = false, IActorRef? qfpClient = null,
        ActorRouter.ControlPlane.Configuration.IgmpConfig? igmp = null)
    {
        Services = PuntServices.Start(system, DataPlane.PuntPort, fman, settings, igmp: igmp, qfpClient: qfpClient, detectDuplicateAddresses: detectDuplicateAddresses);
    }

    /// <summary>The next frame a far end receives, or null after <paramref name="timeout"/>.</summary>
    public static byte[]? Receive(MemoryVnicPort farEnd, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var frame = farEnd.TryReceive();
            if (frame is not null || DateTime.UtcNow >= deadline)
            {
                return frame;
            }
            Thread.Sleep(1);
        }
    }

    public static byte[] ReceiveRequired(MemoryVnicPort farEnd, TimeSpan? timeout = null)
        => Receive(farEnd, timeout ?? TimeSpan.FromSeconds(5)) ?? throw new Xunit.Sdk.XunitException($"nothing arrived on {farEnd.OsName}");

    /// <summary>Every frame a far end receives within <paramref name="window"/>.</summary>
    public static List<byte[]> ReceiveAll(MemoryVnicPort farEnd, TimeSpan window)
    {
        var frames = new List<byte[]>();
        var deadline = DateTime.UtcNow + window;
        while (DateTime.UtcNow < deadline)
        {
            var frame = farEnd.TryReceive();
            if (frame is null)
            {
                Thread.Sleep(1);
                continue;
            }
            frames.Add(frame);
        }
        return frames;
    }

    public static void WaitUntil(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                throw new Xunit.Sdk.XunitException($"timed out after {timeout.TotalSeconds} s waiting for {what}");
            }
            Thread.Sleep(5);
        }
    }

    public void Dispose()
    {
        // The reader and the ARP actor's timers use the data plane's memory: they go first.
        Assert.True(Services?.Stop() ?? true, "the punt path did not stop");
        DataPlane.Dispose();
        Wire1.Dispose();
        Wire2.Dispose();
    }
}
