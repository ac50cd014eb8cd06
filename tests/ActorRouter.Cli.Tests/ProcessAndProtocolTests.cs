using System.Diagnostics;
using System.Text.Json;
using ActorRouter.Control.Contracts;
using Akka.Actor;

namespace ActorRouter.Cli.Tests;

/// <summary>The built arctl executable, the message contracts on the wire, and the interactive mode.</summary>
public sealed class ProcessAndProtocolTests
{
    /// <summary>arctl.dll as the build left it: src/ActorRouter.Cli/bin/&lt;Configuration&gt;/net10.0.</summary>
    private static string ArctlDll
    {
        get
        {
            var testBin = new DirectoryInfo(AppContext.BaseDirectory);
            var configuration = testBin.Parent!.Name;
            var repo = testBin.Parent.Parent!.Parent!.Parent!.Parent!.FullName;
            return Path.Combine(repo, "src", "ActorRouter.Cli", "bin", configuration, "net10.0", "arctl.dll");
        }
    }

    private static (int ExitCode, string Stdout, string Stderr) RunArctl(TimeSpan limit, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(ArctlDll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        info.Environment.Remove("ARCTL_ROUTER");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill();
            throw new TimeoutException($"arctl did not exit within {limit}");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public async Task The_built_arctl_executable_prints_the_interface_brief_of_a_running_router()
    {
        Assert.True(File.Exists(ArctlDll), $"{ArctlDll} is not built");
        await using var router = await InProcessRouter.StartAsync();

        var (code, stdout, stderr) = RunArctl(TimeSpan.FromSeconds(60), "show", "ip", "interface", "brief", "--router", router.Router,
            "--cert", router.AdminCredential, "--timeout", InProcessRouter.ConnectTimeoutSeconds);

        Assert.True(code == 0, stderr);
        Assert.Equal(
            [
                "Interface              IP-Address      OK? Method Status                Protocol",
                "GigabitEthernet1       192.0.2.1       YES manual up                    up",
                "GigabitEthernet2       198.51.100.1    YES manual up                    up",
            ],
            stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        // Akka's own logging is off in the client: nothing but the answer.
        Assert.Equal("", stderr);
    }

    [Fact]
    public void The_built_arctl_exits_3_quickly_when_no_router_listens()
    {
        var port = InProcessRouter.FreePort();
        var clock = Stopwatch.StartNew();

        var (code, stdout, stderr) = RunArctl(TimeSpan.FromSeconds(30), "show", "actors", "--router", $"127.0.0.1:{port}", "--cert", TestCredentials.ForeignAdmin);

        // The 3 s connect timeout plus process start-up and teardown on a loaded 2-core machine.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        Assert.Equal(3, code);
        Assert.Equal("", stdout);
        Assert.Single(stderr.TrimEnd().Split('\n'));
        Assert.Contains($"127.0.0.1:{port}", stderr);
    }

    public static TheoryData<object> Messages() =>
    [
        new ShowInterfacesRequest("gi1"),
        new ShowInterfacesRequest(null),
        new ShowIpRouteRequest(),
        new ShowIpv6RouteRequest(),
        new ShowIpv6InterfaceBriefRequest(),
        new ShowIpv6NeighborsRequest(),
        new Ipv6NeighborsView([new Ipv6NeighborView("2001:db8:1::10", 0, "02:00:00:00:01:0a", "STALE", "GigabitEthernet1", false),
            new Ipv6NeighborView("2001:db8:1::20", null, null, "INCMP", "GigabitEthernet1", false)]),
        new Ipv6InterfacesView([new Ipv6InterfaceView("GigabitEthernet1", true, false, "fe80::1", ["2001:db8:1::1/64", "2001:db8:1:1::1/64"])]),
        new Ipv6RoutesView([new Ipv6RouteView("S", "::/0", "fe80::2", "GigabitEthernet2", "incomplete"), new Ipv6RouteView("L", "2001:db8:1::1/128", null, null, "receive")]),
        new SetShutdownRequest("Gi2", true),
        new SetIpAddressRequest("gi1", null),
        new SetMtuRequest("gi1", 1400),
        new AddRouteRequest("10.0.0.0 255.0.0.0", "192.0.2.10"),
        new SetIpv6AddressRequest("gi1", "2001:db8:5::1/64", true),
        new AddIpv6RouteRequest("2001:db8:99::/48", "fe80::2", "gi2"),
        new AddIpv6RouteRequest("::/0", "2001:db8:2::10", null),
        new RemoveIpv6RouteRequest("::/0", "2001:db8:2::10"),
        new SetIpv6NeighborRequest("2001:db8:2::20", "gi2", "02:00:00:00:0a:20"),
        new RemoveIpv6NeighborRequest("2001:db8:2::20", "gi2"),
        new WriteMemoryRequest(null),
        new SetStaticArpRequest("192.0.2.20", "02:00:00:00:00:20"),
        new RemoveStaticArpRequest("192.0.2.20"),
        new ClearIpArpRequest(null),
        new ClearIpArpRequest("192.0.2.10"),
        new ShowPlatformPuntRequest(),
        new PuntView([new PuntClassView("glean", 500, 100, 153, 10_000, 9_400, 600, 0, 12), new PuntClassView("icmp-error", 0.5, 1, 0, 3, 1, 2, 0, 0)]),
        new CommandDone("done"),
        new CommandRefused("why"),
        new InterfacesView([new InterfaceView("GigabitEthernet1", "mem0", 0, true, false, 1500, "02:00:00:00:00:01", null, long.MaxValue, 2, 3, 4, 5, 6)]),
        new RoutesView([new RouteView("S", "0.0.0.0/0", "192.0.2.10", null, false)]),
        new RoutesView([new RouteView("F", "198.18.0.0/15", "192.0.2.2", "GigabitEthernet1", true) { Metric = 2 }]),
        new ArpView([new ArpEntryView("192.0.2.10", null, null, "GigabitEthernet1", "Incomplete")]),
        new QfpStatisticsView([new ThreadStatisticsView("rx", 1, 2, 3, 4, 5)], [new DropCountView("NoRoute", 7)], 16384, 16000,
            [new GpmOwnerView("Free", 16000)], [new RingDepthView("rx->ppe0", 1, 1024)], [new EgressQueueView("GigabitEthernet1", 0)]),
        new ThreadsView([new ThreadView("ppe0", -1, false, "Running", 99, 1, 0, 1234, "boom")]),
        new ThreadsView([new ThreadView("ppe1", 1, true, "Running", 7, 2, 1, 99, "hung") { Fences = 1 }])
            { DataPlaneReloads = 1, ControlPlaneEscalations = 2, LastEscalation = "12:00:00 fman failed 21 times within 60 s: restarted every control-plane child" },
        new DebugFaultRequest("ppe0", 2.5),
        new ActorsView(["/user/router", "/user/router/fman"]),
        new RunningConfigView("(embedded default)", "actorrouter {\n}\n"),
        new SignedRequest(new SetMtuRequest("gi1", 1400), [0x30, 0x82, 1], 1_764_460_800_000, "00112233445566778899aabbccddeeff", [1, 2, 3]),
        new NotAuthorised("not authorised: why"),
        new IssueCredentialRequest("ops", "read-only", [0x30, 0x81]),
        new CredentialIssued("ops", "read-only", "0A1B", [1, 2], [3, 4]),
        new RevokeCredentialRequest("ops"),
        new ShowControlClientsRequest(),
        new ControlClientsView([new ControlClientView("admin", "admin", "akka.ssl.tcp://arctl@127.0.0.1:40000", 3, "2026-11-30T05:00:00Z")],
            [new RefusalCountView("certificate revoked", 2)], ["2026-11-30T05:00:00Z akka.ssl.tcp://arctl@127.0.0.1:40001: certificate revoked"], 600),
    ];

    /// <summary>Every contract survives the serializer Akka.Remote picks for it, unchanged (compared field by field as JSON).</summary>
    [Theory]
    [MemberData(nameof(Messages))]
    public async Task Contracts_round_trip_through_akkas_default_serializer(object message)
    {
        var system = ActorSystem.Create("serialization-check", "akka.actor.provider = remote\nakka.remote.dot-netty.tcp.port = 0\nakka.loglevel = OFF");
        var serializer = system.Serialization.FindSerializerFor(message);

        var bytes = serializer.ToBinary(message);
        var back = serializer.FromBinary(bytes, message.GetType());

        Assert.IsType(message.GetType(), back);
        Assert.Equal(JsonSerializer.Serialize(message, message.GetType()), JsonSerializer.Serialize(back, back.GetType()));
        await system.Terminate();
    }

    [Fact]
    public async Task Interactive_mode_reads_commands_from_redirected_input_until_exit_and_reports_the_worst_exit_code()
    {
        await using var router = await InProcessRouter.StartAsync();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var input = new StringReader("sh ip int br\n?\nshwo actors\n\ninterface gi2 shutdown\nshow ip interface brief\nexit\nshow actors\n");

        var code = await ArctlApp.RunAsync(["--router", router.Router, "--cert", router.AdminCredential, "--timeout", InProcessRouter.ConnectTimeoutSeconds], stdout, stderr, input, _ => null);

        Assert.Equal(2, code);
        var lines = stdout.ToString().Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.Equal("router# sh ip int br", lines[0]);
        Assert.Equal("GigabitEthernet1       192.0.2.1       YES manual up                    up", lines[2]);
        Assert.Contains(lines, l => l.StartsWith("  show ip route", StringComparison.Ordinal));
        Assert.Contains("router# interface gi2 shutdown", lines);
        Assert.Contains("GigabitEthernet2: shutdown", lines);
        Assert.Contains("GigabitEthernet2       198.51.100.1    YES manual administratively down down", lines);
        // Nothing after exit is run.
        Assert.DoesNotContain("/user", lines);
        Assert.Equal("arctl: unknown command 'shwo actors'; did you mean 'show actors'?", stderr.ToString().TrimEnd());
    }
}
