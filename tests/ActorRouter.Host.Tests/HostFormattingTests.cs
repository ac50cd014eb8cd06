using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Messages;

namespace ActorRouter.Host.Tests;

public sealed class HostFormattingTests
{
    private static InterfaceStatus Gi1(long rx = 0, long tx = 0, long drops = 0) => new(
        "GigabitEthernet1", "mem0", 0, AdminUp: true, OperUp: true, 1500, 0x02_00_00_00_00_01,
        Ipv4Cidr.Parse("192.0.2.1/24"), rx, rx * 100, tx, tx * 100, drops);

    [Fact]
    public void The_status_line_names_interface_os_name_state_address_mtu_and_mac()
    {
        Assert.Equal("GigabitEthernet1 (mem0) up 192.0.2.1/24 mtu 1500 02:00:00:00:00:01", RouterConsole.StatusLine(Gi1()));
        Assert.Equal("GigabitEthernet1 (mem0) administratively down unassigned mtu 1500 02:00:00:00:00:01",
            RouterConsole.StatusLine(Gi1() with { AdminUp = false, Address = null }));
    }

    [Fact]
    public void The_counter_line_gives_rates_and_drops_since_the_previous_reading()
    {
        Assert.Equal("stats: GigabitEthernet1 rx 100 pps tx 50 pps drops 3",
            RouterConsole.CounterLine([Gi1(100, 50, 1)], [Gi1(300, 150, 4)], 2.0));
    }

    [Theory]
    [InlineData(new string[0], null, 5)]
    [InlineData(new[] { "--config", "a.conf" }, "a.conf", 5)]
    [InlineData(new[] { "--config=a.conf", "--stats-interval", "2" }, "a.conf", 2)]
    public void Arguments_are_parsed(string[] args, string? config, int statsSeconds)
    {
        var options = RouterHostOptions.Parse(args, out var error);
        Assert.Null(error);
        Assert.Equal(new RouterHostOptions(config, TimeSpan.FromSeconds(statsSeconds)), options);
    }

    [Theory]
    [InlineData("--config")]
    [InlineData("--verbose")]
    [InlineData("--stats-interval", "0")]
    public void Bad_arguments_are_refused(params string[] args)
    {
        Assert.Null(RouterHostOptions.Parse(args, out var error));
        Assert.NotNull(error);
    }
}
