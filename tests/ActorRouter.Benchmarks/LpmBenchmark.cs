using System.Diagnostics;
using ActorRouter.DataPlane.Fib;

namespace ActorRouter.Benchmarks;

/// <summary>Single-thread IPv4 longest-prefix-match throughput of <see cref="Ipv4Fib"/> on the shared workload.</summary>
public sealed class LpmBenchmark : IBenchmarkCase
{
    private const int KeyCount = 16_777_216;
    private const int BurstSize = 32;
    private const int Repetitions = 5;

    public string Name => "lpm";

    public string Description => "IPv4 FIB lookups/s on the shared 16 Mi-key stream (routes-1m.txt; arg '10k' for routes-10k.txt)";

    public int Run(string[] args)
    {
        bool small = args.Length > 0 && args[0] == "10k";
        string file = small ? "routes-10k.txt" : "routes-1m.txt";
        (long hits, long checksum) expected = small ? (224_136, 7_158_186) : (12_616_327, 412_021_510);

        var clock = Stopwatch.StartNew();
        var routes = RouteFileLoader.Load(SharedWorkload.BenchFile(file));
        double loadSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        using var fib = Ipv4Fib.Build(routes);
        double buildSeconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"routes: {file}, {fib.RouteCount:N0} routes, load {loadSeconds:F3} s, build {buildSeconds:F3} s, " +
                          $"memory {fib.MemoryBytes:N0} B ({fib.MemoryBytes / 1048576.0:F1} MiB), tbl8 groups {fib.Tbl8GroupsUsed}");

        Console.WriteLine($"transparent huge pages in this process: {AnonHugePagesKiB() / 1024} MiB (tbl24 wants 64 MiB of them)");

        uint[] keys = SharedWorkload.Keys(KeyCount);
        var nextHops = new uint[KeyCount];

        bool allOk = true;
        double bestSingle = 0, bestBurst = 0;
        for (int rep = 0; rep < Repetitions; rep++)
        {
            clock.Restart();
            LookupEach(fib, keys, nextHops);
            double single = KeyCount / clock.Elapsed.TotalSeconds / 1e6;
            allOk &= Report("single", rep, single, nextHops, expected);
            bestSingle = Math.Max(bestSingle, single);

            Array.Clear(nextHops);
            clock.Restart();
            LookupBursts(fib, keys, nextHops);
            double burst = KeyCount / clock.Elapsed.TotalSeconds / 1e6;
            allOk &= Report($"burst{BurstSize}", rep, burst, nextHops, expected);
            bestBurst = Math.Max(bestBurst, burst);
            Array.Clear(nextHops);
        }

        string bestMode = bestBurst >= bestSingle ? $"LookupBurst({BurstSize})" : "Lookup";
        Console.WriteLine($"best: Lookup {bestSingle:F1} Mlookups/s, LookupBurst({BurstSize}) {bestBurst:F1} Mlookups/s; reporting {bestMode}");
        Console.WriteLine($"lpm: {Math.Max(bestSingle, bestBurst):F1} Mlookups/s");
        return allOk ? 0 : 1;
    }

    /// <summary>AnonHugePages of /proc/self/smaps_rollup; 0 where it cannot be read.</summary>
    private static long AnonHugePagesKiB()
    {
        const string path = "/proc/self/smaps_rollup";
        if (!File.Exists(path))
        {
            return 0;
        }
        foreach (string line in File.ReadLines(path))
        {
            if (line.StartsWith("AnonHugePages:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan("AnonHugePages:".Length).Trim().TrimEnd("kB").Trim());
            }
        }
        return 0;
    }

    private static void LookupEach(Ipv4Fib fib, uint[] keys, uint[] nextHops)
    {
        for (int i = 0; i < keys.Length; i++)
        {
            nextHops[i] = fib.Lookup(keys[i]);
        }
    }

    private static void LookupBursts(Ipv4Fib fib, uint[] keys, uint[] nextHops)
    {
        for (int i = 0; i < keys.Length; i += BurstSize)
        {
            fib.LookupBurst(keys.AsSpan(i, BurstSize), nextHops.AsSpan(i, BurstSize));
        }
    }

    private static bool Report(string mode, int rep, double mlookups, uint[] nextHops, (long hits, long checksum) expected)
    {
        long hits = 0, checksum = 0;
        foreach (uint nextHop in nextHops)
        {
            hits += nextHop != 0 ? 1 : 0;
            checksum += nextHop;
        }
        bool ok = hits == expected.hits && checksum == expected.checksum;
        Console.WriteLine($"{mode,-8} rep {rep}: {mlookups,6:F1} Mlookups/s, hits {hits:N0}, checksum {checksum} " +
                          (ok ? "OK" : $"MISMATCH (expected hits {expected.hits:N0}, checksum {expected.checksum})"));
        return ok;
    }
}
