using System.Diagnostics;
using ActorRouter.DataPlane;
using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Forwarding;
using ActorRouter.IO.Memory;
using ActorRouter.Packets;

namespace ActorRouter.Benchmarks;

/// <summary>
/// A running data plane between two memory wires (Gi1 192.0.2.1/24 and Gi2 198.51.100.1/24, both
/// hosts resolved) with a generator thread on Gi1's far end — bursts of 32 copies of one 64-byte
/// UDP frame to the Gi2 host — and a sink thread discarding in bursts on Gi2's. The whole-pipeline
/// benchmarks (<c>pipeline</c>, <c>hqf</c>) measure through it.
/// </summary>
internal sealed class MemoryPipelineRig : IDisposable
{
    private static readonly MacAddress[] RouterMacs = [MacAddress.Parse("02:00:00:00:00:01"), MacAddress.Parse("02:00:00:00:00:02")];
    private static readonly MacAddress[] HostMacs = [MacAddress.Parse("02:00:00:00:0a:01"), MacAddress.Parse("02:00:00:00:0a:02")];
    private static readonly uint[] RouterAddresses = [Ipv4Address.Parse("192.0.2.1"), Ipv4Address.Parse("198.51.100.1")];
    private static readonly uint[] HostAddresses = [Ipv4Address.Parse("192.0.2.10"), Ipv4Address.Parse("198.51.100.10")];
    private readonly MemoryWire[] _wires = new MemoryWire[2];

    /// <summary>Builds the data plane; <paramref name="configure"/> runs before it starts (e.g. to attach a policy).</summary>
    public MemoryPipelineRig(int ppeThreads, Action<QfpDataPlane>? configure = null, DataPlaneLayout layout = DataPlaneLayout.Split, int workers = 0)
    {
        DataPlane = new QfpDataPlane(new DataPlaneOptions { BufferCount = 16384, PpeThreads = ppeThreads, BurstSize = 32, RingSize = 1024, Layout = layout, Workers = workers });
        for (var i = 0; i < 2; i++)
        {
            _wires[i] = new MemoryWire($"mem{i}", RouterMacs[i].Value, $"host{i}", HostMacs[i].Value, ringSize: 2048);
            var uidb = DataPlane.CreateUidb($"GigabitEthernet{i + 1}", $"mem{i}", 1500, RouterMacs[i].Value);
            DataPlane.RegisterPort(uidb.Index, _wires[i].A);
            DataPlane.SetIpv4Address(uidb.Index, RouterAddresses[i], 24);
            DataPlane.SetAdminState(uidb.Index, true);
        }
        DataPlane.PublishRoutes([], [new Neighbor(0, HostAddresses[0], HostMacs[0].Value), new Neighbor(1, HostAddresses[1], HostMacs[1].Value)]);
        configure?.Invoke(DataPlane);
        DataPlane.Start();
    }

    public QfpDataPlane DataPlane { get; }

    /// <summary>The host end of interface <paramref name="index"/>'s wire.</summary>
    public MemoryVnicPort Host(int index) => _wires[index].B;

    /// <summary>A 64-byte UDP frame from the Gi1 host to the Gi2 host, addressed to the router.</summary>
    public static byte[] Frame() => PacketBuilder.Udp(HostMacs[0], RouterMacs[0], HostAddresses[0], HostAddresses[1], 1000, 2000, new byte[22]);

    /// <summary>What one measurement saw: frames transmitted on Gi2 in the window, and the harness's own counts.</summary>
    public readonly record struct Result(long Forwarded, double Seconds, long Sent, long Received)
    {
        public double Mpps => Forwarded / Seconds / 1e6;
    }

    /// <summary>Runs generator and sink for half a second of warm-up, then counts Gi2's transmissions for <paramref name="seconds"/>.</summary>
    public Result Measure(double seconds)
    {
        var frame = Frame();
        var stop = false;
        long sent = 0, received = 0;
        var generator = new Thread(() =>
        {
            var port = _wires[0].B;
            while (!Volatile.Read(ref stop))
            {
                var n = port.SendRepeated(frame, 32);
                sent += n;
                if (n == 0)
                {
                    Thread.Yield();
                }
            }
        }) { Name = "generator" };
        var sink = new Thread(() =>
        {
            var port = _wires[1].B;
            while (!Volatile.Read(ref stop))
            {
                var n = port.DiscardReceived(256);
                received += n;
                if (n == 0)
                {
                    Thread.Yield();
                }
            }
        }) { Name = "sink" };
        generator.Start();
        sink.Start();
        Thread.Sleep(500); // warm-up
        var startTx = DataPlane.ReadInterfaceCounter(1, InterfaceCounter.TxPackets);
        var clock = Stopwatch.StartNew();
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        var forwarded = DataPlane.ReadInterfaceCounter(1, InterfaceCounter.TxPackets) - startTx;
        var elapsed = clock.Elapsed.TotalSeconds;
        Volatile.Write(ref stop, true);
        generator.Join();
        sink.Join();
        return new Result(forwarded, elapsed, sent, received);
    }

    public void Dispose()
    {
        DataPlane.Dispose();
        foreach (var wire in _wires)
        {
            wire.Dispose();
        }
    }
}
