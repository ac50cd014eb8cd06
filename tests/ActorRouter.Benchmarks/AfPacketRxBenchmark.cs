using System.Buffers.Binary;
using System.Diagnostics;
using ActorRouter.DataPlane.Memory;
using ActorRouter.IO.AfPacket;
using ActorRouter.IO.Native;

namespace ActorRouter.Benchmarks;

/// <summary>
/// Cost of taking frames off an AF_PACKET RX ring, per frame: (a) copy-out into GPM buffers, as
/// the data plane does (AfPacketVnicPort.ReceiveBurst), vs (b) zero-copy (arn_port_rx_peek, then
/// arn_port_rx_release). Either way the IPv4 destination of each frame is read next, as the
/// forwarding path would. Two sockets on the same end of a veth pair each get every frame, so
/// both ways drain identical rings. Each round a sender thread fills both rings with a fixed
/// number of frames and stops; only then does this thread drain them, timed, one way after the
/// other (the order alternates per round). Needs root; the namespace is always deleted.
/// </summary>
public sealed unsafe class AfPacketRxBenchmark : IBenchmarkCase
{
    /// <summary>The data plane's default burst-size.</summary>
    private const int Burst = 32;
    private const int FramesPerRound = 2048;
    private const int RingFrames = 4096;
    private const int WarmUpRounds = 5;
    private const int Rounds = 40;
    private const int IPv4DestinationOffset = 14 + 16;

    public string Name => "afpacket-rx";

    public string Description => "AF_PACKET RX ns/frame: copy-out into GPM vs zero-copy peek/release, 64 and 1514 B (root; arg 'latency' or 'throughput' picks the summary mode, default throughput)";

    public int Run(string[] args)
    {
        var summaryMode = args.Length > 0 && args[0] == "latency" ? AfPacketMode.Latency : AfPacketMode.Throughput;
        if (!Environment.IsPrivilegedProcess)
        {
            Console.Error.WriteLine("afpacket-rx: needs root (CAP_NET_RAW and CAP_SYS_ADMIN to make a network namespace); run it as root.");
            return 2;
        }
        VethNamespace? lab = null;
        try
        {
            lab = VethNamespace.Create("arnbrx");
            var netns = lab.Name;

            Console.WriteLine($"{FramesPerRound} frames per round pre-filled into both rings ({RingFrames} slots of 2048 B), drained in bursts of {Burst};");
            Console.WriteLine($"median (min..max) ns/frame over {Rounds} rounds after {WarmUpRounds} warm-up rounds");
            Console.WriteLine($"{"mode",-11} {"frame",6} {"copy-out",24} {"zero-copy",24} {"copy-out extra",15}");
            var summary = (CopyOut: 0.0, ZeroCopy: 0.0);
            foreach (var mode in new[] { AfPacketMode.Latency, AfPacketMode.Throughput })
            {
                foreach (var frameLength in new[] { 64, 1514 })
                {
                    var (copyOut, zeroCopy) = Measure(netns, mode, frameLength);
                    Console.WriteLine($"{mode,-11} {frameLength,4} B {Describe(copyOut),24} {Describe(zeroCopy),24} {Median(copyOut) - Median(zeroCopy),12:F1} ns");
                    if (mode == summaryMode && frameLength == 64)
                    {
                        summary = (Median(copyOut), Median(zeroCopy));
                    }
                }
            }
            Console.WriteLine($"afpacket-rx: {summary.CopyOut:F1} / {summary.ZeroCopy:F1} ns/frame (64 B)");
            return 0;
        }
        catch (Exception e) when (e is InvalidOperationException or VnicOpenException or System.ComponentModel.Win32Exception or TimeoutException)
        {
            Console.Error.WriteLine($"afpacket-rx: {e.Message}");
            return 2;
        }
        finally
        {
            lab?.Dispose();
        }
    }

    /// <summary>Per-round ns/frame for copy-out and for zero-copy, in one mode and frame size.</summary>
    private static (double[] CopyOut, double[] ZeroCopy) Measure(string netns, AfPacketMode mode, int frameLength)
    {
        using var gpm = new PacketMemory(bufferCount: 4096 + 256, bufferSize: 2048, headroom: 128);
        using var tx = new AfPacketVnicPort("arn-tx", ringSize: 1024, mode, networkNamespace: netns);
        using var copyPort = new AfPacketVnicPort("arn-rx", ringSize: RingFrames, mode, networkNamespace: netns);
        var zeroCopyPort = OpenBarePort(netns, "arn-rx", mode);
        try
        {
            var mac = stackalloc byte[6];
            NativeShim.PortMac(zeroCopyPort, mac);
            var rxMac = new ReadOnlySpan<byte>(mac, 6).ToArray();

            var txFrames = new uint[64];
            gpm.AllocateBulk(txFrames, BufferOwner.Hqf);
            for (var i = 0; i < txFrames.Length; i++)
            {
                gpm.ResetMeta(txFrames[i], frameLength, BufferOwner.Hqf);
                WriteIPv4Frame(gpm.Frame(txFrames[i]), rxMac, tx.Mac, i);
            }
            // As many distinct destination buffers as frames in a round: the Rx thread takes fresh
            // buffers from the pool, so copy-out writes to memory that is not hot in cache.
            var rxBuffers = new uint[FramesPerRound];
            if (gpm.AllocateBulk(rxBuffers, BufferOwner.Rx) != rxBuffers.Length)
            {
                throw new InvalidOperationException("GPM too small for one round");
            }

            using var fill = new SemaphoreSlim(0);
            using var filled = new SemaphoreSlim(0);
            var stop = false;
            var sender = new Thread(() =>
            {
                while (true)
                {
                    fill.Wait();
                    if (Volatile.Read(ref stop))
                    {
                        return;
                    }
                    var sent = 0;
                    while (sent < FramesPerRound)
                    {
                        sent += tx.TransmitBurst(gpm, txFrames.AsSpan(0, Math.Min(txFrames.Length, FramesPerRound - sent)));
                        tx.Flush();
                    }
                    filled.Release();
                }
            })
            { Name = "afpacket-rx-sender", IsBackground = true };
            sender.Start();

            var copyOut = new double[Rounds];
            var zeroCopy = new double[Rounds];
            ulong checksum = 0;
            var copyPackets = copyPort.KernelRxPackets;
            NativeShim.PortStats(zeroCopyPort, out _, out var barePackets);
            for (var round = 0; round < WarmUpRounds + Rounds; round++)
            {
                fill.Release();
                if (!filled.Wait(TimeSpan.FromSeconds(10)))
                {
                    throw new TimeoutException("the sender did not finish a round in 10 s");
                }
                copyPackets += FramesPerRound;
                barePackets += FramesPerRound;
                WaitForKernel(copyPort, copyPackets, zeroCopyPort, barePackets);

                double copyNs, zeroNs;
                if (round % 2 == 0)
                {
                    copyNs = DrainCopyOut(copyPort, gpm, rxBuffers, ref checksum);
                    zeroNs = DrainZeroCopy(zeroCopyPort, ref checksum);
                }
                else
                {
                    zeroNs = DrainZeroCopy(zeroCopyPort, ref checksum);
                    copyNs = DrainCopyOut(copyPort, gpm, rxBuffers, ref checksum);
                }
                if (round >= WarmUpRounds)
                {
                    copyOut[round - WarmUpRounds] = copyNs;
                    zeroCopy[round - WarmUpRounds] = zeroNs;
                }
            }
            Volatile.Write(ref stop, true);
            fill.Release();
            sender.Join();
            if (checksum == 0x5EED)
            {
                Console.WriteLine(); // keeps the destination reads observable
            }
            NativeShim.PortStats(zeroCopyPort, out var bareDrops, out _);
            var copyDrops = copyPort.Statistics.RxRingFull;
            if (bareDrops != 0 || copyDrops != 0)
            {
                Console.WriteLine($"  warning: ring full drops copy-out {copyDrops}, zero-copy {bareDrops}");
            }
            return (copyOut, zeroCopy);
        }
        finally
        {
            NativeShim.PortClose(zeroCopyPort);
        }
    }

    /// <summary>Waits until the kernel has put the round's frames in both rings, then (V3) for
    /// the last block to retire, so that the timed drain never waits for the kernel.</summary>
    private static void WaitForKernel(AfPacketVnicPort copyPort, ulong copyPackets, nint zeroCopyPort, ulong barePackets)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            NativeShim.PortStats(zeroCopyPort, out _, out var bare);
            if (copyPort.KernelRxPackets >= copyPackets && bare >= barePackets)
            {
                break;
            }
            if (clock.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new TimeoutException("the kernel did not deliver a round's frames in 10 s");
            }
            Thread.Yield();
        }
        Thread.Sleep(3); // V3 retires a partly filled block after 1 ms
    }

    private static double DrainCopyOut(AfPacketVnicPort port, PacketMemory gpm, uint[] buffers, ref ulong checksum)
    {
        var drained = 0;
        var start = Stopwatch.GetTimestamp();
        while (drained < buffers.Length)
        {
            var n = port.ReceiveBurst(gpm, buffers.AsSpan(drained, Math.Min(Burst, buffers.Length - drained)));
            if (n == 0)
            {
                break;
            }
            for (var i = 0; i < n; i++)
            {
                var frame = gpm.Frame(buffers[drained + i]);
                if (frame.Length >= IPv4DestinationOffset + 4)
                {
                    checksum += BinaryPrimitives.ReadUInt32BigEndian(frame[IPv4DestinationOffset..]);
                }
            }
            drained += n;
        }
        var elapsed = Stopwatch.GetElapsedTime(start);
        return PerFrame(elapsed, drained);
    }

    private static double DrainZeroCopy(nint port, ref ulong checksum)
    {
        var pointers = stackalloc byte*[Burst];
        var lengths = stackalloc ushort[Burst];
        var drained = 0;
        var start = Stopwatch.GetTimestamp();
        while (drained < FramesPerRound)
        {
            var n = NativeShim.PortRxPeek(port, pointers, lengths, (uint)Math.Min(Burst, FramesPerRound - drained));
            if (n <= 0)
            {
                break;
            }
            for (var i = 0; i < n; i++)
            {
                if (lengths[i] >= IPv4DestinationOffset + 4)
                {
                    checksum += BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(pointers[i] + IPv4DestinationOffset, 4));
                }
            }
            NativeShim.PortRxRelease(port, (uint)n);
            drained += n;
        }
        var elapsed = Stopwatch.GetElapsedTime(start);
        return PerFrame(elapsed, drained);
    }

    private static double PerFrame(TimeSpan elapsed, int frames)
    {
        if (frames < FramesPerRound)
        {
            throw new InvalidOperationException($"drained only {frames} of {FramesPerRound} frames (ring overrun?)");
        }
        return elapsed.TotalNanoseconds / frames;
    }

    /// <summary>A port made with the shim directly, for the zero-copy calls the driver's port
    /// does not offer; opened from a throw-away thread inside the namespace.</summary>
    private static nint OpenBarePort(string netns, string ifname, AfPacketMode mode)
    {
        var rc = 0;
        nint port = 0;
        var opener = new Thread(() =>
        {
            rc = NativeShim.NetnsEnter(Path.Combine("/var/run/netns", netns));
            if (rc == 0)
            {
                rc = NativeShim.PortOpen(ifname, RingFrames, 64, 2048, (int)mode, out port);
            }
        });
        opener.Start();
        opener.Join();
        if (rc != 0)
        {
            throw new InvalidOperationException($"cannot open {ifname} for zero-copy: {NativeShim.ErrnoText(-rc)}");
        }
        return port;
    }

    /// <summary>Ethernet + IPv4 (UDP protocol number, no checksum needed for the test), padded to the length.</summary>
    private static void WriteIPv4Frame(Span<byte> frame, byte[] destinationMac, ulong sourceMac, int sequence)
    {
        frame.Clear();
        destinationMac.CopyTo(frame);
        for (var i = 0; i < 6; i++)
        {
            frame[6 + i] = (byte)(sourceMac >> (8 * (5 - i)));
        }
        BinaryPrimitives.WriteUInt16BigEndian(frame[12..], 0x0800);
        var ip = frame[14..];
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(frame.Length - 14));
        ip[8] = 64;
        ip[9] = 17;
        BinaryPrimitives.WriteUInt32BigEndian(ip[12..], 0xC0000201); // 192.0.2.1
        BinaryPrimitives.WriteUInt32BigEndian(ip[16..], 0xC6336400u + (uint)sequence); // 198.51.100.x
    }

    private static double Median(double[] values)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        return sorted[sorted.Length / 2];
    }

    private static string Describe(double[] values) =>
        $"{Median(values),6:F1} ({values.Min(),5:F1}..{values.Max(),6:F1})";
}
