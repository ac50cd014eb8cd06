using System.Buffers.Binary;
using System.Diagnostics;
using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Fib;
using ActorRouter.DataPlane.Forwarding;
using ActorRouter.DataPlane.Graph;
using ActorRouter.DataPlane.Interfaces;
using ActorRouter.DataPlane.Memory;
using ActorRouter.DataPlane.Rings;
using ActorRouter.IO.Memory;
using ActorRouter.Packets;

namespace ActorRouter.Benchmarks;

/// <summary>
/// The PPE graph of nodes on one core — parse, validate, lookup, TTL/checksum, rewrite, enqueue — on
/// exactly the "Forwarding workload" of ../shared/bench/README.md: 8192 buffers of 2048 bytes, 64-byte
/// frames at offset 128, destinations from the shared key stream, 2048 passes in bursts of 32 per
/// repetition, adjacency (nh−1)&amp;63 on port ((nh−1)&amp;63)%4. Before each burst the harness restores
/// the 32 frames it is about to process (destination, TTL, checksum, MACs) as a NIC would deliver them;
/// that restoration is timed separately and subtracted.
/// </summary>
public sealed class PpeBenchmark : IBenchmarkCase
{
    private const int PoolBuffers = 8192;
    private const int BufferSize = 2048;
    private const int FrameOffset = 128;
    private const int FrameLength = 64;
    private const int Burst = 32;
    private const int Passes = 2048;
    private const long PacketsPerRepetition = (long)PoolBuffers * Passes;
    private const long ExpectedForwarded = 12_616_327;
    private const long ExpectedNoRoute = 4_160_889;
    private const long ExpectedNextHopSum = 412_021_510;

    public string Name => "ppe";

    public string Description => "PPE graph of nodes, packets/s on one core, shared forwarding workload (64-byte frames, 1M routes); args: [repetitions] [runtime sample interval]";

    public int Run(string[] args)
    {
        var repetitions = args.Length > 0 && int.TryParse(args[0], out var r) ? r : 5;
        Console.WriteLine("loading routes-1m.txt and the 16 Mi-key stream …");
        using var fib = Ipv4Fib.Build(RouteFileLoader.Load(SharedWorkload.BenchFile("routes-1m.txt")));
        var keys = SharedWorkload.Keys((int)PacketsPerRepetition);

        // GPM holds the workload's 8192 buffers (taken out of the pool up front) and spare ones.
        using var gpm = new PacketMemory(PoolBuffers * 2, BufferSize, FrameOffset);
        var workload = new uint[PoolBuffers];
        if (gpm.AllocateBulk(workload, BufferOwner.Rx) != PoolBuffers)
        {
            throw new InvalidOperationException("GPM could not hand out the workload buffers");
        }
        var routerMac = MacAddress.Parse("02:00:00:00:00:01");
        var hostMac = MacAddress.Parse("02:00:00:00:00:fe");
        var template = PacketBuilder.Udp(hostMac, routerMac, Ipv4Address.Parse("198.18.0.1"), 0, 1024, 1024, new byte[FrameLength - 42],
            new Ipv4Fields { DontFragment = true, Ttl = 64 });
        foreach (var b in workload)
        {
            template.CopyTo(gpm.Buffer(b)[FrameOffset..]);
        }
        // Partial header sum without the destination, so restoring a frame costs one fold.
        var headerTemplate = template.AsSpan(14, 20).ToArray();
        headerTemplate[10] = headerTemplate[11] = 0;
        headerTemplate.AsSpan(16, 4).Clear();
        var partialSum = InternetChecksum.Sum(headerTemplate);

        var wires = new MemoryWire[4];
        var uidbs = new Uidb?[4];
        for (var i = 0; i < 4; i++)
        {
            wires[i] = new MemoryWire($"bench{i}", 0x020000000001UL + (ulong)i, $"far{i}", 0x0200000000F0UL + (ulong)i);
            uidbs[i] = new Uidb(i, $"GigabitEthernet{i + 1}", $"bench{i}", 1500, 0x020000000001UL + (ulong)i, true, 0, 0, wires[i].A);
        }
        var interfaces = new UidbTable(uidbs, 1, 64);
        var adjacencies = new Adjacency[65];
        for (uint nh = 1; nh <= 64; nh++)
        {
            var adjacency = (nh - 1) & 63;
            adjacencies[nh] = new Adjacency(AdjacencyKind.Resolved, (ushort)(adjacency % 4), 0x0200000A0000UL + adjacency, 0);
        }
        var tables = new ForwardingTables(fib, adjacencies, 1);
        var counters = new ThreadCounters("bench-ppe", 64);
        var cache = new GpmCache(gpm, 512);
        using var puntRing = new SpscRing(1024);
        var graph = PpeGraph.CreateIpv4(gpm, cache, counters, puntRing, null, Burst, 0, 1, 0, 1);
        // Optional second argument: time one burst in N for show platform runtime (1: every burst).
        if (args.Length > 1 && int.TryParse(args[1], out var sampleInterval))
        {
            graph.RuntimeSampleInterval = sampleInterval;
        }
        Console.WriteLine($"runtime timed on one burst in {graph.RuntimeSampleInterval}");
        using var b4q = new SpscRing(1024);
        var output = new uint[Burst * graph.MaxOutputPerPacket];
        var refill = new uint[Burst];
        var drained = new uint[Burst * graph.MaxOutputPerPacket];

        var ok = true;
        var best = 0.0;
        for (var rep = 0; rep < repetitions; rep++)
        {
            counters.Clear();
            long forwarded = 0, nextHopSum = 0;
            var cpuStart = ThreadClock.CpuSeconds();
            var clock = Stopwatch.StartNew();
            for (var pass = 0; pass < Passes; pass++)
            {
                var keyBase = pass * PoolBuffers;
                for (var start = 0; start < PoolBuffers; start += Burst)
                {
                    var burst = workload.AsSpan(start, Burst);
                    Restore(gpm, burst, keys.AsSpan(keyBase + start, Burst), partialSum, routerMac.Value);
                    var n = graph.ProcessBurst(burst, output, tables, interfaces);
                    b4q.EnqueueBurst(output.AsSpan(0, n));
                    b4q.DequeueBurst(drained.AsSpan(0, n));
                    for (var i = 0; i < n; i++)
                    {
                        nextHopSum += gpm.Meta(drained[i]).NextHop;
                    }
                    forwarded += n;
                    // Dropped buffers went to the PPE's cache; take as many back, as the Rx thread would.
                    cache.AllocateBurst(refill.AsSpan(0, Burst - n));
                }
            }
            var total = clock.Elapsed.TotalSeconds;
            var cpuTotal = ThreadClock.CpuSeconds() - cpuStart;
            var cpuRestoreStart = ThreadClock.CpuSeconds();
            var restoreOnly = TimeRestoreOnly(gpm, workload, keys, partialSum, routerMac.Value);
            var cpuRestoreOnly = ThreadClock.CpuSeconds() - cpuRestoreStart;
            // On a busy machine the wall clock counts time the thread waited for a core; its CPU time does not.
            var cpuMpps = PacketsPerRepetition / (cpuTotal - cpuRestoreOnly) / 1e6;
            // The workload's "no route" bucket is everything not forwarded; RFC 1812 filtering files the
            // keys in 0/8, 127/8 and 224/3 under martian and multicast reasons first.
            var noRoute = counters.ReadDrops(DropReason.NoRoute);
            var martian = counters.ReadDrops(DropReason.MartianDestination) + counters.ReadDrops(DropReason.MulticastUnsupported);
            var notForwarded = counters.ReadTotalDrops();
            var mpps = PacketsPerRepetition / (total - restoreOnly) / 1e6;
            var correct = forwarded == ExpectedForwarded && notForwarded == ExpectedNoRoute && noRoute + martian == notForwarded && nextHopSum == ExpectedNextHopSum;
            ok &= correct;
            Console.WriteLine($"rep {rep}: forwarded {forwarded:N0}, not forwarded {notForwarded:N0} (no route {noRoute:N0} + martian/multicast destination {martian:N0}), " +
                              $"next-hop sum {nextHopSum} {(correct ? "OK" : "MISMATCH")}; " +
                              $"{total:F2} s total, {restoreOnly:F2} s restoring frames → {mpps:F1} Mpps ({1000 / mpps:F1} ns/packet); on-CPU {cpuMpps:F1} Mpps");
            best = Math.Max(best, mpps);
        }
        foreach (var wire in wires)
        {
            wire.Dispose();
        }
        Console.WriteLine($"ppe: {best:F1} Mpps");
        return ok ? 0 : 1;
    }

    private static double TimeRestoreOnly(PacketMemory gpm, uint[] workload, uint[] keys, uint partialSum, ulong routerMac)
    {
        var clock = Stopwatch.StartNew();
        for (var pass = 0; pass < Passes; pass++)
        {
            for (var start = 0; start < PoolBuffers; start += Burst)
            {
                Restore(gpm, workload.AsSpan(start, Burst), keys.AsSpan(pass * PoolBuffers + start, Burst), partialSum, routerMac);
            }
        }
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>Puts each frame back as received: offset, length, destination MAC, TTL, destination address, checksum.</summary>
    private static void Restore(PacketMemory gpm, ReadOnlySpan<uint> burst, ReadOnlySpan<uint> destinations, uint partialSum, ulong routerMac)
    {
        for (var i = 0; i < burst.Length; i++)
        {
            var b = burst[i];
            ref var meta = ref gpm.Meta(b);
            meta.Offset = FrameOffset;
            meta.Length = FrameLength;
            meta.RxInterface = 0;
            var frame = gpm.Buffer(b).Slice(FrameOffset, FrameLength);
            BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)(routerMac >> 16));
            BinaryPrimitives.WriteUInt16BigEndian(frame[4..], (ushort)routerMac);
            frame[12] = 0x08;
            frame[13] = 0x00;
            var ip = frame[14..];
            ip[8] = 64;
            var destination = destinations[i];
            BinaryPrimitives.WriteUInt32BigEndian(ip[16..], destination);
            var sum = partialSum + (destination >> 16) + (destination & 0xFFFF);
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], InternetChecksum.Fold(sum));
        }
    }
}
