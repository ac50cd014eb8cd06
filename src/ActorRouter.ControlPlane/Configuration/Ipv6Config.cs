using ActorRouter.Control.Contracts.Rules;

namespace ActorRouter.ControlPlane.Configuration;

/// <summary>An IPv6 address with a prefix length: a route prefix, or an interface address with its prefix.</summary>
public readonly record struct Ipv6Cidr(UInt128 Address, int PrefixLength)
{
    public UInt128 Network => Address & Ipv6Rules.MaskOf(PrefixLength);

    public bool Contains(UInt128 address) => (address & Ipv6Rules.MaskOf(PrefixLength)) == Network;

    public bool Overlaps(Ipv6Cidr other)
    {
        var mask = Ipv6Rules.MaskOf(Math.Min(PrefixLength, other.PrefixLength));
        return (Address & mask) == (other.Address & mask);
    }

    public override string ToString() => $"{Ipv6Rules.Format(Address)}/{PrefixLength}";

    public static bool TryParse(string text, out Ipv6Cidr cidr)
    {
        var ok = Ipv6Rules.TryParsePrefix(text, out var address, out var length);
        cidr = ok ? new Ipv6Cidr(address, length) : default;
        return ok;
    }

    public static Ipv6Cidr Parse(string text) =>
        TryParse(text, out var cidr) ? cidr : throw new FormatException($"'{text}' is not of the form {Ipv6Rules.PrefixForm}");
}

/// <summary>An IPv6 static route: to <see cref="NextHop"/>, which names its <see cref="Interface"/> when it is link-local.</summary>
public sealed record Ipv6StaticRouteConfig(Ipv6Cidr Prefix, UInt128 NextHop, string? Interface);

/// <summary>
/// A static IPv6 neighbour (<c>ipv6 neighbor ADDRESS INTERFACE MAC</c>): the adjacency source for IPv6 next hops until
/// neighbour discovery exists, and an entry that outranks a learned one after.
/// </summary>
public sealed record Ipv6NeighborConfig(UInt128 Address, string Interface, ulong Mac);

/// <summary>The <c>actorrouter.ipv6 { }</c> section: IPv6 static routes and static neighbours.</summary>
public sealed record Ipv6Config(EquatableList<Ipv6StaticRouteConfig> StaticRoutes, EquatableList<Ipv6NeighborConfig> Neighbors)
{
    public static readonly Ipv6Config Default = new(EquatableList<Ipv6StaticRouteConfig>.Empty, EquatableList<Ipv6NeighborConfig>.Empty);
}

/// <summary>The IPv6 settings hang off <see cref="RouterConfig"/> as an init-only member, so every existing constructor call stays as it is.</summary>
public sealed partial record RouterConfig
{
    public Ipv6Config Ipv6 { get; init; } = Ipv6Config.Default;
}

/// <summary>An interface's IPv6 addresses (its link-local address is derived from its MAC and not listed).</summary>
public sealed partial record InterfaceConfig
{
    public EquatableList<Ipv6Cidr> Ipv6 { get; init; } = EquatableList<Ipv6Cidr>.Empty;
}

internal static partial class RouterConfigReader
{
    /// <summary><c>ipv6 = "2001:db8:1::1/64"</c> or a list of them: each a valid interface address, none overlapping another.</summary>
    private static EquatableList<Ipv6Cidr> ReadInterfaceIpv6(HoconSection section, ErrorSink errors)
    {
        var addresses = new List<Ipv6Cidr>();
        foreach (var (text, path) in section.TextOrTextList("ipv6", $"an IPv6 address with its prefix ({Ipv6Rules.PrefixForm})"))
        {
            if (!Ipv6Cidr.TryParse(text, out var cidr))
            {
                errors.Add(path, $"'{text}' is not an IPv6 address with its prefix ({Ipv6Rules.PrefixForm})");
                continue;
            }
            if (Ipv6Rules.WhyNotInterfaceAddress(cidr.Address, cidr.PrefixLength) is { } problem)
            {
                errors.Add(path, problem);
                continue;
            }
            if (addresses.FirstOrDefault(a => a.Overlaps(cidr)) is { PrefixLength: > 0 } same)
            {
                errors.Add(path, $"{cidr} overlaps {same} on the same interface");
                continue;
            }
            addresses.Add(cidr);
        }
        return addresses.ToEquatableList();
    }

    /// <summary>No IPv6 prefix of one interface overlaps one of another.</summary>
    private static void CheckIpv6Overlaps(List<InterfaceDraft> drafts, ErrorSink errors)
    {
        for (var j = 0; j < drafts.Count; j++)
        {
            foreach (var b in drafts[j].Ipv6)
            {
                for (var i = 0; i < j; i++)
                {
                    if (drafts[i].Ipv6.FirstOrDefault(a => a.Overlaps(b)) is { PrefixLength: > 0 } a)
                    {
                        errors.Add($"{drafts[j].Path}.ipv6", $"{b} overlaps {a} of {drafts[i].Name} (at {drafts[i].Path})");
                    }
                }
            }
        }
    }

    private static Ipv6Config ReadIpv6(HoconSection section, List<InterfaceDraft> interfaces)
    {
        var routes = new List<(Ipv6StaticRouteConfig Route, string Path)>();
        foreach (var (route, _) in section.ObjectList("static-routes"))
        {
            var prefix = ReadIpv6Prefix(route);
            var interfaceName = ReadIpv6Interface(route, interfaces, required: false);
            var nextHop = ReadIpv6Address(route, "next-hop");
            if (nextHop is { } hop && WhyNotIpv6Neighbor(hop, interfaceName, interfaces, out var owner) is { } why)
            {
                route.Error(owner ? "next-hop" : (interfaceName is null && Ipv6Rules.IsLinkLocal(hop) ? "interface" : "next-hop"), why);
                nextHop = null;
            }
            route.ReportUnknownKeys();
            if (prefix is null || nextHop is null)
            {
                continue;
            }
            var entry = new Ipv6StaticRouteConfig(prefix.Value, nextHop.Value, interfaceName);
            var earlier = routes.FirstOrDefault(r => r.Route.Prefix == entry.Prefix);
            if (earlier.Route is not null)
            {
                route.Error("prefix", $"duplicate IPv6 static route {entry.Prefix} (also at {earlier.Path})");
            }
            routes.Add((entry, route.Path));
        }

        var neighbors = new List<(Ipv6NeighborConfig Neighbor, string Path)>();
        foreach (var (neighbor, _) in section.ObjectList("neighbors"))
        {
            var address = ReadIpv6Address(neighbor, "address");
            var interfaceName = ReadIpv6Interface(neighbor, interfaces, required: true);
            var mac = ReadUnicastMac(neighbor, "mac");
            if (mac is null && !neighbor.HasErrorAt("mac"))
            {
                neighbor.Error("mac", "required: the neighbour's MAC address, such as 02:00:00:00:00:20");
            }
            if (address is { } a && interfaceName is not null && WhyNotIpv6Neighbor(a, interfaceName, interfaces, out _) is { } why)
            {
                neighbor.Error("address", why);
                address = null;
            }
            neighbor.ReportUnknownKeys();
            if (address is null || interfaceName is null || mac is null)
            {
                continue;
            }
            var entry = new Ipv6NeighborConfig(address.Value, interfaceName, mac.Value);
            var earlier = neighbors.FirstOrDefault(n => n.Neighbor.Address == entry.Address && string.Equals(n.Neighbor.Interface, entry.Interface, StringComparison.OrdinalIgnoreCase));
            if (earlier.Neighbor is not null)
            {
                neighbor.Error("address", $"duplicate IPv6 neighbor {Ipv6Rules.Format(entry.Address)} on {entry.Interface} (also at {earlier.Path})");
            }
            neighbors.Add((entry, neighbor.Path));
        }
        section.ReportUnknownKeys();
        return new Ipv6Config(routes.Select(r => r.Route).ToEquatableList(), neighbors.Select(n => n.Neighbor).ToEquatableList());
    }

    /// <summary>
    /// Why <paramref name="address"/> cannot be a next hop or neighbour (on <paramref name="interfaceName"/> when given):
    /// not unicast, the router's own, link-local without its interface, or on no IPv6 prefix of the router's (of that interface's).
    /// </summary>
    private static string? WhyNotIpv6Neighbor(UInt128 address, string? interfaceName, List<InterfaceDraft> interfaces, out bool own)
    {
        own = false;
        if (Ipv6Rules.WhyNotNextHop(address) is { } why)
        {
            return why;
        }
        if (interfaces.FirstOrDefault(i => i.Ipv6.Any(a => a.Address == address)) is { } owner)
        {
            own = true;
            return $"{Ipv6Rules.Format(address)} is this router's own address on {owner.Name}";
        }
        if (Ipv6Rules.IsLinkLocal(address))
        {
            return interfaceName is null ? $"link-local {Ipv6Rules.Format(address)} needs its interface (interface = \"NAME\")" : null;
        }
        var candidates = interfaceName is null ? interfaces : interfaces.Where(i => string.Equals(i.Name, interfaceName, StringComparison.OrdinalIgnoreCase)).ToList();
        if (candidates.Any(i => i.Ipv6.Any(a => a.Contains(address))))
        {
            return null;
        }
        return interfaceName is null
            ? $"{Ipv6Rules.Format(address)} is on no IPv6 prefix of this router's interfaces"
            : $"{Ipv6Rules.Format(address)} is on no IPv6 prefix of {interfaceName}";
    }

    private static Ipv6Cidr? ReadIpv6Prefix(HoconSection section)
    {
        var text = section.RequiredText("prefix", $"a prefix ({Ipv6Rules.PrefixForm})");
        if (text is null)
        {
            return null;
        }
        if (!Ipv6Cidr.TryParse(text, out var prefix))
        {
            section.Error("prefix", $"'{text}' is not an IPv6 prefix ({Ipv6Rules.PrefixForm})");
            return null;
        }
        if (Ipv6Rules.WhyNotRoutePrefix(prefix.Address, prefix.PrefixLength) is { } problem)
        {
            section.Error("prefix", problem);
            return null;
        }
        return prefix;
    }

    private static UInt128? ReadIpv6Address(HoconSection section, string key)
    {
        var text = section.RequiredText(key, "an IPv6 address");
        if (text is null)
        {
            return null;
        }
        if (!Ipv6Rules.TryParseAddress(text, out var address))
        {
            section.Error(key, $"'{text}' is not an IPv6 address (such as 2001:db8:1::10 or fe80::1)");
            return null;
        }
        return address;
    }

    private static string? ReadIpv6Interface(HoconSection section, List<InterfaceDraft> interfaces, bool required)
    {
        var name = required ? section.RequiredText("interface", "an interface name") : section.OptionalString("interface");
        if (name is null)
        {
            return null;
        }
        if (FindInterface(interfaces, name) is not { } found)
        {
            section.Error("interface", NoSuchInterface(name, interfaces));
            return null;
        }
        return found.Name;
    }
}

public static partial class RouterConfigWriter
{
    /// <summary>The <c>ipv6 { }</c> section; written only when it holds something, so configurations without IPv6 read as before.</summary>
    private static void WriteIpv6(HoconTextWriter w, Ipv6Config ipv6)
    {
        if (ipv6.StaticRoutes.Count == 0 && ipv6.Neighbors.Count == 0)
        {
            return;
        }
        w.Open("ipv6");
        w.OpenList("static-routes", ipv6.StaticRoutes, (w, r) =>
        {
            w.Value("prefix", r.Prefix.ToString());
            w.Value("next-hop", Ipv6Rules.Format(r.NextHop));
            if (r.Interface is not null)
            {
                w.Value("interface", r.Interface);
            }
        });
        w.OpenList("neighbors", ipv6.Neighbors, (w, n) =>
        {
            w.Value("address", Ipv6Rules.Format(n.Address));
            w.Value("interface", n.Interface);
            w.Value("mac", MacText.Format(n.Mac));
        });
        w.Close();
    }

    /// <summary>An interface's <c>ipv6</c> key: one address as a string, several as a list.</summary>
    private static void WriteInterfaceIpv6(HoconTextWriter w, InterfaceConfig i)
    {
        if (i.Ipv6.Count == 1)
        {
            w.Value("ipv6", i.Ipv6[0].ToString());
        }
        else if (i.Ipv6.Count > 1)
        {
            w.Raw("ipv6", "[" + string.Join(", ", i.Ipv6.Select(a => $"\"{a}\"")) + "]");
        }
        WriteInterfaceIpv6Ra(w, i);
    }
}
