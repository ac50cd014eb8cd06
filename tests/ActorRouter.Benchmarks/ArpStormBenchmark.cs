using System.Buffers.Binary;
using System.Diagnostics;
using ActorRouter.DataPlane.Forwarding;
using ActorRouter.Packets;

namespace ActorRouter.Benchmarks;

/// <summary>
/// Forwarding latency, memory and CPU while neighbours change as fast as the control plane can publish them (an ARP
/// storm: thousands of senders, each reply a new MAC), against the same figures with no change at all. A probe frame
/// at a time crosses the in-memory pipeline (Gi1 host → Gi2 host); its latency is the time from the host's send to
/// the far host's receive.
/// </summary>
public sealed class ArpStormBenchmark : IBenchmarkCase
{
    /// <summary>Senders spread over both connected /24s (240 each), never the two real hosts (.10).</summary>
    private const int Senders = 480;

    public string Name => "arp-storm";

    public string Description => "forwarding latency, memory and CPU during an ARP storm (480 senders on two /24s, a new MAC per change) vs quiet (args: seconds per phase, default 3; changes/s, default 20000, 0 = unpaced)";

    public int Run(string[] args)
    {
        var seconds = args.Length > 0 && double.TryParse(args[0], out var s) ? s : 3;
        // A storm of this many neighbour changes a second (0: as fast as one thread can publish them).
        var rate = args.Length > 1 && int.TryParse(args[1], out var r) ? r : 20_000;
        using var rig = new MemoryPipelineRig(ppeThreads: 1);
        var dataPlane = rig.DataPlane;
        // Every sender known once (their /32s written), then the probe path warmed: the storm itself only changes MACs.
        for (var i = 0; i < Senders; i++)
        {
            dataPlane.PublishNeighbor(Sender(i, 0x02_AA_00_00_00_00UL | (uint)i));
        }
        Probe(rig, TimeSpan.FromSeconds(0.5), null);

        var quiet = Probe(rig, TimeSpan.FromSeconds(seconds), null);
        var fibBytes = dataPlane.Forwarding.Fib.NativeBytes;
        GC.Collect();
        var managedBefore = GC.GetTotalMemory(true);
        var (routeWritesBefore, rewritesBefore) = dataPlane.ForwardingChangeCounts;
        long changes = 0;
        var storm = Probe(rig, TimeSpan.FromSeconds(seconds), stop =>
        {
            var cpu = ThreadClock.CpuSeconds();
            var clock = Stopwatch.StartNew();
            while (!Volatile.Read(ref stop[0]))
            {
                if (rate > 0 && changes >= clock.Elapsed.TotalSeconds * rate)
                {
                    Thread.Sleep(1);
                    continue;
                }
                dataPlane.PublishNeighbor(Sender((int)(changes % Senders), 0x02_BB_00_00_00_00UL | (ulong)changes));
                changes++;
            }
            return (clock.Elapsed, TimeSpan.FromSeconds(ThreadClock.CpuSeconds() - cpu));
        });
        GC.Collect();
        var managedAfter = GC.GetTotalMemory(true);
        var (routeWritesAfter, rewritesAfter) = dataPlane.ForwardingChangeCounts;

        Console.WriteLine($"quiet: {quiet.Count:N0} probes, latency p50 {quiet.P50:F1} us, p99 {quiet.P99:F1} us, max {quiet.Max:F1} us");
        Console.WriteLine($"storm: {storm.Count:N0} probes, latency p50 {storm.P50:F1} us, p99 {storm.P99:F1} us, max {storm.Max:F1} us; " +
                          $"{changes:N0} neighbour changes in {storm.Work.Wall.TotalSeconds:F1} s = {changes / storm.Work.Wall.TotalSeconds:N0}/s, " +
                          $"{storm.Work.Cpu.TotalMilliseconds * 1000 / Math.Max(1, changes):F2} us of the publishing thread's CPU per change");
        Console.WriteLine($"memory: FIB native {fibBytes:N0} → {dataPlane.Forwarding.Fib.NativeBytes:N0} bytes, managed heap {managedBefore / 1024:N0} → {managedAfter / 1024:N0} KiB; " +
                          $"route writes +{routeWritesAfter - routeWritesBefore}, adjacency rewrites +{rewritesAfter - rewritesBefore:N0}");
        Console.WriteLine($"arp-storm: p99 latency {quiet.P99:F1} us quiet, {storm.P99:F1} us during {changes / storm.Work.Wall.TotalSeconds:N0} changes/s");
        return quiet.Count > 0 && storm.Count > 0 && routeWritesAfter == routeWritesBefore ? 0 : 1;
    }

    /// <summary>Sender <paramref name="i"/> of the connected /24s (.2 upwards, skipping the probe hosts at .10) with <paramref name="mac"/>.</summary>
    private static Neighbor Sender(int i, ulong mac)
    {
        var itf = i % 2;
        var host = 2 + (uint)(i / 2);
        host += host >= 10 ? 1u : 0u;
        return new Neighbor(itf, (itf == 0 ? Ipv4Address.Parse("192.0.2.0") : Ipv4Address.Parse("198.51.100.0")) + host, mac);
    }

    private readonly record struct ProbeResult(int Count, double P50, double P99, double Max, (TimeSpan Wall, TimeSpan Cpu) Work);

    /// <summary>Sends one probe at a time for <paramref name="duration"/> while <paramref name="work"/> runs on its own thread.</summary>
    private static ProbeResult Probe(MemoryPipelineRig rig, TimeSpan duration, Func<bool[], (TimeSpan, TimeSpan)>? work)
    {
        var stop = new bool[1];
        (TimeSpan, TimeSpan) workResult = default;
        var worker = work is null ? null : new Thread(() => workResult = work(stop)) { Name = "arp-storm" };
        worker?.Start();
        var frame = MemoryPipelineRig.Frame();
        var sender = rig.Host(0);
        var receiver = rig.Host(1);
        var received = new byte[2048];
        var latencies = new List<double>(100_000);
        var clock = Stopwatch.StartNew();
        uint sequence = 0;
        while (clock.Elapsed < duration)
        {
            BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(42), ++sequence);
            var sent = Stopwatch.GetTimestamp();
            if (!sender.Send(frame))
            {
                continue;
            }
            // Wait for this probe (bounded: a lost probe is not counted).
            var deadline = sent + Stopwatch.Frequency / 10;
            while (Stopwatch.GetTimestamp() < deadline)
            {
                if (receiver.TryReceive(received, out var length) && length >= 46 && BinaryPrimitives.ReadUInt32BigEndian(received.AsSpan(42)) == sequence)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMicroseconds);
                    break;
                }
            }
            Thread.SpinWait(200);
        }
        Volatile.Write(ref stop[0], true);
        worker?.Join();
        latencies.Sort();
        return latencies.Count == 0
            ? new ProbeResult(0, 0, 0, 0, workResult)
            : new ProbeResult(latencies.Count, latencies[latencies.Count / 2], latencies[latencies.Count * 99 / 100], latencies[^1], workResult);
    }
}
