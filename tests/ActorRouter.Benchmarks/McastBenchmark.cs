using ActorRouter.DataPlane;
using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Graph;
using ActorRouter.DataPlane.Ipsec;
using ActorRouter.DataPlane.Memory;
using ActorRouter.DataPlane.Rings;
using ActorRouter.IO.Memory;
using ActorRouter.Packets;

namespace ActorRouter.Benchmarks;

/// <summary>
/// IPv4 multicast replication on one core, through the PPE graph: 64-byte frames to 239.1.1.1 enter on
/// GigabitEthernet1 (ethernet-input → ip4-input → ip4-mcast: RPF check, one GPM buffer per outgoing interface →
/// recycle exit), and every copy comes back from the recycle path into ip4-mcast-rewrite (TTL, checksum,
/// 01:00:5e MAC) → interface-output; with 2 and with 8 outgoing interfaces. Both graph passes are timed by the
/// thread's CPU time; loading frames and freeing the copies the HQF would send are outside the clock.
/// </summary>
public sealed class McastBenchmark : IBenchmarkCase
{
    private const int Burst = 32;
    private const int FrameLength = 64;
    private static readonly uint Group = Ipv4Address.Parse("239.1.1.1"), Sender = Ipv4Address.Parse("192.0.2.10");

    public string Name => "mcast";

    public string Description => "IPv4 multicast replication through the PPE graph and the recycle path on one core, 64 B frames, copies per second with 2 and 8 outgoing interfaces; args: [repetitions]";

    public int Run(string[] args)
    {
        var repetitions = args.Length > 0 && int.TryParse(args[0], out var r) ? r : 5;
        var ok = true;
        var results = new List<string>();
        foreach (var outgoing in new[] { 2, 8 })
        {
            var (copies, packets, allocated) = Measure(outgoing, repetitions);
            Console.WriteLine($"{outgoing} outgoing interfaces: {copies / 1e6:F2} M copies/s ({packets / 1e6:F2} Mpps in); {allocated} bytes allocated on the measuring thread");
            ok &= allocated == 0;
            results.Add($"{copies / 1e6:F2} M copies/s with {outgoing} outgoing");
        }
        Console.WriteLine($"mcast: {string.Join(", ", results)}");
        return ok ? 0 : 1;
    }

    /// <summary>Best copies per second (and input packets per second) over the repetitions.</summary>
    private static (double Copies, double Packets, long Allocated) Measure(int outgoing, int repetitions)
    {
        using var dataPlane = new QfpDataPlane(new DataPlaneOptions { BufferCount = 16384, PpeThreads = 1, Layout = DataPlaneLayout.Split });
        var wires = new List<MemoryWire>();
        var names = new List<string>();
        try
        {
            for (var i = 0; i <= outgoing; i++)
            {
                var routerMac = 0x020000000001UL + (ulong)i;
                var wire = new MemoryWire($"bench{i}", routerMac, $"host{i}", 0x020000000A01UL + (ulong)i);
                wires.Add(wire);
                var uidb = dataPlane.CreateUidb($"GigabitEthernet{i + 1}", $"bench{i}", 1500, routerMac);
                dataPlane.RegisterPort(uidb.Index, wire.A);
                dataPlane.SetIpv4Address(uidb.Index, Ipv4Address.FromOctets(10, (byte)i, 0, 1), 24);
                dataPlane.SetAdminState(uidb.Index, true);
                names.Add(uidb.Name);
            }
            dataPlane.PublishMulticast(true, [new MulticastRouteSpec(0, Group, names[0], names.GetRange(1, outgoing))]);

            var cache = new GpmCache(dataPlane.Gpm, 1024);
            var counters = new ThreadCounters("bench", 64);
            using var puntRing = new SpscRing(64);
            var graph = PpeGraph.CreateIpv4(dataPlane.Gpm, cache, counters, puntRing, null, Burst, PuntPolicy.Uniform(0, 1, 64), 0, 1,
                new IpsecDatabase(), 0, dataPlane.Multicast);
            var gpm = dataPlane.Gpm;
            var tables = dataPlane.Forwarding;
            var interfaces = dataPlane.Interfaces;
            var input = new uint[Burst];
            var recycled = new uint[Burst * graph.MaxOutputPerPacket];
            var sent = new uint[Burst * graph.MaxOutputPerPacket];
            var frame = PacketBuilder.Udp(MacAddress.Parse("02:00:00:00:0a:01"), MacAddress.Parse("01:00:5e:01:01:01"), Sender, Group, 1000, 2000,
                new byte[FrameLength - 14 - 28], new Ipv4Fields { Ttl = 16 });
            var perRepetition = 1 << 20;
            var packetsPerRepetition = perRepetition / outgoing / Burst * Burst;
            double bestCopies = 0, bestPackets = 0;
            long allocated = 0;
            for (var rep = 0; rep < repetitions + 1; rep++)
            {
                double seconds = 0;
                long copies = 0, allocatedThisRep = 0;
                for (var start = 0; start < packetsPerRepetition; start += Burst)
                {
                    if (cache.AllocateBurst(input) != Burst)
                    {
                        throw new InvalidOperationException("GPM ran out of buffers");
                    }
                    foreach (var buffer in input)
                    {
                        gpm.ResetMeta(buffer, frame.Length, BufferOwner.Ppe);
                        frame.CopyTo(gpm.Frame(buffer));
                    }
                    var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                    var began = ThreadClock.CpuSeconds();
                    var n = graph.ProcessBurst(input, recycled, tables, interfaces);
                    // The recycle ring hands the copies back a burst at a time.
                    var produced = 0;
                    for (var at = 0; at < n; at += Burst)
                    {
                        produced += graph.ProcessRecycled(recycled.AsSpan(at, Math.Min(Burst, n - at)), sent.AsSpan(produced), tables, interfaces);
                    }
                    seconds += ThreadClock.CpuSeconds() - began;
                    allocatedThisRep += GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
                    copies += produced;
                    cache.FreeBurst(sent.AsSpan(0, produced));
                }
                if (copies != (long)packetsPerRepetition * outgoing || counters.ReadTotalDrops() != 0)
                {
                    throw new InvalidOperationException($"{outgoing} outgoing: {copies} copies of {packetsPerRepetition} packets; drops {counters.ReadTotalDrops()}");
                }
                if (rep > 0)
                {
                    allocated += allocatedThisRep;
                    bestCopies = Math.Max(bestCopies, copies / seconds);
                    bestPackets = Math.Max(bestPackets, packetsPerRepetition / seconds);
                    Console.WriteLine($"  {outgoing} outgoing rep {rep}: {copies / seconds / 1e6:F3} M copies/s");
                }
            }
            return (bestCopies, bestPackets, allocated);
        }
        finally
        {
            foreach (var wire in wires)
            {
                wire.Dispose();
            }
        }
    }
}
