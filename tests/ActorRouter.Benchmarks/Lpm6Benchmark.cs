using System.Diagnostics;
using System.Runtime.InteropServices;
using ActorRouter.DataPlane.Fib;

namespace ActorRouter.Benchmarks;

/// <summary>
/// Single-thread IPv6 longest-prefix-match throughput of <see cref="Ipv6Fib"/> on a generated internet-shaped table
/// (<see cref="Ipv6InternetTable"/>), side by side with DPDK's rte_lpm6 (dpdk-dev's librte_lpm) in the same process on
/// the same routes and keys; every answer of both is compared.
/// </summary>
public sealed partial class Lpm6Benchmark : IBenchmarkCase
{
    private const int DefaultRoutes = 200_000;
    private const int KeyCount = 4 * 1024 * 1024;
    private const int BurstSize = 32;
    private const int Repetitions = 5;

    public string Name => "lpm6";

    public string Description => "IPv6 FIB lookups/s on a generated 200k-prefix internet-shaped table, beside DPDK rte_lpm6 (arg: route count)";

    public unsafe int Run(string[] args)
    {
        int routeCount = args.Length > 0 ? int.Parse(args[0]) : DefaultRoutes;
        var clock = Stopwatch.StartNew();
        var routes = Ipv6InternetTable.Routes(routeCount);
        double generateSeconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"table: {routes.Length:N0} routes generated in {generateSeconds:F2} s, sha256 {Ipv6InternetTable.Fingerprint(routes)}");
        Console.WriteLine("lengths: " + string.Join(" ", Ipv6InternetTable.LengthHistogram(routes).Select(kv => $"/{kv.Key}:{kv.Value}")));

        clock.Restart();
        using var fib = Ipv6Fib.Build(routes);
        double buildSeconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"Ipv6Fib: build {buildSeconds:F3} s, groups {fib.GroupsUsed:N0}, memory {fib.MemoryBytes / 1048576.0:F1} MiB");

        byte[] keys = Ipv6InternetTable.Keys(routes, KeyCount);
        var ours = new uint[KeyCount];
        double bestSingle = 0, bestBurst = 0;
        for (int rep = 0; rep < Repetitions; rep++)
        {
            Array.Clear(ours);
            clock.Restart();
            fixed (byte* k = keys)
            {
                for (int i = 0; i < KeyCount; i++)
                {
                    ours[i] = fib.Lookup(k + i * 16);
                }
            }
            bestSingle = Math.Max(bestSingle, KeyCount / clock.Elapsed.TotalSeconds / 1e6);
            var single = (uint[])ours.Clone();
            Array.Clear(ours);
            clock.Restart();
            fixed (byte* k = keys)
            fixed (uint* o = ours)
            {
                for (int i = 0; i < KeyCount; i += BurstSize)
                {
                    fib.LookupBurst(k + i * 16, o + i, BurstSize);
                }
            }
            bestBurst = Math.Max(bestBurst, KeyCount / clock.Elapsed.TotalSeconds / 1e6);
            if (!single.AsSpan().SequenceEqual(ours))
            {
                Console.WriteLine("MISMATCH: Ipv6Fib.Lookup and LookupBurst disagree");
                return 1;
            }
        }
        var (hits, checksum) = Summary(ours);
        Console.WriteLine($"Ipv6Fib:  Lookup {bestSingle,6:F1} Mlookups/s, LookupBurst({BurstSize}) {bestBurst,6:F1} Mlookups/s; " +
                          $"{KeyCount:N0} keys, hits {hits:N0}, checksum {checksum}");

        double dpdk = RunRteLpm6(routes, keys, ours, fib.GroupsUsed, out string dpdkNote);
        Console.WriteLine(dpdkNote);
        if (dpdk < 0)
        {
            return 1;
        }
        double best = Math.Max(bestSingle, bestBurst);
        Console.WriteLine(dpdk > 0
            ? $"lpm6: {best:F1} Mlookups/s (rte_lpm6 {dpdk:F1} Mlookups/s, same answers)"
            : $"lpm6: {best:F1} Mlookups/s");
        return 0;
    }

    private static (long Hits, long Checksum) Summary(uint[] nextHops)
    {
        long hits = 0, checksum = 0;
        foreach (uint n in nextHops)
        {
            hits += n != 0 ? 1 : 0;
            checksum += n;
        }
        return (hits, checksum);
    }

    /// <summary>
    /// Builds an rte_lpm6 of the same routes, times its single and bulk lookups on the same keys and compares every answer
    /// with <paramref name="expected"/>. Returns its best Mlookups/s, 0 when DPDK is not usable here (with the reason in
    /// <paramref name="note"/>), -1 when its answers differ.
    /// </summary>
    private static unsafe double RunRteLpm6(Ipv6Route[] routes, byte[] keys, uint[] expected, int groups, out string note)
    {
        try
        {
            if (!RteLpm6.TryInitialize(out string reason))
            {
                note = $"rte_lpm6: skipped, {reason}";
                return 0;
            }
        }
        catch (DllNotFoundException e)
        {
            note = $"rte_lpm6: skipped, DPDK's librte_eal/librte_lpm not installed (apt-get install dpdk-dev): {e.Message}";
            return 0;
        }
        var config = new RteLpm6.Config { MaxRules = (uint)routes.Length + 16, NumberTbl8s = (uint)Math.Max(1024, groups * 2), Flags = 0 };
        var clock = Stopwatch.StartNew();
        nint lpm = RteLpm6.rte_lpm6_create("lpm6-bench", -1, &config);
        if (lpm == 0)
        {
            note = "rte_lpm6: skipped, rte_lpm6_create failed (EAL memory?)";
            return 0;
        }
        try
        {
            byte* ip = stackalloc byte[16];
            foreach (var r in routes)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(new Span<byte>(ip, 16), r.Prefix);
                int rc = RteLpm6.rte_lpm6_add(lpm, ip, (byte)r.Length, r.NextHopId);
                if (rc != 0)
                {
                    note = $"rte_lpm6: add of {r} failed with {rc}";
                    return -1;
                }
            }
            double buildSeconds = clock.Elapsed.TotalSeconds;
            int n = expected.Length;
            var answers = new int[n];
            double bestSingle = 0, bestBulk = 0;
            fixed (byte* k = keys)
            fixed (int* o = answers)
            {
                for (int rep = 0; rep < Repetitions; rep++)
                {
                    clock.Restart();
                    for (int i = 0; i < n; i++)
                    {
                        uint nextHop;
                        o[i] = RteLpm6.rte_lpm6_lookup(lpm, k + i * 16, &nextHop) == 0 ? (int)nextHop : 0;
                    }
                    bestSingle = Math.Max(bestSingle, n / clock.Elapsed.TotalSeconds / 1e6);
                    if (!Same(answers, expected, out note))
                    {
                        return -1;
                    }
                    clock.Restart();
                    for (int i = 0; i < n; i += BurstSize)
                    {
                        RteLpm6.rte_lpm6_lookup_bulk_func(lpm, k + i * 16, o + i, BurstSize);
                    }
                    bestBulk = Math.Max(bestBulk, n / clock.Elapsed.TotalSeconds / 1e6);
                    for (int i = 0; i < n; i++)
                    {
                        if (o[i] < 0) o[i] = 0;
                    }
                    if (!Same(answers, expected, out note))
                    {
                        return -1;
                    }
                }
            }
            note = $"rte_lpm6: lookup {bestSingle,6:F1} Mlookups/s, lookup_bulk({BurstSize}) {bestBulk,6:F1} Mlookups/s; build {buildSeconds:F3} s, " +
                   $"{RteLpm6.Version}; every answer equals Ipv6Fib's";
            return Math.Max(bestSingle, bestBulk);
        }
        finally
        {
            RteLpm6.rte_lpm6_free(lpm);
        }
    }

    private static bool Same(int[] answers, uint[] expected, out string note)
    {
        for (int i = 0; i < answers.Length; i++)
        {
            if ((uint)answers[i] != expected[i])
            {
                note = $"MISMATCH at key {i}: rte_lpm6 {answers[i]}, Ipv6Fib {expected[i]}";
                return false;
            }
        }
        note = "";
        return true;
    }

    /// <summary>DPDK 22.11's EAL and rte_lpm6 through P/Invoke (Debian's dpdk-dev runtime libraries).</summary>
    private static unsafe partial class RteLpm6
    {
        private const string Eal = "librte_eal.so.23";
        private const string Lpm = "librte_lpm.so.23";
        private static bool s_initialized;

        public static string Version => "DPDK 22.11 (librte_lpm.so.23)";

        [StructLayout(LayoutKind.Sequential)]
        public struct Config
        {
            public uint MaxRules;
            public uint NumberTbl8s;
            public int Flags;
        }

        /// <summary>
        /// Starts the EAL once: no hugepages (malloc-backed memory), no PCI, no telemetry, no shared config, one lcore;
        /// its memory is sized for the tables this benchmark builds.
        /// </summary>
        public static bool TryInitialize(out string reason)
        {
            reason = "";
            if (s_initialized)
            {
                return true;
            }
            string[] args = ["lpm6-bench", "--no-huge", "--no-pci", "--no-telemetry", "--no-shconf", "-m", "2048", "-l", "0", "--log-level=error"];
            // The EAL keeps pointers into argv: the strings live as long as the process.
            var argv = (nint*)NativeMemory.Alloc((nuint)(args.Length + 1), (nuint)sizeof(nint));
            for (int i = 0; i < args.Length; i++)
            {
                argv[i] = Marshal.StringToHGlobalAnsi(args[i]);
            }
            argv[args.Length] = 0;
            int rc = rte_eal_init(args.Length, argv);
            if (rc < 0)
            {
                reason = $"rte_eal_init failed ({rc})";
                return false;
            }
            s_initialized = true;
            return true;
        }

        [LibraryImport(Eal)]
        private static partial int rte_eal_init(int argc, nint* argv);

        [LibraryImport(Lpm, StringMarshalling = StringMarshalling.Utf8)]
        public static partial nint rte_lpm6_create(string name, int socketId, Config* config);

        [LibraryImport(Lpm)]
        public static partial void rte_lpm6_free(nint lpm);

        [LibraryImport(Lpm)]
        public static partial int rte_lpm6_add(nint lpm, byte* ip, byte depth, uint nextHop);

        [LibraryImport(Lpm)]
        public static partial int rte_lpm6_lookup(nint lpm, byte* ip, uint* nextHop);

        [LibraryImport(Lpm)]
        public static partial int rte_lpm6_lookup_bulk_func(nint lpm, byte* ips, int* nextHops, uint n);
    }
}
