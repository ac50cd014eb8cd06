using System.Text.Json;

namespace ActorRouter.Lab.Tests;

/// <summary>
/// IPv4 multicast with the hosts' own kernels: h2 joins 239.1.1.1 with an ordinary socket (IP_ADD_MEMBERSHIP: its kernel
/// sends the IGMPv3 report), h1 sends to 239.1.1.1 and 239.2.2.2; the router's (*,239.1.1.1) route from GigabitEthernet1
/// has no static outgoing interface, so only IGMP puts GigabitEthernet2 on it; (192.0.2.10, 239.2.2.2) is static, out
/// GigabitEthernet3 to h3, which never joins anything. After h2 leaves, the copies stop within the IGMP timers; h3 sending
/// to 239.1.1.1 fails the RPF check and is counted.
/// </summary>
public sealed partial class RealClientTests
{
    private const string Group1 = "239.1.1.1", Group2 = "239.2.2.2";

    private static string WithMulticast(string config) => config + """

        actorrouter.multicast {
          routing = on
          routes = [
            { source = "*", group = "239.1.1.1", incoming = "Gi1", outgoing = [] },
            { source = "192.0.2.10", group = "239.2.2.2", incoming = "Gi1", outgoing = ["Gi3"] }
          ]
          igmp { query-interval = 2s, query-response-interval = 1s, last-member-query-interval = 200ms }
        }

        """;

    private sealed record ReceiverReport(Dictionary<string, int> Before, Dictionary<string, int> AfterLeave, int SocketReceived, bool Left);

    private sealed record SenderReport(Dictionary<string, int> Sent);

    private static T LastJson<T>(Tools.Result run) =>
        JsonSerializer.Deserialize<T>(run.Stdout.Trim().Split('\n').Last(), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;

    private static int Count(Dictionary<string, int> counts, string group) => counts.GetValueOrDefault(group);

    [SkippableFact]
    public void Joined_hosts_get_the_group_others_do_not_copies_stop_after_the_leave_and_rpf_failures_are_counted()
    {
        Skip.If(!File.Exists(Python), "the multicast lab needs python3");
        var (lab, router) = Boot(WithMulticast);
        using (lab)
        using (router)
        {
            var script = Path.Combine(Tools.RepoRoot, "tests", "lab", "mcast-host.py");
            using var member = Tools.StartInNamespace(lab.H2, Python, script, "receive", "--join", Group1, "--join-seconds", "11", "--seconds", "20");
            using var bystander = Tools.StartInNamespace(lab.H3, Python, script, "receive", "--seconds", "20");

            // The kernel's unsolicited report (or its answer to the router's startup queries) makes GigabitEthernet2 a member.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            List<(string? Group, string? Interface)> groups;
            do
            {
                Thread.Sleep(200);
                var show = ArctlIn(lab, router, "show", "ip", "igmp", "groups", "--json");
                Assert.True(show.ExitCode == 0, show.Output);
                using var json = JsonDocument.Parse(show.Stdout);
                groups = json.RootElement.GetProperty("groups").EnumerateArray()
                    .Select(g => (g.GetProperty("group").GetString(), g.GetProperty("interface").GetString())).ToList();
            }
            while (!groups.Contains((Group1, "GigabitEthernet2")) && DateTime.UtcNow < deadline);
            Assert.True(groups.Contains((Group1, "GigabitEthernet2")), router.Transcript);
            Assert.DoesNotContain(groups, g => g.Group == Group1 && g.Interface == "GigabitEthernet3");
            var mroute = ArctlIn(lab, router, "show", "ip", "mroute");
            Assert.Contains("    GigabitEthernet2 (igmp)", mroute.Stdout);

            // h1 sends to both groups for 12 s, across h2's leave (11 s after it started, a few seconds after the sending began).
            var sender = Tools.InNamespace(lab.H1, TimeSpan.FromSeconds(30), Python, script, "send", "--group", Group1, "--group", Group2,
                "--seconds", "12", "--rate", "20", "--ttl", "8", "--source", LabNetwork.H1Address);
            Assert.True(sender.ExitCode == 0, sender.Output);
            var sent = LastJson<SenderReport>(sender).Sent;

            var memberRun = member.Finish(TimeSpan.FromSeconds(30));
            var bystanderRun = bystander.Finish(TimeSpan.FromSeconds(30));
            Assert.True(memberRun.ExitCode == 0 && bystanderRun.ExitCode == 0, memberRun.Output + bystanderRun.Output);
            var h2 = LastJson<ReceiverReport>(memberRun);
            var h3 = LastJson<ReceiverReport>(bystanderRun);

            // The member got the group while joined (its socket too), and nothing of it 1.5 s after leaving; no (S,G) copy is its.
            Assert.True(h2.Left);
            Assert.True(Count(h2.Before, Group1) >= 40, memberRun.Output);
            Assert.True(h2.SocketReceived >= Count(h2.Before, Group1) - 1, memberRun.Output);
            Assert.Equal(0, Count(h2.AfterLeave, Group1));
            Assert.Equal(0, Count(h2.Before, Group2) + Count(h2.AfterLeave, Group2));
            // h3 never joined 239.1.1.1; it gets every packet of the static (S,G) route without any IGMP.
            Assert.Equal(0, Count(h3.Before, Group1));
            Assert.Equal(sent[Group2], Count(h3.Before, Group2));

            // After the leave, the (*,G) route is back to no outgoing interface.
            Assert.Contains("  Outgoing interface list: Null", ArctlIn(lab, router, "show", "ip", "mroute").Stdout);

            // From GigabitEthernet3, 239.1.1.1 fails the RPF check: dropped and counted, five of five.
            var before = DropsOf(lab, router, "MulticastRpfFailure");
            var wrongSide = Tools.InNamespace(lab.H3, TimeSpan.FromSeconds(30), Python, script, "send", "--group", Group1,
                "--seconds", "0.24", "--rate", "20", "--ttl", "8", "--source", LabNetwork.H3Address);
            Assert.True(wrongSide.ExitCode == 0, wrongSide.Output);
            var rpfSent = LastJson<SenderReport>(wrongSide).Sent[Group1];
            Assert.True(WaitFor(() => DropsOf(lab, router, "MulticastRpfFailure") - before == rpfSent, TimeSpan.FromSeconds(10)),
                ArctlIn(lab, router, "show", "platform", "qfp", "statistics").Output);
            using var mrouteJson = JsonDocument.Parse(ArctlIn(lab, router, "show", "ip", "mroute", "--json").Stdout);
            Assert.Equal(before + rpfSent, mrouteJson.RootElement.GetProperty("rpfFailures").GetInt64());
        }
    }

    private static bool WaitFor(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            Thread.Sleep(200);
        }
        return true;
    }
}
