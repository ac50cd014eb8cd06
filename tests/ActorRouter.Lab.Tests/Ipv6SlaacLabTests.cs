using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ActorRouter.Lab.Tests;

/// <summary>
/// IPv6 hosts with no configured address: they take their addresses and default route from the router's advertisements
/// (SLAAC, RFC 4862), then ping6 each other through it, traceroute -6 shows it, tracepath -6 learns the smaller MTU
/// of the far link from its Packet Too Big, iperf3 and a SHA-256-checked TCP stream cross it, and show ipv6 neighbors
/// lists both hosts resolved.
/// </summary>
public sealed partial class RealClientTests
{
    private static readonly TimeSpan SlaacWait = TimeSpan.FromSeconds(30);

    /// <summary>Turns the host's IPv6 on with SLAAC from router advertisements (accept_ra=2: whatever the forwarding setting).</summary>
    private static void SlaacHost(string ns)
    {
        foreach (var key in new[] { "net.ipv6.conf.eth0.accept_ra=2", "net.ipv6.conf.eth0.autoconf=1", "net.ipv6.conf.all.disable_ipv6=0",
                     "net.ipv6.conf.eth0.disable_ipv6=0" })
        {
            var set = Tools.InNamespace(ns, Short, "sysctl", "-q", "-w", key);
            Assert.True(set.ExitCode == 0, set.Output);
        }
    }

    /// <summary>The host's global address on 2001:db8:PREFIX::/64 once SLAAC configured it (and DAD finished), else null after the wait.</summary>
    private static string? WaitForSlaacAddress(string ns, string prefix)
    {
        var deadline = DateTime.UtcNow + SlaacWait;
        do
        {
            var show = Tools.Ip("-n", ns, "-6", "addr", "show", "dev", "eth0", "scope", "global").Stdout;
            var match = Regex.Match(show, $@"inet6 ({Regex.Escape(prefix)}[0-9a-f:]+)/64 scope global (?!.*tentative)");
            if (match.Success)
            {
                return match.Groups[1].Value;
            }
            Thread.Sleep(250);
        }
        while (DateTime.UtcNow < deadline);
        return null;
    }

    /// <summary>The modified EUI-64 link-local address of a MAC (RFC 4291 appendix A), as the kernel prints it.</summary>
    private static string LinkLocalOf(string mac)
    {
        var b = mac.Split(':').Select(x => Convert.ToByte(x, 16)).ToArray();
        b[0] ^= 0x02;
        return $"fe80::{b[0] << 8 | b[1]:x}:{b[2]:x}ff:fe{b[3]:x2}:{b[4] << 8 | b[5]:x}";
    }

    [SkippableFact]
    public void Slaac_hosts_take_addresses_and_the_default_route_from_router_advertisements_and_talk_through_the_router()
    {
        Skip.If(LabNetwork.Unavailable is not null, LabNetwork.Unavailable);
        Skip.If(Tools.Which("traceroute") is null || Tools.Which("tracepath") is null || Tools.Which("iperf3") is null,
            "needs traceroute, tracepath and iperf3 (bash .ci/run installs them)");
        using var lab = LabNetwork.Create();
        var text = RouterProcess.LabConfig(t => t
            .Replace("ipv4 = \"192.0.2.1/24\" }", "ipv4 = \"192.0.2.1/24\", ipv6 = \"2001:db8:1::1/64\", ipv6-ra { interval = 30s } }")
            .Replace("ipv4 = \"198.51.100.1/24\" }", "ipv4 = \"198.51.100.1/24\", ipv6 = \"2001:db8:2::1/64\", mtu = 1280, ipv6-ra { interval = 30s } }"));
        using var router = RouterProcess.Start(lab.Router, text);
        router.WaitUntilReady(3);
        // The hosts' IPv6 comes up after the router: their router solicitations are answered at once.
        SlaacHost(lab.H1);
        SlaacHost(lab.H2);

        var h1 = WaitForSlaacAddress(lab.H1, "2001:db8:1:");
        var h2 = WaitForSlaacAddress(lab.H2, "2001:db8:2:");
        Assert.True(h1 is not null, Tools.Ip("-n", lab.H1, "-6", "addr").Output + "\n" + router.Transcript);
        Assert.True(h2 is not null, Tools.Ip("-n", lab.H2, "-6", "addr").Output + "\n" + router.Transcript);
        // SLAAC: the /64 from the advertisement and the host's modified EUI-64 interface identifier.
        Assert.Equal("2001:db8:1:0:" + LinkLocalOf(MacOf(lab.H1, "eth0"))["fe80::".Length..], h1);
        // The default route is the router's link-local address, learned from its advertisements, with their lifetime.
        var routerLinkLocal1 = LinkLocalOf(MacOf(lab.Router, "eth1"));
        var defaultRoute = Tools.Ip("-n", lab.H1, "-6", "route", "show", "default").Stdout;
        Assert.Contains($"default via {routerLinkLocal1} dev eth0 proto ra", defaultRoute);
        // The far link's advertisements carry its MTU: h2's IPv6 MTU follows it.
        Assert.Equal("1280", Tools.InNamespace(lab.H2, Short, "sysctl", "-n", "net.ipv6.conf.eth0.mtu").Stdout.Trim());

        Assert.True(lab.WaitForPing(lab.H1, h2!, Short), router.Transcript);
        Assert.Equal(3, lab.Ping(lab.H1, h2!, 3));
        Assert.Equal(3, lab.Ping(lab.H2, h1!, 3));

        var trace = Tools.InNamespace(lab.H1, TimeSpan.FromSeconds(20), "traceroute", "-6", "-n", "-q", "1", "-w", "1", "-m", "5", h2!);
        var hops = trace.Stdout.Split('\n').Skip(1).Where(l => l.Trim().Length > 0).Select(l => l.Trim()).ToList();
        Assert.True(hops.Count == 2, trace.Output);
        Assert.StartsWith("1  2001:db8:1::1 ", hops[0]);
        Assert.StartsWith($"2  {h2} ", hops[1]);

        // tracepath probes at h1's 1500; the router answers Packet Too Big with GigabitEthernet2's 1280.
        var path = Tools.InNamespace(lab.H1, TimeSpan.FromSeconds(30), "tracepath", "-6", "-n", "-m", "5", h2!);
        Assert.Contains("pmtu 1280", path.Output);
        Assert.Contains("mtu 1280", Tools.Ip("-n", lab.H1, "-6", "route", "get", h2!).Stdout);

        // iperf3 over IPv6, then a stream whose SHA-256 must match at the far end.
        var server = Task.Run(() => Tools.InNamespace(lab.H2, TimeSpan.FromSeconds(20), "iperf3", "-s", "-1", "-J"));
        Tools.Result client = new(-1, "", "");
        for (var attempt = 0; attempt < 20 && client.ExitCode != 0; attempt++)
        {
            Thread.Sleep(250);
            client = Tools.InNamespace(lab.H1, TimeSpan.FromSeconds(20), "iperf3", "-6", "-c", h2!, "-t", "2", "-J");
        }
        Assert.True(client.ExitCode == 0, client.Output + "\n" + router.Transcript);
        Assert.True(server.Wait(TimeSpan.FromSeconds(20)), "the iperf3 server did not end");
        var (_, received) = Tools.IperfTcpBytes(client);
        Assert.True(received > 1_000_000, $"iperf3 received only {received} bytes");
        var payload = RandomNumberGenerator.GetBytes(4 * 1024 * 1024);
        Assert.Equal((payload.LongLength, Convert.ToHexString(SHA256.HashData(payload))), TcpStream.Send(lab.H1, lab.H2, h2!, payload));

        // Both hosts in the neighbour cache with their MACs, resolved (REACH, or STALE and on its way back through DELAY/PROBE).
        var neighbors = ArctlIn(lab, router, "show", "ipv6", "neighbors", "--json");
        Assert.True(neighbors.ExitCode == 0, neighbors.Output);
        using var json = JsonDocument.Parse(neighbors.Stdout);
        var entries = json.RootElement.GetProperty("neighbors").EnumerateArray()
            .ToDictionary(e => e.GetProperty("address").GetString()!, e => (Mac: e.GetProperty("mac").GetString(), State: e.GetProperty("state").GetString(),
                Interface: e.GetProperty("interface").GetString()));
        Assert.True(entries.ContainsKey(h1!) && entries.ContainsKey(h2!), neighbors.Stdout);
        Assert.Equal((MacOf(lab.H1, "eth0"), "GigabitEthernet1"), (entries[h1!].Mac, entries[h1!].Interface));
        Assert.Equal((MacOf(lab.H2, "eth0"), "GigabitEthernet2"), (entries[h2!].Mac, entries[h2!].Interface));
        Assert.Contains(entries[h1!].State, new[] { "REACH", "STALE", "DELAY", "PROBE" });
        Assert.Contains(entries[h2!].State, new[] { "REACH", "STALE", "DELAY", "PROBE" });
        var table = ArctlIn(lab, router, "show", "ipv6", "neighbors");
        Assert.Matches($@"{Regex.Escape(h1!)}\s+\d+ {MacOf(lab.H1, "eth0")} (REACH|STALE|DELAY|PROBE) GigabitEthernet1", table.Stdout);
    }
}

/// <summary>Duplicate address detection against a real Linux host that already holds the router's address.</summary>
public sealed partial class RealClientTests
{
    [SkippableFact]
    public void An_address_a_host_already_uses_is_found_duplicated_shown_dup_and_not_answered_for()
    {
        Skip.If(LabNetwork.Unavailable is not null, LabNetwork.Unavailable);
        using var lab = LabNetwork.Create();
        // h1 holds 2001:db8:1::1 already (and defends it, RFC 4862 §5.4.3); the router is configured with it and with ::2.
        Ipv6Host(lab.H1, "2001:db8:1::1", "2001:db8:1::2", null);
        var text = RouterProcess.LabConfig(t => t
            .Replace("ipv4 = \"192.0.2.1/24\" }", "ipv4 = \"192.0.2.1/24\", ipv6 = [\"2001:db8:1::1/64\", \"2001:db8:1:1::2/64\"] }"));
        using var router = RouterProcess.Start(lab.Router, text);
        router.WaitUntilReady(3);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        Tools.Result brief;
        do
        {
            brief = ArctlIn(lab, router, "show", "ipv6", "interface", "brief");
            if (brief.Stdout.Contains("[DUP]"))
            {
                break;
            }
            Thread.Sleep(500);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Contains("    2001:db8:1::1/64 [DUP]", brief.Stdout);
        Assert.Contains("    2001:db8:1:1::2/64\n", brief.Stdout + "\n");
        Assert.DoesNotContain("    2001:db8:1::1/64\n", brief.Stdout + "\n");
        // Not used: the local route is gone, the other address's stays.
        var routes = ArctlIn(lab, router, "show", "ipv6", "route");
        Assert.DoesNotContain("2001:db8:1::1/128", routes.Stdout);
        Assert.Contains("2001:db8:1:1::2/128", routes.Stdout);
        Assert.Contains(router.Lines, l => l.Contains("duplicate address 2001:db8:1::1"));
    }
}
