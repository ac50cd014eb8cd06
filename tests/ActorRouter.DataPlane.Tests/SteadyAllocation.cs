namespace ActorRouter.DataPlane.Tests;

/// <summary>
/// Bytes a repeated operation allocates on the calling thread once it runs in steady state. The runtime itself may
/// allocate on the thread the first few times (a method's tier-up, an on-stack replacement, its call-counting stubs),
/// and on a busy machine its background compiler finishes late, inside a measured window; so the window is measured
/// up to <c>attempts</c> times and the smallest figure counts. An operation that allocates by itself allocates in
/// every window, so a real allocation still fails the test.
/// </summary>
internal static class SteadyAllocation
{
    /// <summary>Runs <paramref name="once"/> <paramref name="warmup"/> times, then windows of <paramref name="rounds"/>; returns the least any window allocated and the calls made in all.</summary>
    public static (long Bytes, int Calls) Measure(Action once, int warmup, int rounds, int attempts = 3)
    {
        for (var i = 0; i < warmup; i++)
        {
            once();
        }
        var calls = warmup;
        var least = long.MaxValue;
        for (var attempt = 0; attempt < attempts && least != 0; attempt++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < rounds; i++)
            {
                once();
            }
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
            calls += rounds;
        }
        return (least, calls);
    }
}
