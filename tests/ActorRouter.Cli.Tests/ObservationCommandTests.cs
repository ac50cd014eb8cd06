using System.Text.Json;

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
        Assert.Contains("match: 'gre' is not a protocol (icmp, udp, tcp or 0..255)", result.Stdout + result.Stderr);
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
        Assert.Equal(16, root.GetProperty("sampleInterval").GetInt32());
        Assert.Equal(["ppe0", "ppe1"], root.GetProperty("threads").EnumerateArray().Select(t => t.GetProperty("thread").GetString()));
        foreach (var thread in root.GetProperty("threads").EnumerateArray())
        {
            Assert.Equal(
                ["ethernet-input", "ip4-input", "ip4-lookup", "classify", "ip4-rewrite", "ip4-frag", "ip4-icmp-error", "punt", "drop", "interface-output"],
                thread.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("node").GetString()));
        }
        var busy = root.GetProperty("threads").EnumerateArray().First(t => t.GetProperty("nodes")[0].GetProperty("timedPackets").GetInt64() > 0);
        var input = busy.GetProperty("nodes")[0];
        Assert.True(input.GetProperty("calls").GetInt64() > 0);
        Assert.True(input.GetProperty("nanosecondsPerPacket").GetDouble() > 0);

        var text = await Router.ArctlAsync("show", "platform", "runtime");
        Assert.Equal("Node runtime (time measured on one burst in 16, and on every burst while a trace or capture is armed)", text.Lines[0]);
        Assert.Contains("Thread ppe0:", text.Lines);
        Assert.Contains("  Name                     Calls         Packets  Packets/Call   ns/Packet", text.Lines);
        Assert.Contains(text.Lines, l => l.StartsWith("  ethernet-input ", StringComparison.Ordinal));

        var clear = await Router.ArctlAsync("clear", "platform", "runtime");
        Assert.Equal(["cleared the runtime of every PPE thread"], clear.Lines);
    }
}
