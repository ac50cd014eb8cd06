using System.Buffers.Binary;
using System.Diagnostics;
using ActorRouter.DataPlane.Memory;
using ActorRouter.IO.AfPacket;

namespace ActorRouter.IO.Tests.AfPacket;

/// <summary>
/// The AF_PACKET driver against real veth pairs, each in a namespace of its own made by the test.
/// Test frames carry the IEEE local experimental EtherType so anything else on the wire is ignored.
/// Skipped, with the reason shown, where namespaces cannot be made (not root, no iproute2).
/// </summary>
public sealed class AfPacketVnicPortTests : IDisposable
{
    private const ushort TestEtherType = 0x88B5;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    private readonly PacketMemory _gpm = new(bufferCount: 1024, bufferSize: 2048, headroom: 128);
    private readonly List<IDisposable> _owned = [];
    private VethLab? _lab;

    public void Dispose()
    {
        // Ports first (their sockets), then the namespace, then memory.
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }
        _lab?.Dispose();
        _gpm.Dispose();
    }

    [SkippableTheory]
    [InlineData(AfPacketMode.Latency)]
    [InlineData(AfPacketMode.Throughput)]
    public void Frames_sent_on_one_end_arrive_byte_exact_and_in_order_on_the_other(AfPacketMode mode)
    {
        var (a, b) = OpenPair(mode);
        var singles = new List<byte[]>
        {
            TestFrame(b.Mac, a.Mac, 60, 1),
            TestFrame(b.Mac, a.Mac, 1514, 2),
            TaggedTestFrame(b.Mac, a.Mac, vlanId: 100, length: 64, sequence: 3),
            TestFrame(b.Mac, a.Mac, 333, 4),
        };
        Send(a, singles);
        Assert.Equal(singles, ReceiveTestFrames(b, singles.Count));

        var burst = Enumerable.Range(0, 64).Select(i => TestFrame(b.Mac, a.Mac, i % 2 == 0 ? 60 : 1514, 100 + i)).ToList();
        Send(a, burst);
        Assert.Equal(burst, ReceiveTestFrames(b, burst.Count));

        var reply = TestFrame(a.Mac, b.Mac, 60, 999);
        Send(b, [reply]);
        Assert.Equal([reply], ReceiveTestFrames(a, 1));
    }

    [SkippableTheory]
    [InlineData(AfPacketMode.Latency)]
    [InlineData(AfPacketMode.Throughput)]
    public void A_port_does_not_receive_its_own_transmissions(AfPacketMode mode)
    {
        var (a, b) = OpenPair(mode);
        var frames = Enumerable.Range(0, 8).Select(i => TestFrame(b.Mac, a.Mac, 60, i)).ToList();
        Send(a, frames);
        Assert.Equal(frames, ReceiveTestFrames(b, frames.Count));

        // The peer got them; give a loop-back (V3 retires a block after 1 ms) ample time to show.
        Thread.Sleep(50);
        Assert.Empty(ReceiveTestFrames(a, 1, TimeSpan.FromMilliseconds(100)));
    }

    [SkippableFact]
    public void TxRoom_shrinks_as_frames_are_queued_and_recovers_after_flush()
    {
        var (a, b) = OpenPair(AfPacketMode.Latency);
        var empty = a.TxRoom;
        Assert.Equal(a.TxRingSize, empty);

        var frames = Enumerable.Range(0, 10).Select(i => TestFrame(b.Mac, a.Mac, 60, i)).ToList();
        var buffers = WriteFrames(frames);
        Assert.Equal(10, a.TransmitBurst(_gpm, buffers));
        Assert.Equal(empty - 10, a.TxRoom);

        a.Flush();
        Assert.True(WaitUntil(() => a.TxRoom == empty), $"TX room stayed at {a.TxRoom} of {empty} after the flush");
        Assert.Equal(frames, ReceiveTestFrames(b, frames.Count));
        _gpm.FreeBulk(buffers);
    }

    [SkippableFact]
    public void A_full_TX_ring_takes_only_what_fits()
    {
        var (a, b) = OpenPair(AfPacketMode.Latency, ringSize: 64);
        var frames = Enumerable.Range(0, a.TxRingSize + 5).Select(i => TestFrame(b.Mac, a.Mac, 60, i)).ToList();
        var buffers = WriteFrames(frames);
        Assert.Equal(a.TxRingSize, a.TransmitBurst(_gpm, buffers));
        Assert.Equal(0, a.TxRoom);
        a.Flush();
        Assert.True(WaitUntil(() => a.TxRoom == a.TxRingSize), "TX room did not recover");
        _gpm.FreeBulk(buffers);
    }

    [SkippableFact]
    public void LinkUp_follows_the_interface_and_a_downed_interface_drops_and_counts_transmissions()
    {
        var (a, b) = OpenPair(AfPacketMode.Latency);
        Assert.True(a.LinkUp);
        Assert.True(b.LinkUp);

        _lab!.SetLink(VethLab.EndA, up: false);
        Assert.False(a.LinkUp);
        // The peer loses its carrier when the kernel's link watcher gets to it (asynchronously, up to a second later).
        Assert.True(WaitUntil(() => !b.LinkUp), "the peer kept its carrier");

        // The first flush finds the interface down; from then on frames are dropped and counted.
        Send(a, [TestFrame(b.Mac, a.Mac, 60, 1)]);
        var dropped = WriteFrames(Enumerable.Range(0, 5).Select(i => TestFrame(b.Mac, a.Mac, 60, 10 + i)).ToList());
        Assert.Equal(5, a.TransmitBurst(_gpm, dropped));
        a.Flush();
        Assert.Equal(5, a.Statistics.TxLinkDown);
        _gpm.FreeBulk(dropped);

        _lab.SetLink(VethLab.EndA, up: true);
        Assert.True(WaitUntil(() => a.LinkUp && b.LinkUp), "link did not come back");
        var after = TestFrame(b.Mac, a.Mac, 60, 20);
        Send(a, [after]);
        // The frame queued when the interface went down goes out first, then the new one.
        Assert.Equal([TestFrame(b.Mac, a.Mac, 60, 1), after], ReceiveTestFrames(b, 2));

        // The socket error left by the down/up cycle must not keep poll() returning at once.
        using var poller = new AfPacketPoller([a]);
        poller.Wait(0);
        Assert.Equal(0u, poller.Wait(20));
    }

    [SkippableFact]
    public void Opening_an_interface_that_does_not_exist_says_so_precisely()
    {
        var lab = StartLab();
        var error = Assert.Throws<VnicOpenException>(() =>
            new AfPacketVnicPort("veth-r2", routerName: "GigabitEthernet2", networkNamespace: lab.Namespace));
        Assert.Equal(
            $"cannot open GigabitEthernet2 (veth-r2): No such device — no interface named veth-r2 in network namespace {lab.Namespace}",
            error.Message);
        Assert.Equal(19, error.Errno);

        var noNamespace = Assert.Throws<VnicOpenException>(() =>
            new AfPacketVnicPort("veth-r2", networkNamespace: lab.Namespace + "-missing"));
        Assert.Equal(
            $"cannot open veth-r2: No such file or directory — no network namespace named {lab.Namespace}-missing (/var/run/netns/{lab.Namespace}-missing)",
            noNamespace.Message);

        var tooLong = Assert.Throws<VnicOpenException>(() => new AfPacketVnicPort("a-name-longer-than-15", networkNamespace: lab.Namespace));
        Assert.EndsWith("— Linux interface names are at most 15 characters", tooLong.Message);

        var badFrame = Assert.Throws<VnicOpenException>(() => new AfPacketVnicPort(VethLab.EndA, frameSize: 1000, networkNamespace: lab.Namespace));
        Assert.Contains("Invalid argument — rings of 512 frames of 1000 bytes are not possible", badFrame.Message);
    }

    [SkippableTheory]
    [InlineData(AfPacketMode.Latency)]
    [InlineData(AfPacketMode.Throughput)]
    public void PollFd_becomes_readable_when_a_frame_arrives_and_Wake_interrupts_the_poll(AfPacketMode mode)
    {
        var (a, b) = OpenPair(mode);
        using var poller = new AfPacketPoller([b]);
        Assert.Equal(0u, poller.Wait(0));
        Assert.False(b.HasReceived);

        var clock = Stopwatch.StartNew();
        Send(a, [TestFrame(b.Mac, a.Mac, 60, 1)]);
        var ready = poller.Wait((int)Patience.TotalMilliseconds);
        Assert.Equal(1u, ready);
        Assert.False(poller.WokenByRequest);
        Assert.True(clock.Elapsed < Patience);
        Assert.True(b.HasReceived);
        Assert.Single(ReceiveTestFrames(b, 1));

        using var waker = Task.Run(async () =>
        {
            await Task.Delay(20);
            poller.Wake();
        });
        clock.Restart();
        Assert.Equal(0u, poller.Wait((int)Patience.TotalMilliseconds));
        Assert.True(poller.WokenByRequest);
        Assert.True(clock.Elapsed < Patience);
        Assert.True(waker.Wait(Patience));
    }

    [SkippableFact]
    public void Frames_longer_than_a_GPM_buffer_are_dropped_and_counted()
    {
        var (a, b) = OpenPair(AfPacketMode.Latency);
        using var small = new PacketMemory(bufferCount: 16, bufferSize: 256, headroom: 0);
        Send(a, [TestFrame(b.Mac, a.Mac, 1514, 1), TestFrame(b.Mac, a.Mac, 60, 2)]);

        Span<uint> buffers = stackalloc uint[4];
        Assert.Equal(4, small.AllocateBulk(buffers, BufferOwner.Rx));
        var received = 0;
        var deadline = Stopwatch.StartNew();
        while (received == 0 && deadline.Elapsed < Patience)
        {
            received = b.ReceiveBurst(small, buffers);
            Thread.Sleep(received == 0 ? 1 : 0);
        }
        Assert.Equal(1, received);
        Assert.Equal(60, small.Meta(buffers[0]).Length);
        Assert.Equal(1, b.Statistics.RxOversize);
        small.FreeBulk(buffers);
    }

    [SkippableFact]
    public void Frames_the_kernel_cannot_fit_in_a_full_RX_ring_count_as_RxRingFull()
    {
        var (a, b) = OpenPair(AfPacketMode.Latency, ringSize: 64);
        var frames = Enumerable.Range(0, 256).Select(i => TestFrame(b.Mac, a.Mac, 60, i)).ToList();
        Send(a, frames); // b reads nothing meanwhile
        Assert.True(WaitUntil(() => b.Statistics.RxRingFull > 0), "no kernel drop counted");
        Assert.True(b.Statistics.RxRingFull <= frames.Count);
        Assert.Equal(b.RingSize, b.DiscardReceived(int.MaxValue));
        Assert.False(b.HasReceived);
    }

    [SkippableTheory]
    [InlineData(AfPacketMode.Latency)]
    [InlineData(AfPacketMode.Throughput)]
    public void A_UDP_checksum_left_for_offload_by_a_local_sender_arrives_completed(AfPacketMode mode)
    {
        var (a, b) = OpenPair(mode);
        Skip.If(!File.Exists("/bin/bash"), "needs bash for /dev/udp");
        var ns = _lab!.Namespace;
        VethLab.Ip($"-n {ns} address add 192.0.2.1/24 dev {VethLab.EndA}");
        VethLab.Ip($"-n {ns} neighbour add 192.0.2.2 lladdr {FormatMac(b.Mac)} dev {VethLab.EndA}");
        // The namespace's own stack sends: veth offers checksum offload, so the kernel leaves it undone.
        VethLab.Ip($"netns exec {ns} /bin/bash -c \"printf 'checksum me, please' > /dev/udp/192.0.2.2/9\"");

        var udp = ReceiveFrames(b, frame => frame.Length >= 42 && frame[12] == 0x08 && frame[13] == 0x00 && frame[23] == 17);
        Assert.NotNull(udp);
        var ip = udp.AsSpan(14);
        var ihl = (ip[0] & 0x0f) * 4;
        var totalLength = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        var segment = ip[ihl..totalLength];
        Assert.Equal("checksum me, please", System.Text.Encoding.ASCII.GetString(segment[8..]));
        Assert.NotEqual(0, BinaryPrimitives.ReadUInt16BigEndian(segment[6..]));
        uint sum = 17u + (uint)segment.Length;
        sum = OnesComplementSum(ip.Slice(12, 8), sum);
        sum = OnesComplementSum(segment, sum);
        Assert.Equal(0xFFFFu, sum);
    }

    [SkippableFact]
    public void Opening_without_CAP_NET_RAW_says_it_is_needed()
    {
        Skip.If(Environment.IsPrivilegedProcess, "runs only unprivileged (as root the open would succeed)");
        var error = Assert.Throws<VnicOpenException>(() => new AfPacketVnicPort("lo", routerName: "Loopback0"));
        Assert.Equal("cannot open Loopback0 (lo): Operation not permitted — needs CAP_NET_RAW", error.Message);
    }

    [SkippableTheory]
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    // No tiering or on-stack replacement of this method while it measures: an OSR compile allocates on this thread.
    [InlineData(AfPacketMode.Latency)]
    [InlineData(AfPacketMode.Throughput)]
    public void Bursts_allocate_nothing_in_steady_state(AfPacketMode mode)
    {
        var (a, b) = OpenPair(mode);
        var tx = WriteFrames(Enumerable.Range(0, 32).Select(i => TestFrame(b.Mac, a.Mac, 60 + i, i)).ToList());
        var rx = new uint[64];
        Assert.Equal(rx.Length, _gpm.AllocateBulk(rx, BufferOwner.Rx));

        RoundTrips(a, b, tx, rx, rounds: 5); // warm-up: first calls bind the library and JIT the paths
        var before = GC.GetAllocatedBytesForCurrentThread();
        var completed = RoundTrips(a, b, tx, rx, rounds: 50);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(50, completed);
        Assert.Equal(0, allocated);
        _gpm.FreeBulk(tx);
        _gpm.FreeBulk(rx);
    }

    /// <summary>Sends the tx burst and receives it whole, <paramref name="rounds"/> times; returns
    /// the rounds that completed. Allocation-free, so it can run inside the measurement.</summary>
    private int RoundTrips(AfPacketVnicPort a, AfPacketVnicPort b, uint[] tx, uint[] rx, int rounds)
    {
        var completed = 0;
        var limit = Stopwatch.GetTimestamp() + (long)(Patience.TotalSeconds * Stopwatch.Frequency);
        for (var round = 0; round < rounds; round++)
        {
            while (a.TxRoom < tx.Length && Stopwatch.GetTimestamp() < limit)
            {
                a.Flush();
            }
            if (a.TransmitBurst(_gpm, tx) != tx.Length)
            {
                return completed;
            }
            a.Flush();
            var received = 0;
            while (received < tx.Length && Stopwatch.GetTimestamp() < limit)
            {
                received += b.ReceiveBurst(_gpm, rx);
            }
            if (received < tx.Length)
            {
                return completed;
            }
            completed++;
        }
        return completed;
    }

    private VethLab StartLab()
    {
        Skip.If(VethLab.Unavailable is not null, VethLab.Unavailable);
        _lab = VethLab.Create();
        return _lab;
    }

    private (AfPacketVnicPort A, AfPacketVnicPort B) OpenPair(AfPacketMode mode, int ringSize = 512)
    {
        var lab = StartLab();
        var a = new AfPacketVnicPort(VethLab.EndA, ringSize, mode, routerName: "GigabitEthernet1", networkNamespace: lab.Namespace);
        _owned.Add(a);
        var b = new AfPacketVnicPort(VethLab.EndB, ringSize, mode, routerName: "GigabitEthernet2", networkNamespace: lab.Namespace);
        _owned.Add(b);
        Assert.NotEqual(a.Mac, b.Mac);
        Assert.Equal(1500, a.Mtu);
        return (a, b);
    }

    private uint[] WriteFrames(IReadOnlyList<byte[]> frames)
    {
        var buffers = new uint[frames.Count];
        Assert.Equal(frames.Count, _gpm.AllocateBulk(buffers, BufferOwner.Hqf));
        for (var i = 0; i < frames.Count; i++)
        {
            _gpm.ResetMeta(buffers[i], frames[i].Length, BufferOwner.Hqf);
            frames[i].CopyTo(_gpm.Frame(buffers[i]));
        }
        return buffers;
    }

    /// <summary>Transmits and flushes every frame, waiting (bounded) for TX room when the ring is full.</summary>
    private void Send(AfPacketVnicPort port, IReadOnlyList<byte[]> frames)
    {
        var buffers = WriteFrames(frames);
        var sent = 0;
        var clock = Stopwatch.StartNew();
        while (sent < buffers.Length)
        {
            Assert.True(clock.Elapsed < Patience, $"only {sent} of {buffers.Length} frames were taken for transmission");
            sent += port.TransmitBurst(_gpm, buffers.AsSpan(sent));
            port.Flush();
        }
        _gpm.FreeBulk(buffers);
    }

    /// <summary>Receives until <paramref name="count"/> test frames arrived or the wait ran out; other frames are ignored.</summary>
    private List<byte[]> ReceiveTestFrames(AfPacketVnicPort port, int count, TimeSpan? wait = null)
    {
        var frames = new List<byte[]>();
        var buffers = new uint[64];
        Assert.Equal(buffers.Length, _gpm.AllocateBulk(buffers, BufferOwner.Rx));
        var clock = Stopwatch.StartNew();
        while (frames.Count < count && clock.Elapsed < (wait ?? Patience))
        {
            var n = port.ReceiveBurst(_gpm, buffers);
            for (var i = 0; i < n; i++)
            {
                var frame = _gpm.Frame(buffers[i]);
                if (IsTestFrame(frame))
                {
                    frames.Add(frame.ToArray());
                }
            }
            if (n == 0)
            {
                Thread.Sleep(1);
            }
        }
        _gpm.FreeBulk(buffers);
        return frames;
    }

    private static string FormatMac(ulong mac) =>
        string.Join(':', Enumerable.Range(0, 6).Select(i => ((byte)(mac >> (8 * (5 - i)))).ToString("x2")));

    private static uint OnesComplementSum(ReadOnlySpan<byte> bytes, uint sum)
    {
        for (var i = 0; i + 1 < bytes.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(bytes[i..]);
        }
        if ((bytes.Length & 1) != 0)
        {
            sum += (uint)bytes[^1] << 8;
        }
        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return sum;
    }

    /// <summary>The first received frame that matches, or null when none came within the wait.</summary>
    private byte[]? ReceiveFrames(AfPacketVnicPort port, Func<byte[], bool> match)
    {
        var buffers = new uint[64];
        Assert.Equal(buffers.Length, _gpm.AllocateBulk(buffers, BufferOwner.Rx));
        try
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < Patience)
            {
                var n = port.ReceiveBurst(_gpm, buffers);
                for (var i = 0; i < n; i++)
                {
                    var frame = _gpm.Frame(buffers[i]).ToArray();
                    if (match(frame))
                    {
                        return frame;
                    }
                }
                if (n == 0)
                {
                    Thread.Sleep(1);
                }
            }
            return null;
        }
        finally
        {
            _gpm.FreeBulk(buffers);
        }
    }

    private static bool WaitUntil(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > Patience)
            {
                return false;
            }
            Thread.Sleep(1);
        }
        return true;
    }

    private static bool IsTestFrame(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < 14)
        {
            return false;
        }
        var type = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
        if (type == 0x8100 && frame.Length >= 18)
        {
            type = BinaryPrimitives.ReadUInt16BigEndian(frame[16..]);
        }
        return type == TestEtherType;
    }

    private static void WriteMac(Span<byte> destination, ulong mac)
    {
        for (var i = 0; i < 6; i++)
        {
            destination[i] = (byte)(mac >> (8 * (5 - i)));
        }
    }

    private static byte[] TestFrame(ulong destination, ulong source, int length, int sequence)
    {
        var frame = new byte[length];
        WriteMac(frame, destination);
        WriteMac(frame.AsSpan(6), source);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), TestEtherType);
        FillPayload(frame.AsSpan(14), sequence);
        return frame;
    }

    private static byte[] TaggedTestFrame(ulong destination, ulong source, int vlanId, int length, int sequence)
    {
        var frame = new byte[length];
        WriteMac(frame, destination);
        WriteMac(frame.AsSpan(6), source);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x8100);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14), (ushort)((5 << 13) | vlanId));
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(16), TestEtherType);
        FillPayload(frame.AsSpan(18), sequence);
        return frame;
    }

    private static void FillPayload(Span<byte> payload, int sequence)
    {
        BinaryPrimitives.WriteInt32BigEndian(payload, sequence);
        for (var i = 4; i < payload.Length; i++)
        {
            payload[i] = (byte)(sequence * 31 + i);
        }
    }
}
