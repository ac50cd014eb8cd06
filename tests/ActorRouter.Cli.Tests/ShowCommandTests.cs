using System.Text.Json;
using System.Text.RegularExpressions;
using ActorRouter.Control.Contracts;

namespace ActorRouter.Cli.Tests;

/// <summary>One router on the embedded default for every read-only command.</summary>
public sealed class RouterFixture : IAsyncLifetime
{
    public InProcessRouter Router { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Router = await InProcessRouter.StartAsync();
        // Both simulated flows cross the router before anything is asserted about counters.
        var crossed = await InProcessRouter.EventuallyAsync(async () =>
        {
            var json = await Router.ArctlAsync("show", "interfaces", "--json");
            using var doc = JsonDocument.Parse(json.Stdout);
            return doc.RootElement.GetProperty("interfaces").EnumerateArray().All(i => i.GetProperty("txPackets").GetInt64() > 10);
        }, TimeSpan.FromSeconds(20));
        Assert.True(crossed, "the simulated traffic did not cross the router\n" + Router.HostOutput);
    }

    public async Task DisposeAsync() => await Router.DisposeAsync();
}

public sealed class ShowCommandTests(RouterFixture fixture) : IClassFixture<RouterFixture>
{
    private InProcessRouter Router => fixture.Router;

    [Fact]
    public async Task Show_ip_interface_brief_lists_each_interface_with_its_address_and_state()
    {
        var result = await Router.ArctlAsync("show", "ip", "interface", "brief");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            [
                "Interface              IP-Address      OK? Method Status                Protocol",
                "GigabitEthernet1       192.0.2.1       YES manual up                    up",
                "GigabitEthernet2       198.51.100.1    YES manual up                    up",
            ],
            result.Lines);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task Keywords_and_interface_names_may_be_abbreviated_like_ios()
    {
        var brief = await Router.ArctlAsync("sh", "ip", "int", "br");
        var one = await Router.ArctlAsync("sh", "int", "gi1");
        var other = await Router.ArctlAsync("show", "interfaces", "Gig2");

        Assert.Equal(0, brief.ExitCode);
        Assert.Equal(3, brief.Lines.Length);
        Assert.Equal("GigabitEthernet1 is up, line protocol is up", one.Lines[0]);
        Assert.DoesNotContain(one.Lines, l => l.StartsWith("GigabitEthernet2", StringComparison.Ordinal));
        Assert.Equal("GigabitEthernet2 is up, line protocol is up", other.Lines[0]);
    }

    [Fact]
    public async Task Show_interfaces_prints_state_mtu_mac_address_and_counters_that_move_with_the_simulated_flow()
    {
        var result = await Router.ArctlAsync("show", "interfaces", "GigabitEthernet1");

        Assert.Equal(0, result.ExitCode);
        var lines = result.Lines;
        Assert.Equal(10, lines.Length);
        Assert.Equal("GigabitEthernet1 is up, line protocol is up", lines[0]);
        Assert.Equal("  Hardware is mem0, address is 02:00:00:00:00:01", lines[1]);
        Assert.Equal("  Internet address is 192.0.2.1/24", lines[2]);
        Assert.Equal("  MTU 1500 bytes", lines[3]);
        // IOS's rate lines over the default load interval of 5 minutes.
        Assert.Matches(@"^  5 minute input rate \d+ bits/sec, \d+ packets/sec$", lines[4]);
        Assert.Matches(@"^  5 minute output rate \d+ bits/sec, \d+ packets/sec$", lines[5]);
        var input = Regex.Match(lines[6], @"^  (\d+) packets input, (\d+) bytes$");
        var output = Regex.Match(lines[7], @"^  (\d+) packets output, (\d+) bytes$");
        Assert.True(input.Success && output.Success, result.ToString());
        Assert.Matches(@"^  \d+ drops, \d+ punted$", lines[8]);
        Assert.Equal("  0 input drops, 0 output drops (driver)", lines[9]);
        // 100 pps each way: the host on Gi1 sends, the host on Gi2's traffic leaves through Gi1.
        Assert.True(long.Parse(input.Groups[1].Value) > 10 && long.Parse(output.Groups[1].Value) > 10, result.ToString());
        // Each frame is at least 64 bytes (header + 64-byte payload).
        Assert.True(long.Parse(input.Groups[2].Value) >= 64 * long.Parse(input.Groups[1].Value), result.ToString());
    }

    [Fact]
    public async Task Show_interfaces_json_parses_and_carries_exactly_the_numbers_of_the_text_rendered_from_the_same_reply()
    {
        // One reply from the router, rendered both ways (as arctl does for text and --json).
        using var credential = LoadedCredential.Load(new ClientCertificate(Router.AdminCredential, null));
        await using var connection = await RouterConnection.ConnectAsync(RouterAddress.Parse(Router.Router), TimeSpan.FromSeconds(20), credential);
        var reply = (InterfacesView)await connection.AskAsync(new ShowInterfacesRequest(null), TimeSpan.FromSeconds(10), RouterAddress.Parse(Router.Router));
        var text = ReplyFormatter.Text(reply).Split('\n');
        using var json = JsonDocument.Parse(ReplyFormatter.Json(reply));

        var items = json.RootElement.GetProperty("interfaces").EnumerateArray().ToList();
        Assert.Equal(2, items.Count);
        for (var n = 0; n < items.Count; n++)
        {
            var i = items[n];
            var block = text.Skip(n * 10).Take(10).ToArray();
            var rate = i.GetProperty("rate");
            Assert.Equal(300, rate.GetProperty("loadIntervalSeconds").GetInt32());
            Assert.Equal($"{i.GetProperty("name").GetString()} is up, line protocol is up", block[0]);
            Assert.Equal($"  Hardware is {i.GetProperty("osName").GetString()}, address is {i.GetProperty("mac").GetString()}", block[1]);
            Assert.Equal($"  Internet address is {i.GetProperty("address").GetString()}", block[2]);
            Assert.Equal($"  MTU {i.GetProperty("mtu").GetInt32()} bytes", block[3]);
            Assert.Equal($"  5 minute input rate {rate.GetProperty("inputBitsPerSecond").GetInt64()} bits/sec, {rate.GetProperty("inputPacketsPerSecond").GetInt64()} packets/sec", block[4]);
            Assert.Equal($"  5 minute output rate {rate.GetProperty("outputBitsPerSecond").GetInt64()} bits/sec, {rate.GetProperty("outputPacketsPerSecond").GetInt64()} packets/sec", block[5]);
            Assert.Equal($"  {i.GetProperty("rxPackets").GetInt64()} packets input, {i.GetProperty("rxBytes").GetInt64()} bytes", block[6]);
            Assert.Equal($"  {i.GetProperty("txPackets").GetInt64()} packets output, {i.GetProperty("txBytes").GetInt64()} bytes", block[7]);
            Assert.Equal($"  {i.GetProperty("drops").GetInt64()} drops, {i.GetProperty("punted").GetInt64()} punted", block[8]);
            Assert.Equal($"  {i.GetProperty("inputDrops").GetInt64()} input drops, {i.GetProperty("outputDrops").GetInt64()} output drops (driver)", block[9]);
            Assert.True(i.GetProperty("rxPackets").GetInt64() > 0);
        }
    }

    [Fact]
    public async Task Show_ip_route_lists_local_connected_and_static_routes_and_json_has_the_same_entries()
    {
        var text = await Router.ArctlAsync("show", "ip", "route");
        var json = await Router.ArctlAsync("show", "ip", "route", "--json");

        Assert.Equal(0, text.ExitCode);
        Assert.Equal(
            [
                "Codes: L - local, C - connected, S - static, F - fleet",
                "Gateway of last resort is not set",
                "C        192.0.2.0/24 is directly connected, GigabitEthernet1",
                "L        192.0.2.1/32 is directly connected, GigabitEthernet1",
                "C        198.51.100.0/24 is directly connected, GigabitEthernet2",
                "L        198.51.100.1/32 is directly connected, GigabitEthernet2",
                "S        203.0.113.0/24 [1/0] via 198.51.100.2, GigabitEthernet2",
            ],
            text.Lines);
        using var doc = JsonDocument.Parse(json.Stdout);
        var routes = doc.RootElement.GetProperty("routes").EnumerateArray()
            .Select(r => $"{r.GetProperty("code").GetString()} {r.GetProperty("prefix").GetString()} {r.GetProperty("nextHop").GetString() ?? "-"} {r.GetProperty("interface").GetString()}")
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(
            [
                "C 192.0.2.0/24 - GigabitEthernet1",
                "C 198.51.100.0/24 - GigabitEthernet2",
                "L 192.0.2.1/32 - GigabitEthernet1",
                "L 198.51.100.1/32 - GigabitEthernet2",
                "S 203.0.113.0/24 198.51.100.2 GigabitEthernet2",
            ],
            routes);
    }

    [Fact]
    public async Task Show_ip_arp_lists_the_router_and_the_simulated_hosts()
    {
        var text = await Router.ArctlAsync("show", "ip", "arp");
        var json = await Router.ArctlAsync("show", "ip", "arp", "--json");

        Assert.Equal(0, text.ExitCode);
        Assert.Equal("Protocol  Address          Age (min)  Hardware Addr      Type  Interface            State", text.Lines[0]);
        Assert.Contains("Internet  192.0.2.1                -  02:00:00:00:00:01  ARPA  GigabitEthernet1     Interface", text.Lines);
        Assert.Contains("Internet  192.0.2.10               0  02:00:00:00:01:0a  ARPA  GigabitEthernet1     Reachable", text.Lines);
        Assert.Contains("Internet  198.51.100.10            0  02:00:00:00:02:0a  ARPA  GigabitEthernet2     Reachable", text.Lines);
        using var doc = JsonDocument.Parse(json.Stdout);
        var host = doc.RootElement.GetProperty("entries").EnumerateArray().Single(e => e.GetProperty("address").GetString() == "192.0.2.10");
        Assert.Equal("02:00:00:00:01:0a", host.GetProperty("mac").GetString());
        Assert.Equal("GigabitEthernet1", host.GetProperty("interface").GetString());
        Assert.Equal(0, host.GetProperty("ageMinutes").GetInt32());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("entries").EnumerateArray()
            .Single(e => e.GetProperty("address").GetString() == "192.0.2.1").GetProperty("ageMinutes").ValueKind);
    }

    [Fact]
    public async Task Show_platform_qfp_statistics_shows_threads_gpm_rings_and_queues_with_the_numbers_of_its_json()
    {
        using var credential = LoadedCredential.Load(new ClientCertificate(Router.AdminCredential, null));
        await using var connection = await RouterConnection.ConnectAsync(RouterAddress.Parse(Router.Router), TimeSpan.FromSeconds(20), credential);
        var reply = (QfpStatisticsView)await connection.AskAsync(new ShowQfpStatisticsRequest(), TimeSpan.FromSeconds(10), RouterAddress.Parse(Router.Router));
        var text = ReplyFormatter.Text(reply).Split('\n');
        using var json = JsonDocument.Parse(ReplyFormatter.Json(reply));
        var root = json.RootElement;

        // The embedded default's layout is auto: collapsed, with as many workers as this machine gives it.
        var plan = ActorRouter.DataPlane.Threads.LayoutPlanner.Plan(ActorRouter.ControlPlane.Supervision.DataPlaneOptionsMapper.FromConfig(InProcessRouter.EmbeddedDefault()));
        var workers = Enumerable.Range(0, plan.Workers).Select(i => $"worker{i}").ToArray();
        Assert.Equal([.. workers, "control"], root.GetProperty("threads").EnumerateArray().Select(t => t.GetProperty("thread").GetString()));
        foreach (var t in root.GetProperty("threads").EnumerateArray())
        {
            Assert.Contains($"  {t.GetProperty("thread").GetString(),-10} {t.GetProperty("packets").GetInt64(),14} {t.GetProperty("bursts").GetInt64(),14} {t.GetProperty("sleeps").GetInt64(),14} {t.GetProperty("naps").GetInt64(),14} {t.GetProperty("lateWakes").GetInt64(),12}", text);
        }
        Assert.True(root.GetProperty("threads")[0].GetProperty("packets").GetInt64() > 0, "worker0 moved no packets");
        Assert.Equal(16384, root.GetProperty("gpmTotal").GetInt32());
        Assert.Contains($"GPM: 16384 buffers, {root.GetProperty("gpmInPool").GetInt32()} in the pool", text);
        Assert.Equal(16384, root.GetProperty("gpmByOwner").EnumerateArray().Sum(o => o.GetProperty("buffers").GetInt32()));
        // Between workers, one ring each way (none with one worker); what a worker hands itself needs none.
        var rings = workers.SelectMany(from => workers.Where(to => to != from).Select(to => $"{from}->{to}")).ToArray();
        Assert.Equal(rings, root.GetProperty("rings").EnumerateArray().Select(r => r.GetProperty("ring").GetString()));
        foreach (var ring in root.GetProperty("rings").EnumerateArray())
        {
            Assert.Contains($"  {ring.GetProperty("ring").GetString(),-24} {ring.GetProperty("depth").GetInt32()}/{ring.GetProperty("capacity").GetInt32()}", text);
        }
        Assert.Equal(["GigabitEthernet1", "GigabitEthernet2"], root.GetProperty("egressQueues").EnumerateArray().Select(q => q.GetProperty("interface").GetString()));
        foreach (var d in root.GetProperty("drops").EnumerateArray())
        {
            Assert.NotEqual(0, d.GetProperty("count").GetInt64());
            Assert.Contains($"  {d.GetProperty("reason").GetString(),-24} {d.GetProperty("count").GetInt64(),14}", text);
        }
    }

    [Fact]
    public async Task Show_platform_threads_lists_every_data_plane_thread_running_with_its_os_thread_id()
    {
        var text = await Router.ArctlAsync("show", "platform", "threads");
        var json = await Router.ArctlAsync("show", "platform", "threads", "--json");

        Assert.Equal(0, text.ExitCode);
        Assert.Equal("Thread   Core Pinned State         Heartbeat Restarts Hangs   OS-TID  Last fault", text.Lines[0]);
        // The embedded default's layout is auto: collapsed workers, pinned where auto placed them on this machine.
        var plan = ActorRouter.DataPlane.Threads.LayoutPlanner.Plan(ActorRouter.ControlPlane.Supervision.DataPlaneOptionsMapper.FromConfig(InProcessRouter.EmbeddedDefault()));
        var workers = Enumerable.Range(0, plan.Workers).Select(i => $"worker{i}").ToArray();
        Assert.Equal(workers, text.Lines.Skip(1).Select(l => l.Split(' ')[0]));
        for (var i = 0; i < workers.Length; i++)
        {
            var core = plan.WorkerCores[i];
            Assert.Matches($@"^\S+\s+{core} {(core >= 0 ? "yes" : "no")}\s+Running\s+\d+\s+0\s+0\s+[1-9]\d*  -$", text.Lines[1 + i]);
        }
        using var doc = JsonDocument.Parse(json.Stdout);
        var threads = doc.RootElement.GetProperty("threads").EnumerateArray().ToList();
        Assert.Equal(workers, threads.Select(t => t.GetProperty("name").GetString()));
        // OS thread ids do not change between the two calls; they are the same numbers in both forms.
        Assert.Equal(text.Lines.Skip(1).Select(l => int.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[7])),
            threads.Select(t => t.GetProperty("osThreadId").GetInt32()));
    }

    [Fact]
    public async Task Show_actors_walks_the_hierarchy_under_user()
    {
        var text = await Router.ArctlAsync("show", "actors");
        var json = await Router.ArctlAsync("show", "actors", "--json");

        Assert.Equal(0, text.ExitCode);
        Assert.Equal("/user", text.Lines[0]);
        Assert.Contains("  router", text.Lines);
        Assert.Contains("    fman", text.Lines);
        Assert.Contains("    qfp-client", text.Lines);
        Assert.Contains("    platform", text.Lines);
        Assert.Contains("    arp", text.Lines);
        Assert.Contains("      neighbors", text.Lines);
        Assert.Contains("  control", text.Lines);
        Assert.Contains("    cli-gateway", text.Lines);
        using var doc = JsonDocument.Parse(json.Stdout);
        var paths = doc.RootElement.GetProperty("paths").EnumerateArray().Select(p => p.GetString()).ToList();
        Assert.Contains("/user/router/arp/neighbors", paths);
        Assert.Contains("/user/control/cli-gateway", paths);
    }

    [Fact]
    public async Task Show_running_config_prints_hocon_that_loads_back_to_the_running_configuration()
    {
        var text = await Router.ArctlAsync("show", "running-config");
        var json = await Router.ArctlAsync("show", "run", "--json");

        Assert.Equal(0, text.ExitCode);
        Assert.Equal("# running configuration; the router was started from (embedded default)", text.Lines[0]);
        Assert.True(ActorRouter.ControlPlane.Configuration.RouterConfigLoader.TryLoadString(text.Stdout, "arctl", out var loaded, out var errors),
            string.Join("\n", errors));
        Assert.Equal(["GigabitEthernet1", "GigabitEthernet2"], loaded!.Interfaces.Select(i => i.Name));
        using var doc = JsonDocument.Parse(json.Stdout);
        Assert.Equal(text.Stdout[(text.Stdout.IndexOf('\n') + 1)..].TrimEnd('\n'), doc.RootElement.GetProperty("text").GetString()!.TrimEnd('\n'));
    }

    [Fact]
    public async Task Debug_fault_is_refused_when_fault_injection_is_disabled()
    {
        var result = await Router.ArctlAsync("debug", "fault", "ppe0");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("% fault injection is disabled (set actorrouter.fault-injection.enabled = true)\n", result.Stderr.Replace("\r", ""));
    }

    [Fact]
    public async Task Write_memory_on_the_embedded_default_is_refused_with_a_reason()
    {
        var result = await Router.ArctlAsync("write", "memory");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("started on its embedded default configuration, which cannot be overwritten; give a file: write memory PATH", result.Stderr);
    }
}
