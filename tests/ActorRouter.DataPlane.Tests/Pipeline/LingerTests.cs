using static ActorRouter.DataPlane.Tests.Pipeline.TestRouter;

namespace ActorRouter.DataPlane.Tests.Pipeline;

/// <summary>
/// Linger (<see cref="DataPlaneOptions.LingerMilliseconds"/>): after work an idle worker sleeps a millisecond at a
/// time while it lingers, and up to its full timeout (100 ms) otherwise and once the linger is over.
/// </summary>
[Collection("Load")]
public class LingerTests
{
    private static DataPlaneOptions Collapsed(int lingerMilliseconds) => new()
    {
        Layout = DataPlaneLayout.Collapsed,
        Workers = 1,
        LingerMilliseconds = lingerMilliseconds,
    };

    /// <summary>Forwards one frame, then counts the worker's sleeps over <paramref name="window"/> starting <paramref name="after"/> later.</summary>
    private static long SleepsAfterAFrame(TestRouter router, TimeSpan after, TimeSpan window)
    {
        var worker = router.DataPlane.Workers[0];
        var frame = UdpFrom(0, HostAddresses[1], id: 1);
        router.Send(0, frame);
        Assert.Equal(Expected(frame, 0, 1), Receive(router.Host(1)));
        Thread.Sleep(after);
        var before = Volatile.Read(ref worker.Counters.Sleeps);
        Thread.Sleep(window);
        return Volatile.Read(ref worker.Counters.Sleeps) - before;
    }

    [Fact]
    public void A_lingering_worker_sleeps_a_millisecond_at_a_time()
    {
        using var router = new TestRouter(options: Collapsed(60_000));
        var sleeps = SleepsAfterAFrame(router, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(500));
        // A 1 ms sleep each: hundreds in half a second on a quiet machine; a busy one still schedules the thread far more often than 20 times.
        Assert.True(sleeps >= 20, $"{sleeps} sleeps in 500 ms");
    }

    [Fact]
    public void Without_linger_an_idle_worker_sleeps_up_to_its_full_timeout()
    {
        using var router = new TestRouter(options: Collapsed(0));
        var sleeps = SleepsAfterAFrame(router, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(500));
        // 100 ms sleeps: five in half a second, one more at the window's edges.
        Assert.True(sleeps <= 8, $"{sleeps} sleeps in 500 ms");
    }

    [Fact]
    public void Once_the_linger_is_over_the_worker_sleeps_long_again()
    {
        using var router = new TestRouter(options: Collapsed(200));
        var sleeps = SleepsAfterAFrame(router, TimeSpan.FromMilliseconds(1000), TimeSpan.FromMilliseconds(500));
        Assert.True(sleeps <= 8, $"{sleeps} sleeps in 500 ms, 1 s after the last frame with a 200 ms linger");
    }
}
