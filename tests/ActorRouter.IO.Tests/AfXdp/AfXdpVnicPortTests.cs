using System.Buffers.Binary;
using System.Diagnostics;
using ActorRouter.DataPlane.Memory;
using ActorRouter.IO.AfPacket;
using ActorRouter.IO.AfXdp;
using ActorRouter.IO.Native;
using ActorRouter.IO.Tests.AfPacket;

namespace ActorRouter.IO.Tests.AfXdp;

/// <summary>
/// The AF_XDP driver against a real veth pair in a namespace the test makes, with GPM as the
/// UMEM: frames go straight from GPM buffers to the wire and arrive in GPM buffers. Test frames
/// carry the IEEE local experimental EtherType so anything else on the wire is ignored.
/// Skipped, with the reason shown, where namespaces or AF_XDP are not available.
/// </summary>
public sealed class AfXdpVnicPortTests : IDisposable
{
    private const ushort TestEtherType = 0x88B5;
    private const int RingSize = 256;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    private readonly PacketMemory _gpm = new(bufferCount: 4096, bufferSize: 2048, headroom: 128);
    private readonly List<AfXdpVnicPort> _ports = [];
    private VethLab? _lab;

    public void Dispose()
    {
        for (var i = _ports.Count - 1; i >= 0; i--)
        {
            _ports[i].Dispose();
        }
        _lab?.Dispose();
        _gpm.Dispose();
    }

    [SkippableFact]
    public void Frames_go_both_ways_byte_exact_and_in_order_through_gpm_buffers()
    {
        var (a, b) = OpenPair();
        Assert.False(a.ZeroCopy); // veth has no AF_XDP zero-copy: copy mode
        Assert.Equal(1, a.QueueCount);

        var singles = new List<byte[]>
        {
            TestFrame(b.Mac, a.Mac, 60, 1),
            TestFrame(b.Mac, a.Mac, 1514, 2),
            TestFrame(b.Mac, a.Mac, 333, 3),
        };
        Send(a, singles);
        Assert.Equal(singles, ReceiveTestFrames(b, singles.Count));

        var burst = Enumerable.Range(0, 200).Select(i => TestFrame(b.Mac, a.Mac, i % 2 == 0 ? 60 : 1514, 100 + i)).ToList();
        Send(a, burst);
        var got = ReceiveTestFrames(b, burst.Count);
        Assert.True(got.Count == burst.Count, $"{got.Count} of {burst.Count}: b {string.Join(',', b.KernelCounters)} a {string.Join(',', a.KernelCounters)}; {VethLab.Ip($"-n {_lab!.Namespace} -s link show {VethLab.EndB}")}");
        Assert.Equal(burst, got);

        var replies = Enumerable.Range(0, 40).Select(i => TestFrame(a.Mac, b.Mac, 64 + i, 1000 + i)).ToList();
        Send(b, replies);
        Assert.Equal(replies, ReceiveTestFrames(a, replies.Count));
    }

    [SkippableFact]
    public void Received_frames_land_in_gpm_buffers_the_driver_lent_to_the_kernel()
    {
        var (a, b) = OpenPair();
        var lentToKernel = b.HeldBuffers;
        Assert.Equal(RingSize, lentToKernel);

        Send(a, [TestFrame(b.Mac, a.Mac, 60, 7)]);
        var free = new uint[4];
        Assert.Equal(free.Length, _gpm.AllocateBulk(free, BufferOwner.Rx));
        var given = (uint[])free.Clone();
        var n = 0;
        Assert.True(WaitUntil(() => (n = b.ReceiveExchange(_gpm, free)) > 0), "no frame arrived");
        Assert.Equal(1, n);
        // The frame came in a buffer the driver held, not in the one given; that one went to the fill ring.
        Assert.DoesNotContain(free[0], given);
        Assert.Equal(given[1..], free[1..]);
        ref var meta = ref _gpm.Meta(free[0]);
        Assert.Equal(BufferOwner.Rx, meta.Owner);
        Assert.Equal(256, meta.Offset); // XDP_PACKET_HEADROOM: the kernel writes after it
        Assert.Equal(TestFrame(b.Mac, a.Mac, 60, 7), _gpm.Frame(free[0]).ToArray());
        Assert.Equal(BufferOwner.Driver, _gpm.Meta(given[0]).Owner);
        Assert.Equal(lentToKernel, b.HeldBuffers);
        _gpm.FreeBulk(free);
    }

    [SkippableFact]
    public void Gpm_accounting_is_whole_after_traffic_and_everything_returns_at_close()
    {
        var (a, b) = OpenPair();
        for (var round = 0; round < 10; round++)
        {
            var frames = Enumerable.Range(0, 50).Select(i => TestFrame(b.Mac, a.Mac, 60 + (round * 50 + i) * 3 % 1450, round * 50 + i)).ToList();
            Send(a, frames);
            var got = ReceiveTestFrames(b, frames.Count);
            Assert.True(frames.Count == got.Count, $"round {round}: {got.Count} of {frames.Count}; b {string.Join(',', b.KernelCounters)} a {string.Join(',', a.KernelCounters)} lens {string.Join(',', got.Select(f => f.Length))}");
            Assert.Equal(frames, got);
        }
        Assert.True(WaitUntil(() => a.TxRoom == a.RingSize), "transmissions were not all completed");

        var accounting = _gpm.ReadAccounting();
        Assert.Equal(_gpm.BufferCount, accounting.Held(BufferOwner.Free) + accounting.Held(BufferOwner.Driver));
        Assert.Equal(a.HeldBuffers + b.HeldBuffers, accounting.Held(BufferOwner.Driver));
        Assert.Equal(2 * RingSize, accounting.Held(BufferOwner.Driver)); // the two fill rings, nothing else
        Assert.Equal(_gpm.BufferCount - 2 * RingSize, accounting.InPool);

        a.Dispose();
        b.Dispose();
        Assert.True(_gpm.ReadAccounting().AllFree, _gpm.ReadAccounting().ToString());
    }

    [SkippableFact]
    public void The_xdp_program_is_attached_while_open_and_detached_after_close()
    {
        var (a, b) = OpenPair();
        Assert.True(ProgramAttached(VethLab.EndA), IpLink(VethLab.EndA));
        Assert.True(ProgramAttached(VethLab.EndB));
        a.Dispose();
        Assert.False(ProgramAttached(VethLab.EndA), IpLink(VethLab.EndA));
        Assert.True(ProgramAttached(VethLab.EndB));
        b.Dispose();
        Assert.False(ProgramAttached(VethLab.EndB), IpLink(VethLab.EndB));
    }

    [SkippableFact]
    public void A_program_left_behind_is_replaced_and_the_port_works()
    {
        SkipUnlessAvailable();
        var loader = new[] { "/usr/sbin/xdp-loader", "/usr/bin/xdp-loader", "/sbin/xdp-loader" }.FirstOrDefault(File.Exists);
        var program = new[] { "/usr/lib/x86_64-linux-gnu/bpf/xsk_def_xdp_prog.o", "/usr/lib/aarch64-linux-gnu/bpf/xsk_def_xdp_prog.o", "/usr/lib/bpf/xsk_def_xdp_prog.o" }.FirstOrDefault(File.Exists);
        Skip.If(loader is null || program is null, "needs xdp-loader and libxdp's xsk_def_xdp_prog.o (Debian: xdp-tools, libxdp1)");
        _lab = VethLab.Create();
        // What a router killed with its sockets open leaves: the xsk program attached, nothing behind it.
        VethLab.Ip($"netns exec {_lab.Namespace} {loader} load {VethLab.EndA} {program}");
        Assert.True(ProgramAttached(VethLab.EndA), IpLink(VethLab.EndA));

        var a = Open(VethLab.EndA);
        var b = Open(VethLab.EndB);
        Send(b, [TestFrame(a.Mac, b.Mac, 60, 5)]);
        Assert.Equal([TestFrame(a.Mac, b.Mac, 60, 5)], ReceiveTestFrames(a, 1));
        Send(a, [TestFrame(b.Mac, a.Mac, 60, 6)]);
        Assert.Equal([TestFrame(b.Mac, a.Mac, 60, 6)], ReceiveTestFrames(b, 1));
        a.Dispose();
        Assert.False(ProgramAttached(VethLab.EndA), IpLink(VethLab.EndA));
    }

    [SkippableFact]
    public void Kernel_ring_counters_show_as_input_drops_when_the_fill_ring_is_starved()
    {
        var (a, b) = OpenPair();
        // Nobody receives on b: its fill ring (RingSize buffers) fills the RX ring, then the kernel drops.
        var frames = Enumerable.Range(0, 2 * RingSize + 50).Select(i => TestFrame(b.Mac, a.Mac, 60, i)).ToList();
        Send(a, frames);
        Assert.True(WaitUntil(() => b.Statistics.InputDrops >= frames.Count - RingSize),
            $"input drops {b.Statistics.InputDrops}, kernel counters {string.Join(',', b.KernelCounters)}");
        var received = ReceiveTestFrames(b, RingSize);
        Assert.Equal(frames.Take(RingSize), received);
        Assert.Equal(frames.Count - RingSize, b.Statistics.InputDrops);
    }

    [SkippableFact]
    public void Opening_a_missing_interface_fails_with_the_step_and_the_reason()
    {
        SkipUnlessAvailable();
        _lab = VethLab.Create();
        var e = Assert.Throws<VnicOpenException>(() => new AfXdpVnicPort("arn-none", _gpm, RingSize, routerName: "GigabitEthernet9", networkNamespace: _lab.Namespace));
        Assert.Equal($"cannot open GigabitEthernet9 (arn-none) with af-xdp: looking up the interface failed: No such device — no interface named arn-none in network namespace {_lab.Namespace}", e.Message);
        Assert.True(_gpm.ReadAccounting().AllFree);
    }

    [Fact]
    public void Gpm_buffers_that_cannot_be_chunks_are_refused_with_the_key_to_change()
    {
        using var small = new PacketMemory(bufferCount: 256, bufferSize: 1024, headroom: 64);
        if (NativeShim.XskSupported() == 0)
        {
            return; // the build-time message is tested by the open below in that case
        }
        var e = Assert.Throws<VnicOpenException>(() => new AfXdpVnicPort("arn-none", small));
        Assert.Equal("cannot open arn-none with af-xdp: GPM buffers of 1024 bytes cannot be AF_XDP chunks (data-plane.gpm.buffer-size must be 2048 or 4096)", e.Message);
    }

    private static void SkipUnlessAvailable()
    {
        Skip.If(VethLab.Unavailable is not null, VethLab.Unavailable);
        Skip.If(NativeShim.XskSupported() == 0, "the native shim was built without libxdp/libbpf (install libxdp-dev libbpf-dev pkg-config)");
    }

    private (AfXdpVnicPort A, AfXdpVnicPort B) OpenPair()
    {
        SkipUnlessAvailable();
        _lab = VethLab.Create();
        return (Open(VethLab.EndA), Open(VethLab.EndB));
    }

    private AfXdpVnicPort Open(string end)
    {
        var port = new AfXdpVnicPort(end, _gpm, RingSize, networkNamespace: _lab!.Namespace);
        _ports.Add(port);
        return port;
    }

    private bool ProgramAttached(string end) => IpLink(end).Contains("prog/xdp", StringComparison.Ordinal);

    private string IpLink(string end) => VethLab.Ip($"-n {_lab!.Namespace} link show {end}");

    /// <summary>Transmits frames from GPM buffers the port takes over, in bursts as the room allows.</summary>
    private void Send(AfXdpVnicPort port, IReadOnlyList<byte[]> frames)
    {
        var sent = 0;
        var clock = Stopwatch.StartNew();
        while (sent < frames.Count)
        {
            Assert.True(clock.Elapsed < Patience, $"only {sent} of {frames.Count} frames could be sent");
            var room = Math.Min(port.TxRoom, frames.Count - sent);
            if (room == 0)
            {
                Thread.Sleep(1);
                continue;
            }
            var buffers = new uint[room];
            Assert.Equal(room, _gpm.AllocateBulk(buffers, BufferOwner.Hqf));
            for (var i = 0; i < room; i++)
            {
                var frame = frames[sent + i];
                _gpm.ResetMeta(buffers[i], frame.Length, BufferOwner.Hqf);
                frame.CopyTo(_gpm.Frame(buffers[i]));
            }
            Assert.Equal(room, port.TransmitBurst(_gpm, buffers));
            port.Flush();
            sent += room;
        }
        port.Flush();
    }

    /// <summary>Receives until <paramref name="count"/> test frames came or the wait ran out.</summary>
    private List<byte[]> ReceiveTestFrames(AfXdpVnicPort port, int count)
    {
        var frames = new List<byte[]>();
        var buffers = new uint[64];
        var clock = Stopwatch.StartNew();
        while (frames.Count < count && clock.Elapsed < Patience)
        {
            var free = _gpm.AllocateBulk(buffers, BufferOwner.Rx);
            var n = port.ReceiveExchange(_gpm, buffers.AsSpan(0, free));
            for (var i = 0; i < n; i++)
            {
                var frame = _gpm.Frame(buffers[i]);
                if (IsTestFrame(frame))
                {
                    frames.Add(frame.ToArray());
                }
            }
            _gpm.FreeBulk(buffers.AsSpan(0, free));
            if (n == 0)
            {
                Thread.Sleep(1);
            }
        }
        return frames;
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

    private static bool IsTestFrame(ReadOnlySpan<byte> frame) =>
        frame.Length >= 14 && BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) == TestEtherType;

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
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(14), sequence);
        for (var i = 18; i < frame.Length; i++)
        {
            frame[i] = (byte)(sequence * 31 + i);
        }
        return frame;
    }
}
