using ActorRouter.Cli;
using ActorRouter.Control.Contracts;

namespace ActorRouter.Cli.Tests;

/// <summary><c>debug fault TARGET [stall SECONDS]</c> parsing, and what <c>show platform threads</c> adds once supervision has acted.</summary>
public class SupervisionCommandTests
{
    [Fact]
    public void Debug_fault_parses_a_crash_and_a_hang_with_its_seconds()
    {
        Assert.Equal(new DebugFaultRequest("ppe0"), CommandTable.Parse(ArctlApp.Tokenize("debug fault ppe0")));
        Assert.Equal(new DebugFaultRequest("ppe1", 2.5), CommandTable.Parse(ArctlApp.Tokenize("debug fault ppe1 stall 2.5")));
        Assert.Equal(new DebugFaultRequest("hqf", 0.001), CommandTable.Parse(ArctlApp.Tokenize("deb fault hqf stall 0.001")));
        Assert.Equal("stall SECONDS must be a number from 0.001 to 3600, got '0'",
            Assert.Throws<UsageException>(() => CommandTable.Parse(ArctlApp.Tokenize("debug fault ppe0 stall 0"))).Message);
        Assert.Equal("stall SECONDS must be a number from 0.001 to 3600, got 'long'",
            Assert.Throws<UsageException>(() => CommandTable.Parse(ArctlApp.Tokenize("debug fault ppe0 stall long"))).Message);
    }

    [Fact]
    public void Show_platform_threads_adds_fenced_threads_and_escalations_only_when_there_were_any()
    {
        var quiet = new ThreadsView([new ThreadView("ppe0", -1, false, "Running", 99, 0, 0, 1234, null)]);
        Assert.Equal(2, ReplyFormatter.Text(quiet).Split('\n').Length);

        var acted = new ThreadsView([
            new ThreadView("ppe0", -1, false, "Running", 99, 1, 1, 1234, "hung: heartbeat 42 stood still for 2.0 s") { Fences = 1 },
            new ThreadView("ppe1", -1, false, "Running", 98, 4, 0, 1235, "InjectedFaultException: fault injected into ppe1"),
        ])
        {
            DataPlaneReloads = 1,
            LastEscalation = "12:00:00 data-plane thread ppe1 failed 4 times within 30 s: reloaded the data plane",
        };
        var lines = ReplyFormatter.Text(acted).Split('\n');

        Assert.Equal(5, lines.Length);
        Assert.Equal("Hung threads fenced off and replaced: 1 (ppe0 1)", lines[3]);
        Assert.Equal("Escalations: 1 data-plane reload(s), 0 restart(s) of every control-plane actor; last: 12:00:00 data-plane thread ppe1 failed 4 times within 30 s: reloaded the data plane", lines[4]);
    }
}
