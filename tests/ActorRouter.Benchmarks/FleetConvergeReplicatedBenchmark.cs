using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ActorRouter.Control.Contracts;
using ActorRouter.ControlPlane.Fleet;
using ActorRouter.ControlPlane.Fleet.LinkState;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.DistributedData;

namespace ActorRouter.Benchmarks;

/// <summary>
/// Fleet link-state convergence with replication: N fleet actor systems in one process (Akka.Cluster over plain
/// TCP on 127.0.0.1), each with its <see cref="LinkStateActor"/>, the database replicated by Akka.DistributedData
/// as in the router. A link of a ring (then a grid) fails: its two ends publish new link state; timed from those
/// publications to the moment every router's last computed routes are correct (polled every millisecond, checked
/// against a breadth-first search). Replication, notification (every 100 ms, as the router runs it: Distributed
/// Data's default is 500 ms) and recomputation are all in the figure; the systems share this machine's cores.
/// Measured here (2 cores, quiet): N = 10 converges in about 0.1 s; N = 50 (the cluster up in 10–25 s, with the failure
/// detector told to tolerate the pauses of 50 systems sharing two cores) in 0.14–0.31 s median, 0.33–1.17 s worst of
/// five. 100 actor systems in one process did not form a cluster within 180 s here; fleet-converge gives N = 100
/// for the computation alone.
/// </summary>
public sealed class FleetConvergeReplicatedBenchmark : IBenchmarkCase
{
    private const int Repetitions = 5;
    private const int MaxRouters = 100;
    private static readonly TimeSpan Formation = TimeSpan.FromSeconds(180);
    private static readonly TimeSpan Convergence = TimeSpan.FromSeconds(60);

    public string Name => "fleet-converge-replicated";

    public string Description => "fleet link-state over Distributed Data: N actor systems in one process (default 10 20), ring and grid, link failure to every router's routes correct";

    public int Run(string[] args)
    {
        if (FleetConvergeBenchmark.RouterCounts(Name, args, MaxRouters, [10, 20]) is not { } sizes)
        {
            return 2;
        }
        double worst = 0;
        foreach (int n in sizes)
        {
            var result = RunFleet(n);
            if (result < 0)
            {
                return 1;
            }
            worst = Math.Max(worst, result);
        }
        Console.WriteLine($"fleet-converge-replicated: {worst.ToString("F1", CultureInfo.InvariantCulture)} ms");
        return 0;
    }

    /// <summary>The worst convergence time of either topology at <paramref name="n"/> routers; negative on a failure.</summary>
    private static double RunFleet(int n)
    {
        var systems = new List<ActorSystem>(n);
        var tables = new IReadOnlyList<FleetRoute>[n];
        var sizes = new LinkStateDatabaseSize[n];
        var linkState = new IActorRef[n];
        try
        {
            var formed = Stopwatch.StartNew();
            var ports = Enumerable.Range(0, n).Select(_ => FreePort()).ToList();
            for (int i = 0; i < n; i++)
            {
                tables[i] = [];
                var router = "r" + i.ToString(CultureInfo.InvariantCulture);
                var system = ActorSystem.Create("bench", Hocon(router, ports[i], ports[0]));
                systems.Add(system);
                int index = i;
                Action<FleetRoutesComputed> onComputed = computed =>
                {
                    Volatile.Write(ref tables[index], computed.Routes);
                    sizes[index] = computed.DatabaseSize;
                };
                var collector = system.ActorOf(Props.Create(() => new RouteCollector(onComputed)));
                linkState[i] = system.ActorOf(LinkStateActor.Props(router, collector), LinkStateActor.Name);
            }
            if (!WaitFor(() => systems.All(s => Cluster.Get(s).State.Members.Count(m => m.Status == MemberStatus.Up) == n), Formation))
            {
                Console.Error.WriteLine($"fleet-converge-replicated: N={n}: the cluster did not form within {Formation.TotalSeconds:0} s");
                return -1;
            }
            Console.WriteLine($"N={n,3}: cluster of {n} actor systems up in {formed.Elapsed.TotalSeconds:F1} s");

            double worst = 0;
            var sequence = new long[n];
            foreach (var topology in new[] { FleetConvergeBenchmark.Topology.Ring(n), FleetConvergeBenchmark.Topology.Grid(n) })
            {
                var up = new bool[topology.Links.Count];
                Array.Fill(up, true);
                for (int r = 0; r < n; r++)
                {
                    Publish(linkState[r], topology.Entry(r, ++sequence[r], up));
                }
                if (!WaitFor(() => topology.Verify(Snapshot(tables), up, out _), Convergence))
                {
                    topology.Verify(Snapshot(tables), up, out var wrong);
                    Console.Error.WriteLine($"fleet-converge-replicated: {topology.Name} N={n}: not converged at start: {wrong}");
                    return -1;
                }
                var timings = new List<double>();
                int failing = 0;
                for (int repetition = 0; repetition < Repetitions * 2; repetition++)
                {
                    bool failure = repetition % 2 == 0;
                    up[failing] = !failure;
                    var (a, b) = topology.Links[failing];
                    var clock = Stopwatch.StartNew();
                    Publish(linkState[a], topology.Entry(a, ++sequence[a], up));
                    Publish(linkState[b], topology.Entry(b, ++sequence[b], up));
                    while (!topology.Verify(Snapshot(tables), up, out _))
                    {
                        if (clock.Elapsed > Convergence)
                        {
                            topology.Verify(Snapshot(tables), up, out var wrong);
                            Console.Error.WriteLine($"fleet-converge-replicated: {topology.Name} N={n} link {a}-{b}: not converged: {wrong}");
                            return -1;
                        }
                        Thread.Sleep(1);
                    }
                    if (failure)
                    {
                        timings.Add(clock.Elapsed.TotalMilliseconds);
                    }
                    else
                    {
                        failing = (failing + 7) % topology.Links.Count;
                    }
                }
                timings.Sort();
                var size = sizes[0];
                Console.WriteLine(
                    $"{topology.Name,-4} N={n,3}: converge median {timings[timings.Count / 2]:F1} ms, max {timings[^1]:F1} ms over {Repetitions} link failures; "
                    + $"database {size.Routers} entries, {size.Adjacencies} adjacencies, {size.Prefixes} prefixes, ~{size.EncodedBytes / 1024.0:F1} KiB");
                worst = Math.Max(worst, timings[^1]);
            }
            return worst;
        }
        finally
        {
            Task.WaitAll([.. systems.Select(s => s.Terminate())], TimeSpan.FromSeconds(30));
        }
    }

    private static void Publish(IActorRef linkState, LinkStateEntry entry) =>
        linkState.Tell(new PublishLinkState(entry.Connected, entry.Adjacencies, entry.SharedStaticRoutes));

    private static IReadOnlyList<FleetRoute>[] Snapshot(IReadOnlyList<FleetRoute>[] tables)
    {
        var copy = new IReadOnlyList<FleetRoute>[tables.Length];
        for (int i = 0; i < tables.Length; i++)
        {
            copy[i] = Volatile.Read(ref tables[i]);
        }
        return copy;
    }

    private static bool WaitFor(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (condition())
            {
                return true;
            }
            Thread.Sleep(50);
        }
        return false;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Config Hocon(string router, int port, int seedPort)
    {
        var roles = string.Join(", ", FleetActor.Roles(router, DateTimeOffset.UtcNow).Select(r => $"\"{r}\""));
        return ConfigurationFactory.ParseString($$"""
            akka.loglevel = WARNING
            akka.stdout-loglevel = WARNING
            akka.actor.provider = cluster
            akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
            akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = {{port}} }
            akka.cluster {
              seed-nodes = ["akka.tcp://bench@127.0.0.1:{{seedPort}}"]
              roles = [{{roles}}]
              split-brain-resolver.stable-after = 120s
              log-info = off
              # Dozens of systems share two cores here: a heartbeat late by seconds is load, not a dead member, and
              # an unreachable member would hold every joining one back from Up.
              failure-detector.acceptable-heartbeat-pause = 30s
              failure-detector.threshold = 16
            }
            akka.cluster.distributed-data.notify-subscribers-interval = 100ms
            {{ContractSerializer.Hocon}}
            """).WithFallback(DistributedData.DefaultConfig());
    }

    /// <summary>The link-state actor's subscriber: hands each computed list to the benchmark.</summary>
    private sealed class RouteCollector : ReceiveActor
    {
        public RouteCollector(Action<FleetRoutesComputed> onComputed) => Receive<FleetRoutesComputed>(onComputed);
    }
}
