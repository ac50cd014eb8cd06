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
}
