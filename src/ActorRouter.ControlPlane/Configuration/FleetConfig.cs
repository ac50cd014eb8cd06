using System.Net;
using System.Text.RegularExpressions;
using ActorRouter.ControlPlane.Credentials;

namespace ActorRouter.ControlPlane.Configuration;

/// <summary>
/// The <c>actorrouter.fleet { }</c> section: this router as a member of a fleet, an Akka.Cluster of
/// routers on a management network. Off by default.
/// </summary>
/// <param name="Name">The fleet's name: every member's cluster (Akka system) name, so a member of another fleet cannot join.</param>
/// <param name="RouterName">This router's name in the fleet (<c>arctl --node NAME</c>, the Router column of <c>--fleet</c>).</param>
/// <param name="Hostname">The management address the cluster listens on and other members reach it at.</param>
/// <param name="SeedNodes">"host:port" of members to join through; empty: this router starts a fleet of its own that others join.</param>
/// <param name="DownStrategy">The split-brain resolver's strategy: keep-majority, keep-oldest or down-all.</param>
/// <param name="StableAfter">How long membership must be unchanged before the resolver downs the unreachable side.</param>
public sealed record FleetConfig(bool Enabled, string Name, string RouterName, string Hostname, int Port,
    EquatableList<string> SeedNodes, string DownStrategy, TimeSpan StableAfter)
{
    public const int DefaultPort = 4054;
    public const string KeepMajority = "keep-majority";
    public static readonly IReadOnlyList<string> Strategies = [KeepMajority, "keep-oldest", "down-all"];

    /// <summary>Akka's own default; members of a fleet on one management LAN can use less (a test uses 5 s).</summary>
    public static readonly TimeSpan DefaultStableAfter = TimeSpan.FromSeconds(20);

    // Before Default: static initializers run in the order written.
    /// <summary>BFD's usual fast setting: a probe every 100 ms on every data link.</summary>
    public static readonly TimeSpan DefaultProbeInterval = TimeSpan.FromMilliseconds(100);

    public static readonly FleetConfig Default = new(false, "", "", "", DefaultPort, EquatableList<string>.Empty, KeepMajority, DefaultStableAfter);

    public const int DefaultProbeDeadIntervals = 4;

    /// <summary>How often a probe (a hello naming this router and the neighbours it hears) leaves every up interface.</summary>
    public TimeSpan ProbeInterval { get; init; } = DefaultProbeInterval;

    /// <summary>Probe intervals without a hello after which an adjacency is down.</summary>
    public int ProbeDeadIntervals { get; init; } = DefaultProbeDeadIntervals;
}

/// <summary>The fleet settings hang off <see cref="RouterConfig"/> as an init-only member, so every existing constructor call stays as it is.</summary>
public sealed partial record RouterConfig
{
    public FleetConfig Fleet { get; init; } = FleetConfig.Default;
}

internal static partial class RouterConfigReader
{
    /// <summary>Akka's actor system names: letters, digits, '-' and '_', starting with a letter or digit.</summary>
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
    private static partial Regex FleetName();

    private static FleetConfig ReadFleet(HoconSection section, ErrorSink errors)
    {
        var defaults = FleetConfig.Default;
        if (!section.IsPresent)
        {
            return defaults;
        }
        var enabled = section.Bool("enabled", defaults.Enabled);
        var name = section.OptionalString("name") ?? "";
        var routerName = section.OptionalString("router-name") ?? "";
        var management = section.Section("management");
        var hostname = management.OptionalString("hostname") ?? "";
        var port = management.Int("port", defaults.Port, 0, 65535);
        management.ReportUnknownKeys();
        var seeds = new List<string>();
        foreach (var (element, path) in section.List("seed-nodes"))
        {
            var text = HoconSection.ScalarText(element, path, "\"host:port\"", errors);
            if (text is null)
            {
                continue;
            }
            var colon = text.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seedPort)
                || seedPort is < 1 or > 65535)
            {
                section.Error("seed-nodes", $"'{text}' is not host:port (a management address and the port its fleet listens on, such as 192.0.2.1:{FleetConfig.DefaultPort})");
                continue;
            }
            seeds.Add(text);
        }
        var resolver = section.Section("split-brain-resolver");
        var strategy = resolver.OptionalString("active-strategy") ?? defaults.DownStrategy;
        if (!FleetConfig.Strategies.Contains(strategy))
        {
            resolver.Error("active-strategy", $"expected one of {string.Join(", ", FleetConfig.Strategies)}, got '{strategy}'");
            strategy = defaults.DownStrategy;
        }
        var stableAfter = ReadArpDuration(resolver, "stable-after", defaults.StableAfter, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10), "1s..10m");
        resolver.ReportUnknownKeys();
        var probes = section.Section("probes");
        var probeInterval = ReadArpDuration(probes, "interval", defaults.ProbeInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(10), "10ms..10s");
        var deadIntervals = probes.Int("dead-intervals", defaults.ProbeDeadIntervals, 2, 100);
        probes.ReportUnknownKeys();
        if (enabled)
        {
            if (!FleetName().IsMatch(name))
            {
                section.Error("name", name.Length == 0
                    ? "required when the fleet is enabled"
                    : $"'{name}' is not a fleet name (letters, digits, '-', '_'; at most 64; starts with a letter or digit)");
            }
            if (!ControlCredentials.IsValidName(routerName))
            {
                section.Error("router-name", routerName.Length == 0
                    ? "required when the fleet is enabled"
                    : $"'{routerName}' is not a router name (letters, digits, '.', '_', '-'; at most 64; starts with a letter or digit)");
            }
            if (hostname.Length == 0)
            {
                management.Error("hostname", "required when the fleet is enabled: the management address other members reach this router at");
            }
            else if (IPAddress.TryParse(hostname, out var address) && (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)))
            {
                management.Error("hostname", $"{hostname} is not an address other members can reach; give this router's management address");
            }
        }
        section.ReportUnknownKeys();
        return new FleetConfig(enabled, name, routerName, hostname, port, new EquatableList<string>(seeds), strategy, stableAfter)
        {
            ProbeInterval = probeInterval,
            ProbeDeadIntervals = deadIntervals,
        };
    }
}

public static partial class RouterConfigWriter
{
    /// <summary>Written only when set, so configurations that do not use it read back unchanged.</summary>
    private static void WriteFleet(HoconTextWriter w, FleetConfig fleet)
    {
        if (fleet == FleetConfig.Default)
        {
            return;
        }
        w.Open("fleet");
        w.Value("enabled", fleet.Enabled);
        w.Value("name", fleet.Name);
        w.Value("router-name", fleet.RouterName);
        w.Open("management");
        w.Value("hostname", fleet.Hostname);
        w.Value("port", fleet.Port);
        w.Close();
        w.Raw("seed-nodes", "[" + string.Join(", ", fleet.SeedNodes.Select(HoconTextWriter.Quote)) + "]");
        w.Open("split-brain-resolver");
        w.Value("active-strategy", fleet.DownStrategy);
        w.Raw("stable-after", ArpDurationText(fleet.StableAfter));
        w.Close();
        if (fleet.ProbeInterval != FleetConfig.DefaultProbeInterval || fleet.ProbeDeadIntervals != FleetConfig.DefaultProbeDeadIntervals)
        {
            w.Open("probes");
            w.Raw("interval", ArpDurationText(fleet.ProbeInterval));
            w.Value("dead-intervals", fleet.ProbeDeadIntervals);
            w.Close();
        }
        w.Close();
    }
}
