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
/// The PPE graph's IPv6 path on one core — ethernet-input, ip6-input, ip6-lookup (the 200k-prefix internet-shaped table
/// of <see cref="Ipv6InternetTable"/>), ip6-rewrite — on 78-byte frames (a 64-byte IPv6 packet: UDP with 16 bytes of
/// data), in the shape of the IPv4 <c>ppe</c> case: 8192 buffers, 2048 passes in bursts of 32 per repetition,
/// destinations from the IPv6 key stream, adjacency (nh−1)&amp;63 on port ((nh−1)&amp;63)%4. The time spent restoring
/// frames before each burst is measured separately and subtracted; every repetition is checked against the FIB's own
/// answers for the same keys (which lpm6 checks against rte_lpm6).
/// </summary>
public sealed class Ppe6Benchmark : IBenchmarkCase
{
    public string Name => "ppe6";

    public string Description => "PPE graph, IPv6 path, packets/s on one core (78-byte frames, 200k-prefix internet-shaped table); args: [repetitions]";

    public int Run(string[] args)
    {
        var repetitions = args.Length > 0 && int.TryParse(args[0], out var r) ? r : 5;
        using var rig = new Ipv6ForwardingRig();
        var graph = PpeGraph.CreateIpv4(rig.Gpm, rig.Cache, rig.Counters, rig.PuntRing, null, Ipv6ForwardingRig.Burst, 0, 1, 0, 1);
        var output = new uint[Ipv6ForwardingRig.Burst * graph.MaxOutputPerPacket];
        var ok = true;
        var best = 0.0;
        for (var rep = 0; rep < repetitions; rep++)
        {
            rig.Counters.Clear();
            long forwarded = 0, nextHopSum = 0;
            var cpuStart = ThreadClock.CpuSeconds();
            var clock = Stopwatch.StartNew();
            for (var pass = 0; pass < Ipv6ForwardingRig.Passes; pass++)
            {
                for (var start = 0; start < Ipv6ForwardingRig.PoolBuffers; start += Ipv6ForwardingRig.Burst)
                {
                    var n = graph.ProcessBurst(rig.Restore(pass, start), output, rig.Tables, rig.Interfaces);
                    nextHopSum += rig.TakeOutput(output, n);
                    forwarded += n;
                }
            }
            var total = clock.Elapsed.TotalSeconds;
            var cpuTotal = ThreadClock.CpuSeconds() - cpuStart;
            var cpuRestoreStart = ThreadClock.CpuSeconds();
            var restoreClock = Stopwatch.StartNew();
            rig.RestoreOnly();
            var restoreOnly = restoreClock.Elapsed.TotalSeconds;
            var cpuRestoreOnly = ThreadClock.CpuSeconds() - cpuRestoreStart;
            var cpuMpps = Ipv6ForwardingRig.PacketsPerRepetition / (cpuTotal - cpuRestoreOnly) / 1e6;
            var mpps = Ipv6ForwardingRig.PacketsPerRepetition / (total - restoreOnly) / 1e6;
            ok &= rig.Check(forwarded, nextHopSum, out var description);
            Console.WriteLine($"rep {rep}: {description}; " +
                              $"{total:F2} s total, {restoreOnly:F2} s restoring frames → {mpps:F1} Mpps ({1000 / mpps:F1} ns/packet); on-CPU {cpuMpps:F1} Mpps");
            best = Math.Max(best, mpps);
        }
        Console.WriteLine($"ppe6: {best:F1} Mpps");
        return ok ? 0 : 1;
    }
}

/// <summary>The IPv6 forwarding workload of <see cref="Ppe6Benchmark"/>: buffers, frames, tables and the reference answers.</summary>
internal sealed class Ipv6ForwardingRig : IDisposable
{
    public const int PoolBuffers = 8192;
    public const int Burst = 32;
    public const int Passes = 2048;
    public const long PacketsPerRepetition = (long)PoolBuffers * Passes;
    private const int BufferSize = 2048;
    private const int FrameOffset = 128;
    private const int FrameLength = 78;

    private readonly uint[] _workload = new uint[PoolBuffers];
    private readonly byte[] _keys;
    private readonly ulong _routerMac;
    private readonly MemoryWire[] _wires = new MemoryWire[4];
    private readonly SpscRing _b4q = new(1024);
    private readonly uint[] _refill = new uint[Burst];
    private readonly long _expectedForwarded;
    private readonly long _expectedNextHopSum;
    private readonly Ipv4Fib _ipv4;

    public unsafe Ipv6ForwardingRig()
    {
        Console.WriteLine("generating the 200k-prefix IPv6 table and the 16 Mi-key stream …");
        var routes = Ipv6InternetTable.Routes(200_000);
        Fib = Ipv6Fib.Build(routes);
        _keys = Ipv6InternetTable.Keys(routes, (int)PacketsPerRepetition);
        fixed (byte* keys = _keys)
        {
            for (long i = 0; i < PacketsPerRepetition; i++)
            {
                var nextHop = Fib.Lookup(keys + i * 16);
                _expectedForwarded += nextHop != 0 ? 1 : 0;
                _expectedNextHopSum += nextHop;
            }
        }
        Console.WriteLine($"table sha256 {Ipv6InternetTable.Fingerprint(routes)}; reference: {_expectedForwarded:N0} of {PacketsPerRepetition:N0} keys routed, next-hop sum {_expectedNextHopSum}");

        Gpm = new PacketMemory(PoolBuffers * 2, BufferSize, FrameOffset);
        if (Gpm.AllocateBulk(_workload, BufferOwner.Rx) != PoolBuffers)
        {
            throw new InvalidOperationException("GPM could not hand out the workload buffers");
        }
        var routerMac = MacAddress.Parse("02:00:00:00:00:01");
        _routerMac = routerMac.Value;
        // 14 + 40 + 8 + 16: a UDP datagram from 2001:db8:ffff::1 with 16 bytes of data.
        var template = new byte[FrameLength];
        var ethernet = template.AsSpan();
        BinaryPrimitives.WriteUInt16BigEndian(ethernet[12..], EtherTypes.Ipv6);
        MacAddress.Parse("02:00:00:00:00:fe").Write(ethernet[6..12]);
        var ip = Ipv6Header.Write(template.AsSpan(14));
        ip.PayloadLength = 24;
        ip.NextHeader = IpProtocols.Udp;
        ip.HopLimit = 64;
        ip.Source = ((UInt128)0x2001_0db8_ffff_0000UL << 64) | 1;
        BinaryPrimitives.WriteUInt16BigEndian(template.AsSpan(54), 1024);
        BinaryPrimitives.WriteUInt16BigEndian(template.AsSpan(56), 1024);
        BinaryPrimitives.WriteUInt16BigEndian(template.AsSpan(58), 24);
        foreach (var b in _workload)
        {
            template.CopyTo(Gpm.Buffer(b)[FrameOffset..]);
        }

        var uidbs = new Uidb?[4];
        for (var i = 0; i < 4; i++)
        {
            _wires[i] = new MemoryWire($"bench{i}", 0x020000000001UL + (ulong)i, $"far{i}", 0x0200000000F0UL + (ulong)i);
            uidbs[i] = new Uidb(i, $"GigabitEthernet{i + 1}", $"bench{i}", 1500, 0x020000000001UL + (ulong)i, true, 0, 0, _wires[i].A);
        }
        Interfaces = new UidbTable(uidbs, 1, 64);
        var adjacencies = new Adjacency[65];
        for (uint nh = 1; nh <= 64; nh++)
        {
            var adjacency = (nh - 1) & 63;
            adjacencies[nh] = new Adjacency(AdjacencyKind.Resolved, (ushort)(adjacency % 4), 0x0200000A0000UL + adjacency, 0);
        }
        _ipv4 = Ipv4Fib.CreateEmpty();
        Tables = new ForwardingTables(_ipv4, AdjacencyTable.From([]), 1, new Ipv6Forwarding(Fib, AdjacencyTable.From(adjacencies)));
        Counters = new ThreadCounters("bench-ppe6", 64);
        Cache = new GpmCache(Gpm, 512);
    }

    public Ipv6Fib Fib { get; }
    public PacketMemory Gpm { get; }
    public UidbTable Interfaces { get; }
    public ForwardingTables Tables { get; }
    public ThreadCounters Counters { get; }
    public GpmCache Cache { get; }
    public SpscRing PuntRing { get; } = new(1024);

    /// <summary>Restores the burst at <paramref name="start"/> for pass <paramref name="pass"/> as a NIC would deliver it.</summary>
    public ReadOnlySpan<uint> Restore(int pass, int start)
    {
        var burst = _workload.AsSpan(start, Burst);
        var keys = _keys.AsSpan((pass * PoolBuffers + start) * 16, Burst * 16);
        for (var i = 0; i < burst.Length; i++)
        {
            var b = burst[i];
            ref var meta = ref Gpm.Meta(b);
            meta.Offset = FrameOffset;
            meta.Length = FrameLength;
            meta.RxInterface = 0;
            var frame = Gpm.Buffer(b).Slice(FrameOffset, FrameLength);
            BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)(_routerMac >> 16));
            BinaryPrimitives.WriteUInt16BigEndian(frame[4..], (ushort)_routerMac);
            frame[12] = 0x86;
            frame[13] = 0xDD;
            frame[14 + 7] = 64;
            keys.Slice(i * 16, 16).CopyTo(frame[(14 + 24)..]);
        }
        return burst;
    }

    /// <summary>Only the restoration of a whole repetition.</summary>
    public void RestoreOnly()
    {
        for (var pass = 0; pass < Passes; pass++)
        {
            for (var start = 0; start < PoolBuffers; start += Burst)
            {
                Restore(pass, start);
            }
        }
    }

    /// <summary>As <see cref="ForwardingWorkloadRig.TakeOutput"/>: through a B4Q-like ring, next hops summed, dropped buffers replaced.</summary>
    public long TakeOutput(uint[] output, int n)
    {
        _b4q.EnqueueBurst(output.AsSpan(0, n));
        _b4q.DequeueBurst(output.AsSpan(0, n));
        long nextHopSum = 0;
        for (var i = 0; i < n; i++)
        {
            nextHopSum += Gpm.Meta(output[i]).NextHop;
        }
        Cache.AllocateBurst(_refill.AsSpan(0, Burst - n));
        return nextHopSum;
    }

    /// <summary>Whether a repetition forwarded exactly the routed keys with their next hops and dropped the rest as no route.</summary>
    public bool Check(long forwarded, long nextHopSum, out string description)
    {
        var noRoute = Counters.ReadDrops(DropReason.Ipv6NoRoute);
        var dropped = Counters.ReadTotalDrops();
        var correct = forwarded == _expectedForwarded && nextHopSum == _expectedNextHopSum
                      && noRoute == PacketsPerRepetition - _expectedForwarded && dropped == noRoute;
        description = $"forwarded {forwarded:N0}, no route {noRoute:N0}, next-hop sum {nextHopSum} {(correct ? "OK" : "MISMATCH")}";
        return correct;
    }

    public void Dispose()
    {
        foreach (var wire in _wires)
        {
            wire.Dispose();
        }
        PuntRing.Dispose();
        _b4q.Dispose();
        Gpm.Dispose();
        Fib.Dispose();
        _ipv4.Dispose();
    }
}
