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

    /// <summary>Entries in the whole table (incomplete ones included).</summary>
    public int MaxEntries { get; init; } = 4096;

    /// <summary>Entries on one interface.</summary>
    public int MaxEntriesPerInterface { get; init; } = 1024;

    /// <summary>Resolutions outstanding at once; gleans beyond it are refused (counted).</summary>
    public int MaxIncomplete { get; init; } = 256;

    /// <summary>ARP requests the router sends per interface per second.</summary>
    public int RequestsPerSecond { get; init; } = 100;

    /// <summary>Shortest time between two MAC changes of one entry; a faster change is refused (counted, logged).</summary>
    public TimeSpan MacChangeInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Static entries (<c>arp ADDRESS MAC</c>): address → MAC, never aged or overwritten.</summary>
    public EquatableList<StaticArpEntry> Static { get; init; } = EquatableList<StaticArpEntry>.Empty;

    /// <summary>The limits as the ARP actor takes them.</summary>
    public ActorRouter.ControlPlane.Punt.ArpLimits Limits => new(MaxEntries, MaxEntriesPerInterface, MaxIncomplete, RequestsPerSecond, MacChangeInterval);

    public static readonly TimeSpan MinTimeout = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(1);
    public static readonly TimeSpan MinRetryInterval = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MaxRetryInterval = TimeSpan.FromSeconds(60);
}

/// <summary>One configured static ARP entry.</summary>
public sealed record StaticArpEntry(uint Address, ulong Mac);

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
        var maxEntries = section.Int("max-entries", defaults.MaxEntries, 16, 1_000_000);
        var maxPerInterface = section.Int("max-entries-per-interface", defaults.MaxEntriesPerInterface, 16, 1_000_000);
        var maxIncomplete = section.Int("max-incomplete", defaults.MaxIncomplete, 1, 100_000);
        var requestsPerSecond = section.Int("requests-per-second", defaults.RequestsPerSecond, 1, 100_000);
        var macChange = ReadArpDuration(section, "mac-change-interval", defaults.MacChangeInterval, TimeSpan.Zero, TimeSpan.FromHours(1), "0s..1h");
        var statics = new List<StaticArpEntry>();
        foreach (var (entry, index) in section.ObjectList("static"))
        {
            var address = entry.Text("address", "an IPv4 address such as 192.0.2.20");
            var mac = entry.Text("mac", "a MAC address such as 02:00:00:00:00:20");
            entry.ReportUnknownKeys();
            if (address is null || mac is null)
            {
                if (address is null)
                {
                    entry.Error("address", "required");
                }
                if (mac is null)
                {
                    entry.Error("mac", "required");
                }
                continue;
            }
            if (!Ipv4Text.TryParse(address, out var ip) || ip == 0)
            {
                entry.Error("address", $"'{address}' is not an IPv4 address");
                continue;
            }
            if (!MacText.TryParse(mac, out var macValue) || macValue == 0 || (macValue & 0x0100_0000_0000) != 0)
            {
                entry.Error("mac", $"'{mac}' is not a unicast MAC address");
                continue;
            }
            if (statics.Any(s => s.Address == ip))
            {
                entry.Error("address", $"{address} has a static entry already (static[{statics.FindIndex(s => s.Address == ip)}])");
                continue;
            }
            statics.Add(new StaticArpEntry(ip, macValue));
        }
        section.ReportUnknownKeys();
        if (maxPerInterface > maxEntries)
        {
            section.Error("max-entries-per-interface", $"{maxPerInterface} is more than max-entries {maxEntries}");
        }
        return new ArpConfig(timeout, retry, maxRequests)
        {
            MaxEntries = maxEntries,
            MaxEntriesPerInterface = maxPerInterface,
            MaxIncomplete = maxIncomplete,
            RequestsPerSecond = requestsPerSecond,
            MacChangeInterval = macChange,
            Static = new EquatableList<StaticArpEntry>(statics),
        };
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
        value == TimeSpan.Zero ? "0s"
        : value.Ticks % TimeSpan.TicksPerHour == 0 ? $"{(long)value.TotalHours}h"
        : value.Ticks % TimeSpan.TicksPerMinute == 0 ? $"{(long)value.TotalMinutes}m"
        : value.Ticks % TimeSpan.TicksPerSecond == 0 ? $"{(long)value.TotalSeconds}s"
        : $"{(long)value.TotalMilliseconds}ms";
}
