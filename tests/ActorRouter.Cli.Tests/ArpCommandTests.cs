using System.Text.Json;
using System.Text.RegularExpressions;
using ActorRouter.ControlPlane.Configuration;

namespace ActorRouter.Cli.Tests;

/// <summary><c>arp ADDRESS MAC</c>, <c>no arp ADDRESS</c>, <c>clear ip arp [ADDRESS]</c> and <c>show platform punt</c> through the gateway.</summary>
public sealed class ArpCommandTests
{
    private const string StaticLine = "Internet  192.0.2.20               -  02:00:00:00:00:20  ARPA  GigabitEthernet1     Static";

    private static async Task<RouterConfig> RunningAsync(InProcessRouter router)
    {
        var text = (await router.ArctlAsync("show", "running-config")).Stdout;
        Assert.True(RouterConfigLoader.TryLoadString(text, "arctl", out var config, out var errors), string.Join("\n", errors));
        return config!;
    }

    [Fact]
    public async Task A_static_entry_shows_as_static_in_the_table_and_the_running_config_and_no_arp_removes_it()
    {
        await using var router = await InProcessRouter.StartAsync();

        var add = await router.ArctlAsync("arp", "192.0.2.20", "02:00:00:00:00:20");

        Assert.Equal(0, add.ExitCode);
        Assert.Equal(["arp 192.0.2.20 02:00:00:00:00:20"], add.Lines);
        Assert.Contains(StaticLine, (await router.ArctlAsync("show", "ip", "arp")).Lines);
        Assert.Equal([new StaticArpEntry(0xC0000214, 0x0200_0000_0020UL)], (await RunningAsync(router)).Arp.Static);
        using (var json = JsonDocument.Parse((await router.ArctlAsync("show", "ip", "arp", "--json")).Stdout))
        {
            var entry = json.RootElement.GetProperty("entries").EnumerateArray().Single(e => e.GetProperty("address").GetString() == "192.0.2.20");
            Assert.Equal("Static", entry.GetProperty("state").GetString());
            Assert.Equal(JsonValueKind.Null, entry.GetProperty("ageMinutes").ValueKind);
        }

        var remove = await router.ArctlAsync("no", "arp", "192.0.2.20");
        var again = await router.ArctlAsync("no", "arp", "192.0.2.20");

        Assert.Equal(0, remove.ExitCode);
        Assert.Equal(["no arp 192.0.2.20"], remove.Lines);
        Assert.DoesNotContain("192.0.2.20 ", (await router.ArctlAsync("show", "ip", "arp")).Stdout);
        Assert.Empty((await RunningAsync(router)).Arp.Static);
        Assert.Equal(1, again.ExitCode);
        Assert.Equal("% no static ARP entry for 192.0.2.20", again.Stderr.TrimEnd());
    }

    [Fact]
    public async Task Clear_ip_arp_forgets_dynamic_entries_and_keeps_static_ones()
    {
        await using var router = await InProcessRouter.StartAsync();
        Assert.True(await InProcessRouter.EventuallyAsync(async () =>
            (await router.ArctlAsync("show", "ip", "arp")).Stdout.Contains("192.0.2.10 ", StringComparison.Ordinal), TimeSpan.FromSeconds(20)));
        Assert.Equal(0, (await router.ArctlAsync("arp", "192.0.2.20", "02:00:00:00:00:20")).ExitCode);

        var one = await router.ArctlAsync("clear", "ip", "arp", "192.0.2.10");
        var onStatic = await router.ArctlAsync("clear", "ip", "arp", "192.0.2.20");
        var all = await router.ArctlAsync("clear", "ip", "arp");

        Assert.Equal(0, one.ExitCode);
        Assert.Equal(["cleared the dynamic ARP entry for 192.0.2.10"], one.Lines);
        Assert.Equal(1, onStatic.ExitCode);
        Assert.Equal("% no dynamic ARP entry for 192.0.2.20 (static entries are removed with 'no arp')", onStatic.Stderr.TrimEnd());
        Assert.Equal(0, all.ExitCode);
        Assert.Matches(new Regex(@"^cleared \d+ dynamic ARP entries; static entries stay$"), Assert.Single(all.Lines));
        Assert.Contains(StaticLine, (await router.ArctlAsync("show", "ip", "arp")).Lines);
    }

    [Fact]
    public async Task Static_entries_the_router_cannot_hold_are_refused_and_change_nothing()
    {
        await using var router = await InProcessRouter.StartAsync();
        var before = (await router.ArctlAsync("show", "running-config")).Stdout;

        var own = await router.ArctlAsync("arp", "192.0.2.1", "02:00:00:00:00:21");
        var multicast = await router.ArctlAsync("arp", "192.0.2.21", "01:00:5e:00:00:01");
        var badMac = await router.ArctlAsync("arp", "192.0.2.21", "0200.0000.0021");
        var badAddress = await router.ArctlAsync("arp", "224.0.0.5", "02:00:00:00:00:21");

        Assert.Equal(1, own.ExitCode);
        Assert.Equal("% arp 192.0.2.1: 192.0.2.1 is GigabitEthernet1's own address", own.Stderr.TrimEnd());
        Assert.Equal(1, multicast.ExitCode);
        Assert.Equal("% '01:00:5e:00:00:01' is not a unicast MAC address (such as 02:00:00:00:00:20)", multicast.Stderr.TrimEnd());
        Assert.Equal(2, badMac.ExitCode);
        Assert.Contains("'0200.0000.0021' is not a MAC address (xx:xx:xx:xx:xx:xx, such as 02:00:00:00:00:20)", badMac.Stderr);
        Assert.Equal(2, badAddress.ExitCode);
        Assert.Contains("224.0.0.5 is a multicast address (224.0.0.0/4)", badAddress.Stderr);
        Assert.Equal(before, (await router.ArctlAsync("show", "running-config")).Stdout);
    }

    [Fact]
    public async Task Show_platform_punt_lists_every_class_with_the_configured_policers_and_the_numbers_of_its_json()
    {
        await using var router = await InProcessRouter.StartAsync();
        // The simulated hosts' ARP reaches the punt path before anything is read.
        Assert.True(await InProcessRouter.EventuallyAsync(async () =>
            (await router.ArctlAsync("show", "ip", "arp")).Stdout.Contains("192.0.2.10 ", StringComparison.Ordinal), TimeSpan.FromSeconds(20)));

        var json = await router.ArctlAsync("show", "platform", "punt", "--json");
        var text = await router.ArctlAsync("sh", "plat", "punt");

        Assert.Equal(0, json.ExitCode);
        Assert.Equal(0, text.ExitCode);
        using var doc = JsonDocument.Parse(json.Stdout);
        var classes = doc.RootElement.GetProperty("classes").EnumerateArray().ToList();
        Assert.Equal(["arp", "glean", "icmp-for-us", "other-for-us", "icmp-error", "broadcast"], classes.Select(c => c.GetProperty("class").GetString()));
        // Rates and bursts for the whole router; shares in packets of each 1024-slot ring (25, 15, 20, 20, 10 %).
        Assert.Equal([(1000.0, 200.0, 256), (500, 100, 153), (1000, 100, 204), (1000, 100, 204), (100, 10, 0), (200, 50, 102)],
            classes.Select(c => (c.GetProperty("rate").GetDouble(), c.GetProperty("burst").GetDouble(), c.GetProperty("ringShare").GetInt32())));
        Assert.True(classes[0].GetProperty("received").GetInt64() > 0);
        Assert.Equal("Class           Rate/s  Burst  Share     Received      Policed       Queued      Dropped  Waiting", text.Lines[1]);
        Assert.Equal(9, text.Lines.Length);
        Assert.Matches(new Regex(@"^arp               1000    200    256 +\d+ +\d+ +\d+ +\d+ +\d+$"), text.Lines[2]);
        Assert.Matches(new Regex(@"^icmp-error         100     10      - +\d+ +\d+ +\d+ +0 +0$"), text.Lines[6]);
    }
}
