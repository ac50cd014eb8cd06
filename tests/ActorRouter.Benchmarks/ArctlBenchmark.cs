using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ActorRouter.Benchmarks;

/// <summary>
/// arctl's one-shot round trip as a user sees it: the built router runs as a separate process, and
/// the built arctl is started N times for <c>show ip interface brief</c>; each run's wall time from
/// process start to exit is measured. The figure is the median in ms (p90 printed too).
/// Arguments: [--runs N] [--arctl PATH] [--host PATH] (defaults: 20 runs, the Release builds in this tree);
/// [--host-config FILE] [--port N]. The control endpoint is always mutual TLS: the router runs with a
/// fresh state directory of its own (removed afterwards) and arctl presents the admin credential made
/// there, unless --cert FILE [--cert-password PASSWORD] names another.
/// Each run also reports where its time went (arctl's <c>ARCTL_TIMING</c> line): <c>start</c> is from the
/// benchmark starting the process to arctl's Main, then arctl's own phases (credential, tcp, tls, associate,
/// sign, send, answer, ...), and <c>exit</c> from arctl's last phase to the process having exited. The
/// median of each is printed.
/// </summary>
public sealed class ArctlBenchmark : IBenchmarkCase
{
    private static readonly TimeSpan ReadyLimit = TimeSpan.FromSeconds(60);

    public string Name => "arctl";

    public string Description => "arctl one-shot round trip (process start to exit) against a running router (ms, median)";

    public int Run(string[] args)
    {
        var runs = 20;
        var root = RepoRoot();
        var arctl = Path.Combine(root, "src/ActorRouter.Cli/bin/Release/net10.0/arctl");
        var host = Path.Combine(root, "src/ActorRouter.Host/bin/Release/net10.0/ActorRouter.Host");
        string? hostConfig = null;
        int? configuredPort = null;
        var tlsArguments = new List<string>();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--runs": runs = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--arctl": arctl = args[i + 1]; break;
                case "--host": host = args[i + 1]; break;
                case "--host-config": hostConfig = args[i + 1]; break;
                case "--port": configuredPort = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--cert": tlsArguments.AddRange(["--cert", args[i + 1]]); break;
                case "--cert-password": tlsArguments.AddRange(["--cert-password", args[i + 1]]); break;
                default:
                    Console.Error.WriteLine($"unknown argument {args[i]}");
                    return 2;
            }
        }
        foreach (var file in new[] { arctl, host })
        {
            if (!File.Exists(file))
            {
                Console.Error.WriteLine($"{file} is missing: build it first (dotnet build -c Release src/ActorRouter.Host src/ActorRouter.Cli)");
                return 2;
            }
        }
        var port = configuredPort ?? FreePort();
        var stateRoot = Directory.CreateTempSubdirectory("arctl-benchmark-").FullName;
        var stateDirectory = Path.Combine(stateRoot, "state");
        if (!tlsArguments.Contains("--cert"))
        {
            tlsArguments.AddRange(["--cert", Path.Combine(stateDirectory, "admin.p12")]);
        }
        List<string> hostArguments = ["--control-port", port.ToString(CultureInfo.InvariantCulture), "--state-directory", stateDirectory];
        if (hostConfig is not null)
        {
            hostArguments.AddRange(["--config", hostConfig]);
        }
        using var router = Process.Start(new ProcessStartInfo(host, hostArguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        router.OutputDataReceived += (_, _) => { };
        router.ErrorDataReceived += (_, _) => { };
        router.BeginOutputReadLine();
        router.BeginErrorReadLine();
        try
        {
            var routerAddress = $"127.0.0.1:{port}";
            var deadline = DateTime.UtcNow + ReadyLimit;
            while (RunArctl(arctl, routerAddress, tlsArguments).ExitCode != 0)
            {
                if (DateTime.UtcNow > deadline || router.HasExited)
                {
                    Console.Error.WriteLine("the router did not answer within 60 s");
                    return 1;
                }
                Thread.Sleep(200);
            }
            var times = new List<double>(runs);
            var phases = new Dictionary<string, List<double>>(StringComparer.Ordinal);
            var phaseOrder = new List<string>();
            for (var i = 0; i < runs; i++)
            {
                var (code, elapsed, phaseTimes) = RunArctl(arctl, routerAddress, tlsArguments);
                if (code != 0)
                {
                    Console.Error.WriteLine($"arctl exited {code} on run {i + 1}");
                    return 1;
                }
                times.Add(elapsed.TotalMilliseconds);
                foreach (var (phase, milliseconds) in phaseTimes)
                {
                    if (!phases.TryGetValue(phase, out var values))
                    {
                        phases[phase] = values = new List<double>(runs);
                        phaseOrder.Add(phase);
                    }
                    values.Add(milliseconds);
                }
            }
            times.Sort();
            var median = Percentile(times, 0.5);
            var p90 = Percentile(times, 0.9);
            Console.WriteLine($"{runs} runs of 'arctl show ip interface brief' over mutual TLS: min {times[0]:0} ms, median {median:0} ms, p90 {p90:0} ms, max {times[^1]:0} ms");
            if (phaseOrder.Count > 0)
            {
                var medians = phaseOrder.Select(phase =>
                {
                    var values = phases[phase];
                    values.Sort();
                    return $"{phase} {Percentile(values, 0.5).ToString("0.0", CultureInfo.InvariantCulture)}";
                });
                Console.WriteLine($"phase medians (ms): {string.Join(", ", medians)}");
            }
            Console.WriteLine($"arctl: {median:0} ms");
            return 0;
        }
        finally
        {
            router.Kill(entireProcessTree: true);
            router.WaitForExit(10_000);
            Directory.Delete(stateRoot, recursive: true);
        }
    }

    private static (int ExitCode, TimeSpan Elapsed, List<(string Phase, double Milliseconds)> Phases) RunArctl(string arctl, string router, List<string> tlsArguments)
    {
        var startInfo = new ProcessStartInfo(arctl, ["show", "ip", "interface", "brief", "--router", router, .. tlsArguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        startInfo.Environment["ARCTL_TIMING"] = "1";
        var startedAt = (DateTime.UtcNow - DateTime.UnixEpoch).TotalMilliseconds;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(startInfo)!;
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        var errors = stderr.GetAwaiter().GetResult();
        process.WaitForExit();
        var elapsed = clock.Elapsed;
        return (process.ExitCode, elapsed, Phases(errors, startedAt, elapsed.TotalMilliseconds));
    }

    /// <summary>
    /// The phases of arctl's timing line (<c>arctl-timing: main-at=UNIX_MS phase=MS ...</c>), with <c>start</c>
    /// (process start to Main) before them and <c>exit</c> (the rest of the wall time) after; empty when
    /// the line is missing (an arctl without it).
    /// </summary>
    internal static List<(string Phase, double Milliseconds)> Phases(string stderr, double startedAtUnixMilliseconds, double wallMilliseconds)
    {
        var phases = new List<(string, double)>();
        var line = stderr.Split('\n').FirstOrDefault(l => l.StartsWith("arctl-timing:", StringComparison.Ordinal));
        if (line is null)
        {
            return phases;
        }
        var inArctl = 0.0;
        foreach (var field in line["arctl-timing:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = field.IndexOf('=');
            if (equals < 0 || !double.TryParse(field[(equals + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }
            var name = field[..equals];
            if (name == "main-at")
            {
                phases.Add(("start", value - startedAtUnixMilliseconds));
            }
            else if (!name.StartsWith("jit-", StringComparison.Ordinal))
            {
                phases.Add((name, value));
                inArctl += value;
            }
        }
        if (phases.Count > 0 && phases[0].Item1 == "start")
        {
            phases.Add(("exit", wallMilliseconds - phases[0].Item2 - inArctl));
        }
        return phases;
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Directory.Build.props")))
            {
                return dir.FullName;
            }
        }
        return Directory.GetCurrentDirectory();
    }
}
