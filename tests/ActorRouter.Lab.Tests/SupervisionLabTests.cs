using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace ActorRouter.Lab.Tests;

/// <summary>
/// Supervision without gaps, on the router process in the namespace lab (split layout, two PPEs) under a
/// real flow of sequence-numbered UDP datagrams from h1 to h2 (tests/lab/seq-flow.py): a PPE hung with
/// <c>debug fault ppe0 stall</c> is fenced and restarted while the flow goes on through the other PPE, in
/// order; faults past the thread restart limit get the data plane reloaded, and the router forwards on.
/// </summary>
[Collection(nameof(LabCollection))]
public sealed partial class SupervisionLabTests(ITestOutputHelper output)
{
    private const string Python = "/usr/bin/python3";
    private const int Port = 9100;
    private const int RatePps = 2000;

    [GeneratedRegex(@"control: arctl endpoint akka\.ssl\.tcp://actorrouter@([0-9.]+:[0-9]+)/")]
    private static partial Regex ArctlEndpoint();

    [GeneratedRegex(@"received=(\d+) out_of_order=(\d+) duplicates=(\d+) max_seq=(-?\d+) max_gap_ms=(\d+)")]
    private static partial Regex ReceiverLine();

    [GeneratedRegex(@"sent=(\d+)")]
    private static partial Regex SenderLine();

    private static Tools.Result Arctl(LabNetwork lab, RouterProcess router, params string[] command)
    {
        var endpoint = router.Lines.Select(l => ArctlEndpoint().Match(l)).First(m => m.Success).Groups[1].Value;
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var arctl = Path.Combine(Tools.RepoRoot, "src", "ActorRouter.Cli", "bin", testBin.Parent!.Name, testBin.Name, "arctl.dll");
        return Tools.InNamespace(lab.Router, TimeSpan.FromSeconds(40),
            new[] { "dotnet", arctl, "--router", endpoint, "--cert", router.AdminCredential, "--timeout", "30" }.Concat(command).ToArray());
    }

    private static JsonElement Threads(LabNetwork lab, RouterProcess router)
    {
        var result = Arctl(lab, router, "show", "platform", "threads", "--json");
        Assert.True(result.ExitCode == 0, result.Output);
        using var doc = JsonDocument.Parse(result.Stdout);
        return doc.RootElement.Clone();
    }

    private static JsonElement Thread(JsonElement threads, string name) =>
        threads.GetProperty("threads").EnumerateArray().Single(t => t.GetProperty("name").GetString() == name);

    /// <summary>Polls <c>show platform threads</c> until <paramref name="condition"/> holds; the last reading either way.</summary>
    private static JsonElement WaitForThreads(LabNetwork lab, RouterProcess router, Func<JsonElement, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var threads = Threads(lab, router);
        while (!condition(threads) && DateTime.UtcNow < deadline)
        {
            System.Threading.Thread.Sleep(300);
            threads = Threads(lab, router);
        }
        return threads;
    }

    private static void Inject(LabNetwork lab, RouterProcess router, params string[] fault)
    {
        var result = Arctl(lab, router, new[] { "debug", "fault" }.Concat(fault).ToArray());
        Assert.True(result.ExitCode == 0, $"debug fault {string.Join(' ', fault)}: {result.Output}\n{router.Transcript}");
    }

    [SkippableFact]
    public void A_hung_ppe_is_restarted_while_the_flow_goes_on_in_order_and_faults_past_the_limit_reload_the_data_plane()
    {
        Skip.If(!File.Exists(Python), "the supervision lab needs /usr/bin/python3 for its flow generator");
        var (lab, router) = RealClientTests.Boot(text => text
            .Replace("ppe-threads = 1 ", "ppe-threads = 2 ")
            + "\nactorrouter.data-plane.layout = split\nactorrouter.fault-injection.enabled = true\nactorrouter.supervision.thread-restart-limit = 3\n");
        using (lab)
        using (router)
        {
            Assert.True(lab.WaitForPing(lab.H1, LabNetwork.H2Address, TimeSpan.FromSeconds(10)), router.Transcript);
            var script = Path.Combine(Tools.RepoRoot, "tests", "lab", "seq-flow.py");
            using var receiver = Tools.StartInNamespace(lab.H2, Python, script, "receive", Port.ToString(), "90");
            System.Threading.Thread.Sleep(500);
            using var sender = Tools.StartInNamespace(lab.H1, Python, script, "send", LabNetwork.H2Address, Port.ToString(), RatePps.ToString(), "60");
            System.Threading.Thread.Sleep(2000);

            // 1. ppe0 hangs for 6 s holding a burst. The HQF stops waiting for it after its order wait and the
            //    dispatcher passes it over; after its 2 s hang limit the supervisor fences and restarts it.
            Inject(lab, router, "ppe0", "stall", "6");
            var threads = WaitForThreads(lab, router, t => Thread(t, "ppe0").GetProperty("restarts").GetInt32() == 1, TimeSpan.FromSeconds(30));
            var ppe0 = Thread(threads, "ppe0");
            output.WriteLine($"after the hang: {ppe0}");
            Assert.True(ppe0.GetProperty("restarts").GetInt32() == 1, $"{threads}\n{router.Transcript}");
            Assert.Equal(1, ppe0.GetProperty("hangs").GetInt32());
            Assert.Equal(1, ppe0.GetProperty("fences").GetInt32());
            Assert.Equal("Running", ppe0.GetProperty("state").GetString());
            Assert.Contains(router.Lines, l => l.Contains("data-plane thread ppe0 hung: heartbeat"));

            // 2. ppe1 crashes four times; the fourth within 30 s is past the limit of 3: the data plane is reloaded.
            for (var fault = 1; fault <= 3; fault++)
            {
                Inject(lab, router, "ppe1");
                var expected = fault;
                threads = WaitForThreads(lab, router, t => Thread(t, "ppe1").GetProperty("restarts").GetInt32() == expected
                    && Thread(t, "ppe1").GetProperty("state").GetString() == "Running", TimeSpan.FromSeconds(30));
                Assert.True(Thread(threads, "ppe1").GetProperty("restarts").GetInt32() == expected, $"{threads}\n{router.Transcript}");
            }
            Inject(lab, router, "ppe1");
            threads = WaitForThreads(lab, router, t => t.GetProperty("dataPlaneReloads").GetInt32() == 1
                && t.GetProperty("threads").EnumerateArray().All(w => w.GetProperty("state").GetString() == "Running"), TimeSpan.FromSeconds(30));
            output.WriteLine($"after the escalation: {threads}");
            Assert.True(threads.GetProperty("dataPlaneReloads").GetInt32() == 1, $"{threads}\n{router.Transcript}");
            Assert.Contains("data-plane thread ppe1 failed 4 times", threads.GetProperty("lastEscalation").GetString());
            Assert.Contains(router.Lines, l => l.Contains("escalation: data-plane thread ppe1 failed 4 times"));
            var text = Arctl(lab, router, "show", "platform", "threads");
            output.WriteLine(text.Stdout);
            Assert.Contains("Escalations: 1 data-plane reload(s), 0 restart(s) of every control-plane actor; last: ", text.Stdout);

            // 3. The router forwards on: the flow runs to its end and the receiver sees what came, in order.
            var sent = sender.Finish(TimeSpan.FromSeconds(90));
            var received = receiver.Finish(TimeSpan.FromSeconds(60));
            Assert.True(sent.ExitCode == 0, sent.Output);
            Assert.True(received.ExitCode == 0, received.Output);
            var s = long.Parse(SenderLine().Match(sent.Stdout).Groups[1].Value);
            var r = ReceiverLine().Match(received.Stdout);
            Assert.True(r.Success, received.Output);
            var arrived = long.Parse(r.Groups[1].Value);
            var outOfOrder = long.Parse(r.Groups[2].Value);
            var maxGapMs = long.Parse(r.Groups[5].Value);
            var drops = Arctl(lab, router, "show", "platform", "qfp", "statistics");
            output.WriteLine($"flow: {sent.Stdout.Trim()}; {received.Stdout.Trim()}");
            output.WriteLine(drops.Stdout);
            var summary = $"{sent.Stdout}{received.Stdout}\n{drops.Stdout}\n{router.Transcript}";
            Assert.True(outOfOrder == 0, summary);
            Assert.Equal(0, long.Parse(r.Groups[3].Value));
            // Traffic never stopped for the hang's 2 s limit: the other PPE carried it meanwhile.
            Assert.True(maxGapMs < 1500, $"the flow stood still for {maxGapMs} ms\n{summary}");
            // What was lost: the hung PPE's bursts and what was in the rings at the reload; a small part of the flow.
            Assert.True(arrived >= s * 95 / 100, $"{arrived} of {s} arrived\n{summary}");
            Assert.True(lab.WaitForPing(lab.H3, LabNetwork.H1Address, TimeSpan.FromSeconds(10)), router.Transcript);
        }
    }
}
