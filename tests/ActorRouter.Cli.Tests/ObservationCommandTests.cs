using System.Text.Json;
using ActorRouter.Control.Contracts;

namespace ActorRouter.Cli.Tests;

/// <summary>
/// <c>debug|show|clear packet-trace</c> and <c>show|clear platform runtime</c> against a router on the
/// embedded default, whose simulated hosts send UDP to each other through it (100 packets/s each way).
/// </summary>
public sealed class ObservationCommandTests(RouterFixture fixture) : IClassFixture<RouterFixture>
{
    private InProcessRouter Router => fixture.Router;

    private static readonly string[] ForwardedPath =
        ["ethernet-input -> ip4-input", "ip4-input -> ip4-lookup", "ip4-lookup -> ip4-rewrite", "ip4-rewrite -> interface-output", "interface-output -> "];

    [Fact]
    public async Task A_packet_trace_records_the_next_matching_packets_node_by_node_and_clear_forgets_it()
    {
        await Router.ArctlAsync("clear", "packet-trace");
        var arm = await Router.ArctlAsync("debug", "packet-trace", "2", "interface", "gi1", "match", "src", "host", "192.0.2.10", "and", "udp", "and", "dst", "port", "50000");
        Assert.Equal(0, arm.ExitCode);
        Assert.Equal(["packet trace armed for the next 2 packet(s) received on GigabitEthernet1 matching 'src host 192.0.2.10 and udp and dst port 50000'"], arm.Lines);

        JsonElement root = default;
        var done = await InProcessRouter.EventuallyAsync(async () =>
        {
            var json = await Router.ArctlAsync("show", "packet-trace", "--json");
            root = JsonDocument.Parse(json.Stdout).RootElement.Clone();
            return !root.GetProperty("armed").GetBoolean() && root.GetProperty("packets").EnumerateArray().All(p => p.GetProperty("steps").GetArrayLength() == 5)
                && root.GetProperty("packets").GetArrayLength() == 2;
        }, TimeSpan.FromSeconds(20));
        Assert.True(done, root.ToString());

        Assert.Equal((2, 2, "GigabitEthernet1", "src host 192.0.2.10 and udp and dst port 50000"),
            (root.GetProperty("limit").GetInt32(), root.GetProperty("traced").GetInt32(), root.GetProperty("interface").GetString(), root.GetProperty("match").GetString()));
        var packets = root.GetProperty("packets").EnumerateArray().ToList();
        Assert.Equal([1, 2], packets.Select(p => p.GetProperty("id").GetInt32()));
        foreach (var packet in packets)
        {
            var steps = packet.GetProperty("steps").EnumerateArray().ToList();
            Assert.Equal(ForwardedPath, steps.Select(s => $"{s.GetProperty("node").GetString()} -> {s.GetProperty("next").GetString()}"));
            Assert.All(steps, s => Assert.Equal(("192.0.2.10", "198.51.100.10", "udp", "GigabitEthernet1"),
                (s.GetProperty("source").GetString(), s.GetProperty("destination").GetString(), s.GetProperty("protocol").GetString(), s.GetProperty("receivedOn").GetString())));
            Assert.Equal(steps[0].GetProperty("ttl").GetInt32() - 1, steps[4].GetProperty("ttl").GetInt32());
            Assert.Equal("output on GigabitEthernet2", steps[4].GetProperty("decision").GetString());
            Assert.Equal("GigabitEthernet2", steps[3].GetProperty("egress").GetString());
        }

        var text = await Router.ArctlAsync("show", "packet-trace");
        Assert.Equal(0, text.ExitCode);
        Assert.Equal("Packet trace: 2 of 2 packets traced (done), interface GigabitEthernet1, match 'src host 192.0.2.10 and udp and dst port 50000'", text.Lines[0]);
        Assert.StartsWith("Packet 1 (ppe", text.Lines[1]);
        Assert.Matches(@"^\s+0 ns  ethernet-input   to ip4-input$", text.Lines[2]);
        Assert.Matches(@"^\s+in GigabitEthernet1, 192\.0\.2\.10 > 198\.51\.100\.10 udp ttl \d+ len 92, frame 106$", text.Lines[3]);
        Assert.Equal(1 + 2 * (1 + 5 * 2), text.Lines.Length);

        var clear = await Router.ArctlAsync("clear", "packet-trace");
        Assert.Equal(["packet trace cleared"], clear.Lines);
        var empty = await Router.ArctlAsync("show", "packet-trace");
        Assert.Equal(["No packet trace (arm one with 'debug packet-trace COUNT [interface NAME] [match FILTER]')"], empty.Lines);
    }

    [Fact]
    public async Task A_filter_the_router_cannot_read_is_refused_and_nothing_is_armed()
    {
        var result = await Router.ArctlAsync("debug", "packet-trace", "5", "match", "proto", "gre");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("match: 'gre' is not a protocol (icmp, icmp6, udp, tcp or 0..255)", result.Stdout + result.Stderr);
    }

    [Fact]
    public async Task Show_platform_runtime_lists_each_ppe_threads_nodes_with_the_numbers_of_its_json_and_clear_zeroes_them()
    {
        var counted = await InProcessRouter.EventuallyAsync(async () =>
        {
            var json = await Router.ArctlAsync("show", "platform", "runtime", "--json");
            using var doc = JsonDocument.Parse(json.Stdout);
            return doc.RootElement.GetProperty("threads").EnumerateArray().Any(t => t.GetProperty("nodes")[0].GetProperty("timedPackets").GetInt64() > 0);
        }, TimeSpan.FromSeconds(20));
        Assert.True(counted);

        var result = await Router.ArctlAsync("show", "platform", "runtime", "--json");
        using var doc = JsonDocument.Parse(result.Stdout);
        var root = doc.RootElement;
        Assert.Equal(256, root.GetProperty("sampleInterval").GetInt32());
        // The graph threads of the layout in force: PPEs (split) or workers (collapsed; auto on this machine).
        var threadNames = root.GetProperty("threads").EnumerateArray().Select(t => t.GetProperty("thread").GetString()!).ToList();
        Assert.NotEmpty(threadNames);
        Assert.All(threadNames, name => Assert.Matches(@"^(ppe|worker)\d+$", name));
        foreach (var thread in root.GetProperty("threads").EnumerateArray())
        {
            Assert.Equal(
                ["ethernet-input", "ip4-input", "ip4-lookup", "classify", "ip4-rewrite", "ip4-frag", "esp4-decrypt", "esp4-encrypt", "ip4-icmp-error", "ip4-mcast", "ip4-mcast-rewrite",
                 "ip6-input", "ip6-lookup", "ip6-classify", "ip6-rewrite", "ip6-icmp-error", "recycle", "punt", "drop", "interface-output"],
                thread.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("node").GetString()));
        }
        var busy = root.GetProperty("threads").EnumerateArray().First(t => t.GetProperty("nodes")[0].GetProperty("timedPackets").GetInt64() > 0);
        var input = busy.GetProperty("nodes")[0];
        Assert.True(input.GetProperty("calls").GetInt64() > 0);
        var nanoseconds = input.GetProperty("nanosecondsPerPacket").GetDouble();
        Assert.True(nanoseconds > 0);
        // Clocks are the CPU's cycle counter's (the TSC here), at its measured rate.
        var clockSource = root.GetProperty("clockSource").GetString();
        var hz = root.GetProperty("clocksPerSecond").GetDouble();
        if (System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64)
        {
            Assert.Equal("TSC", clockSource);
            Assert.InRange(hz, 5e8, 1e10);
        }
        Assert.Equal(Math.Round(nanoseconds * hz / 1e9, 1), input.GetProperty("clocksPerPacket").GetDouble(), 0.11);

        var text = await Router.ArctlAsync("show", "platform", "runtime");
        Assert.Matches(@"^Node runtime \(time measured on one burst in 256; clocks: (TSC|cntvct|ns) at \d+\.\d{3} GHz\)$", text.Lines[0]);
        Assert.Contains($"Thread {threadNames[0]}:", text.Lines);
        Assert.Contains("  Name                     Calls         Packets  Packets/Call   ns/Packet  Clocks/Packet", text.Lines);
        Assert.Contains(text.Lines, l => l.StartsWith("  ethernet-input ", StringComparison.Ordinal));

        var clear = await Router.ArctlAsync("clear", "platform", "runtime");
        Assert.Equal(["cleared the runtime of every PPE thread"], clear.Lines);
    }

    [Fact]
    public async Task Monitor_capture_without_a_capture_directory_is_refused_and_nothing_is_defined()
    {
        var define = await Router.ArctlAsync("monitor", "capture", "c1", "interface", "gi1", "both", "file", "c1.pcap");
        var show = await Router.ArctlAsync("show", "monitor", "capture");

        Assert.NotEqual(0, define.ExitCode);
        Assert.Contains("captures to a file need a capture directory: set actorrouter.control.capture-directory", define.Stdout + define.Stderr);
        Assert.Equal(["No captures defined"], show.Lines);
        var start = await Router.ArctlAsync("monitor", "capture", "c1", "start");
        Assert.Contains("no capture named c1", start.Stdout + start.Stderr);
    }

    [Fact]
    public void Trace_and_capture_commands_parse_with_their_filters_limits_and_files()
    {
        Assert.Equal(new DebugPacketTraceRequest(3, null, null), CommandTable.Parse(["deb", "packet-trace", "3"]));
        Assert.Equal(new DebugPacketTraceRequest(3, "gi1", null), CommandTable.Parse(["debug", "packet-trace", "3", "int", "gi1"]));
        Assert.Equal(new DebugPacketTraceRequest(3, null, "src host 192.0.2.1 and icmp"), CommandTable.Parse(ArctlApp.Tokenize("debug packet-trace 3 match src host 192.0.2.1 and icmp")));
        Assert.Equal(new DebugPacketTraceRequest(9, "gi2", "udp"), CommandTable.Parse(ArctlApp.Tokenize("debug packet-trace 9 interface gi2 match udp")));
        Assert.IsType<ShowPacketTraceRequest>(CommandTable.Parse(ArctlApp.Tokenize("sh packet-trace")));
        Assert.IsType<ClearPlatformRuntimeRequest>(CommandTable.Parse(ArctlApp.Tokenize("clear plat runtime")));
        Assert.IsType<ShowPlatformRuntimeRequest>(CommandTable.Parse(ArctlApp.Tokenize("sh plat run")));
        Assert.IsType<ShowMonitorCaptureRequest>(CommandTable.Parse(ArctlApp.Tokenize("show monitor capture")));
        Assert.Equal(new DefineCaptureRequest("c", "gi1", "drops", "TtlExpired", "icmp and host 192.0.2.1", 5, null, "a.pcapng"),
            CommandTable.Parse(ArctlApp.Tokenize("monitor capture c interface gi1 drops TtlExpired match icmp and host 192.0.2.1 limit packets 5 file a.pcapng")));
        Assert.Equal(new DefineCaptureRequest("c", "any", "both", null, null, null, 30, "b.pcap"),
            CommandTable.Parse(ArctlApp.Tokenize("monitor capture c interface any both limit duration 30 file b.pcap")));
        Assert.Equal(new StartCaptureRequest("c"), CommandTable.Parse(ArctlApp.Tokenize("monitor capture c start")));
        Assert.Equal(new StopCaptureRequest("c"), CommandTable.Parse(ArctlApp.Tokenize("mon capture c stop")));
        Assert.Equal("a capture needs a file; usage: monitor capture NAME interface NAME|any in|out|both|drops [REASON] [match FILTER] [limit packets N | limit duration S] file PATH",
            Assert.Throws<UsageException>(() => CommandTable.Parse(ArctlApp.Tokenize("monitor capture c interface gi1 in"))).Message);
        Assert.Equal("'sideways' is not a direction (in, out, both or drops); usage: monitor capture NAME interface NAME|any in|out|both|drops [REASON] [match FILTER] [limit packets N | limit duration S] file PATH",
            Assert.Throws<UsageException>(() => CommandTable.Parse(ArctlApp.Tokenize("monitor capture c interface gi1 sideways file a.pcap"))).Message);
        Assert.Equal("packet-trace takes 1..1024 packets, not 5000",
            Assert.Throws<UsageException>(() => CommandTable.Parse(ArctlApp.Tokenize("debug packet-trace 5000"))).Message);
    }
}
