using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace ActorRouter.Lab.Tests;

/// <summary>
/// The punt path under an on-link attacker, with the router process in the namespace lab and real
/// generators (tests/lab/glean-flood.py, tests/lab/arp-storm.py: AF_PACKET senders at one Python
/// process's maximum): a flood of packets towards unused addresses of a connected subnet (each a
/// glean) must not keep a real host from resolving the router or the router from answering pings,
/// and a storm of ARP requests from thousands of spoofed senders must leave the table within its
/// limits, the real neighbours' entries as they were, and nothing queued once it is over.
/// </summary>
[Collection(nameof(LabCollection))]
public sealed partial class HostileTrafficLabTests(ITestOutputHelper output)
{
    private const string Python = "/usr/bin/python3";
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(10);

    private static void SkipWithoutPython() =>
        Skip.If(!File.Exists(Python), "the hostile-traffic lab needs /usr/bin/python3 for its generators");

    private static string Script(string name) => Path.Combine(Tools.RepoRoot, "tests", "lab", name);

    private static string MacOf(string ns, string dev) =>
        LinkEther().Match(Tools.Ip("-n", ns, "link", "show", dev).Stdout).Groups[1].Value;

    [GeneratedRegex(@"link/ether ([0-9a-f:]{17})")]
    private static partial Regex LinkEther();

    [GeneratedRegex(@"(\d+) (packets )?received")]
    private static partial Regex Received();

    [GeneratedRegex(@"sent=(\d+)")]
    private static partial Regex Sent();

    [GeneratedRegex(@"control: arctl endpoint akka\.ssl\.tcp://actorrouter@([0-9.]+:[0-9]+)/")]
    private static partial Regex ArctlEndpoint();

    private static int Replies(Tools.Result ping)
    {
        var match = Received().Match(ping.Stdout);
        return match.Success ? int.Parse(match.Groups[1].Value) : 0;
    }

    /// <summary>arctl against the lab router, with its admin credential; the JSON of a show.</summary>
    private static JsonElement ShowJson(LabNetwork lab, RouterProcess router, params string[] command)
    {
        var endpoint = router.Lines.Select(l => ArctlEndpoint().Match(l)).First(m => m.Success).Groups[1].Value;
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var arctl = Path.Combine(Tools.RepoRoot, "src", "ActorRouter.Cli", "bin", testBin.Parent!.Name, testBin.Name, "arctl.dll");
        var result = Tools.InNamespace(lab.Router, TimeSpan.FromSeconds(40),
            new[] { "dotnet", arctl, "--router", endpoint, "--cert", router.AdminCredential, "--timeout", "30" }.Concat(command).Append("--json").ToArray());
        Assert.True(result.ExitCode == 0, result.Output);
        using var doc = JsonDocument.Parse(result.Stdout);
        return doc.RootElement.Clone();
    }

    private static JsonElement PuntClass(JsonElement punt, string name) =>
        punt.GetProperty("classes").EnumerateArray().Single(c => c.GetProperty("class").GetString() == name);

    [SkippableFact]
    public void Under_a_glean_flood_a_new_host_resolves_the_router_at_its_first_ping_and_pings_to_the_router_are_answered()
    {
        SkipWithoutPython();
        var (lab, router) = RealClientTests.Boot();
        using (lab)
        using (router)
        {
            // h1 sprays every unused address of Gi2's subnet (198.51.100.0/24 but .1 and .10), for 12 s.
            using var flood = Tools.StartInNamespace(lab.H1, Python, Script("glean-flood.py"), "eth0", MacOf(lab.Router, "eth1"),
                LabNetwork.H1Address, "198.51.100", "1,10", "12");
            Thread.Sleep(2000);

            // h2 has never spoken: its first ping needs its ARP request for the router answered, and the router's
            // echo reply needs h2's entry, learned from that request, while gleans for its subnet pour in.
            var first = Tools.InNamespace(lab.H2, Short, "ping", "-n", "-c", "1", "-W", "1", "198.51.100.1");
            var steady = Tools.InNamespace(lab.H2, TimeSpan.FromSeconds(30), "ping", "-n", "-q", "-c", "200", "-i", "0.02", "-W", "1", "198.51.100.1");
            // And through the router to the now-resolved h2, from a host that has not spoken either.
            var across = Tools.InNamespace(lab.H3, Short, "ping", "-n", "-c", "1", "-W", "1", LabNetwork.H2Address);

            var generator = flood.Finish(TimeSpan.FromSeconds(40));
            Assert.True(generator.ExitCode == 0, generator.Output);
            var sent = long.Parse(Sent().Match(generator.Stdout).Groups[1].Value);
            var punt = ShowJson(lab, router, "show", "platform", "punt");
            var glean = PuntClass(punt, "glean");
            var summary = $"flood: {generator.Stdout.Trim()}; punt: {punt}\n{router.Transcript}";
            output.WriteLine($"glean flood: {generator.Stdout.Trim()}; first ping: {Replies(first)}/1; steady: {Replies(steady)}/200; across: {Replies(across)}/1");
            output.WriteLine($"glean class: {glean}");

            Assert.True(Replies(first) == 1, $"first ping from h2 unanswered within 1 s: {first.Output}\n{summary}");
            Assert.True(Replies(steady) >= 198, $"pings to the router under the flood: {steady.Output}\n{summary}");
            Assert.True(Replies(across) == 1, $"first ping h3 → h2: {across.Output}\n{summary}");
            Assert.True(sent > 10_000, summary);
            // The flood met the glean class's policer, and only it.
            Assert.True(glean.GetProperty("received").GetInt64() > 1000 && glean.GetProperty("policed").GetInt64() > 0, summary);
            Assert.Equal(0, PuntClass(punt, "arp").GetProperty("policed").GetInt64());
            Assert.Equal(0, PuntClass(punt, "icmp-for-us").GetProperty("policed").GetInt64());
            Assert.Equal(0, PuntClass(punt, "arp").GetProperty("dropped").GetInt64());
        }
    }

    [SkippableFact]
    public void An_arp_storm_from_thousands_of_spoofed_senders_leaves_the_table_within_its_limits_and_real_neighbours_as_they_were()
    {
        SkipWithoutPython();
        var (lab, router) = RealClientTests.Boot(text => text.Replace("  control {",
            "  arp { max-entries = 256, max-entries-per-interface = 64 }\n\n  control {"));
        using (lab)
        using (router)
        {
            Assert.True(lab.WaitForPing(lab.H1, LabNetwork.H2Address, Short), router.Transcript);
            Assert.True(lab.WaitForPing(lab.H3, LabNetwork.H1Address, Short), router.Transcript);
            var real = new Dictionary<string, string>
            {
                [LabNetwork.H1Address] = MacOf(lab.H1, "eth0"),
                [LabNetwork.H2Address] = MacOf(lab.H2, "eth0"),
                [LabNetwork.H3Address] = MacOf(lab.H3, "eth0"),
            };

            // From h2's link: 3000 senders (about 250 addresses of the subnet, each claimed by several MACs,
            // and off-link addresses), every one asking for the router's address, round after round for 8 s.
            var storm = Tools.InNamespace(lab.H2, TimeSpan.FromSeconds(40), Python, Script("arp-storm.py"), "eth0", "198.51.100.1", "198.51.100", "1,10", "3000", "8");
            Assert.True(storm.ExitCode == 0, storm.Output);

            var entries = ShowJson(lab, router, "show", "ip", "arp").GetProperty("entries").EnumerateArray()
                .Where(e => e.GetProperty("state").GetString() != "Interface").ToList();
            var summary = $"storm: {storm.Stdout.Trim()}; {entries.Count} entries\n{router.Transcript}";
            output.WriteLine($"arp storm: {storm.Stdout.Trim()}; {entries.Count} entries after it, "
                + $"{entries.Count(e => e.GetProperty("interface").GetString() == "GigabitEthernet2")} on GigabitEthernet2");
            Assert.True(entries.Count(e => e.GetProperty("interface").GetString() == "GigabitEthernet2") <= 64, summary);
            Assert.True(entries.Count <= 256, summary);
            foreach (var (address, mac) in real)
            {
                var entry = entries.SingleOrDefault(e => e.GetProperty("address").GetString() == address);
                Assert.True(entry.ValueKind == JsonValueKind.Object, $"{address} is gone from the table; {summary}");
                Assert.Equal(mac, entry.GetProperty("mac").GetString());
            }

            // Nothing waits on the punt rings once the storm is over, and no buffer is left with the punt path.
            var deadline = DateTime.UtcNow + Short;
            JsonElement punt;
            do
            {
                punt = ShowJson(lab, router, "show", "platform", "punt");
            }
            while (punt.GetProperty("classes").EnumerateArray().Any(c => c.GetProperty("waiting").GetInt64() != 0) && DateTime.UtcNow < deadline);
            Assert.All(punt.GetProperty("classes").EnumerateArray(), c => Assert.Equal(0, c.GetProperty("waiting").GetInt64()));
            var arp = PuntClass(punt, "arp");
            output.WriteLine($"arp class: {arp}");
            var received = arp.GetProperty("received").GetInt64();
            Assert.True(received > 3000, $"{arp}");
            Assert.Equal(received, arp.GetProperty("policed").GetInt64() + arp.GetProperty("queued").GetInt64() + arp.GetProperty("dropped").GetInt64());
            var gpm = ShowJson(lab, router, "show", "platform", "qfp", "statistics").GetProperty("gpmByOwner").EnumerateArray();
            Assert.DoesNotContain(gpm, o => o.GetProperty("owner").GetString() is "Punt" or "ControlPlane");

            // The real neighbours still reach each other through the router at once.
            Assert.Equal(3, lab.Ping(lab.H1, LabNetwork.H2Address));
            Assert.Equal(3, lab.Ping(lab.H3, LabNetwork.H1Address));
        }
    }
}
