using System.Diagnostics;
using ActorRouter.DataPlane;
using ActorRouter.DataPlane.Forwarding;
using ActorRouter.DataPlane.Memory;
using ActorRouter.IO.Memory;
using ActorRouter.Packets;

namespace ActorRouter.DataPlane.Tests.Pipeline;

/// <summary>
/// A running data plane with memory interfaces and a host on the far end of each:
/// Gi1 (index 0) 192.0.2.1/24 with host 192.0.2.10, Gi2 (index 1) 198.51.100.1/24 with host
/// 198.51.100.10, Gi3 (index 2) 203.0.113.1/24 with host 203.0.113.10; neighbors resolved; a static
/// route 10.99.0.0/16 via 198.51.100.10.
/// </summary>
public sealed class TestRouter : IDisposable
{
    public static readonly MacAddress[] RouterMacs = [MacAddress.Parse("02:00:00:00:00:01"), MacAddress.Parse("02:00:00:00:00:02"), MacAddress.Parse("02:00:00:00:00:03")];
    public static readonly MacAddress[] HostMacs = [MacAddress.Parse("02:00:00:00:0a:01"), MacAddress.Parse("02:00:00:00:0a:02"), MacAddress.Parse("02:00:00:00:0a:03")];
    public static readonly uint[] RouterAddresses = [Ipv4Address.Parse("192.0.2.1"), Ipv4Address.Parse("198.51.100.1"), Ipv4Address.Parse("203.0.113.1")];
    public static readonly uint[] HostAddresses = [Ipv4Address.Parse("192.0.2.10"), Ipv4Address.Parse("198.51.100.10"), Ipv4Address.Parse("203.0.113.10")];
    public static readonly uint RemotePrefix = Ipv4Address.Parse("10.99.0.0");

    public TestRouter(int ppeThreads = 1, int[]? mtus = null, DataPlaneOptions? options = null, bool resolveNeighbors = true, bool start = true)
    {
        mtus ??= [1500, 1500, 1500];
        DataPlane = new QfpDataPlane(options ?? new DataPlaneOptions
        {
            BufferCount = 8192,
            PpeThreads = ppeThreads,
            PuntRatePerSecond = 100_000,
            PuntBurst = 10_000,
            IcmpErrorRatePerSecond = 100_000,
            IcmpErrorBurst = 10_000,
        });
        Wires = new MemoryWire[3];
        for (var i = 0; i < 3; i++)
        {
            Wires[i] = new MemoryWire($"mem{i}", RouterMacs[i].Value, $"host{i}", HostMacs[i].Value, ringSize: 1024, mtu: mtus[i]);
            var uidb = DataPlane.CreateUidb($"GigabitEthernet{i + 1}", $"mem{i}", mtus[i], RouterMacs[i].Value);
            DataPlane.RegisterPort(uidb.Index, Wires[i].A);
            DataPlane.SetIpv4Address(uidb.Index, RouterAddresses[i], 24);
            DataPlane.SetAdminState(uidb.Index, true);
        }
        StaticRoutes = [new StaticRoute(RemotePrefix, 16, HostAddresses[1])];
        Neighbors = resolveNeighbors
            ? [new Neighbor(0, HostAddresses[0], HostMacs[0].Value), new Neighbor(1, HostAddresses[1], HostMacs[1].Value), new Neighbor(2, HostAddresses[2], HostMacs[2].Value)]
            : [];
        DataPlane.PublishRoutes(StaticRoutes, Neighbors);
        if (start)
        {
            DataPlane.Start();
        }
    }

    public QfpDataPlane DataPlane { get; }
    public MemoryWire[] Wires { get; }
    public List<StaticRoute> StaticRoutes { get; }
    public List<Neighbor> Neighbors { get; }

    /// <summary>The far end of interface <paramref name="index"/> (the host's NIC).</summary>
    public MemoryVnicPort Host(int index) => Wires[index].B;

    /// <summary>A UDP frame from host <paramref name="from"/> to an address, addressed to the router's MAC.</summary>
    public static byte[] UdpFrom(int from, uint destination, int payloadLength = 18, byte ttl = 64, bool dontFragment = false, ushort id = 1, ushort sourcePort = 1000, ushort destinationPort = 2000, byte fill = 0)
    {
        var payload = new byte[payloadLength];
        for (var i = 0; i < payload.Length; i++)
        {
            payload[i] = fill != 0 ? fill : (byte)i;
        }
        return PacketBuilder.Udp(HostMacs[from], RouterMacs[from], HostAddresses[from], destination, sourcePort, destinationPort, payload,
            new Ipv4Fields { Ttl = ttl, DontFragment = dontFragment, Identification = id });
    }

    public static byte[] Expected(byte[] sent, int via, int to)
    {
        // What the router should emit for a forwarded frame: new MACs, TTL − 1, checksum updated.
        var copy = (byte[])sent.Clone();
        HostMacs[to].Write(copy.AsSpan(0, 6));
        RouterMacs[to].Write(copy.AsSpan(6, 6));
        copy[14 + 8]--;
        copy[14 + 10] = 0;
        copy[14 + 11] = 0;
        var header = copy.AsSpan(14, (copy[14] & 0xF) * 4);
        var checksum = InternetChecksum.Compute(header);
        copy[14 + 10] = (byte)(checksum >> 8);
        copy[14 + 11] = (byte)checksum;
        return copy;
    }

    public static byte[]? Receive(MemoryVnicPort port, int timeoutMs = 5000)
    {
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < timeoutMs)
        {
            var frame = port.TryReceive();
            if (frame is not null)
            {
                return frame;
            }
            Thread.Sleep(1);
        }
        return null;
    }

    public static bool WaitUntil(Func<bool> condition, int timeoutMs = 5000)
    {
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < timeoutMs)
        {
            if (condition())
            {
                return true;
            }
            Thread.Sleep(1);
        }
        return condition();
    }

    /// <summary>Sends, retrying while the wire's ring is full.</summary>
    public void Send(int host, byte[] frame)
    {
        var sw = Stopwatch.StartNew();
        while (!Host(host).Send(frame))
        {
            if (sw.ElapsedMilliseconds > 5000)
            {
                throw new TimeoutException("the router did not drain its RX ring within 5 s");
            }
            Thread.Yield();
        }
    }

    public GpmAccounting StopAndAccount()
    {
        DataPlane.Stop();
        return DataPlane.Gpm.ReadAccounting();
    }

    public void Dispose()
    {
        DataPlane.Dispose();
        foreach (var wire in Wires)
        {
            wire.Dispose();
        }
    }
}
