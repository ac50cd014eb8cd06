using System.Text.Json;

namespace ActorRouter.Lab.Tests;

/// <summary>
/// IPv6 across the router with real Linux hosts: static addresses and a default route via the router on the hosts. With
/// static neighbour entries on both sides and GigabitEthernet2 at MTU 1280: ping -6 crosses,
/// traceroute -6 shows the router, tracepath -6 learns the path MTU from the router's Packet Too Big, and IPv4 and IPv6
/// pings at once leave exact forwarding counts in ip4-rewrite and ip6-rewrite. Without any: hosts and router resolve each
/// other by neighbour discovery and the router answers ping6.
/// </summary>
public sealed partial class RealClientTests
{
    private const string H1Address6 = "2001:db8:1::10";
    private const string H2Address6 = "2001:db8:2::10";

    /// <summary>Turns the host's IPv6 on (no DAD, no router solicitations) with an address, a default route and the router as a static neighbour.</summary>
    private static void Ipv6Host(string ns, string address, string gateway, string? routerMac)
    {
        foreach (var key in new[] { "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0", "net.ipv6.conf.eth0.accept_dad=0",
                     "net.ipv6.conf.eth0.router_solicitations=0", "net.ipv6.conf.all.disable_ipv6=0", "net.ipv6.conf.eth0.disable_ipv6=0" })
        {
            var set = Tools.InNamespace(ns, Short, "sysctl", "-q", "-w", key);
            Assert.True(set.ExitCode == 0, set.Output);
        }
        foreach (var command in new[]
                 {
                     new[] { "-n", ns, "-6", "addr", "add", address + "/64", "dev", "eth0", "nodad" },
                     new[] { "-n", ns, "-6", "route", "add", "default", "via", gateway, "dev", "eth0" },
                     new[] { "-n", ns, "-6", "neigh", "replace", gateway, "lladdr", routerMac ?? "", "dev", "eth0", "nud", "permanent" },
                 })
        {
            if (routerMac is null && command.Contains("neigh"))
            {
                continue; // the host resolves the router by neighbour discovery
            }
            var result = Tools.Ip(command);
            Assert.True(result.ExitCode == 0, $"ip {string.Join(' ', command)}: {result.Output}");
        }
    }

    /// <summary>Packets one node handled on every graph thread together, from <c>show platform runtime --json</c>.</summary>
    private static long NodePackets(LabNetwork lab, RouterProcess router, string node)
    {
        var show = ArctlIn(lab, router, "show", "platform", "runtime", "--json");
        Assert.True(show.ExitCode == 0, show.Output);
        using var json = JsonDocument.Parse(show.Stdout);
        return json.RootElement.GetProperty("threads").EnumerateArray()
            .SelectMany(t => t.GetProperty("nodes").EnumerateArray())
            .Where(n => n.GetProperty("node").GetString() == node)
            .Sum(n => n.GetProperty("packets").GetInt64());
    }

    [SkippableFact]
    public void Ipv6_hosts_ping_traceroute_and_tracepath_through_the_router_and_mixed_traffic_keeps_exact_counts()
    {
        Skip.If(LabNetwork.Unavailable is not null, LabNetwork.Unavailable);
        Skip.If(Tools.Which("traceroute") is null || Tools.Which("tracepath") is null, "needs traceroute and tracepath (iputils-tracepath)");
        using var lab = LabNetwork.Create();
        Ipv6Host(lab.H1, H1Address6, "2001:db8:1::1", MacOf(lab.Router, "eth1"));
        Ipv6Host(lab.H2, H2Address6, "2001:db8:2::1", MacOf(lab.Router, "eth2"));
        var text = RouterProcess.LabConfig(t => t
            .Replace("ipv4 = \"192.0.2.1/24\" }", "ipv4 = \"192.0.2.1/24\", ipv6 = \"2001:db8:1::1/64\" }")
            .Replace("ipv4 = \"198.51.100.1/24\" }", "ipv4 = \"198.51.100.1/24\", ipv6 = \"2001:db8:2::1/64\", mtu = 1280 }"));
        text += $$"""

            actorrouter.ipv6 {
              neighbors = [
                { address = "{{H1Address6}}", interface = "GigabitEthernet1", mac = "{{MacOf(lab.H1, "eth0")}}" },
                { address = "{{H2Address6}}", interface = "GigabitEthernet2", mac = "{{MacOf(lab.H2, "eth0")}}" }
              ]
            }
            """;
        using var router = RouterProcess.Start(lab.Router, text);
        router.WaitUntilReady(3);

        // The router namespace's kernel has IPv6 off: whatever answers or forwards is ActorRouter.
        Assert.DoesNotContain("inet6", Tools.Ip("-n", lab.Router, "addr", "show", "eth1").Stdout);
        Assert.True(lab.WaitForPing(lab.H1, H2Address6, Short), router.Transcript);
        Assert.Equal(3, lab.Ping(lab.H1, H2Address6, 3));

        var trace = Tools.InNamespace(lab.H1, TimeSpan.FromSeconds(20), "traceroute", "-6", "-n", "-q", "1", "-w", "1", "-m", "5", H2Address6);
        var hops = trace.Stdout.Split('\n').Skip(1).Where(l => l.Trim().Length > 0).Select(l => l.Trim()).ToList();
        Assert.True(hops.Count == 2, trace.Output);
        Assert.StartsWith("1  2001:db8:1::1 ", hops[0]);
        Assert.StartsWith("2  2001:db8:2::10 ", hops[1]);

        // tracepath probes at h1's MTU of 1500; the router answers Packet Too Big with GigabitEthernet2's 1280.
        var path = Tools.InNamespace(lab.H1, TimeSpan.FromSeconds(30), "tracepath", "-6", "-n", "-m", "5", H2Address6);
        Assert.Contains("pmtu 1280", path.Output);
        Assert.Contains("mtu 1280", Tools.Ip("-n", lab.H1, "-6", "route", "get", H2Address6).Stdout);

        // IPv4 and IPv6 at once: every request and every reply crosses, and each family's rewrite node counts exactly its own.
        Assert.True(lab.WaitForPing(lab.H1, LabNetwork.H2Address, Short), router.Transcript);
        var cleared = ArctlIn(lab, router, "clear", "platform", "runtime");
        Assert.True(cleared.ExitCode == 0, cleared.Output);
        var v4 = Task.Run(() => lab.Ping(lab.H1, LabNetwork.H2Address, 20));
        var v6 = Task.Run(() => lab.Ping(lab.H1, H2Address6, 20));
        Assert.Equal(20, v4.Result);
        Assert.Equal(20, v6.Result);
        Assert.Equal(40, NodePackets(lab, router, "ip4-rewrite"));
        Assert.Equal(40, NodePackets(lab, router, "ip6-rewrite"));
    }

    [SkippableFact]
    public void Ipv6_hosts_and_the_router_resolve_each_other_by_neighbour_discovery_and_the_router_answers_ping6()
    {
        Skip.If(LabNetwork.Unavailable is not null, LabNetwork.Unavailable);
        using var lab = LabNetwork.Create();
        // No static neighbour on either side: the hosts solicit the router, the router solicits the hosts (glean).
        Ipv6Host(lab.H1, H1Address6, "2001:db8:1::1", null);
        Ipv6Host(lab.H2, H2Address6, "2001:db8:2::1", null);
        var text = RouterProcess.LabConfig(t => t
            .Replace("ipv4 = \"192.0.2.1/24\" }", "ipv4 = \"192.0.2.1/24\", ipv6 = \"2001:db8:1::1/64\" }")
            .Replace("ipv4 = \"198.51.100.1/24\" }", "ipv4 = \"198.51.100.1/24\", ipv6 = \"2001:db8:2::1/64\" }"));
        using var router = RouterProcess.Start(lab.Router, text);
        router.WaitUntilReady(3);

        // The router namespace's kernel has IPv6 off: whatever answers is ActorRouter.
        Assert.DoesNotContain("inet6", Tools.Ip("-n", lab.Router, "addr", "show", "eth1").Stdout);
        Assert.True(lab.WaitForPing(lab.H1, "2001:db8:1::1", Short), router.Transcript);
        Assert.Equal(3, lab.Ping(lab.H1, "2001:db8:1::1", 3));
        Assert.Contains(MacOf(lab.Router, "eth1"), Tools.Ip("-n", lab.H1, "-6", "neigh", "show", "2001:db8:1::1").Stdout);

        Assert.True(lab.WaitForPing(lab.H1, H2Address6, Short), router.Transcript);
        Assert.Equal(3, lab.Ping(lab.H1, H2Address6, 3));
        Assert.Equal(3, lab.Ping(lab.H2, H1Address6, 3));
        Assert.Contains(MacOf(lab.Router, "eth2"), Tools.Ip("-n", lab.H2, "-6", "neigh", "show", "2001:db8:2::1").Stdout);
    }
}
