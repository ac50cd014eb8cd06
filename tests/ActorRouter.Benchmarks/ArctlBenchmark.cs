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
            for (var i = 0; i < runs; i++)
            {
                var (code, elapsed) = RunArctl(arctl, routerAddress, tlsArguments);
                if (code != 0)
                {
                    Console.Error.WriteLine($"arctl exited {code} on run {i + 1}");
                    return 1;
                }
                times.Add(elapsed.TotalMilliseconds);
            }
            times.Sort();
            var median = Percentile(times, 0.5);
            var p90 = Percentile(times, 0.9);
            Console.WriteLine($"{runs} runs of 'arctl show ip interface brief' over mutual TLS: min {times[0]:0} ms, median {median:0} ms, p90 {p90:0} ms, max {times[^1]:0} ms");
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

    private static (int ExitCode, TimeSpan Elapsed) RunArctl(string arctl, string router, List<string> tlsArguments)
    {
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(new ProcessStartInfo(arctl, ["show", "ip", "interface", "brief", "--router", router, .. tlsArguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, clock.Elapsed);
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
