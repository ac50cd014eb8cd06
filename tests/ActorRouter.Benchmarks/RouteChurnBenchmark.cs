using System.Diagnostics;
using ActorRouter.DataPlane.Fib;
using ActorRouter.DataPlane.Forwarding;

namespace ActorRouter.Benchmarks;

/// <summary>
/// Route updates per second on the shared 1M-route table while a PPE-like thread looks up bursts, the lookup rate
/// with and without that churn, and how soon a looking-up thread uses an adjacency rewritten in place.
/// </summary>
public sealed class RouteChurnBenchmark : IBenchmarkCase
{
    private const int BurstSize = 32;
    private const int KeyCount = 1 << 20;
    private const int ChurnRoutes = 100_000;
    private const int NeighbourChanges = 1_000;
    private const long Table1mChecksum1Mi = 25_744_829;

    public string Name => "route-churn";

    public string Description => "route adds/deletes per second on the 1M-route FIB under concurrent batched lookups; lookup rate ratio; adjacency rewrite latency";

    public int Run(string[] args)
    {
        double seconds = args.Length > 0 && double.TryParse(args[0], System.Globalization.CultureInfo.InvariantCulture, out double s) ? s : 3;

        var clock = Stopwatch.StartNew();
        var table = RouteFileLoader.Load(SharedWorkload.BenchFile("routes-1m.txt"));
        var routes = table.ToArray();
        using var fib = Ipv4Fib.Build(table);
        Console.WriteLine($"routes: routes-1m.txt, {fib.RouteCount:N0} routes, load and build {clock.Elapsed.TotalSeconds:F2} s, native {fib.NativeBytes / 1048576.0:F1} MiB");

        // The writer alone first: one round of deletes and re-adds with no lookup thread.
        var churn = routes.AsSpan(0, ChurnRoutes).ToArray();
        clock.Restart();
        foreach (var r in churn)
        {
            fib.Remove(r.Prefix, r.Length);
        }
        foreach (var r in churn)
        {
            fib.Add(r.Prefix, r.Length, r.NextHopId);
        }
        double aloneUpdatesPerSecond = 2.0 * churn.Length / clock.Elapsed.TotalSeconds;

        var epoch = new ReaderEpoch();
        var grace = new GracePeriod(new ReaderEpochSet(epoch));
        fib.Grace = grace;
        var adjacencies = new AdjacencyTable(grace);
        uint adjacency = adjacencies.Allocate(new Adjacency(AdjacencyKind.Resolved, 1, 1, 0xC0000201));
        var reader = new LookupThread(fib, adjacencies, adjacency, SharedWorkload.Keys(KeyCount), epoch);
        reader.Start();
        try
        {
            // Warm up, then the lookup rate alone.
            reader.Measure(TimeSpan.FromSeconds(0.5), static () => { });
            double quietBefore = reader.Measure(TimeSpan.FromSeconds(seconds / 2), static () => { });

            // Churn: delete 100,000 routes of the table one by one, add them back, and again, until the time is up.
            long updates = 0;
            double churnSeconds = 0;
            double underChurn = reader.Measure(TimeSpan.FromSeconds(seconds), () =>
            {
                var c = Stopwatch.StartNew();
                var until = TimeSpan.FromSeconds(seconds);
                while (c.Elapsed < until)
                {
                    foreach (var r in churn)
                    {
                        fib.Remove(r.Prefix, r.Length);
                    }
                    foreach (var r in churn)
                    {
                        fib.Add(r.Prefix, r.Length, r.NextHopId);
                    }
                    updates += 2L * churn.Length;
                }
                churnSeconds = c.Elapsed.TotalSeconds;
            });
            double quietAfter = reader.Measure(TimeSpan.FromSeconds(seconds / 2), static () => { });
            double quiet = (quietBefore + quietAfter) / 2;
            double updatesPerSecond = updates / churnSeconds;

            // Neighbour changes: one adjacency rewritten in place; the reader notes when its burst first sees it.
            var latencies = new double[NeighbourChanges];
            bool allSeen = true;
            for (int i = 0; i < NeighbourChanges; i++)
            {
                ulong mac = (ulong)i + 2;
                long written = Stopwatch.GetTimestamp();
                adjacencies.Rewrite(adjacency, AdjacencyKind.Resolved, 1, mac);
                long seen = reader.WaitForMac(mac, TimeSpan.FromSeconds(5));
                allSeen &= seen != 0;
                latencies[i] = seen == 0 ? double.PositiveInfinity : (seen - written) * 1e6 / Stopwatch.Frequency;
                Thread.Sleep(1);
            }
            Array.Sort(latencies);

            long checksum = 0;
            var keys = SharedWorkload.Keys(KeyCount);
            var hops = new uint[KeyCount];
            fib.LookupBurst(keys, hops);
            foreach (uint h in hops)
            {
                checksum += h;
            }
            bool ok = checksum == Table1mChecksum1Mi && fib.RouteCount == routes.Length && fib.Tbl8GroupsUsed == 0 && allSeen;

            Console.WriteLine($"updates: {updates:N0} route deletes and re-adds in {churnSeconds:F2} s = {updatesPerSecond:N0} updates/s (target >= 100,000); " +
                              $"{aloneUpdatesPerSecond:N0} updates/s with no lookup thread");
            Console.WriteLine($"lookups: {quietBefore / 1e6:F1} M/s before churn, {underChurn / 1e6:F1} M/s during churn, {quietAfter / 1e6:F1} M/s after; " +
                              $"during/without = {underChurn / quiet:F2} (target >= 0.90)");
            Console.WriteLine($"neighbour change to lookup thread: median {latencies[NeighbourChanges / 2]:F1} us, p99 {latencies[NeighbourChanges * 99 / 100]:F1} us, " +
                              $"max {latencies[^1]:F1} us over {NeighbourChanges} rewrites (target < 1000 us)");
            Console.WriteLine($"after churn: {fib.RouteCount:N0} routes, tbl8 groups {fib.Tbl8GroupsUsed}, native {fib.NativeBytes / 1048576.0:F1} MiB, " +
                              $"checksum of the first 1 Mi keys {checksum} {(checksum == Table1mChecksum1Mi ? "OK" : $"MISMATCH (expected {Table1mChecksum1Mi})")}");
            Console.WriteLine($"route-churn: {updatesPerSecond / 1000:F0} kupdates/s");
            return ok ? 0 : 1;
        }
        finally
        {
            reader.Stop();
        }
    }

    /// <summary>A PPE-like thread: batched lookups of the key stream, then the adjacency its burst would use.</summary>
    private sealed class LookupThread(Ipv4Fib fib, AdjacencyTable adjacencies, uint adjacency, uint[] keys, ReaderEpoch epoch)
    {
        private Thread? _running;
        private volatile bool _stop;
        private long _lookups;
        private long _seenMac;
        private long _seenAt;

        public void Start()
        {
            _running = new Thread(Loop) { IsBackground = true, Name = "lookup" };
            _running.Start();
        }

        public void Stop()
        {
            _stop = true;
            _running?.Join();
        }

        /// <summary>Runs <paramref name="work"/> on this thread (or just waits <paramref name="duration"/>) and returns lookups/s meanwhile.</summary>
        public double Measure(TimeSpan duration, Action work)
        {
            long before = Volatile.Read(ref _lookups);
            var clock = Stopwatch.StartNew();
            work();
            while (clock.Elapsed < duration)
            {
                Thread.Sleep(10);
            }
            long after = Volatile.Read(ref _lookups);
            return (after - before) / clock.Elapsed.TotalSeconds;
        }

        /// <summary>The timestamp at which the lookup thread first read <paramref name="mac"/>, or 0 on timeout.</summary>
        public long WaitForMac(ulong mac, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            // Spins briefly, then yields: on two cores a hard spin here would take the lookup thread's CPU.
            var spinner = new SpinWait();
            while (Volatile.Read(ref _seenMac) != (long)mac)
            {
                if (clock.Elapsed > timeout)
                {
                    return 0;
                }
                spinner.SpinOnce(sleep1Threshold: -1);
            }
            return Volatile.Read(ref _seenAt);
        }

        private void Loop()
        {
            var results = new uint[BurstSize];
            int position = 0;
            long lookups = 0;
            ulong lastMac = 0;
            while (!_stop)
            {
                epoch.Enter();
                fib.LookupBurst(keys.AsSpan(position, BurstSize), results);
                var a = adjacencies[adjacency];
                epoch.Exit();
                if (a.Mac != lastMac)
                {
                    lastMac = a.Mac;
                    Volatile.Write(ref _seenAt, Stopwatch.GetTimestamp());
                    Volatile.Write(ref _seenMac, (long)a.Mac);
                }
                position = (position + BurstSize) & (KeyCount - 1);
                lookups += BurstSize;
                if ((lookups & 1023) == 0)
                {
                    Volatile.Write(ref _lookups, lookups);
                }
            }
        }
    }
}
