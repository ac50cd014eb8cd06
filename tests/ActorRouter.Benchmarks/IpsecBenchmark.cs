using System.Diagnostics;
using System.Globalization;
using ActorRouter.DataPlane;
using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Forwarding;
using ActorRouter.DataPlane.Graph;
using ActorRouter.DataPlane.Graph.Nodes;
using ActorRouter.DataPlane.Ipsec;
using ActorRouter.DataPlane.Memory;
using ActorRouter.DataPlane.Rings;
using ActorRouter.IO.Crypto;
using ActorRouter.IO.Memory;
using ActorRouter.Packets;

namespace ActorRouter.Benchmarks;

/// <summary>
/// ESP with AES-GCM-128 on one core, through the PPE graph: encrypt (ethernet-input → ip4-input → ip4-lookup →
/// esp4-encrypt → recycle exit) and decrypt (… → ip4-lookup → esp4-decrypt with its anti-replay window → recycle
/// exit), for 64-byte and 1400-byte IP packets, beside the same machine's OpenSSL AES-128-GCM (<c>openssl speed
/// -evp aes-128-gcm</c>, run in the same benchmark run) as the crypto ceiling. Only the graph's burst calls are
/// timed (frames are restored into their buffers outside the clock), and by the thread's CPU time, as openssl speed
/// times itself: on a loaded machine a wall clock also counts the time the thread waited for a core.
/// </summary>
public sealed class IpsecBenchmark : IBenchmarkCase
{
    private const int Burst = 32;
    private static readonly MacAddress RouterMac1 = MacAddress.Parse("02:00:00:00:00:01"), RouterMac2 = MacAddress.Parse("02:00:00:00:00:02");
    private static readonly MacAddress HostMac1 = MacAddress.Parse("02:00:00:00:0a:01"), HostMac2 = MacAddress.Parse("02:00:00:00:0a:02");
    private static readonly uint Host1 = Ipv4Address.Parse("192.0.2.10"), Router2 = Ipv4Address.Parse("198.51.100.1"), Peer = Ipv4Address.Parse("198.51.100.10");
    private static readonly byte[] Key = Convert.FromHexString("feffe9928665731c6d6a8f9467308308");

    public string Name => "ipsec";

    public string Description => "ESP AES-GCM-128 encrypt and decrypt through the PPE graph on one core, 64 B (Mpps) and 1400 B (Gbit/s), beside openssl speed -evp aes-128-gcm; args: [repetitions] [native|managed] (AES-GCM engine; default native when the shim has OpenSSL)";

    public int Run(string[] args)
    {
        var repetitions = args.Length > 0 && int.TryParse(args[0], out var r) ? r : 5;
        var engine = args.Length > 1 && args[1] == "managed" ? ManagedAesGcmEngine.Instance : NativeAesGcmEngine.BestAvailable;
        Console.WriteLine($"AES-GCM engine: {engine.Name}{(NativeAesGcmEngine.WhyNotNative is { } why ? $" (native unavailable: {why})" : "")}");
        var ok = true;
        var results = new List<string>();
        foreach (var size in new[] { 64, 1400 })
        {
            var (encrypt, decrypt, allocated) = Measure(size, repetitions, engine);
            var (opensslBytesPerSecond, opensslOps) = OpenSsl(size);
            var raw = RawAesGcm(size, engine);
            var (_, opensslAeadOps) = OpenSsl(size, aead: true);
            Console.WriteLine($"{size} B: {engine.Name} alone (in place, 8-byte AAD, no graph) {raw / 1e6:F2} M ops/s; openssl speed -aead -evp aes-128-gcm {opensslAeadOps / 1e6:F2} M ops/s");
            var encryptBits = encrypt * size * 8 / 1e9;
            var decryptBits = decrypt * size * 8 / 1e9;
            var ceilingBits = opensslBytesPerSecond * 8 / 1e9;
            Console.WriteLine($"{size} B: encrypt {encrypt / 1e6:F2} Mpps ({encryptBits:F2} Gbit/s), decrypt {decrypt / 1e6:F2} Mpps ({decryptBits:F2} Gbit/s); " +
                              $"openssl aes-128-gcm {opensslOps / 1e6:F2} M ops/s ({ceilingBits:F2} Gbit/s): encrypt at {encryptBits / ceilingBits:F2}x, decrypt at {decryptBits / ceilingBits:F2}x of it; " +
                              $"{allocated} bytes allocated on the measuring thread");
            ok &= allocated == 0;
            results.Add(size == 64
                ? $"{engine.Name}: 64 B {encrypt / 1e6:F2}/{decrypt / 1e6:F2} Mpps enc/dec (openssl {opensslOps / 1e6:F2} M ops/s)"
                : $"1400 B {encryptBits:F2}/{decryptBits:F2} Gbit/s enc/dec (openssl {ceilingBits:F2} Gbit/s, {encryptBits / ceilingBits:F2}x/{decryptBits / ceilingBits:F2}x)");
        }
        Console.WriteLine($"ipsec: {string.Join("; ", results)}");
        return ok ? 0 : 1;
    }

    /// <summary>Best packets per second over the repetitions, encrypting and decrypting IP packets of <paramref name="size"/> bytes.</summary>
    private static (double Encrypt, double Decrypt, long Allocated) Measure(int size, int repetitions, IAesGcmEngine engine)
    {
        using var dataPlane = new QfpDataPlane(new DataPlaneOptions { BufferCount = 8192, PpeThreads = 1, Layout = DataPlaneLayout.Split, AesGcm = engine });
        using var wire1 = new MemoryWire("bench0", RouterMac1.Value, "host0", HostMac1.Value);
        using var wire2 = new MemoryWire("bench1", RouterMac2.Value, "host1", HostMac2.Value);
        var gi1 = dataPlane.CreateUidb("GigabitEthernet1", "bench0", 1500, RouterMac1.Value);
        dataPlane.RegisterPort(gi1.Index, wire1.A);
        dataPlane.SetIpv4Address(gi1.Index, Ipv4Address.Parse("192.0.2.1"), 24);
        dataPlane.SetAdminState(gi1.Index, true);
        var gi2 = dataPlane.CreateUidb("GigabitEthernet2", "bench1", 1500, RouterMac2.Value);
        dataPlane.RegisterPort(gi2.Index, wire2.A);
        dataPlane.SetIpv4Address(gi2.Index, Router2, 24);
        dataPlane.SetAdminState(gi2.Index, true);
        var tunnel = dataPlane.CreateTunnelUidb("Tunnel1", 1500);
        dataPlane.SetIpv4Address(tunnel.Index, Ipv4Address.Parse("203.0.113.253"), 30);
        dataPlane.SetAdminState(tunnel.Index, true);
        dataPlane.PublishRoutes([new StaticRoute(Ipv4Address.Parse("203.0.113.0"), 25, Ipv4Address.Parse("203.0.113.254"))],
            [new Neighbor(gi1.Index, Host1, HostMac1.Value), new Neighbor(gi2.Index, Peer, HostMac2.Value)]);

        var cache = new GpmCache(dataPlane.Gpm, 256);
        var counters = new ThreadCounters("bench", 64);
        using var puntRing = new SpscRing(64);
        var graph = PpeGraph.CreateIpv4(dataPlane.Gpm, cache, counters, puntRing, null, Burst, PuntPolicy.Uniform(0, 1, 64), 0, 1, dataPlane.Ipsec, 0);
        var gpm = dataPlane.Gpm;
        var input = new uint[Burst];
        var output = new uint[Burst * graph.MaxOutputPerPacket];
        if (cache.AllocateBurst(input) != Burst)
        {
            throw new InvalidOperationException("no buffers");
        }

        var plain = PacketBuilder.Udp(HostMac1, RouterMac1, Host1, Ipv4Address.Parse("203.0.113.5"), 1000, 2000, new byte[size - 28]);
        // Packets per repetition: enough for a steady figure, few enough that the decrypt side's distinct ESP frames fit in memory.
        var perRepetition = size == 64 ? 262_144 : 32_768;
        var espFrames = new byte[perRepetition][];
        var bestEncrypt = 0.0;
        var bestDecrypt = 0.0;
        long allocated = 0;
        for (var rep = 0; rep < repetitions + 1; rep++)
        {
            // A fresh pair of SAs each repetition: the decrypt side needs a fresh anti-replay window for its frames.
            var outbound = new SecurityAssociation(0x1000, SaDirection.Outbound, Key, 0xcafebabe, 1, ivBase: (ulong)rep << 40, engine: engine);
            var inbound = new SecurityAssociation(0x1000, SaDirection.Inbound, Key, 0xcafebabe, 1, engine: engine);
            dataPlane.Ipsec.Publish(new IpsecTables([new IpsecTunnel(tunnel.Index, "Tunnel1", Router2, Peer, outbound, inbound)], 64));

            var (encryptSeconds, encrypted, encryptAllocated) = RunBursts(graph, gpm, input, output, perRepetition, i => plain, dataPlane, (i, buffer) =>
            {
                if (rep == 0 || espFrames[i] is null)
                {
                    // Kept as the peer would send it: outer header to the router, from the peer's MAC.
                    var frame = gpm.Frame(buffer);
                    var esp = new byte[frame.Length];
                    frame.CopyTo(esp);
                    Swap(esp);
                    espFrames[i] = esp;
                }
            });
            var (decryptSeconds, decrypted, decryptAllocated) = RunBursts(graph, gpm, input, output, perRepetition, i => espFrames[i], dataPlane, null);
            if (rep > 0)
            {
                // Repetition 0 warms up; in the others the graph must allocate nothing.
                allocated += encryptAllocated + decryptAllocated;
                bestEncrypt = Math.Max(bestEncrypt, encrypted / encryptSeconds);
                bestDecrypt = Math.Max(bestDecrypt, decrypted / decryptSeconds);
                Console.WriteLine($"  {size} B rep {rep}: encrypt {encrypted / encryptSeconds / 1e6:F3} Mpps, decrypt {decrypted / decryptSeconds / 1e6:F3} Mpps");
            }
            if (encrypted != perRepetition || decrypted != perRepetition || inbound.Read(SaCounter.AuthFailures) != 0)
            {
                throw new InvalidOperationException($"{size} B: {encrypted} encrypted and {decrypted} decrypted of {perRepetition}; drops {counters.ReadTotalDrops()}");
            }
        }
        cache.FreeBurst(input);
        return (bestEncrypt, bestDecrypt, allocated);
    }

    /// <summary>
    /// The frames ip4-rewrite would emit for the peer become frames from the peer to the router: MACs swapped, outer
    /// addresses swapped, checksum unchanged (a swap keeps the one's-complement sum).
    /// </summary>
    private static void Swap(byte[] frame)
    {
        HostMac2.Write(frame.AsSpan(6, 6));
        RouterMac2.Write(frame.AsSpan(0, 6));
        var ip = frame.AsSpan(14);
        Span<byte> source = stackalloc byte[4];
        ip.Slice(12, 4).CopyTo(source);
        ip.Slice(16, 4).CopyTo(ip.Slice(12, 4));
        source.CopyTo(ip.Slice(16, 4));
    }

    /// <summary>
    /// Runs <paramref name="count"/> frames through the graph in bursts; the encrypt side then runs the recycled output
    /// through the outer lookup (not timed) so <paramref name="keep"/> sees finished ESP frames. Returns the timed
    /// seconds (restoring frames excluded), the packets that came out bound for the recycle path, and the bytes the
    /// graph allocated on this thread while timed.
    /// </summary>
    private static (double Seconds, long Recycled, long Allocated) RunBursts(PpeGraph graph, PacketMemory gpm, uint[] input, uint[] output, int count,
        Func<int, byte[]> frameOf, QfpDataPlane dataPlane, Action<int, uint>? keep)
    {
        var tables = dataPlane.Forwarding;
        var interfaces = dataPlane.Interfaces;
        double seconds = 0;
        long recycled = 0, allocated = 0;
        var outer = new uint[output.Length];
        for (var start = 0; start < count; start += Burst)
        {
            for (var i = 0; i < Burst; i++)
            {
                var frame = frameOf(start + i);
                gpm.ResetMeta(input[i], frame.Length, BufferOwner.Ppe);
                frame.CopyTo(gpm.Frame(input[i]));
                gpm.Meta(input[i]).RxInterface = (ushort)(keep is null ? 1 : 0);
            }
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var began = ThreadClock.CpuSeconds();
            var n = graph.ProcessBurst(input, output, tables, interfaces);
            seconds += ThreadClock.CpuSeconds() - began;
            allocated += GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            recycled += n;
            if (keep is not null)
            {
                var m = graph.ProcessRecycled(output.AsSpan(0, n), outer, tables, interfaces);
                for (var i = 0; i < m; i++)
                {
                    keep(start + i, outer[i]);
                }
            }
            // The graph sent the input buffers on (recycle exit) in the same order: they are this burst's output.
            // Take them back as input for the next burst.
            var back = keep is null ? output : outer;
            for (var i = 0; i < Burst; i++)
            {
                input[i] = back[i];
            }
        }
        return (seconds, recycled, allocated);
    }

    /// <summary>The AES-GCM engine by itself on one <paramref name="bytes"/>-byte buffer, by CPU time: what the graph's ESP nodes pay for the cipher alone.</summary>
    private static unsafe double RawAesGcm(int bytes, IAesGcmEngine engine)
    {
        using var cipher = engine.CreateContext(Key);
        var text = new byte[bytes];
        var tag = new byte[16];
        var nonce = new byte[12];
        var aad = new byte[8];
        var best = 0.0;
        fixed (byte* textBytes = text, tagBytes = tag, nonceBytes = nonce, aadBytes = aad)
        {
            for (var rep = 0; rep < 4; rep++)
            {
                const int Count = 100_000;
                var began = ThreadClock.CpuSeconds();
                for (var i = 0; i < Count; i++)
                {
                    nonceBytes[11] = (byte)i;
                    cipher.Encrypt(nonceBytes, aadBytes, aad.Length, textBytes, bytes, tagBytes);
                }
                best = Math.Max(best, Count / (ThreadClock.CpuSeconds() - began));
            }
        }
        return best;
    }

    /// <summary>OpenSSL's AES-128-GCM on this machine for <paramref name="bytes"/>-byte messages: bytes per second and operations per second.</summary>
    /// <param name="aead">With <c>-aead</c>: openssl times an IV init, 13 bytes of AAD, the update and the final per message, the sequence ESP runs.
    /// The graph's ratios stay against the plain <c>-evp</c> figure; the <c>-aead</c> one is printed beside it.</param>
    private static (double BytesPerSecond, double OpsPerSecond) OpenSsl(int bytes, bool aead = false)
    {
        string[] arguments = ["speed", .. aead ? ["-aead"] : Array.Empty<string>(), "-evp", "aes-128-gcm", "-bytes", bytes.ToString(CultureInfo.InvariantCulture), "-seconds", "2", "-mr"];
        var info = new ProcessStartInfo("openssl", arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        try
        {
            using var process = Process.Start(info)!;
            var text = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            foreach (var line in text.Split('\n'))
            {
                // +F:INDEX:AES-128-GCM:BYTES_PER_SECOND
                var parts = line.Trim().Split(':');
                if (parts.Length == 4 && parts[0] == "+F" && double.TryParse(parts[3], NumberStyles.Float, CultureInfo.InvariantCulture, out var rate))
                {
                    return (rate, rate / bytes);
                }
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
        Console.WriteLine("openssl speed did not run; no crypto ceiling");
        return (double.NaN, double.NaN);
    }
}
