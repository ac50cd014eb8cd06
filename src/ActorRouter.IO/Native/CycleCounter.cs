using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ActorRouter.IO.Native;

/// <summary>
/// The CPU's cycle counter (the TSC on x86) and its rate, for clocks per packet as VPP's
/// <c>show runtime</c> gives them. The data plane times nodes with <see cref="Stopwatch"/>; on Linux that
/// is CLOCK_MONOTONIC, which the kernel derives from the TSC when the TSC is its clocksource (the usual
/// case: constant_tsc, nonstop_tsc), so nanoseconds × the TSC's measured rate are TSC clocks — without a
/// native call inside the data plane's timed loop.
/// </summary>
public static partial class CycleCounter
{
    private static readonly Lazy<CycleCounterRate> Calibrated = new(() => Calibrate(TimeSpan.FromMilliseconds(20)));

    [LibraryImport(NativeShim.LibraryName, EntryPoint = "arn_cycle_counter")]
    [SuppressGCTransition]
    private static partial ulong NativeRead();

    [LibraryImport(NativeShim.LibraryName, EntryPoint = "arn_cycle_counter_kind")]
    private static partial uint NativeKind();

    /// <summary>The counter now.</summary>
    public static ulong Read() => NativeRead();

    /// <summary>The counter's rate, measured once (20 ms) on first use.</summary>
    public static CycleCounterRate Rate => Calibrated.Value;

    /// <summary>
    /// Measures the counter against <see cref="Stopwatch"/> over <paramref name="window"/>. Without the
    /// native library (a build that did not make it) the answer is the monotonic clock itself.
    /// </summary>
    public static CycleCounterRate Calibrate(TimeSpan window)
    {
        uint kind;
        try
        {
            kind = NativeKind();
        }
        catch (DllNotFoundException)
        {
            return CycleCounterRate.Nanoseconds;
        }
        catch (EntryPointNotFoundException)
        {
            return CycleCounterRate.Nanoseconds;
        }
        if (kind == 0)
        {
            return CycleCounterRate.Nanoseconds;
        }
        var startTicks = Stopwatch.GetTimestamp();
        var startCycles = NativeRead();
        Thread.Sleep(window);
        var cycles = NativeRead() - startCycles;
        var seconds = Stopwatch.GetElapsedTime(startTicks).TotalSeconds;
        return new CycleCounterRate(kind == 1 ? "TSC" : "cntvct", cycles / seconds);
    }
}

/// <summary>A cycle counter's name and its measured rate in counts per second.</summary>
public sealed record CycleCounterRate(string Source, double CyclesPerSecond)
{
    /// <summary>No cycle counter: clocks are nanoseconds of the monotonic clock.</summary>
    public static readonly CycleCounterRate Nanoseconds = new("ns", 1e9);

    /// <summary>Clocks for <paramref name="nanoseconds"/> of the monotonic clock.</summary>
    public double ClocksFor(double nanoseconds) => nanoseconds * CyclesPerSecond / 1e9;
}
