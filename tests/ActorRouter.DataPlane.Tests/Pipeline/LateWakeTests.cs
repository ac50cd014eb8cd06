using System.Diagnostics;
using ActorRouter.DataPlane.Threads;

namespace ActorRouter.DataPlane.Tests.Pipeline;

/// <summary>
/// Late wakes (<see cref="ActorRouter.DataPlane.Counters.ThreadCounters.LateWakes"/>): a nap or sleep that ended a
/// millisecond or more past what it asked for is counted, and the count reaches the statistics the CLI and metrics show.
/// </summary>
public class LateWakeTests
{
    private static readonly long Millisecond = Stopwatch.Frequency / 1000;

    [Theory]
    [InlineData(30, 0, false)] // a 30 µs nap that took 30 µs
    [InlineData(30, 999, false)] // 999 µs late: not yet
    [InlineData(30, 1000, true)] // a millisecond late
    [InlineData(1000, 7900, true)] // a 1 ms poll that took 8.9 ms
    [InlineData(100_000, -60_000, false)] // a 100 ms sleep that a frame ended after 40 ms
    public void A_wait_is_late_from_a_millisecond_past_what_it_asked(int askedMicroseconds, int lateMicroseconds, bool late)
    {
        var asked = askedMicroseconds * Millisecond / 1000;
        var elapsed = asked + lateMicroseconds * Millisecond / 1000;
        Assert.Equal(late, DataPlaneWorker.IsLate(elapsed, asked));
    }

    [Fact]
    public void The_statistics_carry_each_threads_late_wakes()
    {
        using var router = new TestRouter(options: new DataPlaneOptions { Layout = DataPlaneLayout.Collapsed, Workers = 1 }, start: false);
        var worker = router.DataPlane.Workers[0];
        worker.Counters.LateWakes = 3;
        Assert.Equal(3, router.DataPlane.ReadStatistics().Threads.Single(t => t.Name == worker.Name).LateWakes);
    }
}
