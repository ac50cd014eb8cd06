namespace ActorRouter.ControlPlane.Observability;

/// <summary>
/// IOS's interface load arithmetic: each sample's rate (the counter's growth over the time since the
/// last sample) moves the shown rate towards it by the share <c>1 − e^(−Δt/T)</c>, where T is the load
/// interval. A steady rate R is reached to 63 % after T, to 95 % after 3T; a burst fades the same way.
/// </summary>
public static class LoadRate
{
    /// <summary>The decayed rate after one sample.</summary>
    /// <param name="previous">The rate shown before this sample (0 at start).</param>
    /// <param name="sample">The rate measured over <paramref name="elapsed"/>.</param>
    public static double Decay(double previous, double sample, TimeSpan elapsed, TimeSpan loadInterval)
    {
        if (elapsed <= TimeSpan.Zero)
        {
            return previous;
        }
        var keep = Math.Exp(-elapsed.TotalSeconds / loadInterval.TotalSeconds);
        return sample + (previous - sample) * keep;
    }

    /// <summary>
    /// The rate of a counter that moved from <paramref name="before"/> to <paramref name="now"/> over
    /// <paramref name="elapsed"/>; null when it went backwards (cleared), so that the sample is skipped
    /// rather than shown as a burst or a negative rate.
    /// </summary>
    public static double? CounterRate(long before, long now, TimeSpan elapsed)
    {
        if (now < before || elapsed <= TimeSpan.Zero)
        {
            return null;
        }
        return (now - before) / elapsed.TotalSeconds;
    }
}

/// <summary>One interface's decayed rates.</summary>
public sealed record InterfaceRate(double InputBitsPerSecond, double InputPacketsPerSecond, double OutputBitsPerSecond, double OutputPacketsPerSecond)
{
    public static readonly InterfaceRate Zero = new(0, 0, 0, 0);
}

/// <summary>
/// The rates of every interface, kept between samples: the counters last seen per interface index,
/// and the decayed rates. Plain state, no clock of its own: the caller passes the sample's time.
/// </summary>
public sealed class InterfaceRateTracker(TimeSpan loadInterval)
{
    private readonly Dictionary<int, (Counters Counters, TimeSpan At, InterfaceRate Rate)> _byIndex = [];

    /// <summary>Counters of one interface as a statistics snapshot gives them.</summary>
    public readonly record struct Counters(long RxPackets, long RxBytes, long TxPackets, long TxBytes);

    public TimeSpan LoadInterval { get; } = loadInterval;

    /// <summary>Takes one snapshot of the interfaces that exist now; interfaces no longer present are forgotten.</summary>
    /// <param name="at">The sample's time on a monotonic clock.</param>
    public void Sample(IEnumerable<(int Index, Counters Counters)> interfaces, TimeSpan at)
    {
        var seen = new HashSet<int>();
        foreach (var (index, now) in interfaces)
        {
            seen.Add(index);
            if (!_byIndex.TryGetValue(index, out var last))
            {
                // The first sample is the baseline; rates start at zero, as on IOS after boot.
                _byIndex[index] = (now, at, InterfaceRate.Zero);
                continue;
            }
            var elapsed = at - last.At;
            var rxPackets = LoadRate.CounterRate(last.Counters.RxPackets, now.RxPackets, elapsed);
            var rxBytes = LoadRate.CounterRate(last.Counters.RxBytes, now.RxBytes, elapsed);
            var txPackets = LoadRate.CounterRate(last.Counters.TxPackets, now.TxPackets, elapsed);
            var txBytes = LoadRate.CounterRate(last.Counters.TxBytes, now.TxBytes, elapsed);
            if (rxPackets is null || rxBytes is null || txPackets is null || txBytes is null)
            {
                // Cleared counters: a new baseline, the rates as they were.
                _byIndex[index] = (now, at, last.Rate);
                continue;
            }
            var rate = new InterfaceRate(
                LoadRate.Decay(last.Rate.InputBitsPerSecond, rxBytes.Value * 8, elapsed, LoadInterval),
                LoadRate.Decay(last.Rate.InputPacketsPerSecond, rxPackets.Value, elapsed, LoadInterval),
                LoadRate.Decay(last.Rate.OutputBitsPerSecond, txBytes.Value * 8, elapsed, LoadInterval),
                LoadRate.Decay(last.Rate.OutputPacketsPerSecond, txPackets.Value, elapsed, LoadInterval));
            _byIndex[index] = (now, at, rate);
        }
        foreach (var gone in _byIndex.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            _byIndex.Remove(gone);
        }
    }

    /// <summary>The decayed rates by interface index.</summary>
    public IReadOnlyDictionary<int, InterfaceRate> Rates => _byIndex.ToDictionary(p => p.Key, p => p.Value.Rate);
}
