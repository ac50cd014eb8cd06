using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ActorRouter.Lab.Tests;

/// <summary>
/// The router process (the built host) inside a router namespace, between hosts in namespaces of
/// their own, tested with real, unmodified Linux clients: ping, traceroute, iperf3, tcpdump, and
/// plain TCP sockets. The router namespace has no kernel addresses and ip_forward=0, so whatever
/// crosses it, and whatever answers from .1, is ActorRouter. No static ARP entries anywhere.
/// Root only; every test builds its own namespaces and removes them, and stops only its own router.
/// (<c>arctl interface … shutdown</c> end to end belongs with the CLI's tests.)
/// </summary>
[Collection(nameof(LabCollection))]
public sealed partial class RealClientTests
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The drivers and thread layouts (<c>data-plane.layout</c>) the real-client tests run with: AF_XDP
    /// (what lab.conf's <c>driver = auto</c> opens as root) with each layout — split; collapsed with a
    /// worker per core (two here, so traffic between interfaces of different workers crosses their
    /// rings); auto (the default: one pinned worker on a 2-core machine) — and AF_PACKET in the default layout.
    /// </summary>
    public static TheoryData<string, string> Setups => new()
    {
        { "af-xdp", "split" },
        { "af-xdp", "collapsed" },
        { "af-xdp", "auto" },
        { "af-packet", "auto" },
    };

    /// <summary>lab.conf's interfaces on <paramref name="driver"/>.</summary>
    internal static string WithDriver(string config, string driver)
    {
        Assert.Matches(DriverSetting(), config);
        return DriverSetting().Replace(config, $"driver = {driver}");
    }

    [GeneratedRegex(@"driver = [a-z-]+")]
    private static partial Regex DriverSetting();

    /// <summary>A fresh lab with the router booted in it (config/lab.conf, optionally edited, in the given layout); skips when the lab cannot be built here.</summary>
    internal static (LabNetwork Lab, RouterProcess Router) Boot(Func<string, string>? editConfig = null, int interfaces = 3, string? layout = null, string? driver = null)
    {
        Skip.If(LabNetwork.Unavailable is not null, LabNetwork.Unavailable);
        Skip.If(driver == "af-xdp" && ActorRouter.IO.Native.NativeShim.XskSupported() == 0,
            "the native shim was built without libxdp/libbpf (install libxdp-dev libbpf-dev pkg-config)");
        var lab = LabNetwork.Create();
        try
        {
            var text = RouterProcess.LabConfig(editConfig);
            if (driver is not null)
            {
                text = WithDriver(text, driver);
            }
            if (layout is not null)
            {
                // A later HOCON value replaces an earlier one.
                text += $"\nactorrouter.data-plane.layout = {layout}\n";
            }
            var router = RouterProcess.Start(lab.Router, text);
            try
            {
                router.WaitUntilReady(interfaces);
                return (lab, router);
            }
            catch
            {
                router.Dispose();
                throw;
            }
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }

    private static string MacOf(string ns, string dev)
    {
        var show = Tools.Ip("-n", ns, "link", "show", dev).Stdout;
        return LinkEther().Match(show).Groups[1].Value;
    }

    [GeneratedRegex(@"link/ether ([0-9a-f:]{17})")]
    private static partial Regex LinkEther();

    [SkippableTheory]
    [MemberData(nameof(Setups))]
    public void Hosts_ping_each_other_and_the_router_with_arp_resolved_by_the_router(string driver, string layout)
    {
        var (lab, router) = Boot(driver: driver, layout: layout);
        using (lab)
        using (router)
        {
            // The kernel of the router namespace has nothing to answer with: only loopback's address.
            var kernelAddresses = Tools.Ip("-n", lab.Router, "-4", "-o", "addr", "show").Stdout;
            Assert.DoesNotContain("192.0.2.1/", kernelAddresses);
            Assert.Equal("0", Tools.InNamespace(lab.Router, Short, "cat", "/proc/sys/net/ipv4/ip_forward").Stdout.Trim());

            Assert.True(lab.WaitForPing(lab.H1, LabNetwork.H2Address, Short), router.Transcript);
            Assert.Equal(5, lab.Ping(lab.H1, LabNetwork.H2Address, 5));
            Assert.Equal(3, lab.Ping(lab.H2, LabNetwork.H1Address));
            Assert.True(lab.WaitForPing(lab.H3, LabNetwork.H1Address, Short), router.Transcript);
            Assert.Equal(3, lab.Ping(lab.H1, "192.0.2.1"));
            // The router's address on another interface answers as well.
            Assert.Equal(3, lab.Ping(lab.H1, "198.51.100.1"));
            Assert.Equal(3, lab.Ping(lab.H3, "203.0.113.1"));

            // Hosts resolved the router by ARP: learned (not permanent) entries with its interfaces' MACs.
            var h1Neighbor = Tools.Ip("-n", lab.H1, "neigh", "show", "192.0.2.1").Stdout;
            Assert.Contains($"lladdr {MacOf(lab.Router, "eth1")}", h1Neighbor);
            Assert.DoesNotContain("PERMANENT", h1Neighbor);
            var h2Neighbor = Tools.Ip("-n", lab.H2, "neigh", "show", "198.51.100.1").Stdout;
            Assert.Contains($"lladdr {MacOf(lab.Router, "eth2")}", h2Neighbor);
            // The router resolved the hosts: h2 learned h1's traffic came from the router, and the
            // router's ARP request taught h2 nothing about h1 (only neighbours on its own subnet).
            Assert.DoesNotContain("192.0.2.10", Tools.Ip("-n", lab.H2, "neigh", "show").Stdout);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Setups))]
    public void Traceroute_shows_the_router_as_the_first_hop(string driver, string layout)
    {
        Skip.If(Tools.Which("traceroute") is null, "needs traceroute (bash .ci/run installs it)");
        var (lab, router) = Boot(driver: driver, layout: layout);
        using (lab)
        using (router)
        {
            // Resolve both neighbours first: probes sent while the router is still resolving are dropped.
            Assert.True(lab.WaitForPing(lab.H1, LabNetwork.H2Address, Short), router.Transcript);
            var trace = Tools.InNamespace(lab.H1, TimeSpan.FromSeconds(20), "traceroute", "-n", "-N", "1", "-q", "1", "-w", "1", "-m", "5", LabNetwork.H2Address);
            var hops = trace.Stdout.Split('\n').Skip(1).Where(l => l.Trim().Length > 0).Select(l => l.Trim()).ToList();
            Assert.True(hops.Count == 2, trace.Output);
            Assert.StartsWith("1  192.0.2.1 ", hops[0]);
            Assert.StartsWith("2  198.51.100.10 ", hops[1]);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Setups))]
    public void Dont_fragment_ping_larger_than_the_egress_mtu_gets_frag_needed_with_mtu_1280(string driver, string layout)
    {
        var (lab, router) = Boot(text => text.Replace("ipv4 = \"198.51.100.1/24\" }", "ipv4 = \"198.51.100.1/24\", mtu = 1280 }"), driver: driver, layout: layout);
        using (lab)
        using (router)
        {
            // The platform set the OS MTU of eth2 to the router's.
            Assert.Contains("mtu 1280", Tools.Ip("-n", lab.Router, "link", "show", "eth2").Stdout);
            Assert.True(lab.WaitForPing(lab.H1, LabNetwork.H2Address, Short), router.Transcript);
            Assert.Equal(2, lab.Ping(lab.H1, LabNetwork.H2Address, 2, "-M", "do", "-s", "1252"));

            var big = Tools.InNamespace(lab.H1, Short, "ping", "-n", "-c", "1", "-W", "1", "-M", "do", "-s", "1400", LabNetwork.H2Address);
            Assert.NotEqual(0, big.ExitCode);
            Assert.Matches(@"Frag needed and DF set \(mtu = 1280\)|mtu ?= ?1280", big.Output);
            // And h1's kernel learnt the path MTU from the router's ICMP message.
            var route = Tools.Ip("-n", lab.H1, "route", "get", LabNetwork.H2Address).Stdout;
            Assert.Contains("mtu 1280", route);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Setups))]
    public void Tcp_transfers_arrive_whole_iperf3_and_a_checksummed_stream(string driver, string layout)
    {
        Skip.If(Tools.Which("iperf3") is null, "needs iperf3 (bash .ci/run installs it)");
        var (lab, router) = Boot(driver: driver, layout: layout);
        using (lab)
        using (router)
        {
            Assert.True(lab.WaitForPing(lab.H1, LabNetwork.H2Address, Short), router.Transcript);

            // iperf3: server in h2 for one test, client in h1 for 2 s.
            var server = Task.Run(() => Tools.InNamespace(lab.H2, TimeSpan.FromSeconds(20), "iperf3", "-s", "-1", "-J"));
            Tools.Result client = new(-1, "", "");
            for (var attempt = 0; attempt < 20 && client.ExitCode != 0; attempt++)
            {
                Thread.Sleep(250);
                client = Tools.InNamespace(lab.H1, TimeSpan.FromSeconds(20), "iperf3", "-c", LabNetwork.H2Address, "-t", "2", "-J");
            }
            Assert.True(client.ExitCode == 0, client.Output + "\n" + router.Transcript);
            Assert.True(server.Wait(TimeSpan.FromSeconds(20)), "the iperf3 server did not end");
            var (sent, received) = Tools.IperfTcpBytes(client);
            Assert.True(received > 1_000_000, $"iperf3 received only {received} bytes");
            Assert.True(received >= sent * 9 / 10, $"sent {sent}, received {received}");

            // A byte stream from h1 to h2 arrives with the same SHA-256.
            var payload = RandomNumberGenerator.GetBytes(4 * 1024 * 1024);
            Assert.Equal((payload.LongLength, Convert.ToHexString(SHA256.HashData(payload))), TcpStream.Send(lab.H1, lab.H2, LabNetwork.H2Address, payload));
        }
    }

    [SkippableFact]
    public void Tcpdump_on_the_far_host_sees_ttl_decremented_and_good_checksums()
    {
        Skip.If(Tools.Which("tcpdump") is null, "needs tcpdump (bash .ci/run installs it)");
        var (lab, router) = Boot();
        using (lab)
        using (router)
        {
            Assert.True(lab.WaitForPing(lab.H1, LabNetwork.H2Address, Short), router.Transcript);
            var capture = Task.Run(() => Tools.InNamespace(lab.H2, TimeSpan.FromSeconds(15),
                "tcpdump", "-n", "-v", "-c", "3", "-i", "eth0", "icmp[icmptype] == icmp-echo and src 192.0.2.10"));
            // Pings until the capture has its packets (tcpdump needs a moment to attach).
            for (var i = 0; i < 20 && !capture.IsCompleted; i++)
            {
                lab.Ping(lab.H1, LabNetwork.H2Address, 2);
            }
            Assert.True(capture.Wait(TimeSpan.FromSeconds(15)), "tcpdump did not capture 3 packets");
            var output = capture.Result.Output;
            Assert.Contains("3 packets captured", output);
            Assert.Equal(3, TtlOf63().Matches(output).Count);
            Assert.DoesNotContain("bad cksum", output);
            Assert.DoesNotContain("incorrect", output);
            Assert.DoesNotContain("wrong icmp cksum", output);
        }
    }

    [GeneratedRegex(@"ttl 63,")]
    private static partial Regex TtlOf63();

    [SkippableFact]
    public void Link_down_is_noticed_and_stops_forwarding_and_link_up_restores_it()
    {
        var (lab, router) = Boot();
        using (lab)
        using (router)
        {
            Assert.True(lab.WaitForPing(lab.H1, LabNetwork.H2Address, Short), router.Transcript);

            // The host's end of the wire goes down: carrier loss on the router's eth2.
            var seen = router.Lines.Count;
            Tools.Ip("-n", lab.H2, "link", "set", "eth0", "down");
            Assert.True(router.WaitForLine(l => l.StartsWith("link down: GigabitEthernet2 (eth2) down 198.51.100.1/24", StringComparison.Ordinal), Short, seen),
                router.Transcript);
            Assert.Contains(router.Lines.Skip(seen), l => l.Contains("GigabitEthernet2 (eth2): link down (no carrier)"));
            Assert.Equal(0, lab.Ping(lab.H1, LabNetwork.H2Address, 2));

            seen = router.Lines.Count;
            Tools.Ip("-n", lab.H2, "link", "set", "eth0", "up");
            // Setting eth0 down took h2's default route with it.
            Tools.Ip("-n", lab.H2, "route", "replace", "default", "via", "198.51.100.1");
            Assert.True(router.WaitForLine(l => l.StartsWith("link up: GigabitEthernet2 (eth2) up", StringComparison.Ordinal), Short, seen),
                router.Transcript);
            Assert.True(lab.WaitForPing(lab.H1, LabNetwork.H2Address, Short), router.Transcript);

            // The router's own end set down (ip link set … down in the router namespace).
            seen = router.Lines.Count;
            Tools.Ip("-n", lab.Router, "link", "set", "eth2", "down");
            Assert.True(router.WaitForLine(l => l.Contains("GigabitEthernet2 (eth2): link down (the OS interface is set down)"), Short, seen),
                router.Transcript);
            Assert.Equal(0, lab.Ping(lab.H1, LabNetwork.H2Address, 2));
            Tools.Ip("-n", lab.Router, "link", "set", "eth2", "up");
            Assert.True(router.WaitForLine(l => l.StartsWith("link up: GigabitEthernet2 (eth2) up", StringComparison.Ordinal), Short, seen),
                router.Transcript);
            Assert.True(lab.WaitForPing(lab.H1, LabNetwork.H2Address, Short), router.Transcript);
            Assert.Equal(3, lab.Ping(lab.H1, LabNetwork.H2Address));
        }
    }

    [SkippableFact]
    public void Arctl_shutdown_stops_the_flow_and_no_shutdown_restores_it()
    {
        var (lab, router) = Boot();
        using (lab)
        using (router)
        {
            Assert.True(lab.WaitForPing(lab.H1, LabNetwork.H2Address, Short), router.Transcript);
            var endpoint = router.Lines.Select(l => ArctlEndpoint().Match(l)).First(m => m.Success).Groups[1].Value;
            Tools.Result Arctl(params string[] command) => Tools.InNamespace(lab.Router, TimeSpan.FromSeconds(30),
                new[] { "dotnet", ArctlDll, "--router", endpoint, "--cert", router.AdminCredential, "--timeout", "20" }.Concat(command).ToArray());

            var shutdown = Arctl("interface", "GigabitEthernet2", "shutdown");
            Assert.True(shutdown.ExitCode == 0, shutdown.Output);
            Assert.Equal(0, lab.Ping(lab.H1, LabNetwork.H2Address, 2));
            var brief = Arctl("show", "ip", "interface", "brief");
            Assert.Matches(@"GigabitEthernet2\s+198\.51\.100\.1\s+.*administratively down", brief.Stdout);

            var noShutdown = Arctl("interface", "GigabitEthernet2", "no", "shutdown");
            Assert.True(noShutdown.ExitCode == 0, noShutdown.Output);
            Assert.True(lab.WaitForPing(lab.H1, LabNetwork.H2Address, Short), router.Transcript);
            Assert.Equal(3, lab.Ping(lab.H1, LabNetwork.H2Address));
        }
    }

    /// <summary>The built arctl next to this build's configuration: src/ActorRouter.Cli/bin/&lt;Configuration&gt;/net10.0/arctl.dll.</summary>
    private static string ArctlDll
    {
        get
        {
            var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var dll = Path.Combine(Tools.RepoRoot, "src", "ActorRouter.Cli", "bin", testBin.Parent!.Name, testBin.Name, "arctl.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException("arctl is not built", dll);
        }
    }

    [GeneratedRegex(@"control: arctl endpoint akka\.ssl\.tcp://actorrouter@([0-9.]+:[0-9]+)/")]
    private static partial Regex ArctlEndpoint();

    [SkippableFact]
    public void Linux_discovery_names_every_interface_in_name_order_and_leaves_out_excluded_ones()
    {
        // No interface entries: names and state come from the namespace alone.
        var (lab, router) = Boot(text => Regex.Replace(text, @"interfaces = \[[^\]]*\]", "interfaces = []")
            .Replace("exclude = []", "exclude = [\"eth2\"]"), interfaces: 2);
        using (lab)
        using (router)
        {
            var lines = router.Lines;
            Assert.Contains(lines, l => l.StartsWith($"GigabitEthernet1 (eth1) up unassigned mtu 1500 {MacOf(lab.Router, "eth1")}", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.StartsWith($"GigabitEthernet2 (eth3) up unassigned mtu 1500 {MacOf(lab.Router, "eth3")}", StringComparison.Ordinal));
            Assert.DoesNotContain(lines, l => l.Contains("(eth2) up"));
            Assert.Contains(lines, l => l.Contains("eth2 (ifindex") && l.Contains("excluded"));
        }
    }
}

[CollectionDefinition(nameof(LabCollection), DisableParallelization = true)]
public sealed class LabCollection;
