using System.Diagnostics;
using ActorRouter.Control.Contracts;

namespace ActorRouter.Cli.Tests;

/// <summary>What arctl does with a command line it cannot use, and with a router that is not there.</summary>
public sealed class ErrorTests
{
    [Fact]
    public async Task An_unknown_command_exits_2_with_a_did_you_mean_suggestion_without_contacting_a_router()
    {
        var result = await InProcessRouter.ArctlWithoutRouterAsync("shwo", "ip", "route", "--router", $"127.0.0.1:{InProcessRouter.FreePort()}");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("arctl: unknown command 'shwo ip route'; did you mean 'show ip route'?", result.Stderr.TrimEnd());
        Assert.Equal("", result.Stdout);
    }

    [Theory]
    [InlineData(new[] { "show", "ip", "rotue" }, "arctl: unknown command 'show ip rotue'; did you mean 'show ip route'?")]
    [InlineData(new[] { "show", "platfrom", "threads" }, "arctl: unknown command 'show platfrom threads'; did you mean 'show platform threads'?")]
    [InlineData(new[] { "interface", "gi1", "mtu", "abc" }, "arctl: mtu needs a whole number, not 'abc'")]
    [InlineData(new[] { "interface", "gi1" }, "arctl: incomplete command 'interface gi1'; usage: interface NAME shutdown | interface NAME no shutdown | interface NAME ip address PREFIX | interface NAME ip address ADDRESS MASK | interface NAME no ip address | interface NAME tunnel source ADDRESS destination ADDRESS esp-out SPI KEY SALT esp-in SPI KEY SALT | interface NAME mtu N | interface NAME encapsulation dot1q VLAN | interface NAME service-policy output POLICY | interface NAME no service-policy output | interface NAME ipv6 address PREFIX | interface NAME no ipv6 address PREFIX")]
    [InlineData(new[] { "ip", "route", "10.0.0.0/8" }, "arctl: incomplete command 'ip route 10.0.0.0/8'; usage: ip route PREFIX NEXT-HOP | ip route ADDRESS MASK NEXT-HOP")]
    [InlineData(new[] { "show", "i" }, "arctl: ambiguous word 'i' in 'show i': interfaces, ip, ipv6")]
    [InlineData(new[] { "show", "actors", "now" }, "arctl: too many words in 'show actors now'; usage: show actors")]
    [InlineData(new[] { "interface", "gi1", "mtu", "50" }, "arctl: mtu 50 is out of range 68..9000")]
    [InlineData(new[] { "ip", "route", "10.99.0.1/16", "198.51.100.10" }, "arctl: 10.99.0.1/16 has host bits set (did you mean 10.99.0.0/16?)")]
    [InlineData(new[] { "ip", "route", "10.99.0.300/16", "198.51.100.10" }, "arctl: '10.99.0.300/16' is not a prefix (A.B.C.D/LEN or A.B.C.D M.M.M.M)")]
    [InlineData(new[] { "ip", "route", "10.0.0.0", "255.0.255.0", "198.51.100.10" }, "arctl: '10.0.0.0 255.0.255.0' is not a prefix (A.B.C.D/LEN or A.B.C.D M.M.M.M)")]
    [InlineData(new[] { "ip", "route", "10.0.0.0/8", "224.0.0.1" }, "arctl: next hop 224.0.0.1 is a multicast address (224.0.0.0/4)")]
    [InlineData(new[] { "interface", "gi1", "ip", "address", "192.0.2.0/24" }, "arctl: 192.0.2.0/24 is the network address of its subnet")]
    [InlineData(new[] { "interface", "gi1.5", "encapsulation", "dot1q", "0" }, "arctl: vlan 0 is out of range 1..4094")]
    [InlineData(new[] { "reload" }, "arctl: unknown command 'reload'; expected 'show', 'monitor', 'interface', 'qos', 'ip', 'no', 'ipv6', 'arp', 'clear', 'write', 'credentials', 'debug'")]
    public async Task Bad_command_lines_exit_2_with_a_precise_message(string[] words, string message)
    {
        var result = await InProcessRouter.ArctlWithoutRouterAsync([.. words, "--router", $"127.0.0.1:{InProcessRouter.FreePort()}"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(message, result.Stderr.TrimEnd());
    }

    [Theory]
    [InlineData(new[] { "--router", "localhost:notaport", "show", "actors" }, "arctl: 'localhost:notaport' is not a router address HOST:PORT (port 1..65535)")]
    [InlineData(new[] { "--frobnicate", "show", "actors" }, "arctl: unknown option '--frobnicate'")]
    [InlineData(new[] { "show", "actors", "--timeout" }, "arctl: --timeout needs a value")]
    public async Task Bad_options_exit_2_and_print_the_usage(string[] args, string message)
    {
        var result = await InProcessRouter.ArctlWithoutRouterAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(message, result.Stderr.Split('\n')[0].TrimEnd());
        Assert.Contains("usage: arctl", result.Stderr);
    }

    [Fact]
    public async Task A_router_that_is_not_running_exits_3_naming_the_address_within_20_seconds()
    {
        var port = InProcessRouter.FreePort();
        var clock = Stopwatch.StartNew();

        var result = await InProcessRouter.ArctlWithoutRouterAsync("show", "ip", "route", "--router", $"127.0.0.1:{port}");

        // The 3 s connect timeout, plus start-up and teardown of arctl's actor system on a loaded 2-core machine:
        // well short of the 15 s an answer may take.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        Assert.Equal(3, result.ExitCode);
        Assert.Single(result.Stderr.TrimEnd().Split('\n'));
        Assert.StartsWith($"arctl: router at 127.0.0.1:{port} is not reachable", result.Stderr);
    }

    [Fact]
    public async Task The_router_address_comes_from_ARCTL_ROUTER_when_no_option_is_given()
    {
        var port = InProcessRouter.FreePort();
        var stderr = new StringWriter();

        var code = await ArctlApp.RunAsync(["show", "actors"], new StringWriter(), stderr,
            environment: name => name switch
            {
                "ARCTL_ROUTER" => $"127.0.0.1:{port}",
                "ARCTL_CERT" => TestCredentials.ForeignAdmin,
                _ => null,
            });

        Assert.Equal(3, code);
        Assert.StartsWith($"arctl: router at 127.0.0.1:{port} is not reachable", stderr.ToString());
    }

    [Fact]
    public void Localhost_is_the_loopback_address_the_router_binds()
    {
        Assert.Equal(new RouterAddress("127.0.0.1", 4053), RouterAddress.Parse("localhost:4053"));
        Assert.Equal(new RouterAddress("192.0.2.1", 4053), RouterAddress.Parse("192.0.2.1"));
    }

    [Theory]
    [InlineData("sh ip int br", typeof(ShowIpInterfaceBriefRequest))]
    [InlineData("show interfaces", typeof(ShowInterfacesRequest))]
    [InlineData("sh plat qfp stat", typeof(ShowQfpStatisticsRequest))]
    [InlineData("sh plat thr", typeof(ShowThreadsRequest))]
    [InlineData("sh run", typeof(ShowRunningConfigRequest))]
    [InlineData("wr mem", typeof(WriteMemoryRequest))]
    [InlineData("clear counters", typeof(ClearCountersRequest))]
    [InlineData("int gi1 no shut", typeof(SetShutdownRequest))]
    [InlineData("int gi1 no ip addr", typeof(SetIpAddressRequest))]
    public void Keywords_parse_from_unambiguous_abbreviations(string line, Type expected)
    {
        Assert.IsType(expected, CommandTable.Parse(ArctlApp.Tokenize(line)));
    }

    [Fact]
    public void Parameters_are_passed_as_typed()
    {
        Assert.Equal(new SetShutdownRequest("gi1", false), CommandTable.Parse(["int", "gi1", "no", "shut"]));
        Assert.Equal(new SetShutdownRequest("Gig2", true), CommandTable.Parse(["interface", "Gig2", "shutdown"]));
        Assert.Equal(new SetMtuRequest("gi1", 1400), CommandTable.Parse(["interface", "gi1", "mtu", "1400"]));
        Assert.Equal(new AddRouteRequest("10.0.0.0 255.0.0.0", "192.0.2.10"), CommandTable.Parse(["ip", "route", "10.0.0.0", "255.0.0.0", "192.0.2.10"]));
        Assert.Equal(new RemoveRouteRequest("10.0.0.0/8", "192.0.2.10"), CommandTable.Parse(["no", "ip", "route", "10.0.0.0/8", "192.0.2.10"]));
        Assert.Equal(new WriteMemoryRequest("/tmp/x.conf"), CommandTable.Parse(ArctlApp.Tokenize("write memory \"/tmp/x.conf\"")));
        Assert.Equal(new ShowInterfacesRequest("gi1"), CommandTable.Parse(["sh", "int", "gi1"]));
    }

    [Theory]
    [InlineData("gi1", "GigabitEthernet1")]
    [InlineData("Gig1", "GigabitEthernet1")]
    [InlineData("GIGABITETHERNET2", "GigabitEthernet2")]
    [InlineData("g2", "GigabitEthernet2")]
    [InlineData("gi 2", "GigabitEthernet2")]
    public void Interface_names_resolve_case_insensitively_and_abbreviated(string typed, string expected)
    {
        Assert.Equal(expected, ActorRouter.ControlPlane.Commands.InterfaceNames.Resolve(typed, ["GigabitEthernet1", "GigabitEthernet2"], out var error));
        Assert.Null(error);
    }

    [Fact]
    public void An_interface_abbreviation_that_fits_two_types_is_ambiguous_and_a_wrong_number_is_unknown()
    {
        string[] names = ["GigabitEthernet1", "GreTunnel1", "GigabitEthernet2"];
        Assert.Null(ActorRouter.ControlPlane.Commands.InterfaceNames.Resolve("g1", names, out var ambiguous));
        Assert.Equal("interface 'g1' is ambiguous: GigabitEthernet1, GreTunnel1", ambiguous);
        Assert.Null(ActorRouter.ControlPlane.Commands.InterfaceNames.Resolve("gi3", names, out var unknown));
        Assert.Equal("no interface gi3 (interfaces: GigabitEthernet1, GreTunnel1, GigabitEthernet2)", unknown);
    }
}
