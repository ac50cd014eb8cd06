using System.Diagnostics;
using ActorRouter.DataPlane.Memory;
using ActorRouter.IO.AfPacket;

namespace ActorRouter.Benchmarks;

/// <summary>
/// AF_PACKET driver throughput over one veth pair in a fresh network namespace: one thread blasts
/// 64-byte frames into one end for 3 s, another receives them on the other end (sleeping in poll()
/// when idle, as the Rx thread will). Needs root; the namespace is always deleted.
/// </summary>
public sealed class AfPacketBenchmark : IBenchmarkCase
{
    private const int FrameLength = 64;
    private const int Burst = 64;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(3);

    public string Name => "afpacket";

    public string Description => "AF_PACKET veth frames/s received, 64-byte frames for 3 s (root; arg 'latency' or 'throughput' ring mode, default throughput)";

    public int Run(string[] args)
    {
        var mode = args.Length > 0 && args[0] == "latency" ? AfPacketMode.Latency : AfPacketMode.Throughput;
        if (!Environment.IsPrivilegedProcess)
        {
            Console.Error.WriteLine("afpacket: needs root (CAP_NET_RAW and CAP_SYS_ADMIN to make a network namespace); run it as root.");
            return 2;
        }
        VethNamespace? lab = null;
        try
        {
            lab = VethNamespace.Create("arnb");
            var netns = lab.Name;
            return Measure(netns, mode);
        }
        catch (Exception e) when (e is InvalidOperationException or VnicOpenException or System.ComponentModel.Win32Exception)
        {
            Console.Error.WriteLine($"afpacket: {e.Message}");
            return 2;
        }
        finally
        {
            lab?.Dispose();
        }
    }

    private static int Measure(string netns, AfPacketMode mode)
    {
        using var gpm = new PacketMemory(bufferCount: 4096, bufferSize: 2048, headroom: 128);
        using var tx = new AfPacketVnicPort("arn-tx", ringSize: 1024, mode, networkNamespace: netns);
        using var rx = new AfPacketVnicPort("arn-rx", ringSize: 4096, mode, networkNamespace: netns);
        using var poller = new AfPacketPoller([rx]);

        var frames = new uint[Burst];
        gpm.AllocateBulk(frames, BufferOwner.Hqf);
        foreach (var buffer in frames)
        {
            gpm.ResetMeta(buffer, FrameLength, BufferOwner.Hqf);
            var frame = gpm.Frame(buffer);
            frame.Clear();
            WriteMac(frame, rx.Mac);
            WriteMac(frame[6..], tx.Mac);
            frame[12] = 0x88;
            frame[13] = 0xB5;
        }

        long sent = 0;
        var stop = 0;
        var sender = new Thread(() =>
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < Duration)
            {
                sent += tx.TransmitBurst(gpm, frames);
                tx.Flush();
            }
            Volatile.Write(ref stop, 1);
            poller.Wake();
        })
        { Name = "afpacket-sender", IsBackground = true };

        var received = 0L;
        var wakeUps = 0L;
        var rxBuffers = new uint[256];
        gpm.AllocateBulk(rxBuffers, BufferOwner.Rx);
        var elapsed = Stopwatch.StartNew();
        sender.Start();
        while (Volatile.Read(ref stop) == 0)
        {
            var n = rx.ReceiveBurst(gpm, rxBuffers);
            received += n;
            if (n == 0 && !rx.HasReceived)
            {
                poller.Wait(100);
                wakeUps++;
            }
        }
        sender.Join();
        // Frames still in flight when the sender stops count as received if they arrive within 100 ms.
        var drain = Stopwatch.StartNew();
        while (drain.ElapsedMilliseconds < 100)
        {
            received += rx.ReceiveBurst(gpm, rxBuffers);
        }
        var seconds = elapsed.Elapsed.TotalSeconds - drain.Elapsed.TotalSeconds;
        var stats = rx.Statistics;

        var lost = sent - received;
        Console.WriteLine($"mode {mode}: rings tx {tx.TxRingSize} rx {rx.RingSize} slots, {FrameLength}-byte frames, bursts of {Burst}, {seconds:F2} s");
        Console.WriteLine($"sent {sent:N0} ({sent / seconds / 1e6:F2} Mpps), received {received:N0} ({received / seconds / 1e6:F2} Mpps), " +
                          $"lost {lost:N0} ({(sent == 0 ? 0 : 100.0 * lost / sent):F2} %; RX ring full {stats.RxRingFull:N0}), poll() sleeps {wakeUps:N0}");
        Console.WriteLine($"afpacket: {received / seconds / 1e6:F2} Mpps");
        return 0;
    }

    private static void WriteMac(Span<byte> destination, ulong mac)
    {
        for (var i = 0; i < 6; i++)
        {
            destination[i] = (byte)(mac >> (8 * (5 - i)));
        }
    }
}
