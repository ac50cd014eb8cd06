using ActorRouter.Host;

namespace ActorRouter.Cli.Tests;

/// <summary>The host's side of the control endpoint: its port option and a port already taken.</summary>
public sealed class HostEndpointTests
{
    [Fact]
    public async Task A_second_router_on_a_port_in_use_fails_with_one_line_naming_the_port_instead_of_sharing_it()
    {
        await using var first = await InProcessRouter.StartAsync();
        var stderr = new StringWriter();

        var code = await RouterHost.RunAsync(["--control-port", first.Port.ToString(), "--state-directory", first.StateDirectory], new StringWriter(), stderr);

        Assert.Equal(1, code);
        Assert.StartsWith($"router failed: control endpoint: cannot listen on 127.0.0.1:{first.Port}: Address already in use", stderr.ToString());
        // The first router still answers.
        Assert.Equal(0, (await first.ArctlAsync("show", "actors")).ExitCode);
    }

    [Theory]
    [InlineData(new[] { "--control-port", "0" }, 0)]
    [InlineData(new[] { "--control-port", "4999" }, 4999)]
    [InlineData(new string[0], null)]
    public void The_control_port_option_overrides_the_configured_port(string[] args, int? port)
    {
        Assert.Equal(port, RouterHostOptions.Parse(args, out var error)!.ControlPort);
        Assert.Null(error);
    }

    [Fact]
    public void A_control_port_out_of_range_is_an_argument_error()
    {
        Assert.Null(RouterHostOptions.Parse(["--control-port", "70000"], out var error));
        Assert.Equal("--control-port needs a TCP port 0..65535 (0: any free port)", error);
    }

    [Fact]
    public async Task A_remote_peer_can_neither_select_other_actors_nor_stop_the_gateway()
    {
        await using var router = await InProcessRouter.StartAsync();
        // Even a peer holding the router's admin credential.
        using var credential = LoadedCredential.Load(new ClientCertificate(router.AdminCredential, null));
        var ssl = new Akka.Remote.Transport.DotNetty.DotNettySslSetup(credential.Certificate, suppressValidation: true, requireMutualAuthentication: true,
            (_, _, _, _, _) => true);
        var bootstrap = Akka.Actor.BootstrapSetup.Create().WithConfig(Akka.Configuration.ConfigurationFactory.ParseString("""
            akka.loglevel = OFF
            akka.stdout-loglevel = OFF
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0, enable-ssl = true }
            """));
        var probe = Akka.Actor.ActorSystem.Create("probe", Akka.Actor.Setup.ActorSystemSetup.Create(bootstrap, ssl));
        try
        {
            var root = $"akka.ssl.tcp://actorrouter@127.0.0.1:{router.Port}/user";
            await Assert.ThrowsAsync<Akka.Actor.ActorNotFoundException>(() => probe.ActorSelection(root + "/router").ResolveOne(TimeSpan.FromSeconds(2)));
            await Assert.ThrowsAsync<Akka.Actor.ActorNotFoundException>(() => probe.ActorSelection(root + "/control").ResolveOne(TimeSpan.FromSeconds(2)));
            probe.ActorSelection(root + "/router").Tell(Akka.Actor.PoisonPill.Instance);
            var gateway = await probe.ActorSelection(root + "/control/cli-gateway").ResolveOne(TimeSpan.FromSeconds(20));
            gateway.Tell(Akka.Actor.PoisonPill.Instance, Akka.Actor.ActorRefs.NoSender);
            gateway.Tell(Akka.Actor.Kill.Instance, Akka.Actor.ActorRefs.NoSender);
            await Task.Delay(500);
        }
        finally
        {
            await probe.Terminate();
        }

        var after = await router.ArctlAsync("show", "actors");
        Assert.True(after.ExitCode == 0, after + "\n" + router.HostOutput);
        Assert.Contains("  router", after.Lines);
        Assert.Contains("    cli-gateway", after.Lines);
    }
}
