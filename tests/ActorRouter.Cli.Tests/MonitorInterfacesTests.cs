using System.Text.Json;
using System.Text.RegularExpressions;
using ActorRouter.Control.Contracts;

namespace ActorRouter.Cli.Tests;

/// <summary><c>arctl monitor interfaces</c>: per-second rates from two readings, text and one JSON object per refresh.</summary>
public sealed class MonitorInterfacesTests(RouterFixture fixture) : IClassFixture<RouterFixture>
{
    private InProcessRouter Router => fixture.Router;

    private static InterfaceView View(string name, long rxPackets, long rxBytes, long txPackets, long txBytes, long drops, InterfaceRateView? rate = null) =>
        new(name, "mem0", 0, true, true, 1500, "02:00:00:00:00:01", "192.0.2.1/24", rxPackets, rxBytes, txPackets, txBytes, drops, 0, rate);

    [Fact]
    public void Rates_are_the_counters_growth_over_the_seconds_between_two_readings()
    {
        var before = new InterfacesView([View("GigabitEthernet1", 1000, 100_000, 500, 50_000, 10)]);
        var now = new InterfacesView([View("GigabitEthernet1", 1200, 125_000, 600, 62_500, 14, new InterfaceRateView(300, 8000, 10, 4000, 5))]);

        var refresh = InterfaceMonitor.Compare(before, now, 2.0, DateTimeOffset.UnixEpoch);

        var i = Assert.Single(refresh.Interfaces);
        Assert.Equal(new MonitoredInterface("GigabitEthernet1", "up", 100, 100_000, 50, 50_000, 2, new InterfaceRateView(300, 8000, 10, 4000, 5)), i);
        Assert.Equal(
            [
                "monitor interfaces: 1970-01-01 00:00:00 UTC, rates over the last 2.0 s (Ctrl-C stops)",
                "Interface              Status           In pps    In bits/sec    Out pps   Out bits/sec  Drops/s",
                "GigabitEthernet1       up                  100         100000         50          50000        2",
                "                       5 minute             10           8000          5           4000",
            ],
            InterfaceMonitor.Text(refresh).Split('\n'));
    }

    [Fact]
    public void A_cleared_counter_reads_as_zero_not_as_a_negative_rate()
    {
        var before = new InterfacesView([View("GigabitEthernet1", 1000, 100_000, 500, 50_000, 10)]);
        var now = new InterfacesView([View("GigabitEthernet1", 5, 500, 0, 0, 0)]);

        var i = Assert.Single(InterfaceMonitor.Compare(before, now, 1.0, DateTimeOffset.UnixEpoch).Interfaces);
        Assert.Equal((0.0, 0.0, 0.0, 0.0, 0.0), (i.InputPacketsPerSecond, i.InputBitsPerSecond, i.OutputPacketsPerSecond, i.OutputBitsPerSecond, i.DropsPerSecond));
    }

    [Fact]
    public async Task Monitor_with_count_prints_that_many_refreshes_of_the_simulated_flow_and_exits_0()
    {
        var result = await Router.ArctlAsync("--count", "2", "mon", "int", "gi1");

        Assert.True(result.ExitCode == 0, result.ToString());
        var headers = result.Lines.Where(l => l.StartsWith("monitor interfaces: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, headers.Count);
        var rows = result.Lines.Where(l => l.StartsWith("GigabitEthernet1 ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, rows.Count);
        // 100 pps each way through Gi1 (the simulated hosts), give or take the second's edges.
        Assert.All(rows, row => Assert.Matches(@"^GigabitEthernet1\s+up\s+(\d+)\s+\d+\s+\d+\s+\d+\s+\d+$", row));
        Assert.Contains(rows, row => int.Parse(Regex.Match(row, @"^GigabitEthernet1\s+up\s+(\d+)").Groups[1].Value) > 0);
        Assert.DoesNotContain(result.Lines, l => l.StartsWith("GigabitEthernet2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Monitor_json_prints_one_object_per_refresh()
    {
        var result = await Router.ArctlAsync("--json", "--count", "1", "monitor", "interfaces");

        Assert.True(result.ExitCode == 0, result.ToString());
        var line = Assert.Single(result.Lines);
        using var json = JsonDocument.Parse(line);
        var names = json.RootElement.GetProperty("interfaces").EnumerateArray().Select(i => i.GetProperty("name").GetString()).ToList();
        Assert.Equal(["GigabitEthernet1", "GigabitEthernet2"], names);
        Assert.Equal(300, json.RootElement.GetProperty("interfaces")[0].GetProperty("loadIntervalRate").GetProperty("loadIntervalSeconds").GetInt32());
    }

    [Fact]
    public async Task Monitor_of_an_unknown_interface_is_refused_with_exit_1()
    {
        var result = await Router.ArctlAsync("--count", "1", "monitor", "interfaces", "gi9");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("% no interface gi9", result.Stderr);
    }

    [Fact]
    public async Task A_bad_count_is_a_usage_error()
    {
        var result = await InProcessRouter.ArctlWithoutRouterAsync("--count", "0", "monitor", "interfaces");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--count needs a whole number of refreshes ≥ 1, not '0'", result.Stderr);
    }
}
