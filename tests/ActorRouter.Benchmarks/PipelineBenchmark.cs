using System.Diagnostics;
using ActorRouter.DataPlane;
using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Forwarding;
using ActorRouter.IO.Memory;
using ActorRouter.Packets;

namespace ActorRouter.Benchmarks;

/// <summary>
/// The whole in-memory pipeline — memory wire → Rx/dispatcher → PPE(s) → HQF → memory wire — with a
/// generator thread on one wire's far end (bursts of 32 copies of one 64-byte frame) and a sink
/// thread on the other's (discarding in bursts). Every
/// thread competes for the machine's cores, so the figure is the pipeline on this machine, not per core.
/// </summary>
public sealed class PipelineBenchmark : IBenchmarkCase
{
    public string Name => "pipeline";

    public string Description => "whole in-memory pipeline, forwarded packets/s with 1 and 2 PPE threads (args: seconds, default 3)";

    public int Run(string[] args)
    {
        var seconds = args.Length > 0 && double.TryParse(args[0], out var s) ? s : 3;
        var results = new List<(int Ppes, double Mpps)>();
        foreach (var ppes in new[] { 1, 2 })
        {
            var mpps = RunOnce(ppes, seconds);
            results.Add((ppes, mpps));
        }
        var best = results.MaxBy(r => r.Mpps);
        Console.WriteLine($"pipeline: {best.Mpps:F2} Mpps");
        return 0;
    }

    private static double RunOnce(int ppeThreads, double seconds)
    {
        var routerMacs = new[] { MacAddress.Parse("02:00:00:00:00:01"), MacAddress.Parse("02:00:00:00:00:02") };
        var hostMacs = new[] { MacAddress.Parse("02:00:00:00:0a:01"), MacAddress.Parse("02:00:00:00:0a:02") };
        var routerAddresses = new[] { Ipv4Address.Parse("192.0.2.1"), Ipv4Address.Parse("198.51.100.1") };
        var hostAddresses = new[] { Ipv4Address.Parse("192.0.2.10"), Ipv4Address.Parse("198.51.100.10") };
        using var dp = new QfpDataPlane(new DataPlaneOptions { BufferCount = 16384, PpeThreads = ppeThreads, BurstSize = 32, RingSize = 1024 });
        var wires = new MemoryWire[2];
        for (var i = 0; i < 2; i++)
        {
            wires[i] = new MemoryWire($"mem{i}", routerMacs[i].Value, $"host{i}", hostMacs[i].Value, ringSize: 2048);
            var uidb = dp.CreateUidb($"GigabitEthernet{i + 1}", $"mem{i}", 1500, routerMacs[i].Value);
            dp.RegisterPort(uidb.Index, wires[i].A);
            dp.SetIpv4Address(uidb.Index, routerAddresses[i], 24);
            dp.SetAdminState(uidb.Index, true);
        }
        dp.PublishRoutes([], [new Neighbor(0, hostAddresses[0], hostMacs[0].Value), new Neighbor(1, hostAddresses[1], hostMacs[1].Value)]);
        dp.Start();

        var frame = PacketBuilder.Udp(hostMacs[0], routerMacs[0], hostAddresses[0], hostAddresses[1], 1000, 2000, new byte[22]);
        var stop = false;
        long sent = 0, received = 0;
        var generator = new Thread(() =>
        {
            var port = wires[0].B;
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
            var port = wires[1].B;
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
        var startTx = dp.ReadInterfaceCounter(1, InterfaceCounter.TxPackets);
        var clock = Stopwatch.StartNew();
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        var forwarded = dp.ReadInterfaceCounter(1, InterfaceCounter.TxPackets) - startTx;
        var elapsed = clock.Elapsed.TotalSeconds;
        Volatile.Write(ref stop, true);
        generator.Join();
        sink.Join();
        dp.Stop();
        var drops = 0L;
        var byReason = new List<string>();
        foreach (var reason in Enum.GetValues<DropReason>())
        {
            var n = dp.ReadDrops(reason);
            drops += n;
            if (n > 0)
            {
                byReason.Add($"{reason} {n:N0}");
            }
        }
        var accounting = dp.Gpm.ReadAccounting();
        var mpps = forwarded / elapsed / 1e6;
        Console.WriteLine($"{ppeThreads} PPE: forwarded {forwarded:N0} in {elapsed:F2} s = {mpps:F2} Mpps; generator sent {sent:N0}, sink got {received:N0}, " +
                          $"data-plane drops {drops:N0} ({string.Join(", ", byReason)}); GPM after stop: {(accounting.AllFree ? "all free" : accounting.ToString())}");
        foreach (var wire in wires)
        {
            wire.Dispose();
        }
        return mpps;
    }
}
