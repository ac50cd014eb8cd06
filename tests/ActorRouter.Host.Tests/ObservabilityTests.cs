using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using ActorRouter.ControlPlane.Configuration;
using Xunit.Abstractions;

namespace ActorRouter.Host.Tests;

/// <summary>
/// The built host with the built arctl against it: the Prometheus endpoint (validated by promtool,
/// its interface counters equal to <c>show interfaces --json</c>), the rate lines of
/// <c>show interfaces</c>, and a console free of Akka's transport chatter.
/// </summary>
public sealed partial class ObservabilityTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartupLimit = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopLimit = TimeSpan.FromSeconds(15);

    [GeneratedRegex(@"^control: arctl endpoint akka\.ssl\.tcp://actorrouter@127\.0\.0\.1:(\d+)/")]
    private static partial Regex ControlLine();

    [GeneratedRegex(@"^stats: GigabitEthernet1 rx [1-9]\d* pps")]
    private static partial Regex ForwardingStatsLine();

    /// <summary>What Akka's remoting and dead-letter listener say about every arctl connection.</summary>
    [GeneratedRegex(@"remot|endpoint ?(writer|manager)|receive buffers|associat|dead letter|gated|akka\.(ssl\.)?tcp://arctl", RegexOptions.IgnoreCase)]
    private static partial Regex TransportChatter();

    [SkippableFact]
    public async Task The_prometheus_endpoint_passes_promtool_and_its_interface_counters_equal_show_interfaces()
    {
        var promtool = FindOnPath("promtool");
        Skip.If(promtool is null, "promtool is not installed (Debian package prometheus); the scrape cannot be validated");
        var metricsPort = FreeLoopbackPort();
        var path = Path.Combine(Path.GetTempPath(), $"actorrouter-metrics-{Guid.NewGuid():N}.conf");
        File.WriteAllText(path, RouterConfigLoader.ReadEmbeddedDefaultText() +
            $"\nactorrouter.metrics {{ enabled = true, listen = \"127.0.0.1:{metricsPort}\", load-interval = 30s, sample-interval = 1s }}\n");
        using var host = HostProcess.Start("--config", path, "--stats-interval", "1");
        try
        {
            Assert.True(host.WaitForLines(StartupLimit,
                l => l == $"metrics: Prometheus endpoint http://127.0.0.1:{metricsPort}/metrics",
                l => ForwardingStatsLine().IsMatch(l)), host.Transcript);
            var router = $"127.0.0.1:{ControlPort(host)}";
            var cert = host.AdminCredential!;
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var url = $"http://127.0.0.1:{metricsPort}/metrics";

            // During traffic: the text is valid exposition format and the interfaces count. The supervisor's numbers come
            // from an ask that a loaded machine can time out (the sample then lacks them): scrape until a sample has them.
            var escalations = new Regex(@"actorrouter_supervision_escalations_total\{otel_scope_name=""ActorRouter"",kind=""data-plane-reload""\} 0");
            var scrape = await http.GetStringAsync(url);
            for (var healthDeadline = DateTime.UtcNow + TimeSpan.FromSeconds(30); !escalations.IsMatch(scrape) && DateTime.UtcNow < healthDeadline;)
            {
                await Task.Delay(500);
                scrape = await http.GetStringAsync(url);
            }
            var check = Run(promtool!, ["check", "metrics"], scrape);
            Assert.True(check.ExitCode == 0, $"promtool check metrics: exit {check.ExitCode}\n{check.Stdout}{check.Stderr}\n{scrape}");
            Assert.True(Sample(scrape, "actorrouter_interface_received_packets_total", "GigabitEthernet1") > 0, scrape);
            Assert.Contains("# TYPE actorrouter_drops_total counter", scrape);
            Assert.Matches(@"actorrouter_thread_packets_total\{otel_scope_name=""ActorRouter"",thread=""(rx|worker0)""\} [1-9]", scrape);
            Assert.Matches(@"actorrouter_gpm_capacity\{otel_scope_name=""ActorRouter""\} 16384", scrape);
            var supervision = string.Join('\n', scrape.Split('\n').Where(l => l.Contains("hangs") || l.Contains("fences") || l.Contains("escalations")));
            Assert.True(Regex.IsMatch(scrape, @"actorrouter_supervision_escalations_total\{otel_scope_name=""ActorRouter"",kind=""data-plane-reload""\} 0"), supervision);
            Assert.True(Regex.IsMatch(scrape, @"actorrouter_thread_fences_total\{otel_scope_name=""ActorRouter"",thread=""(rx|worker0)""\} 0"), supervision);

            // show interfaces prints the decayed rates; with traffic flowing they are not zero.
            // The sampler needs two snapshots before a rate moves: ask until it does, within a deadline.
            var inputRate = new Regex(@"(?m)^  30 second input rate [1-9]\d* bits/sec, [1-9]\d* packets/sec$");
            var text = Arctl(router, cert, "show", "interfaces", "gi1");
            for (var rateDeadline = DateTime.UtcNow + TimeSpan.FromSeconds(30); !inputRate.IsMatch(text.Stdout) && DateTime.UtcNow < rateDeadline;)
            {
                await Task.Delay(500);
                text = Arctl(router, cert, "show", "interfaces", "gi1");
            }
            Assert.Equal(0, text.ExitCode);
            Assert.Matches(inputRate, text.Stdout);
            Assert.Matches(@"(?m)^  30 second output rate \d+ bits/sec, \d+ packets/sec$", text.Stdout);

            // Shut both links: nothing leaves any more, so the output counters (and the punt counters)
            // stand still and must be equal exactly; the simulated hosts keep sending into the shut
            // links, so input and drops still move and must lie between a show taken just before the
            // scrape and one taken just after.
            Assert.Equal(0, Arctl(router, cert, "interface", "gi1", "shutdown").ExitCode);
            Assert.Equal(0, Arctl(router, cert, "interface", "gi2", "shutdown").ExitCode);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            string? mismatch = "not compared";
            var exactlyCompared = 0;
            while (DateTime.UtcNow < deadline)
            {
                var before = Arctl(router, cert, "show", "interfaces", "--json").Stdout;
                scrape = await http.GetStringAsync(url);
                var after = Arctl(router, cert, "show", "interfaces", "--json").Stdout;
                (mismatch, exactlyCompared) = Compare(before, after, scrape);
                if (mismatch is null && exactlyCompared >= 2 * 3)
                {
                    break;
                }
                await Task.Delay(500);
            }
            Assert.True(mismatch is null, $"{mismatch}\n{scrape}");
            // Both interfaces' tx packets, tx bytes and punted were compared for exact equality.
            Assert.True(exactlyCompared >= 6, $"only {exactlyCompared} counters stood still\n{scrape}");
            output.WriteLine(scrape);
        }
        finally
        {
            host.Terminate();
            host.WaitForExit(StopLimit);
            output.WriteLine(host.Transcript);
            File.Delete(path);
        }
    }

    [Fact]
    public void On_the_embedded_default_the_console_shows_no_remoting_or_dead_letter_lines_while_arctl_runs()
    {
        using var host = HostProcess.Start("--stats-interval", "1");
        try
        {
            Assert.True(host.WaitForLines(StartupLimit, l => l == "router ready: 2 of 2 interfaces up", l => ControlLine().IsMatch(l)), host.Transcript);
            var router = $"127.0.0.1:{ControlPort(host)}";
            var cert = host.AdminCredential!;
            foreach (var command in new[] { new[] { "show", "ip", "interface", "brief" }, ["show", "interfaces"], ["show", "actors"], ["show", "platform", "qfp", "statistics"], ["clear", "counters", "gi1"] })
            {
                var result = Arctl(router, cert, command);
                Assert.True(result.ExitCode == 0, $"arctl {string.Join(' ', command)}: exit {result.ExitCode}\n{result.Stderr}");
            }
            // Disassociation is logged a moment after arctl leaves: let a few stats lines pass.
            var stats = host.Stdout.Count(l => l.StartsWith("stats:", StringComparison.Ordinal));
            Assert.True(host.WaitForLines(TimeSpan.FromSeconds(20), l => host.Stdout.Count(x => x.StartsWith("stats:", StringComparison.Ordinal)) >= stats + 3), host.Transcript);

            var lines = host.Stdout;
            Assert.DoesNotContain(lines, l => TransportChatter().IsMatch(l));
            // What the console does show: the handshake, the status lines and the change arctl made.
            Assert.Contains(lines, l => l.EndsWith("ActorRouter.ControlPlane.Fman.FmanActor[0] GigabitEthernet1: up (mem0, uIDB 0)", StringComparison.Ordinal));
            Assert.Contains("GigabitEthernet1 (mem0) up 192.0.2.1/24 mtu 1500 02:00:00:00:00:01", lines);
            Assert.Contains(lines, l => l.EndsWith("arctl (admin): cleared the counters of GigabitEthernet1", StringComparison.Ordinal));
        }
        finally
        {
            host.Terminate();
            host.WaitForExit(StopLimit);
            output.WriteLine(host.Transcript);
        }
    }

    [Fact]
    public void With_log_format_json_every_console_line_is_one_json_object_and_debug_shows_the_transport()
    {
        using var host = HostProcess.Start("--stats-interval", "1", "--log-format", "json", "--log-level", "debug");
        try
        {
            Assert.True(host.WaitForLines(StartupLimit, l => l.Contains("\"Message\":\"router ready: 2 of 2 interfaces up\"", StringComparison.Ordinal)), host.Transcript);
            Assert.True(host.WaitForLines(StartupLimit, l => l.Contains("\"Message\":\"control: arctl endpoint", StringComparison.Ordinal)), host.Transcript);
            var control = host.Stdout
                .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("Message").GetString()!)
                .Select(m => ControlLine().Match(m))
                .First(m => m.Success);
            var result = Arctl($"127.0.0.1:{control.Groups[1].Value}", host.AdminCredential!, "show", "interfaces");
            Assert.Equal(0, result.ExitCode);
            Assert.True(host.WaitForLines(TimeSpan.FromSeconds(20), l => l.Contains("\"Category\":\"Akka.Remote.", StringComparison.Ordinal) && l.Contains("\"LogLevel\":\"Debug\"", StringComparison.Ordinal)),
                host.Transcript);

            foreach (var line in host.Stdout)
            {
                Assert.True(line.StartsWith('{'), $"not a JSON object: {line}");
                using var json = JsonDocument.Parse(line);
                Assert.Equal(JsonValueKind.String, json.RootElement.GetProperty("LogLevel").ValueKind);
                Assert.Equal(JsonValueKind.String, json.RootElement.GetProperty("Category").ValueKind);
            }
            // Remoting speaks only at debug; nothing of it is information or above.
            Assert.DoesNotContain(host.Stdout, l => l.Contains("\"Category\":\"Akka.Remote.", StringComparison.Ordinal) && !l.Contains("\"LogLevel\":\"Debug\"", StringComparison.Ordinal));
        }
        finally
        {
            host.Terminate();
            host.WaitForExit(StopLimit);
            output.WriteLine(host.Transcript);
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    private sealed record ProcessResult(int ExitCode, string Stdout, string Stderr);

    private static int ControlPort(HostProcess host) =>
        int.Parse(host.Stdout.Select(l => ControlLine().Match(l)).First(m => m.Success).Groups[1].Value, CultureInfo.InvariantCulture);

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? FindOnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);

    /// <summary>The built arctl, next to the host: src/ActorRouter.Cli/bin/&lt;Configuration&gt;/net10.0/arctl.dll.</summary>
    private static string ArctlDll
    {
        get
        {
            var hostBin = Path.GetDirectoryName(HostProcess.HostDll)!;
            var dll = Path.GetFullPath(Path.Combine(hostBin, "..", "..", "..", "..", "ActorRouter.Cli", "bin",
                new DirectoryInfo(hostBin).Parent!.Name, new DirectoryInfo(hostBin).Name, "arctl.dll"));
            return File.Exists(dll) ? dll : throw new FileNotFoundException("arctl is not built", dll);
        }
    }

    private static ProcessResult Arctl(string router, string credential, params string[] words) =>
        Run("dotnet", [ArctlDll, "--router", router, "--cert", credential, .. words], null);

    private static ProcessResult Run(string file, IEnumerable<string> args, string? stdin)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill();
            throw new TimeoutException($"{file} did not finish within 60 s");
        }
        return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>The value of one series of the scrape, by metric and interface label; null when absent.</summary>
    private static long? Sample(string scrape, string metric, string itf)
    {
        var match = Regex.Match(scrape, $@"(?m)^{Regex.Escape(metric)}\{{[^}}]*interface=""{Regex.Escape(itf)}""[^}}]*\}} (\d+)$");
        return match.Success ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    /// <summary>
    /// Null when every interface counter of the scrape equals show interfaces --json where the two
    /// shows around it agree, and lies between them where they differ; else what is wrong. Also
    /// how many counters were compared for exact equality.
    /// </summary>
    private static (string? Mismatch, int Exact) Compare(string showBefore, string showAfter, string scrape)
    {
        using var before = JsonDocument.Parse(showBefore);
        using var after = JsonDocument.Parse(showAfter);
        var pairs = new[]
        {
            ("rxPackets", "actorrouter_interface_received_packets_total"),
            ("rxBytes", "actorrouter_interface_received_bytes_total"),
            ("txPackets", "actorrouter_interface_transmitted_packets_total"),
            ("txBytes", "actorrouter_interface_transmitted_bytes_total"),
            ("drops", "actorrouter_interface_dropped_packets_total"),
            ("punted", "actorrouter_interface_punted_packets_total"),
        };
        var exact = 0;
        var beforeByName = before.RootElement.GetProperty("interfaces").EnumerateArray().ToDictionary(i => i.GetProperty("name").GetString()!);
        foreach (var itf in after.RootElement.GetProperty("interfaces").EnumerateArray())
        {
            var name = itf.GetProperty("name").GetString()!;
            foreach (var (field, metric) in pairs)
            {
                var low = beforeByName[name].GetProperty(field).GetInt64();
                var high = itf.GetProperty(field).GetInt64();
                var scraped = Sample(scrape, metric, name);
                if (scraped is null || scraped < low || scraped > high)
                {
                    return ($"{name}: {field} {low}..{high} in show interfaces, {metric} {scraped?.ToString(CultureInfo.InvariantCulture) ?? "absent"} in the scrape", exact);
                }
                exact += low == high && field is "txPackets" or "txBytes" or "punted" ? 1 : 0;
            }
            if (Sample(scrape, "actorrouter_interface_admin_up", name) != 0)
            {
                return ($"{name}: shut down, but actorrouter_interface_admin_up is not 0", exact);
            }
        }
        return (null, exact);
    }
}
