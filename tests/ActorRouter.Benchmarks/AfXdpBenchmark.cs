using System.Diagnostics;
using ActorRouter.DataPlane.Memory;
using ActorRouter.IO.AfPacket;
using ActorRouter.IO.AfXdp;
using ActorRouter.IO.Native;

namespace ActorRouter.Benchmarks;

/// <summary>
/// AF_XDP driver throughput over one veth pair in a fresh network namespace, GPM as the UMEM: one
/// thread posts 64-byte frames from GPM buffers to one end for 3 s (the port takes the buffers and
/// returns them on completion), another receives them on the other end by swapping buffers (the
/// kernel wrote the frames into GPM; nothing is copied), sleeping in poll() when idle. Then the
/// <c>afpacket</c> case runs in the same process, so the two figures come from one run. Needs root.
/// </summary>
public sealed class AfXdpBenchmark : IBenchmarkCase
{
    private const int FrameLength = 64;
    private const int Burst = 64;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(3);

    public string Name => "afxdp";

    public string Description => "AF_XDP (GPM as UMEM) veth frames/s received and CPU per frame, 64-byte frames for 3 s, then afpacket for comparison (root; arg 'alone' skips afpacket)";

    public int Run(string[] args)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Console.Error.WriteLine("afxdp: needs root (CAP_NET_RAW, CAP_NET_ADMIN, CAP_BPF and CAP_SYS_ADMIN to make a network namespace); run it as root.");
            return 2;
        }
        if (NativeShim.XskSupported() == 0)
        {
            Console.Error.WriteLine("afxdp: the native shim was built without libxdp/libbpf (install libxdp-dev libbpf-dev pkg-config, then dotnet build)");
            return 2;
        }
        double xdpMpps;
        VethNamespace? lab = null;
        try
        {
            lab = VethNamespace.Create("arnx");
            xdpMpps = Measure(lab.Name);
        }
        catch (Exception e) when (e is InvalidOperationException or VnicOpenException or IOException or System.ComponentModel.Win32Exception)
        {
            Console.Error.WriteLine($"afxdp: {e.Message}");
            return 2;
        }
        finally
        {
            lab?.Dispose();
        }
        if (!(args.Length > 0 && args[0] == "alone"))
        {
            Console.WriteLine("-- afpacket (throughput mode), same run --");
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            new AfPacketBenchmark().Run([]);
            var used = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            Console.WriteLine($"afpacket process CPU {used / clock.Elapsed.TotalSeconds:F2} cores over the case");
        }
        Console.WriteLine($"afxdp: {xdpMpps:F2} Mpps");
        return 0;
    }

    private static unsafe double Measure(string netns)
    {
        using var gpm = new PacketMemory(bufferCount: 16384, bufferSize: 2048, headroom: 128);
        using var tx = new AfXdpVnicPort(VethNamespace.EndA, gpm, ringSize: 2048, networkNamespace: netns);
        using var rx = new AfXdpVnicPort(VethNamespace.EndB, gpm, ringSize: 4096, networkNamespace: netns);
        Console.WriteLine($"af-xdp: {(rx.ZeroCopy ? "zero-copy" : "copy")} mode, {(rx.NativeMode ? "native" : "generic")} XDP, {rx.QueueCount} RX queue(s), rings {rx.RingSize}");
        var template = new byte[FrameLength];
        WriteMac(template, rx.Mac);
        WriteMac(template.AsSpan(6), tx.Mac);
        template[12] = 0x88;
        template[13] = 0xB5;

        long sent = 0;
        var stop = 0;
        var sender = new Thread(() =>
        {
            var frames = new uint[Burst];
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < Duration)
            {
                var room = Math.Min(tx.TxRoom, Burst);
                var n = room == 0 ? 0 : gpm.AllocateBulk(frames.AsSpan(0, room), BufferOwner.Hqf);
                if (n == 0)
                {
                    tx.Flush();
                    continue;
                }
                for (var i = 0; i < n; i++)
                {
                    gpm.ResetMeta(frames[i], FrameLength, BufferOwner.Hqf);
                    template.CopyTo(gpm.Frame(frames[i]));
                }
                var taken = tx.TransmitBurst(gpm, frames.AsSpan(0, n));
                if (taken < n)
                {
                    gpm.FreeBulk(frames.AsSpan(taken, n - taken));
                }
                tx.Flush();
                sent += taken;
            }
            Volatile.Write(ref stop, 1);
        })
        { Name = "afxdp-sender", IsBackground = true };

        var received = 0L;
        var sleeps = 0L;
        var buffers = new uint[256];
        gpm.AllocateBulk(buffers, BufferOwner.Rx);
        var fd = rx.PollFd;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var elapsed = Stopwatch.StartNew();
        sender.Start();
        while (Volatile.Read(ref stop) == 0)
        {
            // Received buffers become the next call's free ones: frames are only counted here.
            var n = rx.ReceiveExchange(gpm, buffers);
            received += n;
            if (n == 0 && !rx.HasReceived)
            {
                NativeShim.Poll(&fd, 1, 100, out _);
                sleeps++;
            }
        }
        sender.Join();
        var drain = Stopwatch.StartNew();
        while (drain.ElapsedMilliseconds < 100)
        {
            received += rx.ReceiveExchange(gpm, buffers);
        }
        var seconds = elapsed.Elapsed.TotalSeconds - drain.Elapsed.TotalSeconds;
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        var stats = rx.Statistics;
        var lost = sent - received;
        Console.WriteLine($"sent {sent:N0} ({sent / seconds / 1e6:F2} Mpps), received {received:N0} ({received / seconds / 1e6:F2} Mpps), " +
                          $"lost {lost:N0} ({(sent == 0 ? 0 : 100.0 * lost / sent):F2} %; kernel input drops {stats.InputDrops:N0}), poll() sleeps {sleeps:N0}");
        var k = rx.KernelCounters;
        Console.WriteLine($"receiver's kernel counters: rx_dropped {k[0]:N0}, rx_ring_full {k[3]:N0}, fill_ring_empty {k[4]:N0}, rx_invalid {k[1]:N0}");
        Console.WriteLine($"process CPU {cpu / elapsed.Elapsed.TotalSeconds:F2} cores ({(received == 0 ? 0 : cpu * 1e9 / received):F0} ns per received frame, sender's kernel work included)");
        gpm.FreeBulk(buffers);
        return received / seconds / 1e6;
    }

    private static void WriteMac(Span<byte> destination, ulong mac)
    {
        for (var i = 0; i < 6; i++)
        {
            destination[i] = (byte)(mac >> (8 * (5 - i)));
        }
    }
}
