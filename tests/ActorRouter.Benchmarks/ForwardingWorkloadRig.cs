using System.Buffers.Binary;
using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Fib;
using ActorRouter.DataPlane.Forwarding;
using ActorRouter.DataPlane.Interfaces;
using ActorRouter.DataPlane.Memory;
using ActorRouter.DataPlane.Rings;
using ActorRouter.IO.Memory;
using ActorRouter.Packets;

namespace ActorRouter.Benchmarks;

/// <summary>
/// The "Forwarding workload" of ../shared/bench/README.md as the PPE benchmarks run it: 8192 buffers of 2048 bytes,
/// 64-byte frames at offset 128, destinations from the shared key stream, 2048 passes in bursts of 32 per
/// repetition, adjacency (nh−1)&amp;63 on port ((nh−1)&amp;63)%4. Before each burst <see cref="Restore"/> puts the 32
/// frames back as a NIC would deliver them (destination, TTL, checksum, MACs); <see cref="RestoreOnly"/> does only
/// that for a whole repetition, so its time can be subtracted. <see cref="TakeOutput"/> does what the next thread
/// would with a burst's output.
/// </summary>
internal sealed class ForwardingWorkloadRig : IDisposable
{
    public const int PoolBuffers = 8192;
    public const int Burst = 32;
    public const int Passes = 2048;
    public const long PacketsPerRepetition = (long)PoolBuffers * Passes;
    private const int BufferSize = 2048;
    private const int FrameOffset = 128;
    private const int FrameLength = 64;
    private const long ExpectedForwarded = 12_616_327;
    private const long ExpectedNoRoute = 4_160_889;
    private const long ExpectedNextHopSum = 412_021_510;

    private readonly uint[] _workload = new uint[PoolBuffers];
    private readonly uint[] _keys;
    private readonly uint _partialSum;
    private readonly ulong _routerMac;
    private readonly MemoryWire[] _wires = new MemoryWire[4];
    private readonly SpscRing _b4q = new(1024);
    private readonly uint[] _refill = new uint[Burst];

    public ForwardingWorkloadRig()
    {
        Console.WriteLine("loading routes-1m.txt and the 16 Mi-key stream …");
        Fib = Ipv4Fib.Build(RouteFileLoader.Load(SharedWorkload.BenchFile("routes-1m.txt")));
        _keys = SharedWorkload.Keys((int)PacketsPerRepetition);

        // GPM holds the workload's 8192 buffers (taken out of the pool up front) and spare ones.
        Gpm = new PacketMemory(PoolBuffers * 2, BufferSize, FrameOffset);
        if (Gpm.AllocateBulk(_workload, BufferOwner.Rx) != PoolBuffers)
        {
            throw new InvalidOperationException("GPM could not hand out the workload buffers");
        }
        var routerMac = MacAddress.Parse("02:00:00:00:00:01");
        _routerMac = routerMac.Value;
        var template = PacketBuilder.Udp(MacAddress.Parse("02:00:00:00:00:fe"), routerMac, Ipv4Address.Parse("198.18.0.1"), 0, 1024, 1024,
            new byte[FrameLength - 42], new Ipv4Fields { DontFragment = true, Ttl = 64 });
        foreach (var b in _workload)
        {
            template.CopyTo(Gpm.Buffer(b)[FrameOffset..]);
        }
        // Partial header sum without the destination, so restoring a frame costs one fold.
        var headerTemplate = template.AsSpan(14, 20).ToArray();
        headerTemplate[10] = headerTemplate[11] = 0;
        headerTemplate.AsSpan(16, 4).Clear();
        _partialSum = InternetChecksum.Sum(headerTemplate);

        var uidbs = new Uidb?[4];
        for (var i = 0; i < 4; i++)
        {
            _wires[i] = new MemoryWire($"bench{i}", 0x020000000001UL + (ulong)i, $"far{i}", 0x0200000000F0UL + (ulong)i);
            uidbs[i] = new Uidb(i, $"GigabitEthernet{i + 1}", $"bench{i}", 1500, 0x020000000001UL + (ulong)i, true, 0, 0, _wires[i].A);
        }
        Interfaces = new UidbTable(uidbs, 1, 64);
        Adjacencies = new Adjacency[65];
        for (uint nh = 1; nh <= 64; nh++)
        {
            var adjacency = (nh - 1) & 63;
            Adjacencies[nh] = new Adjacency(AdjacencyKind.Resolved, (ushort)(adjacency % 4), 0x0200000A0000UL + adjacency, 0);
        }
        Tables = new ForwardingTables(Fib, Adjacencies, 1);
        Counters = new ThreadCounters("bench-ppe", 64);
        Cache = new GpmCache(Gpm, 512);
    }

    public Ipv4Fib Fib { get; }
    public PacketMemory Gpm { get; }
    public UidbTable Interfaces { get; }
    public Adjacency[] Adjacencies { get; }
    public ForwardingTables Tables { get; }
    public ThreadCounters Counters { get; }
    public GpmCache Cache { get; }
    public SpscRing PuntRing { get; } = new(1024);

    /// <summary>Restores the burst at <paramref name="start"/> for pass <paramref name="pass"/> and returns its buffers.</summary>
    public ReadOnlySpan<uint> Restore(int pass, int start)
    {
        var burst = _workload.AsSpan(start, Burst);
        var destinations = _keys.AsSpan(pass * PoolBuffers + start, Burst);
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
            frame[12] = 0x08;
            frame[13] = 0x00;
            var ip = frame[14..];
            ip[8] = 64;
            var destination = destinations[i];
            BinaryPrimitives.WriteUInt32BigEndian(ip[16..], destination);
            var sum = _partialSum + (destination >> 16) + (destination & 0xFFFF);
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], InternetChecksum.Fold(sum));
        }
        return burst;
    }

    /// <summary>Only the restoration of a whole repetition: what the timed loops spend besides forwarding.</summary>
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

    /// <summary>
    /// Passes a burst's <paramref name="n"/> output buffers through a B4Q-like ring and returns the sum of their next
    /// hops; takes back from the PPE's cache as many buffers as were dropped, as the Rx thread would.
    /// </summary>
    public long TakeOutput(uint[] output, int n)
    {
        // Through the ring and back into the same span: the consumer reads what the producer wrote.
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

    /// <summary>
    /// Whether a repetition forwarded what the workload's reference says and describes it. The workload's "no route"
    /// bucket is everything not forwarded; RFC 1812 filtering files the keys in 0/8, 127/8 and 224/3 under martian and
    /// multicast reasons first.
    /// </summary>
    public bool Check(long forwarded, long nextHopSum, out string description)
    {
        var noRoute = Counters.ReadDrops(DropReason.NoRoute);
        var martian = Counters.ReadDrops(DropReason.MartianDestination) + Counters.ReadDrops(DropReason.MulticastUnsupported);
        var notForwarded = Counters.ReadTotalDrops();
        var correct = forwarded == ExpectedForwarded && notForwarded == ExpectedNoRoute && noRoute + martian == notForwarded && nextHopSum == ExpectedNextHopSum;
        description = $"forwarded {forwarded:N0}, not forwarded {notForwarded:N0} (no route {noRoute:N0} + martian/multicast destination {martian:N0}), " +
                      $"next-hop sum {nextHopSum} {(correct ? "OK" : "MISMATCH")}";
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
    }
}
