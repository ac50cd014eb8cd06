using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ActorRouter.Cli;

/// <summary>
/// Where a one-shot arctl's time goes. With <c>ARCTL_TIMING=1</c> in the environment arctl prints one
/// line to stderr as it exits: the wall clock when <c>Main</c> began (Unix milliseconds, so the caller
/// can work out what process start and runtime start-up cost) and the milliseconds each phase took, in
/// order: <c>arctl-timing: main-at=1764490000123.4 credential=3.1 tcp=0.4 tls=21.0 ...</c>. Off, it
/// costs one environment read and nothing per phase.
/// </summary>
public static class PhaseTiming
{
    public const string EnvironmentVariable = "ARCTL_TIMING";
    public const string LinePrefix = "arctl-timing:";

    private static readonly bool Enabled = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(EnvironmentVariable));
    private static readonly double MainAtUnixMilliseconds = Enabled ? (DateTime.UtcNow - DateTime.UnixEpoch).TotalMilliseconds : 0;
    private static readonly List<(string Phase, double Milliseconds)> Phases = new();
    private static long _phaseStarted = Stopwatch.GetTimestamp();

    /// <summary>Takes the time from here on; call it first thing in Main.</summary>
    public static void Start() => _phaseStarted = Stopwatch.GetTimestamp();

    /// <summary>The phase that just ended took the time since the previous mark.</summary>
    public static void Mark(string phase)
    {
        if (!Enabled)
        {
            return;
        }
        var now = Stopwatch.GetTimestamp();
        lock (Phases)
        {
            Phases.Add((phase, Stopwatch.GetElapsedTime(_phaseStarted, now).TotalMilliseconds));
            _phaseStarted = now;
        }
    }

    /// <summary>Prints the line (when enabled).</summary>
    public static void Report(TextWriter stderr)
    {
        if (!Enabled)
        {
            return;
        }
        var line = new StringBuilder(LinePrefix)
            .Append(CultureInfo.InvariantCulture, $" main-at={MainAtUnixMilliseconds:0.0}");
        lock (Phases)
        {
            foreach (var (phase, milliseconds) in Phases)
            {
                line.Append(CultureInfo.InvariantCulture, $" {phase}={milliseconds:0.0}");
            }
        }
        // What the JIT compiled in this process (methods without a ReadyToRun image, generic
        // instantiations over arctl's own types, stubs): the usual reason a phase is slow the first time.
        line.Append(CultureInfo.InvariantCulture,
            $" jit-methods={System.Runtime.JitInfo.GetCompiledMethodCount()} jit-ms={System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds:0.0}");
        stderr.WriteLine(line.ToString());
    }
}
