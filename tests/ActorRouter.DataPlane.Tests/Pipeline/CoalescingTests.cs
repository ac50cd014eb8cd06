using static ActorRouter.DataPlane.Tests.Pipeline.TestRouter;

namespace ActorRouter.DataPlane.Tests.Pipeline;

/// <summary>
/// Receive coalescing of the collapsed worker (<see cref="DataPlaneOptions.CoalesceMicroseconds"/>): a stream of small
/// batches makes it nap between passes, a lone frame never does, and every frame is forwarded either way.
/// </summary>
[Collection("Load")]
public class CoalescingTests
{
    private static DataPlaneOptions Collapsed(int coalesceMicroseconds) => new()
    {
        BufferCount = 8192,
        Layout = DataPlaneLayout.Collapsed,
        Workers = 1,
        CoalesceMicroseconds = coalesceMicroseconds,
        CoalesceBatch = 16,
    };

    [Fact]
    public void Lone_frames_never_wait()
    {
        using var router = new TestRouter(options: Collapsed(200));
        var worker = router.DataPlane.Workers[0];
        for (var i = 0; i < 5; i++)
        {
            var frame = UdpFrom(0, HostAddresses[1], id: (ushort)i);
            var sleeps = Volatile.Read(ref worker.Counters.Sleeps);
            router.Send(0, frame);
            Assert.Equal(Expected(frame, 0, 1), Receive(router.Host(1)));
            // The worker goes idle before the next one: that frame is alone again.
            Assert.True(WaitUntil(() => Volatile.Read(ref worker.Counters.Sleeps) > sleeps), "the worker never went to sleep");
        }
        Assert.Equal(0, Volatile.Read(ref worker.Counters.Naps));
    }

    [Theory]
    [InlineData(200, true)]
    [InlineData(0, false)]
    public void A_stream_of_small_batches_naps_only_when_coalescing_is_on_and_every_frame_arrives_in_order(int coalesceMicroseconds, bool naps)
    {
        using var router = new TestRouter(options: Collapsed(coalesceMicroseconds));
        var worker = router.DataPlane.Workers[0];
        var deadline = Environment.TickCount64 + 10_000;
        ushort sent = 0;
        ushort received = 0;
        // A few frames at a time, back to back, until the worker napped (or, with coalescing off, for a while).
        var streamUntil = Environment.TickCount64 + 300;
        while (Environment.TickCount64 < deadline && (naps ? Volatile.Read(ref worker.Counters.Naps) == 0 : Environment.TickCount64 < streamUntil))
        {
            for (var i = 0; i < 3; i++)
            {
                router.Send(0, UdpFrom(0, HostAddresses[1], id: sent++));
            }
            while (router.Host(1).TryReceive() is { } frame)
            {
                Assert.Equal(Expected(UdpFrom(0, HostAddresses[1], id: received++), 0, 1), frame);
            }
        }
        while (received != sent && Receive(router.Host(1)) is { } frame)
        {
            Assert.Equal(Expected(UdpFrom(0, HostAddresses[1], id: received++), 0, 1), frame);
        }
        Assert.Equal(sent, received);
        if (naps)
        {
            Assert.True(Volatile.Read(ref worker.Counters.Naps) > 0, $"no nap in 10 s of a stream of {sent} frames in threes");
            // What show platform qfp statistics reports (the worker may nap again meanwhile: never fewer).
            var reported = router.DataPlane.ReadStatistics().Threads.Single(t => t.Name == worker.Name).Naps;
            Assert.True(reported > 0, "the statistics show no nap");
        }
        else
        {
            Assert.Equal(0, Volatile.Read(ref worker.Counters.Naps));
        }
    }
}
