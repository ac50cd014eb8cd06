using ActorRouter.Control.Contracts.Rules;

namespace ActorRouter.ControlPlane.Configuration;

/// <summary>
/// A static multicast route: (S,G) with a <paramref name="Source"/>, (*,G) when it is null; packets must arrive on
/// <paramref name="Incoming"/> (the RPF check) and are copied to each of <paramref name="Outgoing"/>. A (*,G)
/// route's outgoing list grows by the interfaces IGMP learns members of the group on.
/// </summary>
public sealed record MulticastRouteConfig(uint? Source, uint Group, string Incoming, EquatableList<string> Outgoing);

/// <summary>
/// IGMP on the interfaces multicast routing runs on (RFC 2236, RFC 3376): the querier's timers (RFC 3376 §8),
/// short in tests, the defaults in service.
/// </summary>
public sealed record IgmpConfig(int Version, int Robustness, TimeSpan QueryInterval, TimeSpan QueryResponseInterval, TimeSpan LastMemberQueryInterval)
{
    public static readonly IgmpConfig Default = new(Version: 3, Robustness: 2, QueryInterval: TimeSpan.FromSeconds(125),
        QueryResponseInterval: TimeSpan.FromSeconds(10), LastMemberQueryInterval: TimeSpan.FromSeconds(1));

    /// <summary>Interfaces IGMP runs on; empty: every Ethernet interface with an IPv4 address.</summary>
    public EquatableList<string> Interfaces { get; init; } = EquatableList<string>.Empty;

    /// <summary>RFC 3376 §8.4: robustness × query interval + query response interval.</summary>
    public TimeSpan GroupMembershipInterval => QueryInterval * Robustness + QueryResponseInterval;

    /// <summary>RFC 3376 §8.5: robustness × query interval + query response interval / 2.</summary>
    public TimeSpan OtherQuerierPresentInterval => QueryInterval * Robustness + QueryResponseInterval / 2;

    /// <summary>RFC 3376 §8.7: a quarter of the query interval.</summary>
    public TimeSpan StartupQueryInterval => QueryInterval / 4;
}

/// <summary>The <c>actorrouter.multicast { }</c> section: <c>ip multicast-routing</c>, static routes, IGMP.</summary>
public sealed record MulticastConfig(bool Routing, EquatableList<MulticastRouteConfig> Routes, IgmpConfig Igmp)
{
    public static readonly MulticastConfig Default = new(false, EquatableList<MulticastRouteConfig>.Empty, IgmpConfig.Default);
}

/// <summary>The multicast settings hang off <see cref="RouterConfig"/> as an init-only member, so every existing constructor call stays as it is.</summary>
public sealed partial record RouterConfig
{
    public MulticastConfig Multicast { get; init; } = MulticastConfig.Default;
}

internal static partial class RouterConfigReader
{
    private static MulticastConfig ReadMulticast(HoconSection section, List<InterfaceDraft> interfaces, ErrorSink errors)
    {
        var routing = section.Bool("routing", false);
        var routes = new List<(MulticastRouteConfig Route, string Path)>();
        foreach (var (route, _) in section.ObjectList("routes"))
        {
            uint? source = null;
            var sourceValid = true;
            var sourceText = route.Text("source", "an IPv4 address or \"*\"");
            if (sourceText is not null && sourceText != "*")
            {
                if (!Ipv4Text.TryParse(sourceText, out var parsed))
                {
                    route.Error("source", $"'{sourceText}' is not an IPv4 address (A.B.C.D) or \"*\" (any source)");
                    sourceValid = false;
                }
                else if (parsed == 0 || parsed >> 24 == 127 || parsed >> 28 >= 0xE)
                {
                    route.Error("source", $"{sourceText} cannot be a multicast source (a unicast address, or \"*\")");
                    sourceValid = false;
                }
                else
                {
                    source = parsed;
                }
            }
            var group = ReadAddress(route, "group", required: true);
            if (group is { } g && (g >> 28 != 0xE || (g & 0xFFFFFF00u) == 0xE0000000u))
            {
                route.Error("group", $"{Ipv4Text.Format(g)} is not a routable group: expected 224.0.0.0/4 outside 224.0.0.0/24 (link-local, never forwarded: RFC 5771)");
                group = null;
            }
            var incoming = ReadMulticastInterface(errors, route.PathOf("incoming"), route.RequiredText("incoming", "an interface name"), interfaces);
            var outgoing = new List<string>();
            var outgoingValid = true;
            foreach (var (text, path) in route.TextOrTextList("outgoing", "an interface name or a list of them"))
            {
                var name = ReadMulticastInterface(errors, path, text, interfaces);
                if (name is null)
                {
                    outgoingValid = false;
                }
                else if (outgoing.Contains(name, StringComparer.OrdinalIgnoreCase))
                {
                    route.Error("outgoing", $"{name} is listed twice");
                    outgoingValid = false;
                }
                else
                {
                    outgoing.Add(name);
                }
            }
            if (outgoing.Count > ActorRouter.DataPlane.Multicast.MulticastTables.MaxOutgoingInterfaces)
            {
                route.Error("outgoing", $"{outgoing.Count} interfaces, at most {ActorRouter.DataPlane.Multicast.MulticastTables.MaxOutgoingInterfaces}");
                outgoingValid = false;
            }
            route.ReportUnknownKeys();
            if (!sourceValid || group is null || incoming is null || !outgoingValid)
            {
                continue;
            }
            var entry = new MulticastRouteConfig(source, group.Value, incoming, outgoing.ToEquatableList());
            var earlier = routes.FirstOrDefault(r => r.Route.Source == entry.Source && r.Route.Group == entry.Group);
            if (earlier.Route is not null)
            {
                route.Error("group", $"duplicate multicast route ({(source is { } s ? Ipv4Text.Format(s) : "*")}, {Ipv4Text.Format(entry.Group)}) (also at {earlier.Path})");
                continue;
            }
            routes.Add((entry, route.Path));
        }

        var igmpSection = section.Section("igmp");
        var defaults = IgmpConfig.Default;
        var version = igmpSection.Int("version", defaults.Version, 2, 3);
        var robustness = igmpSection.Int("robustness", defaults.Robustness, 1, 7);
        var queryInterval = ReadArpDuration(igmpSection, "query-interval", defaults.QueryInterval, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(30), "100ms..30m");
        var responseInterval = ReadArpDuration(igmpSection, "query-response-interval", defaults.QueryResponseInterval, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(25), "100ms..25s");
        if (responseInterval >= queryInterval && !igmpSection.HasErrorAt("query-interval") && !igmpSection.HasErrorAt("query-response-interval"))
        {
            igmpSection.Error("query-response-interval", "must be shorter than query-interval (RFC 3376 §8.3)");
        }
        var lastMember = ReadArpDuration(igmpSection, "last-member-query-interval", defaults.LastMemberQueryInterval, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(25), "100ms..25s");
        var igmpInterfaces = new List<string>();
        foreach (var (text, path) in igmpSection.TextOrTextList("interfaces", "an interface name or a list of them"))
        {
            if (ReadMulticastInterface(errors, path, text, interfaces) is { } name && !igmpInterfaces.Contains(name))
            {
                igmpInterfaces.Add(name);
            }
        }
        igmpSection.ReportUnknownKeys();
        section.ReportUnknownKeys();
        var igmp = new IgmpConfig(version, robustness, queryInterval, responseInterval, lastMember) { Interfaces = igmpInterfaces.ToEquatableList() };
        return new MulticastConfig(routing, routes.Select(r => r.Route).ToEquatableList(), igmp);
    }

    /// <summary>An interface by its configured name or its IOS abbreviation (<c>Gi1</c>); tunnels carry no multicast.</summary>
    private static string? ReadMulticastInterface(ErrorSink errors, string path, string? text, List<InterfaceDraft> interfaces)
    {
        if (text is null)
        {
            return null;
        }
        var names = interfaces.Where(i => i.Name is not null).Select(i => i.Name!).ToList();
        var name = Commands.InterfaceNames.Resolve(text, names, out var error);
        if (name is null)
        {
            errors.Add(path, error ?? NoSuchInterface(text, interfaces));
            return null;
        }
        if (FindInterface(interfaces, name) is { IsTunnel: true })
        {
            errors.Add(path, $"{name} is a tunnel interface: multicast is routed on Ethernet interfaces only");
            return null;
        }
        return name;
    }
}

public static partial class RouterConfigWriter
{
    /// <summary>The <c>multicast { }</c> section; written only when it differs from the default, so configurations without multicast read as before.</summary>
    private static void WriteMulticast(HoconTextWriter w, MulticastConfig multicast)
    {
        if (multicast == MulticastConfig.Default)
        {
            return;
        }
        w.Open("multicast");
        w.Value("routing", multicast.Routing);
        w.OpenList("routes", multicast.Routes, (w, r) =>
        {
            w.Value("source", r.Source is { } s ? Ipv4Text.Format(s) : "*");
            w.Value("group", Ipv4Text.Format(r.Group));
            w.Value("incoming", r.Incoming);
            w.Raw("outgoing", "[" + string.Join(", ", r.Outgoing.Select(HoconTextWriter.Quote)) + "]");
        });
        var igmp = multicast.Igmp;
        w.Open("igmp");
        w.Value("version", igmp.Version);
        w.Value("robustness", igmp.Robustness);
        w.Raw("query-interval", ArpDurationText(igmp.QueryInterval));
        w.Raw("query-response-interval", ArpDurationText(igmp.QueryResponseInterval));
        w.Raw("last-member-query-interval", ArpDurationText(igmp.LastMemberQueryInterval));
        if (igmp.Interfaces.Count > 0)
        {
            w.Raw("interfaces", "[" + string.Join(", ", igmp.Interfaces.Select(HoconTextWriter.Quote)) + "]");
        }
        w.Close();
        w.Close();
    }
}
