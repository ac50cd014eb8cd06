using System.Buffers.Binary;
using System.Diagnostics;
using ActorRouter.DataPlane;
using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Forwarding;
using ActorRouter.IO.Memory;
using ActorRouter.Packets;

namespace ActorRouter.Benchmarks.Fuzz;

/// <summary>What a fuzz run saw and whether it held.</summary>
/// <param name="Sent">Frames the generator put on the wires.</param>
/// <param name="Forwarded">Sent frames that left the router (a fragmented one once, whatever its fragments).</param>
/// <param name="Dropped">Drops counted by the data plane, every reason.</param>
/// <param name="Punted">Frames counted as punted (glean requests are counted as no-adjacency drops instead).</param>
/// <param name="Failures">What did not hold (at most a few examples of each kind); empty when the run held.</param>
public sealed record FuzzOutcome(long Sent, long Forwarded, long Dropped, long Punted, long IcmpErrors, long Fragments, long PuntTaken,
    double Seconds, IReadOnlyList<string> Failures, IReadOnlyDictionary<string, long> DropsByReason)
{
    public bool Held => Failures.Count == 0;
    public double FramesPerSecond => Sent / Seconds;
}

/// <summary>
/// Runs mutated frames (<see cref="FuzzFrames"/>) through the whole in-memory pipeline — Rx, PPEs, HQF,
/// punt ring — and checks what the issue asks of it: no thread faults; every frame accounted for
/// (sent = forwarded + dropped by reason + punted); GPM whole afterwards; every forwarded frame a valid
/// IPv4 packet with a correct header checksum and its TTL one below what was sent.
/// </summary>
/// <remarks>
/// The generator keeps at most <see cref="Window"/> frames unaccounted for, so that no queue or buffer
/// pool ever runs out and every count is exact (a fragment dropped for room would count twice). A
/// drain thread plays the control plane: it takes punted packets and gives them back.
/// Topology: Gi1 192.0.2.1/24 (MTU 1500), Gi2 198.51.100.1/24 (MTU 1280, so large packets are
/// fragmented or refused with DF), Gi1.100 203.0.113.1/24 on VLAN 100; hosts .10 resolved on each;
/// 10.0.0.0/8 via 198.51.100.10; 172.16.0.0/12 via the unresolved 198.51.100.20 (gleans).
/// </remarks>
public sealed class FuzzPipeline : IDisposable
{
    public const int Window = 1024;
    private const int KeySpace = 65536;
    private readonly MemoryWire[] _wires = new MemoryWire[2];
    private readonly byte[] _sentTtl = new byte[KeySpace];
    private readonly int[] _forwardedOnce = new int[KeySpace];
    private readonly List<string> _failures = new();
    private readonly Dictionary<string, int> _failureKinds = new();
    private long _forwarded;
    private long _icmpErrors;
    private long _fragments;
    private long _puntTaken;

    public FuzzPipeline(int ppeThreads = 2)
    {
        DataPlane = new QfpDataPlane(new DataPlaneOptions
        {
            BufferCount = 16384,
            PpeThreads = ppeThreads,
            BurstSize = 32,
            RingSize = 1024,
            EgressQueueLimit = 4096,
            IcmpErrorRatePerSecond = 1_000_000,
            IcmpErrorBurst = 100_000,
            PuntRatePerSecond = 1_000_000,
            PuntBurst = 100_000,
            PuntRingSize = 1024,
        });
        int[] mtus = [1500, 1280];
        for (var i = 0; i < 2; i++)
        {
            _wires[i] = new MemoryWire($"mem{i}", FuzzFrames.RouterMacs[i].Value, $"host{i}", FuzzFrames.HostMacs[i].Value, ringSize: 2048, mtu: mtus[i]);
            var uidb = DataPlane.CreateUidb($"GigabitEthernet{i + 1}", $"mem{i}", mtus[i], FuzzFrames.RouterMacs[i].Value);
            DataPlane.RegisterPort(uidb.Index, _wires[i].A);
            DataPlane.SetIpv4Address(uidb.Index, FuzzFrames.RouterAddresses[i], 24);
            DataPlane.SetAdminState(uidb.Index, true);
        }
        var sub = DataPlane.CreateSubinterfaceUidb("GigabitEthernet1.100", 0, FuzzFrames.Vlan, 1500);
        DataPlane.SetIpv4Address(sub.Index, FuzzFrames.RouterAddresses[2], 24);
        DataPlane.SetAdminState(sub.Index, true);
        DataPlane.PublishRoutes(
            [new StaticRoute(Ipv4Address.Parse("10.0.0.0"), 8, FuzzFrames.HostAddresses[1]), new StaticRoute(Ipv4Address.Parse("172.16.0.0"), 12, Ipv4Address.Parse("198.51.100.20"))],
            [
                new Neighbor(0, FuzzFrames.HostAddresses[0], FuzzFrames.HostMacs[0].Value),
                new Neighbor(1, FuzzFrames.HostAddresses[1], FuzzFrames.HostMacs[1].Value),
                new Neighbor(sub.Index, FuzzFrames.HostAddresses[2], FuzzFrames.VlanHostMac.Value),
            ]);
        DataPlane.Start();
    }

    public QfpDataPlane DataPlane { get; }

    /// <summary>Sends <paramref name="frames"/> frames from <paramref name="seed"/>, waits until each is accounted for, stops the data plane and checks.</summary>
    public FuzzOutcome Run(long frames, int seed, TimeSpan drainLimit)
    {
        var generator = new FuzzFrames(seed);
        var portChoice = new Random(seed ^ 0x5A5A5A5A);
        var stop = false;
        var checker = new Thread(() => Check(ref stop)) { Name = "fuzz-checker", IsBackground = true };
        var punt = new Thread(() => DrainPunts(ref stop)) { Name = "fuzz-punt", IsBackground = true };
        checker.Start();
        punt.Start();
        Span<byte> frame = stackalloc byte[FuzzFrames.MaxFrameLength];
        var clock = Stopwatch.StartNew();
        long sent = 0;
        var accounted = Accounted();
        var healthy = true;
        while (sent < frames && healthy)
        {
            if (sent - accounted >= Window)
            {
                accounted = Accounted();
                if (sent - accounted >= Window)
                {
                    healthy = WorkersHealthy();
                    Thread.Yield();
                    continue;
                }
            }
            var port = portChoice.Next(4) == 0 ? 1 : 0;
            var key = (ushort)sent;
            var length = generator.Next(port, frame, key, out var ipv4Shaped, out var ttl);
            if (ipv4Shaped)
            {
                _sentTtl[key] = ttl;
                Volatile.Write(ref _forwardedOnce[key], 0);
            }
            var wire = _wires[port].B;
            while (!wire.Send(frame[..length]))
            {
                Thread.Yield();
            }
            sent++;
            if ((sent & 255) == 0)
            {
                accounted = Accounted();
            }
        }
        var deadline = Stopwatch.GetTimestamp() + (long)(drainLimit.TotalSeconds * Stopwatch.Frequency);
        while ((accounted = Accounted()) != sent && Stopwatch.GetTimestamp() < deadline)
        {
            Thread.Sleep(1);
        }
        var seconds = clock.Elapsed.TotalSeconds;
        // Frames the router sends after its input is all accounted for (ICMP errors, fragments) are on the wires already.
        Thread.Sleep(50);
        Volatile.Write(ref stop, true);
        checker.Join();
        punt.Join();

        foreach (var worker in DataPlane.Workers)
        {
            if (worker.LastFault is { } fault)
            {
                Fail("thread fault", $"{worker.Name}: {fault.Exception}");
            }
        }
        var dropped = TotalDrops();
        var punted = TotalPunted();
        var forwarded = Volatile.Read(ref _forwarded);
        if (sent != forwarded + dropped + punted)
        {
            var statistics = DataPlane.ReadStatistics();
            Fail("accounting", $"sent {sent} != forwarded {forwarded} + dropped {dropped} + punted {punted} (difference {sent - forwarded - dropped - punted}); "
                + $"waiting at the router's ports {string.Join("/", _wires.Select(w => w.A.RxPending))}, at the hosts' {string.Join("/", _wires.Select(w => w.B.RxPending))}; "
                + $"rings {string.Join(", ", statistics.Rings.Select(r => $"{r.Name} {r.Count}"))}; egress queues {string.Join("/", statistics.Interfaces.Select(i => i.EgressQueueDepth))}; "
                + $"GPM held by {string.Join(", ", Enum.GetValues<ActorRouter.DataPlane.Memory.BufferOwner>().Select(o => (o, statistics.Gpm.Held(o))).Where(x => x.Item2 != 0).Select(x => $"{x.o} {x.Item2}"))}");
        }
        var drops = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var reason in Enum.GetValues<DropReason>())
        {
            var count = DataPlane.ReadDrops(reason);
            if (count != 0)
            {
                drops[reason.ToString()] = count;
            }
        }
        DataPlane.Stop();
        var gpm = DataPlane.ReadGpmAccounting();
        if (!gpm.AllFree)
        {
            Fail("gpm", $"GPM not whole after stop: {gpm.InPool} of {gpm.Total} in the pool");
        }
        return new FuzzOutcome(sent, forwarded, dropped, punted, Volatile.Read(ref _icmpErrors), Volatile.Read(ref _fragments),
            Volatile.Read(ref _puntTaken), seconds, _failures.ToList(), drops);
    }

    private long Accounted() => Volatile.Read(ref _forwarded) + TotalDrops() + TotalPunted();

    private long TotalDrops()
    {
        long sum = 0;
        foreach (var counters in DataPlane.Counters)
        {
            sum += counters.ReadTotalDrops();
        }
        return sum;
    }

    private long TotalPunted()
    {
        long sum = 0;
        for (var i = 0; i < 3; i++)
        {
            sum += DataPlane.ReadInterfaceCounter(i, InterfaceCounter.Punted);
        }
        return sum;
    }

    private bool WorkersHealthy()
    {
        foreach (var worker in DataPlane.Workers)
        {
            if (worker.LastFault is not null)
            {
                return false;
            }
        }
        return true;
    }

    private void DrainPunts(ref bool stop)
    {
        Span<uint> buffers = stackalloc uint[64];
        while (!Volatile.Read(ref stop))
        {
            var n = DataPlane.TakePunted(buffers);
            if (n == 0)
            {
                Thread.Yield();
                continue;
            }
            DataPlane.ReleasePunted(buffers[..n]);
            _puntTaken += n;
        }
    }

    private void Check(ref bool stop)
    {
        Span<byte> frame = stackalloc byte[2048];
        while (true)
        {
            var stopping = Volatile.Read(ref stop);
            var any = false;
            for (var w = 0; w < _wires.Length; w++)
            {
                while (_wires[w].B.TryReceive(frame, out var length))
                {
                    any = true;
                    CheckOne(w, frame[..length]);
                }
            }
            if (stopping)
            {
                return;
            }
            if (!any)
            {
                Thread.Yield();
            }
        }
    }

    private void CheckOne(int wire, ReadOnlySpan<byte> frame)
    {
        var ip = FuzzFrames.Ipv4Offset(frame);
        if (ip < 0)
        {
            Fail("not ipv4", $"gi{wire + 1} transmitted a frame that is not IPv4 ({frame.Length} bytes, EtherType 0x{(frame.Length >= 14 ? BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) : 0):x4})");
            return;
        }
        var header = frame[ip..];
        var headerLength = (header[0] & 0x0F) * 4;
        var totalLength = BinaryPrimitives.ReadUInt16BigEndian(header[2..]);
        if (header[0] >> 4 != 4 || headerLength < 20 || totalLength < headerLength || totalLength > header.Length)
        {
            Fail("invalid ipv4", $"gi{wire + 1}: version/IHL 0x{header[0]:x2}, total length {totalLength}, {header.Length} bytes after the link header");
            return;
        }
        if (InternetChecksum.Compute(header[..headerLength]) != 0)
        {
            Fail("checksum", $"gi{wire + 1}: header checksum wrong (0x{BinaryPrimitives.ReadUInt16BigEndian(header[10..]):x4})");
            return;
        }
        var source = BinaryPrimitives.ReadUInt32BigEndian(header[12..]);
        if (header[9] == IpProtocols.Icmp && Array.IndexOf(FuzzFrames.RouterAddresses, source) >= 0
            && headerLength + 8 <= totalLength && header[headerLength] is IcmpTypes.DestinationUnreachable or IcmpTypes.TimeExceeded)
        {
            // An error the router generated (a mutated frame never carries a router address as its source).
            _icmpErrors++;
            return;
        }
        var key = BinaryPrimitives.ReadUInt16BigEndian(header[4..]);
        var expected = _sentTtl[key] - 1;
        if (header[8] != expected)
        {
            Fail("ttl", $"gi{wire + 1}: frame {key} left with TTL {header[8]}, sent with {_sentTtl[key]}");
        }
        if ((BinaryPrimitives.ReadUInt16BigEndian(header[6..]) & 0x3FFF) != 0)
        {
            _fragments++;
        }
        if (Interlocked.Exchange(ref _forwardedOnce[key], 1) == 0)
        {
            Interlocked.Increment(ref _forwarded);
        }
    }

    private void Fail(string kind, string example)
    {
        lock (_failures)
        {
            var seen = _failureKinds.GetValueOrDefault(kind);
            _failureKinds[kind] = seen + 1;
            if (seen < 5)
            {
                _failures.Add($"{kind}: {example}");
            }
        }
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
