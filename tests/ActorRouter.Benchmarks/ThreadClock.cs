using System.Runtime.InteropServices;

namespace ActorRouter.Benchmarks;

/// <summary>The calling thread's own CPU time: on a busy machine a wall clock also counts the time a thread waited for a core.</summary>
internal static partial class ThreadClock
{
    private const int ThreadCpuTimeClock = 3; // CLOCK_THREAD_CPUTIME_ID

    public static double CpuSeconds()
    {
        ClockGetTime(ThreadCpuTimeClock, out var time);
        return time.Seconds + time.Nanoseconds / 1e9;
    }

    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);
}
