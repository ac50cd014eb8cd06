using System.Text.Json;
using ActorRouter.ControlPlane.Configuration;

namespace ActorRouter.Cli.Tests;

/// <summary>Changes made with arctl reach forwarding, go through FMAN's validation and show up in the running configuration.</summary>
public sealed class ChangeCommandTests
{
    private static async Task<long> TxPacketsAsync(InProcessRouter router, string name)
    {
        var result = await router.ArctlAsync("show", "interfaces", name, "--json");
        Assert.Equal(0, result.ExitCode);
        using var doc = JsonDocument.Parse(result.Stdout);
        return doc.RootElement.GetProperty("interfaces")[0].GetProperty("txPackets").GetInt64();
    }

    [Fact]
    public async Task Shutdown_of_gi2_stops_the_simulated_flow_out_of_it_and_no_shutdown_restores_it()
    {
        await using var router = await InProcessRouter.StartAsync();
        Assert.True(await InProcessRouter.EventuallyAsync(async () => await TxPacketsAsync(router, "Gi2") > 20, TimeSpan.FromSeconds(20)));

        var shutdown = await router.ArctlAsync("interface", "GigabitEthernet2", "shutdown");
        Assert.Equal(0, shutdown.ExitCode);
        Assert.Equal(["GigabitEthernet2: shutdown"], shutdown.Lines);
        // The flow stops: the counter stands still over 1.5 s (frames already past the egress check when
        // the shutdown landed may still leave first; a loaded machine may take a while to drain them).
        var stopped = await TxPacketsAsync(router, "gi2");
        var stoodStill = await InProcessRouter.EventuallyAsync(async () =>
        {
            var before = await TxPacketsAsync(router, "gi2");
            await Task.Delay(1500);
            stopped = await TxPacketsAsync(router, "gi2");
            return stopped == before;
        }, TimeSpan.FromSeconds(20));
        Assert.True(stoodStill, $"GigabitEthernet2 kept sending after shutdown (tx {stopped})\n{router.HostOutput}");
        var brief = await router.ArctlAsync("show", "ip", "interface", "brief");
        Assert.Equal("GigabitEthernet2       198.51.100.1    YES manual administratively down down", brief.Lines[2]);
        Assert.Contains("shutdown = true", (await router.ArctlAsync("show", "running-config")).Stdout);

        var noShutdown = await router.ArctlAsync("interface", "gi2", "no", "shutdown");
        Assert.Equal(0, noShutdown.ExitCode);
        Assert.Equal(["GigabitEthernet2: no shutdown"], noShutdown.Lines);
        // 100 pps resume: well over 50 more packets within a few seconds.
        Assert.True(await InProcessRouter.EventuallyAsync(async () => await TxPacketsAsync(router, "gi2") > stopped + 50, TimeSpan.FromSeconds(10)),
            router.HostOutput);
        Assert.DoesNotContain("shutdown = true", (await router.ArctlAsync("show", "running-config")).Stdout);
    }

    [Fact]
    public async Task A_static_route_makes_an_unreachable_prefix_reachable_in_the_data_planes_fib_and_removing_it_undoes_that()
    {
        await using var router = await InProcessRouter.StartAsync();
        var dataPlane = await router.DataPlaneAsync();
        var destination = Ipv4Text.Parse("10.99.1.1");
        Assert.Equal(0u, dataPlane.Forwarding.Fib.Lookup(destination));

        var add = await router.ArctlAsync("ip", "route", "10.99.0.0/16", "198.51.100.10");

        Assert.Equal(0, add.ExitCode);
        Assert.Equal(["ip route 10.99.0.0/16 198.51.100.10"], add.Lines);
        // FMAN answers once the new forwarding snapshot is published.
        Assert.NotEqual(0u, dataPlane.Forwarding.Fib.Lookup(destination));
        Assert.Contains("S        10.99.0.0/16 [1/0] via 198.51.100.10, GigabitEthernet2", (await router.ArctlAsync("show", "ip", "route")).Lines);
        var running = (await router.ArctlAsync("show", "running-config")).Stdout;
        Assert.True(RouterConfigLoader.TryLoadString(running, "arctl", out var config, out _));
        Assert.Contains(config!.StaticRoutes, r => r.Prefix == Ipv4Cidr.Parse("10.99.0.0/16") && r.NextHop == Ipv4Text.Parse("198.51.100.10"));

        var remove = await router.ArctlAsync("no", "ip", "route", "10.99.0.0", "255.255.0.0", "198.51.100.10");

        Assert.Equal(0, remove.ExitCode);
        Assert.Equal(0u, dataPlane.Forwarding.Fib.Lookup(destination));
        Assert.DoesNotContain("10.99.0.0/16", (await router.ArctlAsync("show", "ip", "route")).Stdout);
    }

    [Fact]
    public async Task Bad_changes_are_refused_with_a_precise_reason_and_change_nothing()
    {
        await using var router = await InProcessRouter.StartAsync();
        var before = (await router.ArctlAsync("show", "running-config")).Stdout;

        // Values that break the shared rules are refused by arctl itself (exit 2, see ErrorTests) with the same
        // reasons; these reach the router, whose state decides.
        var unknownInterface = await router.ArctlAsync("interface", "gi9", "shutdown");
        var badMtu = await router.ArctlAsync("interface", "gi1", "mtu", "1903");
        var overlap = await router.ArctlAsync("interface", "gi1", "ip", "address", "198.51.100.7/24");
        var ownNextHop = await router.ArctlAsync("ip", "route", "10.99.0.0/16", "192.0.2.1");
        var missingRoute = await router.ArctlAsync("no", "ip", "route", "10.98.0.0/16", "192.0.2.10");

        Assert.All(new[] { unknownInterface, badMtu, overlap, ownNextHop, missingRoute }, r => Assert.Equal(1, r.ExitCode));
        Assert.Equal("% no interface gi9 (interfaces: GigabitEthernet1, GigabitEthernet2)", unknownInterface.Stderr.TrimEnd());
        Assert.Equal("% GigabitEthernet1: mtu 1903 does not fit a packet buffer: headroom 128 + frame 1921 (mtu + Ethernet header 14 + 802.1Q tag 4) = 2049 bytes > buffer-size 2048", badMtu.Stderr.TrimEnd());
        Assert.Equal("% GigabitEthernet1: 198.51.100.7/24 overlaps GigabitEthernet2's subnet 198.51.100.1/24", overlap.Stderr.TrimEnd());
        Assert.Equal("% next hop 192.0.2.1 is GigabitEthernet1's own address", ownNextHop.Stderr.TrimEnd());
        Assert.Equal("% no static route 10.98.0.0/16 via 192.0.2.10", missingRoute.Stderr.TrimEnd());
        Assert.Equal(before, (await router.ArctlAsync("show", "running-config")).Stdout);
    }

    [Fact]
    public async Task Mtu_and_address_changes_show_in_show_interfaces_and_the_running_config()
    {
        await using var router = await InProcessRouter.StartAsync();

        var mtu = await router.ArctlAsync("interface", "Gig1", "mtu", "1400");
        var address = await router.ArctlAsync("int", "gi1", "ip", "address", "192.0.2.1", "255.255.255.128");

        Assert.Equal(0, mtu.ExitCode);
        Assert.Equal(["GigabitEthernet1: mtu 1400"], mtu.Lines);
        Assert.Equal(0, address.ExitCode);
        Assert.Equal(["GigabitEthernet1: ip address 192.0.2.1/25"], address.Lines);
        var show = await router.ArctlAsync("show", "interfaces", "gi1");
        Assert.Equal("  Internet address is 192.0.2.1/25", show.Lines[2]);
        Assert.Equal("  MTU 1400 bytes", show.Lines[3]);
        var running = (await router.ArctlAsync("show", "running-config")).Stdout;
        Assert.Contains("ipv4 = \"192.0.2.1/25\"", running);
        Assert.Contains("mtu = 1400", running);
    }

    [Fact]
    public async Task Clear_counters_of_one_interface_zeroes_it_and_leaves_the_other()
    {
        await using var router = await InProcessRouter.StartAsync();
        Assert.True(await InProcessRouter.EventuallyAsync(async () => await TxPacketsAsync(router, "gi1") > 50 && await TxPacketsAsync(router, "gi2") > 50, TimeSpan.FromSeconds(20)));

        var clear = await router.ArctlAsync("clear", "counters", "gi1");

        Assert.Equal(0, clear.ExitCode);
        Assert.Equal(["cleared the counters of GigabitEthernet1"], clear.Lines);
        // 100 pps: well under 50 packets since the clear, while Gi2 kept its count.
        Assert.True(await TxPacketsAsync(router, "gi1") < 50);
        Assert.True(await TxPacketsAsync(router, "gi2") > 50);
    }

    [Fact]
    public async Task Debug_fault_crashes_a_data_plane_thread_which_the_supervisor_restarts_when_fault_injection_is_enabled()
    {
        await using var router = await InProcessRouter.StartAsync(InProcessRouter.EmbeddedDefault(faultInjection: true));

        // worker0 in the default (collapsed) layout, on any number of cores.
        var fault = await router.ArctlAsync("debug", "fault", "worker0");
        var unknown = await router.ArctlAsync("debug", "fault", "nosuch");

        Assert.Equal(0, fault.ExitCode);
        Assert.Equal(["fault injected into worker0"], fault.Lines);
        Assert.Equal(1, unknown.ExitCode);
        Assert.StartsWith("% no thread or actor named 'nosuch'", unknown.Stderr);
        Assert.True(await InProcessRouter.EventuallyAsync(async () =>
        {
            var threads = await router.ArctlAsync("show", "platform", "threads", "--json");
            using var doc = JsonDocument.Parse(threads.Stdout);
            var worker0 = doc.RootElement.GetProperty("threads").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "worker0");
            return worker0.GetProperty("restarts").GetInt32() == 1 && worker0.GetProperty("state").GetString() == "Running"
                   && worker0.GetProperty("lastFault").GetString()!.Contains("fault injected into worker0");
        }, TimeSpan.FromSeconds(10)));
    }
}
