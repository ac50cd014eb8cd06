using System.Runtime.InteropServices;
using ActorRouter.IO.Native;

namespace ActorRouter.IO.Tests;

public sealed class CycleCounterTests
{
    [Fact]
    public void The_counter_advances_and_its_rate_is_the_cpus_on_this_machine()
    {
        var first = CycleCounter.Read();
        Thread.Sleep(5);
        Assert.True(CycleCounter.Read() > first);

        var rate = CycleCounter.Calibrate(TimeSpan.FromMilliseconds(50));
        if (RuntimeInformation.ProcessArchitecture == Architecture.X64)
        {
            Assert.Equal("TSC", rate.Source);
            // Any x86 CPU this runs on counts between 0.5 and 10 GHz.
            Assert.InRange(rate.CyclesPerSecond, 5e8, 1e10);
        }
        Assert.Equal(rate.CyclesPerSecond * 2.5 / 1e9, rate.ClocksFor(2.5), 6);
    }

    [Fact]
    public void The_monotonic_fallback_counts_nanoseconds()
    {
        Assert.Equal(1e9, CycleCounterRate.Nanoseconds.CyclesPerSecond);
        Assert.Equal(42.0, CycleCounterRate.Nanoseconds.ClocksFor(42.0));
    }
}
