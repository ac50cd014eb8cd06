using System.Globalization;
using ActorRouter.Control.Contracts.Rules;
using Akka.Configuration.Hocon;

namespace ActorRouter.ControlPlane.Configuration;

/// <summary>
/// The schema of <c>actorrouter { }</c>: reads each section, checks each value, then checks the
/// values against each other (duplicates, subnets, gateways). Cross-checks only look at values that
/// read cleanly, so one mistake is reported once rather than again as a follow-on error.
/// </summary>
internal static partial class RouterConfigReader
{
    /// <summary>IPv4 header plus an 8-byte transport header (UDP or ICMP echo) in a simulated host's packets.</summary>
    private const int SimulatedPacketOverhead = 28;

    private const int MaxLinuxInterfaceNameLength = 15;

    public static RouterConfig? Read(HoconObject root, ErrorSink errors)
    {
        if (!root.Items.TryGetValue(RouterConfigLoader.RootKey, out var value))
        {
            // Other top-level sections (an akka { } block, say) may share the file, so a misspelled
            // root is only recognisable as the top-level key nearest to the expected one.
            var nearMiss = Suggestions.Closest(RouterConfigLoader.RootKey, root.Items.Keys);
            errors.Add(RouterConfigLoader.RootKey, nearMiss is null
                ? "missing required section"
                : $"missing required section (found '{nearMiss}'; did you mean '{RouterConfigLoader.RootKey}'?)");
            return null;
        }
        if (!HoconSection.IsObject(value))
        {
            errors.Add(RouterConfigLoader.RootKey, $"expected an object, got {HoconSection.Describe(value)}");
            return null;
        }
        var top = HoconSection.Of(value.GetObject(), RouterConfigLoader.RootKey, errors);

        var dataPlane = ReadDataPlane(top.Section("data-plane"), errors);
        var punt = ReadPunt(top.Section("punt"));
        var icmp = ReadIcmp(top.Section("icmp"));
        var interfaces = ReadInterfaces(top, dataPlane, errors);
        var routes = ReadStaticRoutes(top, interfaces);
        var control = ReadControl(top.Section("control"));
        var faultInjection = ReadFaultInjection(top.Section("fault-injection"));
        var simulation = ReadSimulation(top.Section("simulation"), interfaces);
        var platform = ReadPlatform(top.Section("platform"), errors);
        var arp = ReadArp(top.Section("arp"), errors);
        var ipv6 = ReadIpv6(top.Section("ipv6"), interfaces);
        var qos = ReadQos(top.Section("qos"), interfaces, errors);
        var metrics = ReadMetrics(top.Section("metrics"));
        var supervision = ReadSupervision(top.Section("supervision"));
        var fleet = ReadFleet(top.Section("fleet"), errors);
        var multicast = ReadMulticast(top.Section("multicast"), interfaces, errors);
        top.ReportUnknownKeys();

        return new RouterConfig(
            dataPlane,
            punt,
            icmp,
            interfaces.Select(d => d.ToConfig()).ToEquatableList(),
            routes,
            control,
            faultInjection,
            simulation)
        {
            Platform = platform,
            Arp = arp,
            Ipv6 = ipv6,
            Qos = qos,
            Metrics = metrics,
            Supervision = supervision,
            Fleet = fleet,
            Multicast = multicast,
        };
    }

    private static DataPlaneConfig ReadDataPlane(HoconSection section, ErrorSink errors)
    {
        var defaults = DataPlaneConfig.Default;
        var gpmSection = section.Section("gpm");
        var gpm = new GpmConfig(
            BufferSize: gpmSection.PowerOfTwo("buffer-size", defaults.Gpm.BufferSize, 1024, 16384),
            BufferCount: gpmSection.Int("buffer-count", defaults.Gpm.BufferCount, 256, 4 * 1024 * 1024),
            Headroom: gpmSection.Int("headroom", defaults.Gpm.Headroom, 0, 512));
        if (!gpmSection.HasErrorAt("buffer-size") && !gpmSection.HasErrorAt("headroom")
            && InterfaceRules.WhyNotBufferLayout(gpm.BufferSize, gpm.Headroom) is { } layoutProblem)
        {
            gpmSection.Error("headroom", layoutProblem);
        }
        gpmSection.ReportUnknownKeys();

        var ppeThreads = section.Int("ppe-threads", defaults.PpeThreads, 1, 64);
        var burstSize = section.Int("burst-size", defaults.BurstSize, 1, 256);
        var ringSize = section.PowerOfTwo("ring-size", defaults.RingSize, 64, 65536);
        var layoutText = section.Text("layout", "split, collapsed or auto");
        var layout = defaults.Layout;
        if (layoutText is not null)
        {
            if (DataPlaneLayouts.Parse(layoutText) is { } parsed)
            {
                layout = parsed;
            }
            else
            {
                section.Error("layout", $"expected split, collapsed or auto, got '{layoutText}'");
            }
        }
        var workers = section.Int("workers", defaults.Workers, 0, 64);
        var isolateWorkers = section.Bool("isolate-workers", defaults.IsolateWorkers);
        var coalesceMicroseconds = section.Int("coalesce-microseconds", defaults.CoalesceMicroseconds, 0, 1000);
        var coalesceBatch = section.Int("coalesce-batch", defaults.CoalesceBatch, 2, 256);
        var lingerMilliseconds = section.Int("linger-milliseconds", defaults.LingerMilliseconds, 0, 60000);

        var coresSection = section.Section("cores");
        var rx = ReadCore(coresSection, "rx");
        var ppe = new List<int>();
        var ppeListIsValid = !coresSection.HasErrorAt("ppe");
        foreach (var (element, path) in coresSection.List("ppe"))
        {
            var text = HoconSection.ScalarText(element, path, "an integer", errors);
            if (text is null)
            {
                ppeListIsValid = false;
                continue;
            }
            if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var core))
            {
                errors.Add(path, $"expected an integer, got '{text}'");
                ppeListIsValid = false;
                continue;
            }
            if (CheckCore(core) is { } problem)
            {
                errors.Add(path, problem);
                ppeListIsValid = false;
                continue;
            }
            ppe.Add(core);
        }
        var ppeThreadsIsValid = !section.HasErrorAt("ppe-threads");
        if (ppeListIsValid && ppeThreadsIsValid && ppe.Count > 0 && ppe.Count != ppeThreads)
        {
            coresSection.Error("ppe", $"lists {ppe.Count} {(ppe.Count == 1 ? "core" : "cores")} but ppe-threads is {ppeThreads} (give one core per PPE thread, or [] to leave them unpinned)");
        }
        var hqf = ReadCore(coresSection, "hqf");
        var workerCores = new List<int>();
        var workerListIsValid = !coresSection.HasErrorAt("workers");
        foreach (var (element, path) in coresSection.List("workers"))
        {
            var text = HoconSection.ScalarText(element, path, "an integer", errors);
            if (text is null)
            {
                workerListIsValid = false;
                continue;
            }
            if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var core))
            {
                errors.Add(path, $"expected an integer, got '{text}'");
                workerListIsValid = false;
                continue;
            }
            if (CheckCore(core) is { } problem)
            {
                errors.Add(path, problem);
                workerListIsValid = false;
                continue;
            }
            workerCores.Add(core);
        }
        if (workerListIsValid && !section.HasErrorAt("workers") && workers > 0 && workerCores.Count > 0 && workerCores.Count != workers)
        {
            coresSection.Error("workers", $"lists {workerCores.Count} {(workerCores.Count == 1 ? "core" : "cores")} but workers is {workers} (give one core per worker, or [] to leave them unpinned)");
        }
        if (workerCores.Count > 0 && !section.HasErrorAt("layout") && layout == ActorRouter.DataPlane.DataPlaneLayout.Split)
        {
            coresSection.Error("workers", "pins collapsed-layout workers, but layout is split (pin split threads with rx, ppe and hqf)");
        }
        coresSection.ReportUnknownKeys();
        section.ReportUnknownKeys();

        return new DataPlaneConfig(gpm, ppeThreads, burstSize, ringSize, new CoreAssignment(rx, ppe.ToEquatableList(), hqf) { Workers = workerCores.ToEquatableList() })
        {
            Layout = layout,
            Workers = workers,
            IsolateWorkers = isolateWorkers,
            CoalesceMicroseconds = coalesceMicroseconds,
            CoalesceBatch = coalesceBatch,
            LingerMilliseconds = lingerMilliseconds,
        };
    }

    private static int ReadCore(HoconSection section, string key)
    {
        var core = section.Int(key, CoreAssignment.Unpinned, CoreAssignment.Unpinned, int.MaxValue);
        if (CheckCore(core) is { } problem)
        {
            section.Error(key, problem);
            return CoreAssignment.Unpinned;
        }
        return core;
    }

    private static string? CheckCore(int core)
    {
        var processors = Environment.ProcessorCount;
        if (core < CoreAssignment.Unpinned)
        {
            return $"{core} is not a core (use -1 to leave the thread unpinned)";
        }
        return core >= processors
            ? $"core {core} does not exist: this machine has {processors} processors (cores 0..{processors - 1})"
            : null;
    }


    private static IcmpConfig ReadIcmp(HoconSection section)
    {
        var defaults = IcmpConfig.Default;
        var icmp = new IcmpConfig(
            ErrorRateLimitPps: section.Int("error-rate-limit-pps", defaults.ErrorRateLimitPps, 0, 1_000_000),
            Burst: section.Int("burst", defaults.Burst, 1, 100_000));
        section.ReportUnknownKeys();
        return icmp;
    }

    /// <summary>An interface as read, with null for values that were missing or invalid (already reported).</summary>
    private sealed class InterfaceDraft
    {
        public required string Path { get; init; }
        public string? OsName { get; set; }
        public string? Name { get; set; }
        public InterfaceDriver Driver { get; set; }
        public Ipv4Cidr? Ipv4 { get; set; }
        public bool Ipv4Invalid { get; set; }
        public EquatableList<Ipv6Cidr> Ipv6 { get; set; } = EquatableList<Ipv6Cidr>.Empty;
        public Ipv6RaConfig? Ipv6Ra { get; set; }
        public int Mtu { get; set; }
        public int RingSize { get; set; }
        public ulong? Mac { get; set; }
        public bool Shutdown { get; set; }
        public IO.AfPacket.AfPacketMode AfPacketMode { get; set; }

        public string? ServicePolicyOutput { get; set; }

        /// <summary>0 for a physical interface.</summary>
        public int Vlan { get; set; }

        /// <summary>A tunnel interface's endpoints and SAs (null: not a tunnel, or its tunnel block was invalid and reported).</summary>
        public TunnelConfig? Tunnel { get; set; }

        public bool IsTunnel { get; set; }

        /// <summary>A subinterface's parent name as written (PARENT of PARENT.NUMBER); null for a physical interface.</summary>
        public string? ParentName { get; set; }

        public InterfaceConfig ToConfig() => new(OsName ?? "", Name ?? "", Driver, Ipv4, Mtu, RingSize, Mac, Shutdown)
        {
            AfPacketMode = AfPacketMode,
            ServicePolicyOutput = ServicePolicyOutput,
            Vlan = Vlan,
            Tunnel = Tunnel,
            Ipv6 = Ipv6,
            Ipv6Ra = Ipv6Ra,
        };
    }

    private static List<InterfaceDraft> ReadInterfaces(HoconSection top, DataPlaneConfig dataPlane, ErrorSink errors)
    {
        var drafts = new List<InterfaceDraft>();
        foreach (var (section, _) in top.ObjectList("interfaces"))
        {
            var draft = new InterfaceDraft { Path = section.Path };
            draft.Name = ReadRouterInterfaceName(section, out var written);
            if (section.Has("tunnel"))
            {
                ReadTunnelOwnKeys(section, draft);
            }
            else if (written is not null && written.Contains('.', StringComparison.Ordinal))
            {
                // Read as a subinterface even when its number is wrong, so that one mistake is reported once.
                ReadSubinterfaceOwnKeys(section, draft, InterfaceRules.IsSubinterfaceName(written, out var parentName) ? parentName : written[..written.IndexOf('.', StringComparison.Ordinal)]);
                if (draft.Name is null)
                {
                    draft.ParentName = null;
                }
            }
            else
            {
                draft.OsName = ReadOsName(section);
                draft.Driver = ReadDriver(section);
                draft.RingSize = section.PowerOfTwo("ring-size", InterfaceConfig.DefaultRingSize, 64, 4096);
                draft.Mac = ReadUnicastMac(section, "mac");
                draft.AfPacketMode = ReadAfPacketMode(section, draft.Driver);
                if (section.Has("vlan"))
                {
                    section.Error("vlan", $"only a subinterface (PARENT.NUMBER, such as {draft.Name ?? "GigabitEthernet1"}.100) has a vlan");
                }
            }
            (draft.Ipv4, draft.Ipv4Invalid) = ReadInterfaceAddress(section);
            draft.Ipv6 = ReadInterfaceIpv6(section, errors);
            draft.Ipv6Ra = ReadInterfaceIpv6Ra(section, draft.Ipv6.Count > 0);
            draft.Mtu = section.Int("mtu", draft.IsTunnel ? TunnelConfig.DefaultMtu : InterfaceConfig.DefaultMtu, InterfaceRules.MinMtu, InterfaceRules.MaxMtu);
            draft.Shutdown = section.Bool("shutdown", false);
            draft.ServicePolicyOutput = section.OptionalString("service-policy-output");
            section.ReportUnknownKeys();

            var gpmIsValid = !errors.Errors.Any(e => e.Key.StartsWith($"{RouterConfigLoader.RootKey}.data-plane.gpm", StringComparison.Ordinal));
            if (gpmIsValid && !section.HasErrorAt("mtu")
                && InterfaceRules.WhyNotMtu(draft.Mtu, dataPlane.Gpm.BufferSize, dataPlane.Gpm.Headroom) is { } mtuProblem)
            {
                section.Error("mtu", mtuProblem.Replace("buffer-size", "data-plane.gpm.buffer-size", StringComparison.Ordinal));
            }
            drafts.Add(draft);
        }

        for (var j = 0; j < drafts.Count; j++)
        {
            for (var i = 0; i < j; i++)
            {
                var (earlier, later) = (drafts[i], drafts[j]);
                if (earlier.Name is not null && string.Equals(earlier.Name, later.Name, StringComparison.OrdinalIgnoreCase))
                {
                    errors.Add($"{later.Path}.name", $"duplicate interface name '{later.Name}' (also at {earlier.Path})");
                }
                if (earlier.OsName is not null && earlier.OsName == later.OsName && later.ParentName is null && earlier.ParentName is null
                    && !earlier.IsTunnel && !later.IsTunnel)
                {
                    errors.Add($"{later.Path}.os-name", $"duplicate os-name '{later.OsName}' (also at {earlier.Path})");
                }
                if (earlier.Ipv4 is { } a && later.Ipv4 is { } b && a.Overlaps(b))
                {
                    errors.Add($"{later.Path}.ipv4", $"{b} overlaps {a} of {earlier.Name} (at {earlier.Path})");
                }
            }
        }
        CheckSubinterfaces(drafts, errors);
        CheckIpv6Overlaps(drafts, errors);
        return drafts;
    }

    /// <summary>
    /// A tunnel interface's own keys: <c>tunnel { source, destination, esp-out { spi, key, salt }, esp-in { … } }</c>;
    /// none of a port's (os-name, driver, ring-size, mac, vlan).
    /// </summary>
    private static void ReadTunnelOwnKeys(HoconSection section, InterfaceDraft draft)
    {
        draft.IsTunnel = true;
        draft.OsName = draft.Name;
        draft.Driver = InterfaceDriver.Memory;
        draft.RingSize = InterfaceConfig.DefaultRingSize;
        foreach (var port in (string[])["os-name", "driver", "ring-size", "mac", "af-packet-mode", "vlan", "service-policy-output"])
        {
            if (section.Has(port))
            {
                section.Error(port, $"a tunnel interface has no {port}");
            }
        }
        var tunnel = section.Section("tunnel");
        var source = ReadAddress(tunnel, "source", required: true);
        var destination = ReadAddress(tunnel, "destination", required: true);
        foreach (var (key, address) in new[] { ("source", source), ("destination", destination) })
        {
            if (address is uint a && Ipv4Rules.WhyNotUnicast(a) is { } why)
            {
                tunnel.Error(key, why);
            }
        }
        var outbound = ReadEspSa(tunnel.Section("esp-out"));
        var inbound = ReadEspSa(tunnel.Section("esp-in"));
        tunnel.ReportUnknownKeys();
        if (outbound is not null && inbound is not null && outbound.Spi == inbound.Spi && source == destination)
        {
            tunnel.Error("esp-in", "the inbound and outbound SAs of a tunnel to itself must differ in SPI");
        }
        if (source is uint s && destination is uint d && outbound is not null && inbound is not null)
        {
            draft.Tunnel = new TunnelConfig(s, d, outbound, inbound);
        }
    }

    /// <summary>One manually keyed SA: <c>spi</c> (256..4294967295, decimal or 0x…), <c>key</c> (16 or 32 bytes in 0x… hex), <c>salt</c> (4 bytes in 0x… hex).</summary>
    private static EspSaConfig? ReadEspSa(HoconSection section)
    {
        if (!section.IsPresent)
        {
            section.Error("spi", "missing: a tunnel needs esp-out and esp-in, each with spi, key and salt");
            return null;
        }
        var spiText = section.RequiredText("spi", "an SPI (256..4294967295, decimal or 0x…)");
        uint? spi = null;
        if (spiText is not null)
        {
            if (TunnelKeys.TryParseSpi(spiText, out var parsed))
            {
                spi = parsed;
            }
            else
            {
                section.Error("spi", $"'{spiText}' is not an SPI (256..4294967295, decimal or 0x…; 0..255 are reserved)");
            }
        }
        var keyText = section.RequiredText("key", "an AES-GCM key in hexadecimal (0x and 32 or 64 digits)");
        string? key = null;
        if (keyText is not null)
        {
            key = TunnelKeys.ParseHex(keyText, 16, 32);
            if (key is null)
            {
                section.Error("key", "expected an AES-GCM key in hexadecimal: 0x and 32 digits (128 bit) or 64 digits (256 bit)");
            }
        }
        var saltText = section.RequiredText("salt", "a salt in hexadecimal (0x and 8 digits)");
        string? salt = null;
        if (saltText is not null)
        {
            salt = TunnelKeys.ParseHex(saltText, 4, 4);
            if (salt is null)
            {
                section.Error("salt", "expected a 4-byte salt in hexadecimal: 0x and 8 digits");
            }
        }
        section.ReportUnknownKeys();
        return spi is uint s && key is not null && salt is not null
            ? new EspSaConfig(s, key, uint.Parse(salt, NumberStyles.HexNumber, CultureInfo.InvariantCulture))
            : null;
    }

    /// <summary>The keys of a subinterface's own: a vlan, and none of what it shares with its parent.</summary>
    private static void ReadSubinterfaceOwnKeys(HoconSection section, InterfaceDraft draft, string parentName)
    {
        draft.ParentName = parentName;
        if (!section.Has("vlan"))
        {
            section.Error("vlan", $"missing: subinterface {draft.Name} needs its 802.1Q vlan ({InterfaceRules.MinVlan}..{InterfaceRules.MaxVlan})");
        }
        else
        {
            draft.Vlan = section.Int("vlan", 0, InterfaceRules.MinVlan, InterfaceRules.MaxVlan);
        }
        foreach (var shared in (string[])["os-name", "driver", "ring-size", "mac", "af-packet-mode"])
        {
            if (section.Has(shared))
            {
                section.Error(shared, $"a subinterface uses its parent's {shared}; set it on {parentName}");
            }
        }
    }

    /// <summary>Each subinterface's parent is a physical interface of the list; a VLAN is used once per parent; the MTU fits the parent's.</summary>
    private static void CheckSubinterfaces(List<InterfaceDraft> drafts, ErrorSink errors)
    {
        for (var j = 0; j < drafts.Count; j++)
        {
            var sub = drafts[j];
            if (sub.ParentName is not { } parentName)
            {
                continue;
            }
            var parent = drafts.FirstOrDefault(d => d.ParentName is null && string.Equals(d.Name, parentName, StringComparison.OrdinalIgnoreCase));
            if (parent is null)
            {
                errors.Add($"{sub.Path}.name", $"subinterface {sub.Name} has no parent: {NoSuchInterface(parentName, drafts.Where(d => d.ParentName is null).ToList())}");
                continue;
            }
            sub.ParentName = parent.Name;
            sub.Name = parent.Name + sub.Name![parentName.Length..];
            sub.OsName = parent.OsName;
            sub.Driver = parent.Driver;
            sub.RingSize = parent.RingSize;
            if (sub.Mtu > parent.Mtu)
            {
                errors.Add($"{sub.Path}.mtu", $"{sub.Mtu} is more than the mtu {parent.Mtu} of its parent {parent.Name}");
            }
            var earlier = drafts.Take(j).FirstOrDefault(d => d.Vlan != 0 && d.Vlan == sub.Vlan
                && string.Equals(d.ParentName, parent.Name, StringComparison.OrdinalIgnoreCase));
            if (earlier is not null)
            {
                errors.Add($"{sub.Path}.vlan", $"vlan {sub.Vlan} is already used on {parent.Name} by {earlier.Name} (at {earlier.Path})");
            }
        }
    }

    private static string? ReadOsName(HoconSection section)
    {
        var osName = section.RequiredText("os-name", "a string");
        if (osName is null)
        {
            return null;
        }
        if (osName.Length is 0 or > MaxLinuxInterfaceNameLength || osName.Any(c => c == '/' || char.IsWhiteSpace(c)))
        {
            section.Error("os-name", $"'{osName}' is not a valid OS interface name (1..{MaxLinuxInterfaceNameLength} characters, no '/' or whitespace)");
            return null;
        }
        return osName;
    }

    private static string? ReadRouterInterfaceName(HoconSection section, out string? written)
    {
        var name = written = section.RequiredText("name", "a string");
        if (name is null)
        {
            return null;
        }
        if (InterfaceRules.WhyNotName(name) is { } problem)
        {
            section.Error("name", problem);
            return null;
        }
        return name;
    }

    private static InterfaceDriver ReadDriver(HoconSection section)
    {
        var text = section.Text("driver", "memory, af-packet, af-xdp or auto");
        switch (text)
        {
            case null or "memory":
                return InterfaceDriver.Memory;
            case "af-packet":
                return InterfaceDriver.AfPacket;
            case "af-xdp":
                return InterfaceDriver.AfXdp;
            case "auto":
                return InterfaceDriver.Auto;
            default:
                section.Error("driver", $"expected memory, af-packet, af-xdp or auto, got '{text}'");
                return InterfaceConfig.DefaultDriver;
        }
    }

    private static (Ipv4Cidr? Address, bool Invalid) ReadInterfaceAddress(HoconSection section)
    {
        var text = section.Text("ipv4", $"an IPv4 address with its subnet ({Ipv4Rules.PrefixForms})");
        if (text is null)
        {
            return (null, section.HasErrorAt("ipv4"));
        }
        if (!Ipv4Cidr.TryParse(text, out var cidr))
        {
            section.Error("ipv4", $"'{text}' is not an IPv4 address with its subnet ({Ipv4Rules.PrefixForms})");
            return (null, true);
        }
        if (Ipv4Rules.WhyNotInterfaceAddress(cidr.Address, cidr.PrefixLength) is { } problem)
        {
            section.Error("ipv4", problem);
            return (null, true);
        }
        return (cidr, false);
    }

    private static ulong? ReadUnicastMac(HoconSection section, string key)
    {
        var text = section.Text(key, "a MAC address");
        if (text is null)
        {
            return null;
        }
        if (!MacText.TryParse(text, out var mac))
        {
            section.Error(key, $"'{text}' is not a MAC address (expected the form 02:00:00:00:00:01)");
            return null;
        }
        if (mac == 0)
        {
            section.Error(key, $"{MacText.Format(mac)} is not a usable MAC address");
            return null;
        }
        if (MacText.IsMulticast(mac))
        {
            section.Error(key, $"{MacText.Format(mac)} is a multicast MAC address; a unicast one is needed");
            return null;
        }
        return mac;
    }

    private static uint? ReadAddress(HoconSection section, string key, bool required)
    {
        var text = required ? section.RequiredText(key, "an IPv4 address") : section.Text(key, "an IPv4 address");
        if (text is null)
        {
            return null;
        }
        if (!Ipv4Text.TryParse(text, out var address))
        {
            section.Error(key, $"'{text}' is not an IPv4 address (A.B.C.D)");
            return null;
        }
        return address;
    }

    private static EquatableList<StaticRouteConfig> ReadStaticRoutes(HoconSection top, List<InterfaceDraft> interfaces)
    {
        var routes = new List<(StaticRouteConfig Route, string Path)>();
        foreach (var (section, _) in top.ObjectList("static-routes"))
        {
            var prefix = ReadRoutePrefix(section);
            var nextHop = ReadAddress(section, "next-hop", required: true);
            if (nextHop is { } hop)
            {
                var owner = interfaces.FirstOrDefault(i => i.Ipv4?.Address == hop);
                if (Ipv4Rules.WhyNotNextHop(hop) is { } why)
                {
                    section.Error("next-hop", why);
                    nextHop = null;
                }
                else if (owner is not null)
                {
                    section.Error("next-hop", $"{Ipv4Text.Format(hop)} is this router's own address on {owner.Name}");
                    nextHop = null;
                }
            }
            var interfaceName = section.OptionalString("interface");
            if (interfaceName is not null && FindInterface(interfaces, interfaceName) is null)
            {
                section.Error("interface", NoSuchInterface(interfaceName, interfaces));
                interfaceName = null;
            }
            var share = section.Bool("share", false);
            section.ReportUnknownKeys();
            if (prefix is null || nextHop is null)
            {
                continue;
            }
            var route = new StaticRouteConfig(prefix.Value, nextHop.Value, interfaceName) { Share = share };
            var earlier = routes.FirstOrDefault(r => r.Route.Prefix == route.Prefix && r.Route.NextHop == route.NextHop);
            if (earlier.Route is not null)
            {
                section.Error("prefix", $"duplicate static route {route.Prefix} via {Ipv4Text.Format(route.NextHop)} (also at {earlier.Path})");
            }
            routes.Add((route, section.Path));
        }
        return routes.Select(r => r.Route).ToEquatableList();
    }

    private static Ipv4Cidr? ReadRoutePrefix(HoconSection section)
    {
        var text = section.RequiredText("prefix", $"a prefix ({Ipv4Rules.PrefixForms})");
        if (text is null)
        {
            return null;
        }
        if (!Ipv4Cidr.TryParse(text, out var prefix))
        {
            section.Error("prefix", $"'{text}' is not a prefix ({Ipv4Rules.PrefixForms})");
            return null;
        }
        if (Ipv4Rules.WhyNotRoutePrefix(prefix.Address, prefix.PrefixLength) is { } problem)
        {
            section.Error("prefix", problem);
            return null;
        }
        return prefix;
    }

    private static InterfaceDraft? FindInterface(List<InterfaceDraft> interfaces, string name) =>
        interfaces.FirstOrDefault(i => string.Equals(i.Name, name, StringComparison.OrdinalIgnoreCase));

    private static string NoSuchInterface(string name, List<InterfaceDraft> interfaces)
    {
        var known = interfaces.Where(i => i.Name is not null).Select(i => i.Name!).ToList();
        return known.Count == 0
            ? $"no interface named '{name}' (no interfaces are configured)"
            : $"no interface named '{name}' (configured: {string.Join(", ", known)})";
    }

    private static ControlConfig ReadControl(HoconSection section)
    {
        var defaults = ControlConfig.Default;
        var hostname = section.OptionalString("hostname") ?? defaults.Hostname;
        if (hostname.Length == 0)
        {
            section.Error("hostname", "must not be empty");
        }
        var port = section.Int("port", defaults.Port, 0, 65535);
        if (section.Has("tls"))
        {
            section.Error("tls", "the control endpoint always uses mutual TLS with certificates under the router's own CA (kept in control.state-directory); remove control.tls");
        }
        var stateDirectory = NonEmpty(section, "state-directory");
        var readOnlyGroup = NonEmpty(section, "read-only-group");
        var configDirectory = NonEmpty(section, "config-directory");
        if (configDirectory is not null && !Path.IsPathRooted(configDirectory))
        {
            section.Error("config-directory", $"must be an absolute path, not '{configDirectory}'");
        }
        var captureDirectory = NonEmpty(section, "capture-directory");
        if (captureDirectory is not null && !Path.IsPathRooted(captureDirectory))
        {
            section.Error("capture-directory", $"must be an absolute path, not '{captureDirectory}'");
        }
        SecretReference? keyPassword = null;
        if (section.Has("key-password"))
        {
            var secret = section.Section("key-password");
            var file = NonEmpty(secret, "password-file");
            var environment = NonEmpty(secret, "password-env");
            if (secret.Has("password"))
            {
                secret.Error("password", "a password is never written in the configuration: give password-file = PATH or password-env = NAME");
            }
            else if ((file is null) == (environment is null))
            {
                section.Error("key-password", "give exactly one of password-file = PATH or password-env = NAME");
            }
            else
            {
                keyPassword = new SecretReference(file, environment);
            }
            secret.ReportUnknownKeys();
        }
        section.ReportUnknownKeys();
        return new ControlConfig(hostname, port, stateDirectory, readOnlyGroup, configDirectory, keyPassword, captureDirectory);
    }

    private static string? NonEmpty(HoconSection section, string key)
    {
        var value = section.OptionalString(key);
        if (value is { Length: 0 })
        {
            section.Error(key, "must not be empty");
            return null;
        }
        return value;
    }

    private static FaultInjectionConfig ReadFaultInjection(HoconSection section)
    {
        var config = new FaultInjectionConfig(section.Bool("enabled", FaultInjectionConfig.Default.Enabled));
        section.ReportUnknownKeys();
        return config;
    }

    private static SimulationConfig ReadSimulation(HoconSection section, List<InterfaceDraft> interfaces)
    {
        var hosts = new List<(SimulatedHostConfig Host, string Path)>();
        foreach (var (host, _) in section.ObjectList("hosts"))
        {
            var attachedTo = ReadHostInterface(host, interfaces);
            var address = ReadAddress(host, "ipv4", required: true);
            var mac = ReadUnicastMac(host, "mac");
            var gateway = ReadAddress(host, "gateway", required: true);
            var sendTo = ReadAddress(host, "send-to", required: false);
            var ratePps = host.Int("rate-pps", SimulatedHostConfig.DefaultRatePps, 1, 1_000_000);
            var payloadBytes = host.Int("payload-bytes", SimulatedHostConfig.DefaultPayloadBytes, 0, 9000 - SimulatedPacketOverhead);
            host.ReportUnknownKeys();

            if (attachedTo?.Ipv4 is { } subnet)
            {
                if (address is { } a && !subnet.Contains(a))
                {
                    host.Error("ipv4", $"{Ipv4Text.Format(a)} is outside {attachedTo.Name}'s subnet {new Ipv4Cidr(subnet.Network, subnet.PrefixLength)}");
                    address = null;
                }
                else if (address == subnet.Address)
                {
                    host.Error("ipv4", $"{Ipv4Text.Format(subnet.Address)} is {attachedTo.Name}'s own address");
                    address = null;
                }
                if (gateway is { } g && g != subnet.Address)
                {
                    host.Error("gateway", $"expected {attachedTo.Name}'s address {Ipv4Text.Format(subnet.Address)}, got {Ipv4Text.Format(g)}");
                }
                var payloadLimit = attachedTo.Mtu - SimulatedPacketOverhead;
                if (payloadBytes > payloadLimit)
                {
                    host.Error("payload-bytes", $"{payloadBytes} does not fit mtu {attachedTo.Mtu} of {attachedTo.Name} (at most {payloadLimit})");
                }
            }
            if (address is { } hostAddress)
            {
                var earlier = hosts.FirstOrDefault(h => h.Host.Ipv4 == hostAddress);
                if (earlier.Host is not null)
                {
                    host.Error("ipv4", $"duplicate simulated host {Ipv4Text.Format(hostAddress)} (also at {earlier.Path})");
                }
            }
            if (attachedTo is null || address is null || gateway is null)
            {
                continue;
            }
            hosts.Add((new SimulatedHostConfig(
                attachedTo.Name!,
                address.Value,
                mac ?? SimulatedHostConfig.DefaultMacFor(address.Value),
                gateway.Value,
                sendTo,
                ratePps,
                payloadBytes), host.Path));
        }
        section.ReportUnknownKeys();
        return new SimulationConfig(hosts.Select(h => h.Host).ToEquatableList());
    }

    private static InterfaceDraft? ReadHostInterface(HoconSection host, List<InterfaceDraft> interfaces)
    {
        var name = host.RequiredText("interface", "a string");
        if (name is null)
        {
            return null;
        }
        var attachedTo = FindInterface(interfaces, name);
        if (attachedTo is null)
        {
            host.Error("interface", NoSuchInterface(name, interfaces));
            return null;
        }
        if (attachedTo.Driver != InterfaceDriver.Memory)
        {
            host.Error("interface", $"{attachedTo.Name} uses the {InterfaceDrivers.Text(attachedTo.Driver)} driver; simulated hosts attach only to memory interfaces");
            return null;
        }
        if (attachedTo.Ipv4 is null)
        {
            if (!attachedTo.Ipv4Invalid)
            {
                host.Error("interface", $"{attachedTo.Name} has no ipv4 address, so no host can be attached to it");
            }
            return null;
        }
        return attachedTo;
    }
}
