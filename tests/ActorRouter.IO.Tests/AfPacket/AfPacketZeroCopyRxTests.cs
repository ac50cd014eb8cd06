using System.Buffers.Binary;
using System.Diagnostics;
using ActorRouter.DataPlane.Memory;
using ActorRouter.IO.AfPacket;
using ActorRouter.IO.Native;

namespace ActorRouter.IO.Tests.AfPacket;

/// <summary>
/// The shim's zero-copy RX pair (arn_port_rx_peek / arn_port_rx_release) against a real veth pair:
/// frames are lent where they lie in the RX ring and their slots stay out of the kernel's hands
/// until released. The receiving end is a bare shim port (the driver's port keeps copy-out);
/// the sending end is the driver's port. Skipped where namespaces cannot be made.
/// </summary>
public sealed unsafe class AfPacketZeroCopyRxTests : IDisposable
{
    private const ushort TestEtherType = 0x88B5;
    private const int RingFrames = 64;
    private const int FrameSize = 2048;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    private readonly PacketMemory _gpm = new(bufferCount: 256, bufferSize: 2048, headroom: 128);
    private VethLab? _lab;
    private AfPacketVnicPort? _sender;
    private nint _receiver;

    public void Dispose()
    {
        _sender?.Dispose();
        NativeShim.PortClose(_receiver);
        _lab?.Dispose();
        _gpm.Dispose();
    }

    [SkippableTheory]
    [InlineData(AfPacketMode.Latency)]
    [InlineData(AfPacketMode.Throughput)]
    public void Peeked_frames_are_byte_exact_and_released_slots_carry_more_frames_than_the_ring_holds(AfPacketMode mode)
    {
        Open(mode);
        var ringBytes = RingFrames * FrameSize;
        var pointers = stackalloc byte*[64];
        var lengths = stackalloc ushort[64];
        var sequence = 0;
        var bytesThrough = 0L;
        var framesThrough = 0;

        for (var round = 0; round < 10; round++)
        {
            // Mostly full-size frames so that the rounds together overflow the ring's bytes
            // (V3 packs frames into blocks) as well as its slots (V2), plus one tagged frame.
            var frames = Enumerable.Range(0, 40).Select(i => i == 7
                ? TaggedTestFrame(vlanId: 100 + round, length: 64, sequence: sequence++)
                : TestFrame(i % 3 == 0 ? 60 + i : 1514, sequence++)).ToList();
            Send(frames);

            var lent = PeekUntil(pointers, lengths, frames.Count);
            Assert.Equal(frames.Count, lent);
            // Lent frames block the copy-out path, which would otherwise skip them.
            Assert.Equal(-16, /* -EBUSY */ NativeShim.PortRxBurst(_receiver, null, null, 0, 0));

            // Release in two steps: the frames still lent must stay intact in their slots.
            Assert.Equal(15, NativeShim.PortRxRelease(_receiver, 15));
            for (var i = 0; i < frames.Count; i++)
            {
                if (i >= 15)
                {
                    Assert.Equal(frames[i], new ReadOnlySpan<byte>(pointers[i], lengths[i]).ToArray());
                }
                bytesThrough += frames[i].Length;
            }
            Assert.Equal(frames.Count - 15, NativeShim.PortRxRelease(_receiver, uint.MaxValue));
            Assert.Equal(0, NativeShim.PortRxRelease(_receiver, 1));
            framesThrough += lent;
        }

        Assert.True(framesThrough > RingFrames && bytesThrough > ringBytes,
            $"{framesThrough} frames, {bytesThrough} bytes went through a ring of {RingFrames} slots, {ringBytes} bytes");
        Assert.Equal(0, NativeShim.PortStats(_receiver, out var ringFull, out _));
        Assert.Equal(0UL, ringFull);
        // Nothing lent any more: copy-out works again.
        Assert.Equal(0, NativeShim.PortRxBurst(_receiver, null, null, 0, 0));
    }

    [SkippableTheory]
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    // No tiering or on-stack replacement of this method while it measures: an OSR compile allocates on this thread.
    [InlineData(AfPacketMode.Latency)]
    [InlineData(AfPacketMode.Throughput)]
    public void Peek_and_release_allocate_nothing_in_steady_state(AfPacketMode mode)
    {
        Open(mode);
        var tx = new uint[32];
        Assert.Equal(tx.Length, _gpm.AllocateBulk(tx, BufferOwner.Hqf));
        for (var i = 0; i < tx.Length; i++)
        {
            var frame = TestFrame(60 + i, i);
            _gpm.ResetMeta(tx[i], frame.Length, BufferOwner.Hqf);
            frame.CopyTo(_gpm.Frame(tx[i]));
        }

        Assert.Equal(5, RoundTrips(tx, rounds: 5)); // warm-up: binds the library, JITs the paths
        var before = GC.GetAllocatedBytesForCurrentThread();
        var completed = RoundTrips(tx, rounds: 50);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(50, completed);
        Assert.Equal(0, allocated);
        _gpm.FreeBulk(tx);
    }

    /// <summary>Sends the burst, peeks it whole and releases it, <paramref name="rounds"/> times;
    /// returns the rounds that completed. Allocation-free.</summary>
    private int RoundTrips(uint[] tx, int rounds)
    {
        var pointers = stackalloc byte*[64];
        var lengths = stackalloc ushort[64];
        var limit = Stopwatch.GetTimestamp() + (long)(Patience.TotalSeconds * Stopwatch.Frequency);
        for (var round = 0; round < rounds; round++)
        {
            while (_sender!.TxRoom < tx.Length && Stopwatch.GetTimestamp() < limit)
            {
                _sender.Flush();
            }
            if (_sender.TransmitBurst(_gpm, tx) != tx.Length)
            {
                return round;
            }
            _sender.Flush();
            var lent = 0;
            while (lent < tx.Length && Stopwatch.GetTimestamp() < limit)
            {
                lent += NativeShim.PortRxPeek(_receiver, pointers, lengths, 64);
            }
            if (lent < tx.Length || NativeShim.PortRxRelease(_receiver, (uint)lent) != lent)
            {
                return round;
            }
        }
        return rounds;
    }

    private int PeekUntil(byte** pointers, ushort* lengths, int count)
    {
        var lent = 0;
        var clock = Stopwatch.StartNew();
        while (lent < count && clock.Elapsed < Patience)
        {
            // Several short peeks: each continues after the frames already lent.
            var n = NativeShim.PortRxPeek(_receiver, pointers + lent, lengths + lent, (uint)Math.Min(count - lent, 16));
            Assert.True(n >= 0, $"peek failed: {n}");
            lent += n;
            if (n == 0)
            {
                Thread.Sleep(1);
            }
        }
        return lent;
    }

    private void Open(AfPacketMode mode)
    {
        Skip.If(VethLab.Unavailable is not null, VethLab.Unavailable);
        _lab = VethLab.Create();
        _sender = new AfPacketVnicPort(VethLab.EndA, 512, mode, networkNamespace: _lab.Namespace);
        var rc = 0;
        var ns = _lab.Namespace;
        // A socket belongs to the namespace of the thread that made it; this thread is thrown away.
        var opener = new Thread(() =>
        {
            rc = NativeShim.NetnsEnter(Path.Combine("/var/run/netns", ns));
            if (rc == 0)
            {
                rc = NativeShim.PortOpen(VethLab.EndB, RingFrames, RingFrames, FrameSize, (int)mode, out _receiver);
            }
        });
        opener.Start();
        opener.Join();
        Assert.Equal(0, rc);
    }

    private void Send(IReadOnlyList<byte[]> frames)
    {
        var buffers = new uint[frames.Count];
        Assert.Equal(frames.Count, _gpm.AllocateBulk(buffers, BufferOwner.Hqf));
        for (var i = 0; i < frames.Count; i++)
        {
            _gpm.ResetMeta(buffers[i], frames[i].Length, BufferOwner.Hqf);
            frames[i].CopyTo(_gpm.Frame(buffers[i]));
        }
        var sent = 0;
        var clock = Stopwatch.StartNew();
        while (sent < buffers.Length)
        {
            Assert.True(clock.Elapsed < Patience, $"only {sent} of {buffers.Length} frames were taken for transmission");
            sent += _sender!.TransmitBurst(_gpm, buffers.AsSpan(sent));
            _sender.Flush();
        }
        _gpm.FreeBulk(buffers);
    }

    private byte[] TestFrame(int length, int sequence)
    {
        var frame = new byte[length];
        WriteAddresses(frame);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), TestEtherType);
        FillPayload(frame.AsSpan(14), sequence);
        return frame;
    }

    private byte[] TaggedTestFrame(int vlanId, int length, int sequence)
    {
        var frame = new byte[length];
        WriteAddresses(frame);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x8100);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14), (ushort)((5 << 13) | vlanId));
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(16), TestEtherType);
        FillPayload(frame.AsSpan(18), sequence);
        return frame;
    }

    /// <summary>Destination: the receiving end's MAC; source: the sender's.</summary>
    private void WriteAddresses(Span<byte> frame)
    {
        var mac = stackalloc byte[6];
        Assert.Equal(0, NativeShim.PortMac(_receiver, mac));
        new ReadOnlySpan<byte>(mac, 6).CopyTo(frame);
        for (var i = 0; i < 6; i++)
        {
            frame[6 + i] = (byte)(_sender!.Mac >> (8 * (5 - i)));
        }
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
