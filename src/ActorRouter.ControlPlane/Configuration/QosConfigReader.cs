using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorRouter.ControlPlane.Configuration;

/// <summary>The <c>actorrouter.qos</c> section and each interface's <c>service-policy-output</c>.</summary>
internal static partial class RouterConfigReader
{
    /// <summary>Protocol names a class map may use instead of the number.</summary>
    private static readonly (string Name, int Number)[] ProtocolNames =
        [("icmp", 1), ("tcp", 6), ("udp", 17), ("gre", 47), ("esp", 50), ("ah", 51), ("icmpv6", 58), ("ospf", 89), ("sctp", 132)];

    [GeneratedRegex(@"^(\d{1,5})(?:-(\d{1,5}))?$")]
    private static partial Regex PortRangeText();

    internal static string FormatProtocol(int protocol)
    {
        foreach (var (name, number) in ProtocolNames)
        {
            if (number == protocol)
            {
                return name;
            }
        }
        return protocol.ToString(CultureInfo.InvariantCulture);
    }

    private static QosConfig ReadQos(HoconSection section, List<InterfaceDraft> interfaces, ErrorSink errors)
    {
        var classMaps = new List<ClassMapConfig>();
        foreach (var (map, _) in section.ObjectList("class-maps"))
        {
            classMaps.Add(ReadClassMap(map, errors));
        }
        var policyMaps = new List<PolicyMapConfig>();
        foreach (var (policy, _) in section.ObjectList("policy-maps"))
        {
            policyMaps.Add(ReadPolicyMap(policy));
        }
        section.ReportUnknownKeys();
        var qos = new QosConfig(classMaps.ToEquatableList(), policyMaps.ToEquatableList());

        var interfaceNames = interfaces.Where(i => i.Name is not null).Select(i => i.Name!).ToList();
        foreach (var (key, reason) in QosValidator.Validate(qos, interfaceNames))
        {
            var path = $"{section.Path}.{key}";
            // A value already reported (missing, malformed, out of range) is not reported again as a follow-on.
            if (!errors.Errors.Any(e => e.Key.StartsWith(path, StringComparison.Ordinal)))
            {
                errors.Add(path, reason);
            }
        }
        foreach (var draft in interfaces)
        {
            if (draft.ServicePolicyOutput is { } policy && QosValidator.WhyNoPolicy(qos, policy) is { } why)
            {
                errors.Add($"{draft.Path}.service-policy-output", why);
            }
        }
        return qos;
    }

    private static ClassMapConfig ReadClassMap(HoconSection map, ErrorSink errors)
    {
        var name = map.RequiredText("name", "a string") ?? "";
        var matchText = map.Text("match", "any or all");
        var match = ClassMatchMode.Any;
        switch (matchText)
        {
            case null or "any":
                break;
            case "all":
                match = ClassMatchMode.All;
                break;
            default:
                map.Error("match", $"expected any or all, got '{matchText}'");
                break;
        }
        var dscp = ReadIntList(map, "dscp", 0, 63, errors);
        var precedence = ReadIntList(map, "precedence", 0, 7, errors);
        var protocol = ReadProtocol(map);
        var (source, sourceIpv6) = ReadPrefix(map, "source");
        var (destination, destinationIpv6) = ReadPrefix(map, "destination");
        var sourcePorts = ReadPorts(map, "source-ports");
        var destinationPorts = ReadPorts(map, "destination-ports");
        var input = map.OptionalString("input-interface");
        int? ipVersion = map.Has("ip-version") ? map.Int("ip-version", 4, 4, 6) : null;
        if (ipVersion == 5)
        {
            map.Error("ip-version", "expected 4 or 6, got 5");
            ipVersion = null;
        }
        map.ReportUnknownKeys();
        return new ClassMapConfig(name, match, dscp, precedence, protocol, source, destination, sourcePorts, destinationPorts, input,
            sourceIpv6, destinationIpv6, ipVersion);
    }

    private static EquatableList<int> ReadIntList(HoconSection section, string key, int min, int max, ErrorSink errors)
    {
        var values = new List<int>();
        foreach (var (element, path) in section.List(key))
        {
            var text = HoconSection.ScalarText(element, path, "an integer", errors);
            if (text is null)
            {
                continue;
            }
            if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            {
                errors.Add(path, $"expected an integer, got '{text}'");
                continue;
            }
            if (value < min || value > max)
            {
                errors.Add(path, $"{value} is out of range {min}..{max}");
                continue;
            }
            values.Add(value);
        }
        return values.ToEquatableList();
    }

    private static int? ReadProtocol(HoconSection map)
    {
        var text = map.Text("protocol", "a protocol number or name");
        if (text is null)
        {
            return null;
        }
        foreach (var (name, number) in ProtocolNames)
        {
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase))
            {
                return number;
            }
        }
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var protocol) && protocol <= 255)
        {
            return protocol;
        }
        map.Error("protocol", $"'{text}' is not a protocol (a number 0..255 or one of {string.Join(", ", ProtocolNames.Select(p => p.Name))})");
        return null;
    }

    /// <summary>An IPv4 prefix (A.B.C.D/L) or an IPv6 one (X:X::X/L): the class map matches packets of that version.</summary>
    private static (Ipv4Cidr? Ipv4, Ipv6Cidr? Ipv6) ReadPrefix(HoconSection map, string key)
    {
        var text = map.Text(key, "a prefix (A.B.C.D/L or X:X::X/L)");
        if (text is null)
        {
            return (null, null);
        }
        if (text.Contains(':'))
        {
            if (!Ipv6Cidr.TryParse(text, out var prefix6))
            {
                map.Error(key, $"'{text}' is not an IPv6 prefix (X:X::X/L)");
                return (null, null);
            }
            if (prefix6.Address != prefix6.Network)
            {
                map.Error(key, $"{prefix6} has host bits set (did you mean {new Ipv6Cidr(prefix6.Network, prefix6.PrefixLength)}?)");
                return (null, null);
            }
            return (null, prefix6);
        }
        if (!Ipv4Cidr.TryParse(text, out var prefix))
        {
            map.Error(key, $"'{text}' is not a prefix (A.B.C.D/L or X:X::X/L)");
            return (null, null);
        }
        if (prefix.HasHostBits)
        {
            map.Error(key, $"{prefix} has host bits set (did you mean {new Ipv4Cidr(prefix.Network, prefix.PrefixLength)}?)");
            return (null, null);
        }
        return (prefix, null);
    }

    private static PortRangeConfig? ReadPorts(HoconSection map, string key)
    {
        var text = map.Text(key, "a port range (a-b)");
        if (text is null)
        {
            return null;
        }
        var m = PortRangeText().Match(text.Trim());
        if (m.Success)
        {
            var first = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            var last = m.Groups[2].Success ? int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) : first;
            if (first <= last && last <= 65535)
            {
                return new PortRangeConfig(first, last);
            }
        }
        map.Error(key, $"'{text}' is not a port range (a-b with 0 ≤ a ≤ b ≤ 65535, or one port)");
        return null;
    }

    private static PolicyMapConfig ReadPolicyMap(HoconSection policy)
    {
        var name = policy.RequiredText("name", "a string") ?? "";
        var shape = ReadRate(policy, "shape", "average");
        var classes = new List<PolicyClassConfig>();
        foreach (var (c, _) in policy.ObjectList("classes"))
        {
            var className = c.RequiredText("class", "a string") ?? "";
            var priority = ReadRate(c, "priority", "rate");
            var percent = OptionalInt(c, "bandwidth-percent", 1, 100);
            var weight = OptionalInt(c, "bandwidth-weight", 1, QosValidator.MaxWeight);
            var classShape = ReadRate(c, "shape", "average");
            var queueLimit = c.Int("queue-limit", PolicyClassConfig.DefaultQueueLimit, 1, QosValidator.MaxQueueLimit);
            RandomDetectConfig? red = null;
            if (c.Has("random-detect"))
            {
                var r = c.Section("random-detect");
                var defaults = RandomDetectConfig.Default;
                red = new RandomDetectConfig(
                    r.Int("min-threshold", defaults.MinThreshold, 1, QosValidator.MaxQueueLimit),
                    r.Int("max-threshold", defaults.MaxThreshold, 1, QosValidator.MaxQueueLimit),
                    r.Int("mark-probability-denominator", defaults.MarkProbabilityDenominator, 1, 65535),
                    r.Int("exponential-weight-constant", defaults.ExponentialWeightConstant, 1, 16));
                var profiles = new List<RandomDetectDscpConfig>();
                foreach (var (p, _) in r.ObjectList("dscp"))
                {
                    var value = p.RequiredText("value", "an integer");
                    var dscp = -1;
                    if (value is not null && (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out dscp) || dscp > 63))
                    {
                        p.Error("value", $"'{value}' is not a DSCP (0..63)");
                        dscp = -1;
                    }
                    var profile = new RandomDetectDscpConfig(
                        dscp,
                        p.Int("min-threshold", red.MinThreshold, 1, QosValidator.MaxQueueLimit),
                        p.Int("max-threshold", red.MaxThreshold, 1, QosValidator.MaxQueueLimit),
                        p.Int("mark-probability-denominator", red.MarkProbabilityDenominator, 1, 65535));
                    p.ReportUnknownKeys();
                    // Kept even when invalid (already reported), so later checks name the right index.
                    profiles.Add(profile);
                }
                red = red with { Dscp = profiles.ToEquatableList() };
                r.ReportUnknownKeys();
            }
            var setDscp = OptionalInt(c, "set-dscp", 0, 63);
            c.ReportUnknownKeys();
            classes.Add(new PolicyClassConfig(className, priority, percent, weight, classShape, queueLimit, red, setDscp));
        }
        policy.ReportUnknownKeys();
        return new PolicyMapConfig(name, shape, classes.ToEquatableList());
    }

    /// <summary>A token-bucket block (<c>{ average|rate = bit/s, burst = bytes }</c>); null when absent.</summary>
    private static RateConfig? ReadRate(HoconSection parent, string key, string rateKey)
    {
        if (!parent.Has(key))
        {
            return null;
        }
        var section = parent.Section(key);
        if (!section.IsPresent)
        {
            return null;
        }
        var rateText = section.RequiredText(rateKey, "an integer (bit/s)");
        long rate = 0;
        if (rateText is not null)
        {
            if (!long.TryParse(rateText, NumberStyles.None, CultureInfo.InvariantCulture, out rate))
            {
                section.Error(rateKey, $"expected an integer, got '{rateText}'");
            }
            else if (rate is < QosValidator.MinRate or > QosValidator.MaxRate)
            {
                section.Error(rateKey, $"{rate} is out of range {QosValidator.MinRate}..{QosValidator.MaxRate}");
                rate = 0;
            }
        }
        var burst = section.Int("burst", rate > 0 ? RateConfig.DefaultBurstFor(rate) : QosValidator.MinBurst, QosValidator.MinBurst, QosValidator.MaxBurst);
        section.ReportUnknownKeys();
        return new RateConfig(rate > 0 ? rate : QosValidator.MinRate, burst);
    }

    private static int? OptionalInt(HoconSection section, string key, int min, int max)
    {
        var text = section.Text(key, "an integer");
        if (text is null)
        {
            return null;
        }
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            section.Error(key, $"expected an integer, got '{text}'");
            return null;
        }
        if (value < min || value > max)
        {
            section.Error(key, $"{value} is out of range {min}..{max}");
            return null;
        }
        return value;
    }
}
