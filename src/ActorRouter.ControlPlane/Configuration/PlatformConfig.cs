using System.Globalization;
using System.Text.RegularExpressions;
using ActorRouter.IO.AfPacket;

namespace ActorRouter.ControlPlane.Configuration;

/// <summary>Where the platform finds the interfaces it hands to FMAN.</summary>
public enum PlatformDiscovery
{
    /// <summary>Exactly the interfaces listed in <c>actorrouter.interfaces</c>.</summary>
    Config,

    /// <summary>Every Ethernet interface of the network namespace the router runs in (loopback and excluded names left out); listed interfaces override per os-name.</summary>
    Linux,
}

/// <summary>The <c>actorrouter.platform { }</c> section: interface discovery and link watching.</summary>
/// <param name="NamePrefix">Router names of discovered interfaces: prefix + position (GigabitEthernet1, 2, …).</param>
/// <param name="PollInterval">How often the platform reads each AF_PACKET interface's link state.</param>
public sealed record PlatformConfig(PlatformDiscovery Discovery, EquatableList<string> Exclude, string NamePrefix, TimeSpan PollInterval)
{
    public static readonly PlatformConfig Default = new(PlatformDiscovery.Config, EquatableList<string>.Empty, "GigabitEthernet", TimeSpan.FromMilliseconds(500));

    public static readonly TimeSpan MinPollInterval = TimeSpan.FromMilliseconds(50);
    public static readonly TimeSpan MaxPollInterval = TimeSpan.FromSeconds(60);
}

/// <summary>The platform settings hang off <see cref="RouterConfig"/> as init-only members, so every existing constructor call stays as it is.</summary>
public sealed partial record RouterConfig
{
    public PlatformConfig Platform { get; init; } = PlatformConfig.Default;
}

public sealed partial record InterfaceConfig
{
    /// <summary>How an <c>af-packet</c> interface's RX ring wakes the Rx thread; ignored by other drivers.</summary>
    public AfPacketMode AfPacketMode { get; init; } = AfPacketMode.Latency;
}

internal static partial class RouterConfigReader
{
    [GeneratedRegex(@"^\s*(\d+)\s*(ms|milliseconds|s|seconds)?\s*$")]
    private static partial Regex Duration();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z-]*$")]
    private static partial Regex InterfaceNamePrefix();

    private static PlatformConfig ReadPlatform(HoconSection section, ErrorSink errors)
    {
        var defaults = PlatformConfig.Default;
        var discovery = section.Text("discovery", "config or linux") switch
        {
            null or "config" => PlatformDiscovery.Config,
            "linux" => PlatformDiscovery.Linux,
            var other => ReportDiscovery(section, other),
        };

        var exclude = new List<string>();
        foreach (var (element, path) in section.List("exclude"))
        {
            if (HoconSection.ScalarText(element, path, "an interface name", errors) is { } name)
            {
                exclude.Add(name);
            }
        }

        var prefix = section.Text("name-prefix", "a string") ?? defaults.NamePrefix;
        if (!InterfaceNamePrefix().IsMatch(prefix))
        {
            section.Error("name-prefix", $"'{prefix}' is not an interface type name (letters and '-', such as GigabitEthernet)");
            prefix = defaults.NamePrefix;
        }

        var pollInterval = defaults.PollInterval;
        if (section.Text("poll-interval", "a duration such as 500ms or 1s") is { } text)
        {
            var match = Duration().Match(text);
            if (!match.Success)
            {
                section.Error("poll-interval", $"expected a duration such as 500ms or 1s, got '{text}'");
            }
            else
            {
                var amount = long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                var interval = match.Groups[2].Value is "s" or "seconds" ? TimeSpan.FromSeconds(amount) : TimeSpan.FromMilliseconds(amount);
                if (interval < PlatformConfig.MinPollInterval || interval > PlatformConfig.MaxPollInterval)
                {
                    section.Error("poll-interval", $"{text} is out of range 50ms..60s");
                }
                else
                {
                    pollInterval = interval;
                }
            }
        }
        section.ReportUnknownKeys();
        return new PlatformConfig(discovery, exclude.ToEquatableList(), prefix, pollInterval);
    }

    private static PlatformDiscovery ReportDiscovery(HoconSection section, string text)
    {
        section.Error("discovery", $"expected config or linux, got '{text}'");
        return PlatformConfig.Default.Discovery;
    }

    /// <summary>The interface key <c>af-packet-mode</c>; only an af-packet interface may set it.</summary>
    private static AfPacketMode ReadAfPacketMode(HoconSection section, InterfaceDriver driver)
    {
        var text = section.Text("af-packet-mode", "latency or throughput");
        switch (text)
        {
            case null:
                return AfPacketMode.Latency;
            case "latency" or "throughput" when driver is not (InterfaceDriver.AfPacket or InterfaceDriver.Auto):
                section.Error("af-packet-mode", "applies to driver = af-packet (or auto) only");
                return AfPacketMode.Latency;
            case "latency":
                return AfPacketMode.Latency;
            case "throughput":
                return AfPacketMode.Throughput;
            default:
                section.Error("af-packet-mode", $"expected latency or throughput, got '{text}'");
                return AfPacketMode.Latency;
        }
    }
}
