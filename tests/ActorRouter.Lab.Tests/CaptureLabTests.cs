using System.Globalization;
using System.Text.Json;

namespace ActorRouter.Lab.Tests;

/// <summary>
/// <c>monitor capture</c> with real hosts pinging through the router: the file the router writes is
/// read back with tshark and holds exactly the frames that crossed (addresses, TTL before and after
/// the router, count); the packet limit, the duration and stop end a capture; drops carry their
/// reason; and a capture running during a UDP flood costs the forwarded traffic nothing.
/// </summary>
public sealed partial class RealClientTests
{
    /// <summary>A fresh capture directory, and the lab's configuration with it as <c>control.capture-directory</c>.</summary>
    private static (string Directory, Func<string, string> Edit) CaptureDirectory()
    {
        var directory = Directory.CreateTempSubdirectory("actorrouter-captures-").FullName;
        return (directory, text => text.Replace("port = 0", $"port = 0\n    capture-directory = \"{directory}\"", StringComparison.Ordinal));
    }

    private static void RequireTshark() => Skip.If(Tools.Which("tshark") is null, "the capture lab needs tshark (bash .ci/run installs it)");

    /// <summary>tshark's fields of every frame in <paramref name="file"/>, one line per frame, comma-separated.</summary>
    private static string[] Tshark(string file, params string[] fields)
    {
        var args = new List<string> { "-r", file, "-T", "fields", "-E", "separator=," };
        foreach (var field in fields)
        {
            args.Add("-e");
            args.Add(field);
        }
        var run = Tools.Run("tshark", args, TimeSpan.FromSeconds(60));
        Assert.True(run.ExitCode == 0, run.Output);
        return run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private static JsonElement CaptureState(LabNetwork lab, RouterProcess router, string name)
    {
        var show = ArctlIn(lab, router, "show", "monitor", "capture", "--json");
        Assert.True(show.ExitCode == 0, show.Output);
        using var json = JsonDocument.Parse(show.Stdout);
        return json.RootElement.GetProperty("captures").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name).Clone();
    }

    private static bool WaitForCaptureState(LabNetwork lab, RouterProcess router, string name, string state, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (CaptureState(lab, router, name).GetProperty("state").GetString() == state)
            {
                return true;
            }
            Thread.Sleep(200);
        }
        return false;
    }

    private static void Arctl(LabNetwork lab, RouterProcess router, params string[] command)
    {
        var result = ArctlIn(lab, router, command);
        Assert.True(result.ExitCode == 0, $"arctl {string.Join(' ', command)}: {result.Output}\n{router.Transcript}");
    }

    [SkippableFact]
    public void A_capture_of_pings_holds_exactly_the_requests_as_received_and_the_replies_as_sent_and_ends_at_its_limit()
    {
        RequireTshark();
        var (directory, edit) = CaptureDirectory();
        try
        {
            var (lab, router) = Boot(edit);
            using (lab)
            using (router)
            {
                Assert.True(lab.WaitForPing(lab.H1, LabNetwork.H2Address, Short), router.Transcript);
                Arctl(lab, router, "monitor", "capture", "pings", "interface", "gi1", "both", "match", "icmp", "and", "host", LabNetwork.H1Address,
                    "limit", "packets", "8", "file", "pings.pcapng");
                Arctl(lab, router, "monitor", "capture", "pings", "start");

                Assert.Equal(4, lab.Ping(lab.H1, LabNetwork.H2Address, 4));

                Assert.True(WaitForCaptureState(lab, router, "pings", "stopped", Short), CaptureState(lab, router, "pings").ToString());
                var state = CaptureState(lab, router, "pings");
                Assert.Equal(("packet limit reached", 8, 8, 0), (state.GetProperty("stopReason").GetString(), state.GetProperty("copied").GetInt64(),
                    state.GetProperty("written").GetInt64(), state.GetProperty("captureDrops").GetInt64()));
                // Each echo request as h1 sent it (TTL 64) entering on Gi1, each reply as the router sent it to h1
                // (h2's TTL 64 less the router's hop) leaving by Gi1; nothing else.
                var request = $"{LabNetwork.H1Address},{LabNetwork.H2Address},64,8";
                var reply = $"{LabNetwork.H2Address},{LabNetwork.H1Address},63,0";
                Assert.Equal([request, reply, request, reply, request, reply, request, reply],
                    Tshark(Path.Combine(directory, "pings.pcapng"), "ip.src", "ip.dst", "ip.ttl", "icmp.type"));
                // The Ethernet addresses say where each was: the requests from h1 to the router, the replies from the router to h1.
                var macs = Tshark(Path.Combine(directory, "pings.pcapng"), "eth.src", "eth.dst");
                var h1 = MacOf(lab.H1, "eth0");
                var gi1 = MacOf(lab.Router, "eth1");
                Assert.Equal(Enumerable.Repeat(new[] { $"{h1},{gi1}", $"{gi1},{h1}" }, 4).SelectMany(p => p), macs);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [SkippableFact]
    public void Drops_are_captured_with_their_reason_as_a_comment_stop_and_duration_end_captures_and_paths_stay_in_the_directory()
    {
        RequireTshark();
        var (directory, edit) = CaptureDirectory();
        try
        {
            var (lab, router) = Boot(edit);
            using (lab)
            using (router)
            {
                Assert.True(lab.WaitForPing(lab.H1, LabNetwork.H2Address, Short), router.Transcript);

                // TTL 1 towards h2: expires at the router; each one is captured at the drop node.
                Arctl(lab, router, "monitor", "capture", "expired", "interface", "any", "drops", "TtlExpired", "file", "expired.pcapng");
                Arctl(lab, router, "monitor", "capture", "expired", "start");
                Assert.Equal(0, lab.Ping(lab.H1, LabNetwork.H2Address, 3, "-t", "1"));
                var stop = ArctlIn(lab, router, "monitor", "capture", "expired", "stop");
                Assert.True(stop.ExitCode == 0, stop.Output);
                Assert.StartsWith("capture expired stopped (stopped by command): 3 packets written to ", stop.Stdout);
                Assert.Equal(Enumerable.Repeat($"{LabNetwork.H1Address},{LabNetwork.H2Address},1,drop: TtlExpired (received on GigabitEthernet1)", 3),
                    Tshark(Path.Combine(directory, "expired.pcapng"), "ip.src", "ip.dst", "ip.ttl", "frame.comment"));

                // Classic pcap, ended by its duration.
                Arctl(lab, router, "monitor", "capture", "timed", "interface", "gi2", "in", "limit", "duration", "2", "file", "timed.pcap");
                Arctl(lab, router, "monitor", "capture", "timed", "start");
                Assert.Equal(3, lab.Ping(lab.H1, LabNetwork.H2Address, 3));
                Assert.True(WaitForCaptureState(lab, router, "timed", "stopped", Short), CaptureState(lab, router, "timed").ToString());
                Assert.Equal("duration elapsed", CaptureState(lab, router, "timed").GetProperty("stopReason").GetString());
                var replies = Tshark(Path.Combine(directory, "timed.pcap"), "ip.src", "ip.dst", "ip.ttl", "icmp.type").Where(l => l.EndsWith(",0", StringComparison.Ordinal)).ToList();
                Assert.Equal(Enumerable.Repeat($"{LabNetwork.H2Address},{LabNetwork.H1Address},64,0", 3), replies);

                // Outside the capture directory, or not a capture file: refused, and nothing is written.
                var outside = ArctlIn(lab, router, "monitor", "capture", "bad", "interface", "gi1", "in", "file", "/tmp/escape.pcap");
                Assert.NotEqual(0, outside.ExitCode);
                Assert.Contains($"'/tmp/escape.pcap' is outside the capture directory {directory}; captures are written only there", outside.Output);
                var up = ArctlIn(lab, router, "monitor", "capture", "bad", "interface", "gi1", "in", "file", "../escape.pcap");
                Assert.Contains("'../escape.pcap' contains '..'", up.Output);
                var kind = ArctlIn(lab, router, "monitor", "capture", "bad", "interface", "gi1", "in", "file", "notes.txt");
                Assert.Contains("'notes.txt' does not end in .pcap or .pcapng", kind.Output);
                Assert.False(File.Exists("/tmp/escape.pcap"));
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The data plane's drop count of every reason together, from <c>show platform qfp statistics --json</c>.</summary>
    private static long TotalDrops(LabNetwork lab, RouterProcess router)
    {
        var show = ArctlIn(lab, router, "show", "platform", "qfp", "statistics", "--json");
        Assert.True(show.ExitCode == 0, show.Output);
        using var json = JsonDocument.Parse(show.Stdout);
        return json.RootElement.GetProperty("drops").EnumerateArray().Sum(d => d.GetProperty("count").GetInt64());
    }

    /// <summary>A 3-second iperf3 UDP flood from h1 to h2 at 20 Mbit/s: the datagrams h2 received and lost.</summary>
    private static (long Packets, long Lost) Flood(LabNetwork lab, RouterProcess router)
    {
        using var server = Tools.StartInNamespace(lab.H2, "iperf3", "-s", "-1", "-J", "-p", "5202");
        Assert.True(QosLabTests.WaitForTcpListener(lab.H2, 5202, Short), $"iperf3 -s (PID {server.Pid}) did not listen");
        var client = Tools.InNamespace(lab.H1, TimeSpan.FromSeconds(20),
            "iperf3", "-c", LabNetwork.H2Address, "-p", "5202", "-u", "-b", "20M", "-l", "1200", "-t", "3", "-J");
        var serverResult = server.Finish(Short);
        Assert.True(client.ExitCode == 0, $"iperf3 client: {client.Output}\nserver: {serverResult.Output}\n{router.Transcript}");
        using var json = JsonDocument.Parse(client.Stdout);
        var sum = json.RootElement.GetProperty("end").GetProperty("sum");
        return (sum.GetProperty("packets").GetInt64(), sum.GetProperty("lost_packets").GetInt64());
    }

    [SkippableFact]
    public void A_capture_running_during_a_udp_flood_leaves_the_forwarded_traffic_as_it_is_without_one()
    {
        RequireTshark();
        Skip.If(Tools.Which("iperf3") is null, "the flood needs iperf3 (bash .ci/run installs it)");
        var (directory, edit) = CaptureDirectory();
        try
        {
            var (lab, router) = Boot(edit);
            using (lab)
            using (router)
            {
                Assert.True(lab.WaitForPing(lab.H1, LabNetwork.H2Address, Short), router.Transcript);

                var dropsBefore = TotalDrops(lab, router);
                var plain = Flood(lab, router);
                var dropsPlain = TotalDrops(lab, router) - dropsBefore;

                Arctl(lab, router, "monitor", "capture", "flood", "interface", "any", "both", "match", "udp", "and", "dst", "host", LabNetwork.H2Address, "file", "flood.pcapng");
                Arctl(lab, router, "monitor", "capture", "flood", "start");
                var captured = Flood(lab, router);
                Arctl(lab, router, "monitor", "capture", "flood", "stop");
                var dropsCaptured = TotalDrops(lab, router) - dropsBefore - dropsPlain;
                var state = CaptureState(lab, router, "flood");

                // The data plane dropped nothing in either run (what iperf3 reports lost, if anything, was lost
                // outside the router: plain {plain.Lost}, captured {captured.Lost}), and with the capture on, every
                // datagram that entered on Gi1 left by Gi2: the copies never touch forwarding.
                Assert.True((dropsPlain, dropsCaptured) == (0, 0),
                    $"data-plane drops without capture {dropsPlain}, with capture {dropsCaptured}; iperf3 lost {plain.Lost} and {captured.Lost}");
                Assert.True(plain.Packets > 1000 && captured.Packets > 1000, $"{plain.Packets} and {captured.Packets} datagrams");
                Assert.Equal(0, state.GetProperty("captureDrops").GetInt64());
                Assert.Equal(state.GetProperty("copied").GetInt64(), state.GetProperty("written").GetInt64());
                var sources = Tshark(Path.Combine(directory, "flood.pcapng"), "eth.src");
                var h1 = MacOf(lab.H1, "eth0");
                var gi2 = MacOf(lab.Router, "eth2");
                var entered = sources.Count(s => s == h1);
                var left = sources.Count(s => s == gi2);
                Assert.Equal(sources.Length, entered + left);
                Assert.Equal(entered, left);
                Assert.Equal(state.GetProperty("written").GetInt64(), sources.Length);
                Assert.True(entered >= captured.Packets - captured.Lost, $"{entered} datagrams entered the router, h2 received {captured.Packets - captured.Lost}");
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
