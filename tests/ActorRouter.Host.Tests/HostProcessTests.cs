using Xunit.Abstractions;

namespace ActorRouter.Host.Tests;

/// <summary>The built host as a user runs it: start, interfaces up, counters, SIGTERM, exit codes.</summary>
public sealed class HostProcessTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartupLimit = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopLimit = TimeSpan.FromSeconds(10);

    [Fact]
    public void On_the_embedded_default_both_interfaces_come_up_and_sigterm_stops_it_cleanly()
    {
        using var host = HostProcess.Start("--stats-interval", "1");
        try
        {
            Assert.True(host.WaitForLines(StartupLimit,
                    l => l == "GigabitEthernet1 (mem0) up 192.0.2.1/24 mtu 1500 02:00:00:00:00:01",
                    l => l == "GigabitEthernet2 (mem1) up 198.51.100.1/24 mtu 1500 02:00:00:00:00:02",
                    l => l == "router ready: 2 of 2 interfaces up",
                    l => l.StartsWith("simulation: 2 simulated host(s) on the far ends: 192.0.2.10 on GigabitEthernet1", StringComparison.Ordinal),
                    // Forwarding: the simulated hosts resolved the router and each other's traffic crosses it.
                    l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^stats: GigabitEthernet1 rx [1-9]\d* pps tx [1-9]\d* pps drops \d+ \| GigabitEthernet2 rx [1-9]\d* pps tx [1-9]\d* pps")),
                host.Transcript);

            host.Terminate();

            Assert.True(host.WaitForExit(StopLimit), "no exit within 10 s of SIGTERM\n" + host.Transcript);
            Assert.Equal(0, host.ExitCode);
            Assert.Contains("GPM accounting: all 16384 buffers free", host.Stdout);
            Assert.Contains(host.Stdout, l => l.Contains("discovered mem0 (memory driver) as GigabitEthernet1"));
            Assert.Contains(host.Stdout, l => l.Contains("GigabitEthernet2: uIDB 1 bound; registering the interface"));
        }
        finally
        {
            output.WriteLine(host.Transcript);
        }
    }

    [Fact]
    public void An_invalid_config_file_exits_2_with_every_error_as_file_key_reason_and_starts_nothing()
    {
        var path = Path.Combine(Path.GetTempPath(), $"actorrouter-bad-{Guid.NewGuid():N}.conf");
        File.WriteAllText(path, """
            actorrouter {
              interfaces = [ { os-name = "mem0", name = "GigabitEthernet1", mtu = 99999 } ]
              punt.ring-size = 1000
            }
            """);
        try
        {
            using var host = HostProcess.Start("--config", path);

            Assert.True(host.WaitForExit(StartupLimit), host.Transcript);
            output.WriteLine(host.Transcript);
            Assert.Equal(2, host.ExitCode);
            Assert.Equal(
                [
                    $"{path}: actorrouter.punt.ring-size: 1000 is not a power of two (64..65536)",
                    $"{path}: actorrouter.interfaces[0].mtu: 99999 is out of range 68..9000",
                ],
                host.Stderr);
            Assert.Empty(host.Stdout);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_missing_config_file_exits_2()
    {
        var path = Path.Combine(Path.GetTempPath(), $"actorrouter-missing-{Guid.NewGuid():N}.conf");
        using var host = HostProcess.Start("--config", path);

        Assert.True(host.WaitForExit(StartupLimit), host.Transcript);
        Assert.Equal(2, host.ExitCode);
        Assert.Equal([$"{path}: file not found"], host.Stderr);
    }
}
