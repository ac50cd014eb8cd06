using System.Text.Json;

namespace ActorRouter.Lab.Tests;

/// <summary>
/// A shut interface and 802.1Q subinterfaces with real hosts: ping across and to a shut interface gets
/// nothing and the router counts the frames it drops; a host on VLAN 100 (built by scapy on the host's
/// veth, since this kernel has no 802.1Q devices) is answered and forwarded with its tag, and a frame
/// on a VLAN the router does not have is dropped and counted.
/// </summary>
public sealed partial class RealClientTests
{
    private const string Python = "/usr/bin/python3";

    private static Tools.Result ArctlIn(LabNetwork lab, RouterProcess router, params string[] command)
    {
        var endpoint = router.Lines.Select(l => ArctlEndpoint().Match(l)).First(m => m.Success).Groups[1].Value;
        return Tools.InNamespace(lab.Router, TimeSpan.FromSeconds(30), new[] { "dotnet", ArctlDll, "--router", endpoint, "--cert", router.AdminCredential }.Concat(command).ToArray());
    }

    /// <summary>The data plane's drops of one reason, from <c>show platform qfp statistics --json</c>.</summary>
    private static long DropsOf(LabNetwork lab, RouterProcess router, string reason)
    {
        var show = ArctlIn(lab, router, "show", "platform", "qfp", "statistics", "--json");
        Assert.True(show.ExitCode == 0, show.Output);
        using var json = JsonDocument.Parse(show.Stdout);
        foreach (var drop in json.RootElement.GetProperty("drops").EnumerateArray())
        {
            if (drop.GetProperty("reason").GetString() == reason)
            {
                return drop.GetProperty("count").GetInt64();
            }
        }
        return 0;
    }

    [SkippableFact]
    public void A_shut_interface_neither_forwards_nor_answers_and_counts_what_it_drops_until_no_shutdown()
    {
        var (lab, router) = Boot();
        using (lab)
        using (router)
        {
            Assert.True(lab.WaitForPing(lab.H2, LabNetwork.H1Address, Short), router.Transcript);
            Assert.Equal(3, lab.Ping(lab.H1, "192.0.2.1"));
            var droppedBefore = DropsOf(lab, router, "RxInterfaceDown");

            var shutdown = ArctlIn(lab, router, "interface", "gi1", "shutdown");
            Assert.True(shutdown.ExitCode == 0, shutdown.Output);

            // Across the shut interface, from either side, and to the router's own address on it: no reply.
            Assert.Equal(0, lab.Ping(lab.H2, LabNetwork.H1Address, 3));
            Assert.Equal(0, lab.Ping(lab.H1, "192.0.2.1", 5));
            Assert.Equal(0, lab.Ping(lab.H1, LabNetwork.H2Address, 3));
            // h1 still sends (its ARP entry for .1, or ARP requests for it): each of those frames is dropped on
            // arrival and counted, at least one per ping h1 sent.
            Assert.True(DropsOf(lab, router, "RxInterfaceDown") - droppedBefore >= 8, ArctlIn(lab, router, "show", "platform", "qfp", "statistics").Output);

            var noShutdown = ArctlIn(lab, router, "interface", "gi1", "no", "shutdown");
            Assert.True(noShutdown.ExitCode == 0, noShutdown.Output);
            Assert.True(lab.WaitForPing(lab.H2, LabNetwork.H1Address, Short), router.Transcript);
            Assert.Equal(3, lab.Ping(lab.H1, "192.0.2.1"));
            Assert.Equal(3, lab.Ping(lab.H1, LabNetwork.H2Address));
        }
    }

    /// <summary>GigabitEthernet1 narrowed to 192.0.2.0/25 and GigabitEthernet1.100 (VLAN 100) on 192.0.2.128/25.</summary>
    private static string WithVlan100(string config) => config.Replace(
        """ipv4 = "192.0.2.1/24" },""",
        """ipv4 = "192.0.2.1/25" },""" + "\n    " + """{ name = "GigabitEthernet1.100", vlan = 100, ipv4 = "192.0.2.129/25" },""",
        StringComparison.Ordinal);

    private sealed record VlanHostReport(int Sent, List<VlanReply> Replies, int ArpAnswered, int UntaggedReplies);

    private sealed record VlanReply(int Vlan, string Src, string Dst, int Seq);

    private static VlanHostReport VlanHost(LabNetwork lab, RouterProcess router, int vlan, string destination, int count)
    {
        var script = Path.Combine(Tools.RepoRoot, "tests", "lab", "vlan-host.py");
        var run = Tools.InNamespace(lab.H1, TimeSpan.FromSeconds(30),
            Python, script, "eth0", vlan.ToString(), "192.0.2.200", MacOf(lab.Router, "eth1"), destination, count.ToString());
        Assert.True(run.ExitCode == 0, run.Output + "\n" + router.Transcript);
        return JsonSerializer.Deserialize<VlanHostReport>(run.Stdout.Trim().Split('\n').Last(), new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
    }

    [SkippableFact]
    public void A_host_on_vlan_100_is_answered_and_forwarded_with_its_tag_and_an_unknown_vlan_is_dropped_and_counted()
    {
        Skip.If(!File.Exists(Python) || Tools.Run(Python, ["-c", "import scapy"], TimeSpan.FromSeconds(20)).ExitCode != 0,
            "the VLAN lab needs python3-scapy (bash .ci/run installs it)");
        Skip.If(Tools.Which("ethtool") is null, "the VLAN lab needs ethtool to keep 802.1Q tags inline on the veths");
        var (lab, router) = Boot(WithVlan100, interfaces: 4);
        using (lab)
        using (router)
        {
            // Tags stay in the frames on both ends of h1's wire (no VLAN offload into packet metadata).
            Tools.InNamespace(lab.Router, Short, "ethtool", "-K", "eth1", "rxvlan", "off", "txvlan", "off");
            Tools.InNamespace(lab.H1, Short, "ethtool", "-K", "eth0", "rxvlan", "off", "txvlan", "off");
            Assert.True(lab.WaitForPing(lab.H2, LabNetwork.H1Address, Short), router.Transcript);
            var brief = ArctlIn(lab, router, "show", "ip", "interface", "brief");
            Assert.Matches(@"GigabitEthernet1\.100\s+192\.0\.2\.129\s+YES manual up\s+up", brief.Stdout);

            // An echo to the subinterface's address: answered from it, on VLAN 100.
            var echo = VlanHost(lab, router, 100, "192.0.2.129", 5);
            Assert.True(echo.Replies.Count >= 4, JsonSerializer.Serialize(echo) + "\n" + router.Transcript);
            Assert.All(echo.Replies, r => Assert.Equal((100, "192.0.2.129", "192.0.2.200"), (r.Vlan, r.Src, r.Dst)));
            Assert.Equal(0, echo.UntaggedReplies);

            // Through the router to h2: the tag comes off towards h2 (h2's kernel, which has no VLANs, answers)
            // and goes back on for the reply towards VLAN 100. tcpdump -e on h2 sees the requests untagged.
            using var capture = Tools.StartInNamespace(lab.H2, "tcpdump", "-e", "-n", "-l", "-i", "eth0", "-c", "3", "icmp and host 192.0.2.200");
            Thread.Sleep(1000);
            var forwarded = VlanHost(lab, router, 100, LabNetwork.H2Address, 5);
            Assert.True(forwarded.Replies.Count >= 4, JsonSerializer.Serialize(forwarded) + "\n" + router.Transcript);
            Assert.All(forwarded.Replies, r => Assert.Equal((100, LabNetwork.H2Address, "192.0.2.200"), (r.Vlan, r.Src, r.Dst)));
            // Forwarding towards the host needed its MAC: the router asked for it on VLAN 100, tagged, unless
            // the echo above had already taught it.
            Assert.Equal(0, forwarded.UntaggedReplies);
            var seenOnH2 = capture.Finish(Short).Stdout;
            Assert.Contains("ethertype IPv4 (0x0800)", seenOnH2);
            Assert.DoesNotContain("802.1Q", seenOnH2);

            // A VLAN GigabitEthernet1 does not have: no answer, and each frame is counted as UnknownVlan.
            var unknownBefore = DropsOf(lab, router, "UnknownVlan");
            var unknown = VlanHost(lab, router, 200, "192.0.2.1", 4);
            Assert.Empty(unknown.Replies);
            Assert.Equal(4, DropsOf(lab, router, "UnknownVlan") - unknownBefore);

            // Untagged traffic on the parent is unaffected.
            Assert.Equal(3, lab.Ping(lab.H1, LabNetwork.H2Address));
        }
    }
}
