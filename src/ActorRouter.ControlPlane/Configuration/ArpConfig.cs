using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorRouter.ControlPlane.Configuration;

/// <summary>
/// The <c>actorrouter.arp { }</c> section: how long a neighbor entry lives without confirmation, and
/// how often and how many times the router asks before giving up (when resolving and when refreshing).
/// </summary>
public sealed record ArpConfig(TimeSpan Timeout, TimeSpan RetryInterval, int MaxRequests)
{
    /// <summary>IOS's ARP timeout of 4 hours; one request a second, three tries.</summary>
    public static readonly ArpConfig Default = new(TimeSpan.FromHours(4), TimeSpan.FromSeconds(1), 3);

    public static readonly TimeSpan MinTimeout = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(1);
    public static readonly TimeSpan MinRetryInterval = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MaxRetryInterval = TimeSpan.FromSeconds(60);
}

/// <summary>The ARP settings hang off <see cref="RouterConfig"/> as an init-only member, so every existing constructor call stays as it is.</summary>
public sealed partial record RouterConfig
{
    public ArpConfig Arp { get; init; } = ArpConfig.Default;
}

internal static partial class RouterConfigReader
{
    [GeneratedRegex(@"^\s*(\d+)\s*(ms|s|m|h)\s*$")]
    private static partial Regex ArpDuration();

    private static ArpConfig ReadArp(HoconSection section, ErrorSink errors)
    {
        var defaults = ArpConfig.Default;
        var timeout = ReadArpDuration(section, "timeout", defaults.Timeout, ArpConfig.MinTimeout, ArpConfig.MaxTimeout, "1s..24h");
        var retry = ReadArpDuration(section, "retry-interval", defaults.RetryInterval, ArpConfig.MinRetryInterval, ArpConfig.MaxRetryInterval, "100ms..60s");
        var maxRequests = section.Int("max-requests", defaults.MaxRequests, 1, 10);
        section.ReportUnknownKeys();
        return new ArpConfig(timeout, retry, maxRequests);
    }

    private static TimeSpan ReadArpDuration(HoconSection section, string key, TimeSpan fallback, TimeSpan min, TimeSpan max, string range)
    {
        if (section.Text(key, "a duration such as 500ms, 30s, 5m or 4h") is not { } text)
        {
            return fallback;
        }
        var match = ArpDuration().Match(text);
        if (!match.Success)
        {
            section.Error(key, $"expected a duration such as 500ms, 30s, 5m or 4h, got '{text}'");
            return fallback;
        }
        var amount = long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var value = match.Groups[2].Value switch
        {
            "ms" => TimeSpan.FromMilliseconds(amount),
            "s" => TimeSpan.FromSeconds(amount),
            "m" => TimeSpan.FromMinutes(amount),
            _ => TimeSpan.FromHours(amount),
        };
        if (value < min || value > max)
        {
            section.Error(key, $"{text} is out of range {range}");
            return fallback;
        }
        return value;
    }
}

public static partial class RouterConfigWriter
{
    /// <summary>Whole units, largest first, so the text reads as it was written (4h, 1s, 500ms).</summary>
    private static string ArpDurationText(TimeSpan value) =>
        value.Ticks % TimeSpan.TicksPerHour == 0 ? $"{(long)value.TotalHours}h"
        : value.Ticks % TimeSpan.TicksPerMinute == 0 ? $"{(long)value.TotalMinutes}m"
        : value.Ticks % TimeSpan.TicksPerSecond == 0 ? $"{(long)value.TotalSeconds}s"
        : $"{(long)value.TotalMilliseconds}ms";
}
