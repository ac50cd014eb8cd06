using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using ActorRouter.ControlPlane.Credentials;
using Xunit.Abstractions;

namespace ActorRouter.Host.Tests;

/// <summary>
/// Three built routers form a fleet on loopback management addresses (127.0.x.y), arctl drives them
/// through one of them, a router with a certificate from another CA cannot join, and a member
/// killed by PID is shown unreachable and named by <c>--fleet</c> as not answering.
/// </summary>
public sealed partial class FleetProcessTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>Cluster formation on a loaded 2-core machine, with three routers starting at once, can take well over 10 s.</summary>
    private static readonly TimeSpan FormationLimit = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StartupLimit = TimeSpan.FromSeconds(60);

    [GeneratedRegex(@"^control: arctl endpoint akka\.ssl\.tcp://actorrouter@127\.0\.0\.1:(\d+)/")]
    private static partial Regex ControlLine();

    private readonly string _root = Directory.CreateTempSubdirectory("actorrouter-fleet-").FullName;
    private readonly List<HostProcess> _routers = [];
    private readonly string _fleet = $"test{Environment.ProcessId}";

    [Fact]
    public void Three_routers_form_a_fleet_that_one_arctl_drives_a_stranger_cannot_join_and_a_killed_member_is_named()
    {
        // One CA for the fleet: made in the first router's state directory, copied to the others before they start.
        var seedState = StateDirectory("r1");
        ControlCredentials.OpenOrCreate(seedState, null, null, ["localhost"]);
        foreach (var name in new[] { "r2", "r3" })
        {
            File.Copy(Path.Combine(seedState, ControlCredentials.CaFile), Path.Combine(StateDirectory(name), ControlCredentials.CaFile));
        }
        var subnet = 20 + Environment.ProcessId % 200;
        var addresses = new[] { $"127.0.{subnet}.11", $"127.0.{subnet}.12", $"127.0.{subnet}.13", $"127.0.{subnet}.14" };
        var ports = addresses.Select(FreePort).ToArray();
        var seed = $"{addresses[0]}:{ports[0]}";
        var r1 = Start("r1", 1, addresses[0], ports[0], seed);
        var r2 = Start("r2", 2, addresses[1], ports[1], seed);
        var r3 = Start("r3", 3, addresses[2], ports[2], seed);
        try
        {
            foreach (var (router, name) in new[] { (r1, "r1"), (r2, "r2"), (r3, "r3") })
            {
                Assert.True(router.WaitForLines(FormationLimit, l => l == $"fleet: {name} is up in fleet {_fleet}", l => ControlLine().IsMatch(l)), router.Transcript);
            }
            var entry = ControlAddress(r1);
            var admin = Path.Combine(seedState, ControlCredentials.AdminFile);

            // show fleet: every member Up and reachable, one leader, named in the header too.
            JsonElement fleet = default;
            Assert.True(Eventually(FormationLimit, () =>
            {
                var shown = Arctl(entry, admin, "--json", "show", "fleet");
                if (shown.ExitCode != 0)
                {
                    return false;
                }
                fleet = JsonDocument.Parse(shown.Stdout).RootElement.Clone();
                var members = fleet.GetProperty("members").EnumerateArray().ToList();
                return members.Count == 3 && members.All(m => m.GetProperty("status").GetString() == "Up" && m.GetProperty("reachable").GetBoolean());
            }), "the fleet did not show three reachable members\n" + Transcripts());
            var shownMembers = fleet.GetProperty("members").EnumerateArray().ToList();
            Assert.Equal(["r1", "r2", "r3"], shownMembers.Select(m => m.GetProperty("router").GetString()));
            Assert.Equal([$"akka.ssl.tcp://{_fleet}@{seed}", $"akka.ssl.tcp://{_fleet}@{addresses[1]}:{ports[1]}", $"akka.ssl.tcp://{_fleet}@{addresses[2]}:{ports[2]}"],
                shownMembers.Select(m => m.GetProperty("address").GetString()));
            Assert.Equal([true, false, false], shownMembers.Select(m => m.GetProperty("self").GetBoolean()));
            var leaders = shownMembers.Where(m => m.GetProperty("leader").GetBoolean()).Select(m => m.GetProperty("router").GetString()).ToList();
            Assert.Single(leaders);
            Assert.Equal(leaders[0], fleet.GetProperty("leader").GetString());
            Assert.Equal(_fleet, fleet.GetProperty("fleet").GetString());
            Assert.All(shownMembers, m => Assert.InRange(m.GetProperty("uptimeSeconds").GetInt64(), 0, 3600));
            var text = Arctl(entry, admin, "show", "fleet");
            Assert.Equal(0, text.ExitCode);
            Assert.Equal($"Fleet {_fleet}, as seen from r1; leader {leaders[0]}", text.Stdout.Split('\n')[0]);
            Assert.Equal("Router               Status    Reachable Leader Uptime     Address", text.Stdout.Split('\n')[1]);

            // --node: a show and a change on another member, the change logged there under the caller's name.
            var brief = Arctl(entry, admin, "--node", "r2", "show", "ip", "interface", "brief");
            Assert.Equal(0, brief.ExitCode);
            Assert.Equal(
                "Interface              IP-Address      OK? Method Status                Protocol\n" +
                "GigabitEthernet1       192.0.2.2       YES manual up                    up\n", brief.Stdout);
            var change = Arctl(entry, admin, "--node", "r3", "interface", "gi1", "shutdown");
            Assert.Equal(0, change.ExitCode);
            Assert.Equal("GigabitEthernet1: shutdown\n", change.Stdout);
            Assert.True(r3.WaitForLines(StartupLimit, l => l.EndsWith("arctl (admin): GigabitEthernet1: shutdown", StringComparison.Ordinal)), r3.Transcript);
            var unknown = Arctl(entry, admin, "--node", "r9", "show", "ip", "route");
            Assert.Equal(1, unknown.ExitCode);
            Assert.Equal("% no member of fleet '" + _fleet + "' is named 'r9' (members: r1, r2, r3)\n", unknown.Stderr);

            // --fleet: one table with a Router column, and the same as JSON.
            var merged = Arctl(entry, admin, "--fleet", "show", "ip", "interface", "brief");
            Assert.Equal(0, merged.ExitCode);
            Assert.Equal(
                "Router           Interface              IP-Address      OK? Method Status                Protocol\n" +
                "r1               GigabitEthernet1       192.0.2.1       YES manual up                    up\n" +
                "r2               GigabitEthernet1       192.0.2.2       YES manual up                    up\n" +
                "r3               GigabitEthernet1       192.0.2.3       YES manual administratively down down\n", merged.Stdout);
            var mergedJson = Arctl(entry, admin, "--fleet", "--json", "show", "interfaces");
            Assert.Equal(0, mergedJson.ExitCode);
            var json = JsonDocument.Parse(mergedJson.Stdout).RootElement;
            Assert.Equal(["r1", "r2", "r3"], json.GetProperty("interfaces").EnumerateArray().Select(i => i.GetProperty("router").GetString()));
            Assert.Equal(["192.0.2.1/24", "192.0.2.2/24", "192.0.2.3/24"], json.GetProperty("interfaces").EnumerateArray().Select(i => i.GetProperty("address").GetString()));
            Assert.Equal(["r1", "r2", "r3"], json.GetProperty("answered").EnumerateArray().Select(a => a.GetString()));
            Assert.Equal(0, json.GetProperty("notAnswered").GetArrayLength());

            // A router whose certificates come from another CA: refused by the seed, and it gives up its own membership.
            var stranger = Start("r4", 4, addresses[3], ports[3], seed);
            Assert.True(r1.WaitForLines(FormationLimit, l => Regex.IsMatch(l, @"^fleet: refused .+: certificate not issued by this fleet's CA \(\d+ refused so far\)$")), r1.Transcript);
            // Whether the stranger gets to check the seed's certificate itself depends on which side closes
            // the handshake first; either way its membership ends.
            Assert.True(stranger.WaitForLines(FormationLimit,
                l => l.StartsWith($"fleet: r4 is no longer in fleet {_fleet}: a TLS handshake with a member failed", StringComparison.Ordinal)), stranger.Transcript);
            Assert.DoesNotContain(stranger.Stdout, l => l == $"fleet: r4 is up in fleet {_fleet}");
            var afterStranger = JsonDocument.Parse(Arctl(entry, admin, "--json", "show", "fleet").Stdout).RootElement;
            Assert.Equal(["r1", "r2", "r3"], afterStranger.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("router").GetString()));
            var strangerControl = ControlAddress(stranger);
            var strangerAdmin = Path.Combine(StateDirectory("r4"), ControlCredentials.AdminFile);
            var strangerShow = Arctl(strangerControl, strangerAdmin, "show", "fleet");
            Assert.Equal(1, strangerShow.ExitCode);
            Assert.StartsWith("% r4 is no longer in its fleet (a TLS handshake with a member failed", strangerShow.Stderr, StringComparison.Ordinal);
            // The stranger's router itself goes on: its own commands still answer.
            Assert.Equal(0, Arctl(strangerControl, strangerAdmin, "show", "ip", "route").ExitCode);

            // r3 killed by PID: unreachable in show fleet, and named by --fleet within its deadline.
            var killed = Process.GetProcessById(r3.Id);
            killed.Kill();
            killed.WaitForExit(10_000);
            Assert.True(Eventually(FormationLimit, () =>
            {
                var shown = Arctl(entry, admin, "--json", "show", "fleet");
                return shown.ExitCode == 0 && JsonDocument.Parse(shown.Stdout).RootElement.GetProperty("members").EnumerateArray()
                    .Any(m => m.GetProperty("router").GetString() == "r3" && !m.GetProperty("reachable").GetBoolean());
            }), "r3 was never shown unreachable\n" + Transcripts());
            Assert.True(r1.WaitForLines(StartupLimit, l => l.EndsWith($"fleet {_fleet}: member r3 (akka.ssl.tcp://{_fleet}@{addresses[2]}:{ports[2]}) is unreachable", StringComparison.Ordinal)), r1.Transcript);
            var started = Stopwatch.StartNew();
            var partial = Arctl(entry, admin, "--fleet", "--deadline", "2", "show", "ip", "interface", "brief");
            var took = started.Elapsed;
            Assert.Equal(3, partial.ExitCode);
            Assert.Equal(
                "Router           Interface              IP-Address      OK? Method Status                Protocol\n" +
                "r1               GigabitEthernet1       192.0.2.1       YES manual up                    up\n" +
                "r2               GigabitEthernet1       192.0.2.2       YES manual up                    up\n" +
                "Not answered:\n" +
                "  r3: no answer within 2 s (unreachable)\n", partial.Stdout);
            // The deadline, plus arctl's own start and connection on a loaded machine.
            Assert.True(took < TimeSpan.FromSeconds(15), $"--fleet took {took}");
            output.WriteLine($"--fleet with a dead member answered in {took.TotalMilliseconds:0} ms (deadline 2 s)");
        }
        finally
        {
            output.WriteLine(Transcripts());
        }
    }

    private string StateDirectory(string name)
    {
        var path = Path.Combine(_root, name, "state");
        if (!Directory.Exists(path))
        {
            Directory.CreateDirectory(path);
        }
        return path;
    }

    /// <summary>A router with one in-memory interface (192.0.2.N/24), a small data plane, and the fleet on the given management address.</summary>
    private HostProcess Start(string name, int number, string address, int port, string seed)
    {
        var config = Path.Combine(_root, name + ".conf");
        File.WriteAllText(config, $$"""
            actorrouter {
              data-plane { ppe-threads = 1, layout = collapsed, workers = 1, gpm { buffer-count = 4096 } }
              interfaces = [ { os-name = "mem0", name = "GigabitEthernet1", ipv4 = "192.0.2.{{number}}/24" } ]
              fleet {
                enabled = true
                name = "{{_fleet}}"
                router-name = "{{name}}"
                management { hostname = "{{address}}", port = {{port}} }
                seed-nodes = ["{{seed}}"]
                # Long enough that a killed member is still listed (unreachable) while the test looks.
                split-brain-resolver { stable-after = 60s }
              }
            }
            """);
        var router = HostProcess.Start("--config", config, "--state-directory", StateDirectory(name));
        _routers.Add(router);
        return router;
    }

    private static string ControlAddress(HostProcess router)
    {
        Assert.True(router.WaitForLines(StartupLimit, l => ControlLine().IsMatch(l)), router.Transcript);
        return "127.0.0.1:" + router.Stdout.Select(l => ControlLine().Match(l)).First(m => m.Success).Groups[1].Value;
    }

    private static int FreePort(string address)
    {
        using var listener = new TcpListener(IPAddress.Parse(address), 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool Eventually(TimeSpan limit, Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }
            Thread.Sleep(500);
        }
        return condition();
    }

    private string Transcripts() => string.Join("\n", _routers.Select((r, i) => $"==== router {i + 1} (pid {r.Id})\n{r.Transcript}"));

    private sealed record ArctlResult(int ExitCode, string Stdout, string Stderr);

    private static ArctlResult Arctl(string router, string credential, params string[] words)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])[ArctlDll, "--router", router, "--cert", credential, "--timeout", "30", .. words])
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(90)))
        {
            process.Kill();
            throw new TimeoutException($"arctl {string.Join(' ', words)} did not finish within 90 s");
        }
        return new ArctlResult(process.ExitCode, stdout.Result, stderr.Result);
    }

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

    public void Dispose()
    {
        foreach (var router in _routers)
        {
            router.Dispose();
        }
        Directory.Delete(_root, recursive: true);
    }
}
