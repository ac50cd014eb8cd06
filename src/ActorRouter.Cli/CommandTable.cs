using System.Globalization;
using ActorRouter.Control.Contracts;
using ActorRouter.Control.Contracts.Rules;

namespace ActorRouter.Cli;

/// <summary>
/// <c>credentials issue</c> as arctl runs it: not sent as it is; arctl makes the key pair, sends only a
/// signing request (<see cref="IssueCredentialRequest"/>) and writes the credential file itself.
/// </summary>
public sealed record IssueCredentialCommand(string Name, string Role, string OutFile) : IArctlRequest;

/// <summary>A command line arctl cannot turn into a request (exit code 2).</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// One command: its words as IOS writes them, the parameters in capitals (<c>[NAME]</c>: optional,
/// only at the end), a one-line description for <c>?</c>, and how its arguments become a request.
/// </summary>
public sealed record CommandSpec(string Pattern, string Description, Func<IReadOnlyList<string>, IArctlRequest> Build)
{
    public IReadOnlyList<string> Tokens { get; } = Pattern.Split(' ');

    public static bool IsParameter(string token) => token.TrimStart('[').TrimEnd(']').TrimEnd('.').All(c => char.IsUpper(c) || c == '-' || c == '/');

    /// <summary>A parameter that takes the rest of the line (<c>FILTER...</c>): one or more words, joined by spaces.</summary>
    public static bool IsRest(string token) => token.EndsWith("...", StringComparison.Ordinal);

    public static bool IsOptional(string token) => token.StartsWith('[');

    public int RequiredCount => Tokens.Count(t => !IsOptional(t));
}

/// <summary>
/// The commands and the parser. Keywords may be abbreviated to any unambiguous prefix, as on IOS
/// (<c>sh ip int br</c>); an unknown word gets a did-you-mean suggestion.
/// </summary>
public static class CommandTable
{
    public static readonly IReadOnlyList<CommandSpec> Commands =
    [
        new("show interfaces [NAME]", "interface state, MTU, MAC, address and counters", a => new ShowInterfacesRequest(a.Count > 0 ? a[0] : null)),
        new("monitor interfaces [NAME]", "per-interface rates, refreshed each second until Ctrl-C (--count N: N refreshes)", a => new MonitorInterfacesRequest(a.Count > 0 ? a[0] : null)),
        new("show ip interface brief", "one line per interface: address and state", _ => new ShowIpInterfaceBriefRequest()),
        new("show ip route", "the routing table: local (L), connected (C) and static (S) routes", _ => new ShowIpRouteRequest()),
        new("show ip arp", "the ARP table", _ => new ShowIpArpRequest()),
        new("show ipv6 interface brief", "one line per interface and IPv6 address: state, link-local and configured addresses", _ => new ShowIpv6InterfaceBriefRequest()),
        new("show ipv6 neighbors", "the IPv6 neighbour cache: address, age, MAC, state (INCMP, REACH, STALE, DELAY, PROBE) and interface", _ => new ShowIpv6NeighborsRequest()),
        new("show ipv6 route", "the IPv6 routing table: local (L), connected (C) and static (S) routes", _ => new ShowIpv6RouteRequest()),
        new("show policy-map interface NAME", "an interface's output service policy: per-class packets, drops and queue depth", a => new ShowPolicyMapRequest(a[0])),
        new("show platform qfp statistics", "data-plane threads, drops by reason, GPM use, ring and queue depths", _ => new ShowQfpStatisticsRequest()),
        new("show platform punt", "punt classes (arp, glean, icmp-for-us, other-for-us, icmp-error, broadcast): policer, ring share, received, policed, queued, dropped", _ => new ShowPlatformPuntRequest()),
        new("show platform threads", "data-plane threads: core, pinning, state, heartbeat, restarts", _ => new ShowThreadsRequest()),
        new("show actors", "the control plane's actor hierarchy", _ => new ShowActorsRequest()),
        new("show control endpoint", "the control endpoint: requests admitted and throttled, remote messages dropped by reason", _ => new ShowControlEndpointRequest()),
        new("show crypto ipsec sa", "the IPsec security associations of every tunnel: SPI, transform, outer endpoints, packets, bytes, auth failures, replays, sequence numbers",
            _ => new ShowCryptoIpsecSaRequest()),
        new("show ip mroute", "the multicast routing table: (S,G) and (*,G) routes, incoming (RPF) and outgoing interfaces (static, igmp), multicast drops",
            _ => new ShowIpMrouteRequest()),
        new("show ip igmp groups", "the groups hosts joined (IGMPv2/v3) per interface, last reporter, uptime, expiry; each interface's querier",
            _ => new ShowIpIgmpGroupsRequest()),
        new("show running-config", "the configuration as it is now (HOCON)", _ => new ShowRunningConfigRequest()),
        new("interface NAME shutdown", "take an interface administratively down", a => new SetShutdownRequest(a[0], true)),
        new("interface NAME no shutdown", "bring an interface administratively up", a => new SetShutdownRequest(a[0], false)),
        new("interface NAME ip address PREFIX", "set an interface's address (A.B.C.D/LEN)", a => new SetIpAddressRequest(a[0], Prefix(a[1]))),
        new("interface NAME ip address ADDRESS MASK", "set an interface's address (A.B.C.D M.M.M.M)", a => new SetIpAddressRequest(a[0], Prefix(a[1] + " " + a[2]))),
        new("interface NAME no ip address", "remove an interface's address", a => new SetIpAddressRequest(a[0], null)),
        new("interface NAME tunnel source ADDRESS destination ADDRESS esp-out SPI KEY SALT esp-in SPI KEY SALT",
            "create tunnel interface NAME (TunnelN): route-based IPsec, ESP tunnel mode, AES-GCM; SPI decimal or 0x…, KEY 0x and 32 or 64 hex digits (128 or 256 bit), SALT 0x and 8 hex digits; manual keying",
            a => Tunnel(a)),
        new("interface NAME mtu N", $"set an interface's IP MTU ({InterfaceRules.MinMtu}..{InterfaceRules.MaxMtu}, and what a packet buffer holds)", a => new SetMtuRequest(a[0], Mtu(a[1]))),
        new("interface NAME encapsulation dot1q VLAN", $"create 802.1Q subinterface NAME (PARENT.NUMBER, e.g. gi1.100) for VLAN {InterfaceRules.MinVlan}..{InterfaceRules.MaxVlan}", a => new CreateSubinterfaceRequest(a[0], Vlan(a[1]))),
        new("interface NAME service-policy output POLICY", "attach a configured policy map to an interface's output (QoS)", a => new SetServicePolicyRequest(a[0], a[1])),
        new("interface NAME no service-policy output", "remove an interface's output policy (back to one FIFO)", a => new SetServicePolicyRequest(a[0], null)),
        new("qos define FILE", "define or replace class maps and policy maps from a HOCON file (the body of actorrouter.qos)", a => new DefineQosRequest(a[0], ReadFile(a[0]))),
        new("ip route PREFIX NEXT-HOP", "add a static route (A.B.C.D/LEN A.B.C.D)", a => new AddRouteRequest(RoutePrefix(a[0]), NextHop(a[1]))),
        new("ip route ADDRESS MASK NEXT-HOP", "add a static route (A.B.C.D M.M.M.M A.B.C.D)", a => new AddRouteRequest(RoutePrefix(a[0] + " " + a[1]), NextHop(a[2]))),
        new("no ip route PREFIX NEXT-HOP", "remove a static route", a => new RemoveRouteRequest(RoutePrefix(a[0]), NextHop(a[1]))),
        new("no ip route ADDRESS MASK NEXT-HOP", "remove a static route (mask form)", a => new RemoveRouteRequest(RoutePrefix(a[0] + " " + a[1]), NextHop(a[2]))),
        new("interface NAME ipv6 address PREFIX", "add an IPv6 address to an interface (X:X::X/LEN; an interface may have several, beside its link-local one)",
            a => new SetIpv6AddressRequest(a[0], Ipv6Prefix(a[1]), false)),
        new("interface NAME no ipv6 address PREFIX", "remove one of an interface's IPv6 addresses", a => new SetIpv6AddressRequest(a[0], Ipv6Prefix(a[1]), true)),
        new("ipv6 route PREFIX NEXT-HOP [INTERFACE]", "add an IPv6 static route (X:X::X/LEN X:X::X; INTERFACE is needed for a link-local next hop)",
            a => new AddIpv6RouteRequest(Ipv6RoutePrefix(a[0]), Ipv6NextHop(a[1]), a.Count > 2 ? a[2] : null)),
        new("no ipv6 route PREFIX NEXT-HOP", "remove an IPv6 static route", a => new RemoveIpv6RouteRequest(Ipv6RoutePrefix(a[0]), Ipv6NextHop(a[1]))),
        new("ipv6 neighbor ADDRESS INTERFACE MAC", "add or replace a static IPv6 neighbour entry (it outranks a learned one)",
            a => new SetIpv6NeighborRequest(Ipv6NextHop(a[0]), a[1], Mac(a[2]))),
        new("no ipv6 neighbor ADDRESS INTERFACE", "remove a static IPv6 neighbour entry", a => new RemoveIpv6NeighborRequest(Ipv6NextHop(a[0]), a[1])),
        new("no interface NAME", "remove a subinterface", a => new RemoveSubinterfaceRequest(a[0])),
        new("arp ADDRESS MAC", "add or replace a static ARP entry (A.B.C.D xx:xx:xx:xx:xx:xx); never aged or overwritten", a => new SetStaticArpRequest(ArpAddress(a[0]), Mac(a[1]))),
        new("no arp ADDRESS", "remove a static ARP entry", a => new RemoveStaticArpRequest(ArpAddress(a[0]))),
        new("clear ip arp [ADDRESS]", "forget every dynamic ARP entry, or the one for ADDRESS (static entries stay)", a => new ClearIpArpRequest(a.Count > 0 ? ArpAddress(a[0]) : null)),
        new("clear counters [NAME]", "zero the counters of one interface, or of all interfaces and threads", a => new ClearCountersRequest(a.Count > 0 ? a[0] : null)),
        new("write memory [PATH]", "save the running configuration to the file the router started from (or PATH)", a => new WriteMemoryRequest(a.Count > 0 ? a[0] : null)),
        new("show fleet", "the fleet's members: router, status, reachability, leader, uptime, management address", _ => new ShowFleetRequest()),
        new("show fleet routes", "the routes computed from the fleet's link-state database: prefix, cost, equal-cost next hops, originating members", _ => new ShowFleetRoutesRequest()),
        new("show fleet neighbors", "the fleet members heard by probes on each data link: address, state (up or one-way), last hello", _ => new ShowFleetNeighborsRequest()),
        new("show fleet database", "the fleet's link-state database: each member's connected prefixes, adjacencies and shared static routes", _ => new ShowFleetDatabaseRequest()),
        new("show control clients", "clients connected to the control endpoint (name, role) and refused attempts by reason", _ => new ShowControlClientsRequest()),
        new("credentials issue NAME --role ROLE --out FILE", "issue a client credential (ROLE read-only or admin) under the router's CA; the key is made here and written to FILE (admin only)",
            a => new IssueCredentialCommand(a[0], a[1], a[2])),
        new("credentials revoke NAME", "revoke every credential issued under NAME: its connections and requests are refused from now on (admin only)", a => new RevokeCredentialRequest(a[0])),
        new("show platform runtime", "per PPE thread and graph node: calls, packets, packets per call and nanoseconds per packet", _ => new ShowPlatformRuntimeRequest()),
        new("clear platform runtime", "zero the graph nodes' calls, packets and times", _ => new ClearPlatformRuntimeRequest()),
        new("debug packet-trace COUNT", "trace the next COUNT packets through the graph's nodes (see 'show packet-trace')", a => new DebugPacketTraceRequest(TraceCount(a[0]), null, null)),
        new("debug packet-trace COUNT interface NAME", "trace the next COUNT packets received on NAME", a => new DebugPacketTraceRequest(TraceCount(a[0]), a[1], null)),
        new("debug packet-trace COUNT match FILTER...", "trace the next COUNT packets matching FILTER ([src|dst] host A, [src|dst] net A/LEN (IPv4 or IPv6), proto icmp|icmp6|udp|tcp|N, ip, ip6, [src|dst] port N; joined by 'and')",
            a => new DebugPacketTraceRequest(TraceCount(a[0]), null, a[1])),
        new("debug packet-trace COUNT interface NAME match FILTER...", "trace the next COUNT packets received on NAME and matching FILTER", a => new DebugPacketTraceRequest(TraceCount(a[0]), a[1], a[2])),
        new("show packet-trace", "the traced packets: each node they passed, its decision and the packet's fields", _ => new ShowPacketTraceRequest()),
        new("clear packet-trace", "disarm and forget the packet trace", _ => new ClearPacketTraceRequest()),
        new("monitor capture NAME ARGUMENTS...", "define a capture: interface NAME|any in|out|both|drops [REASON] [match FILTER] [limit packets N | limit duration S] file PATH.pcap|.pcapng; or start, or stop it",
            a => CaptureCommand(a[0], a[1])),
        new("show monitor capture", "the captures: definition, state, frames copied and written, copies dropped", _ => new ShowMonitorCaptureRequest()),
        new("debug fault TARGET", "crash a data-plane thread (rx, ppe0, hqf) or actor (fman, ...); needs fault-injection.enabled", a => new DebugFaultRequest(a[0])),
        new("debug fault TARGET stall SECONDS", "hang a data-plane thread for SECONDS (0.001..3600) holding its burst: the supervisor fences and restarts it after its hang limit",
            a => new DebugFaultRequest(a[0], StallSeconds(a[1]))),
    ];

    private static double StallSeconds(string text)
        => double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds is >= 0.001 and <= 3600
            ? seconds
            : throw new UsageException($"stall SECONDS must be a number from 0.001 to 3600, got '{text}'");

    private static string ReadFile(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read {path}: {e.Message}");
        }
    }

    private static int Number(string text, string what) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new UsageException($"{what} needs a whole number, not '{text}'");

    // The same rules the router applies to the configuration file and to every change (Control.Contracts.Rules),
    // checked here too so that a mistyped value is named before a connection is made. What depends on the
    // router's state or its buffer size (an overlapping subnet, an MTU a buffer cannot hold) only the router knows.

    /// <summary>The words after <c>interface NAME tunnel</c>, checked here so a mistyped key never leaves arctl.</summary>
    private static CreateTunnelRequest Tunnel(IReadOnlyList<string> a)
    {
        // a: NAME, source, destination, out spi, key, salt, in spi, key, salt (the keywords are part of the pattern).
        ArpAddress(a[1]);
        ArpAddress(a[2]);
        foreach (var (spi, key, salt, direction) in new[] { (a[3], a[4], a[5], "esp-out"), (a[6], a[7], a[8], "esp-in") })
        {
            if (!TunnelKeys.TryParseSpi(spi, out _))
            {
                throw new UsageException($"{direction}: '{spi}' is not an SPI (256..4294967295, decimal or 0x…)");
            }
            if (TunnelKeys.ParseHex(key, 16, 32) is null)
            {
                throw new UsageException($"{direction}: the key must be 0x and 32 or 64 hex digits (AES-GCM-128 or -256)");
            }
            if (TunnelKeys.ParseHex(salt, 4, 4) is null)
            {
                throw new UsageException($"{direction}: the salt must be 0x and 8 hex digits");
            }
        }
        return new CreateTunnelRequest(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8]);
    }

    private static readonly string[] CaptureKeywords = ["match", "limit", "duration", "file"];

    /// <summary>The words after <c>monitor capture NAME</c>: <c>start</c>, <c>stop</c>, or a definition.</summary>
    private static IArctlRequest CaptureCommand(string name, string rest)
    {
        var words = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        static bool Is(string word, string keyword) => string.Equals(word, keyword, StringComparison.OrdinalIgnoreCase);
        if (words is [var only] && (Is(only, "start") || Is(only, "stop")))
        {
            return Is(only, "start") ? new StartCaptureRequest(name) : new StopCaptureRequest(name);
        }
        const string usage = "usage: monitor capture NAME interface NAME|any in|out|both|drops [REASON] [match FILTER] [limit packets N | limit duration S] file PATH";
        if (words.Length < 3 || !Is(words[0], "interface"))
        {
            throw new UsageException(usage);
        }
        var itf = words[1];
        var direction = words[2].ToLowerInvariant();
        if (direction is not ("in" or "out" or "both" or "drops"))
        {
            throw new UsageException($"'{words[2]}' is not a direction (in, out, both or drops); {usage}");
        }
        var i = 3;
        string? reason = null;
        if (direction == "drops" && i < words.Length && !CaptureKeywords.Any(k => Is(words[i], k)))
        {
            reason = words[i++];
        }
        string? match = null;
        long? limit = null;
        int? duration = null;
        string? file = null;
        while (i < words.Length)
        {
            var keyword = words[i++].ToLowerInvariant();
            switch (keyword)
            {
                case "match":
                    var start = i;
                    while (i < words.Length && !CaptureKeywords.Any(k => Is(words[i], k)))
                    {
                        i++;
                    }
                    match = start == i ? throw new UsageException("match needs a filter") : string.Join(' ', words[start..i]);
                    break;
                case "limit" when i + 1 < words.Length && Is(words[i], "packets"):
                    limit = Number(words[i + 1], "limit packets");
                    i += 2;
                    break;
                case "limit" when i + 1 < words.Length && Is(words[i], "duration"):
                    duration = Number(words[i + 1], "limit duration");
                    i += 2;
                    break;
                case "duration" when i < words.Length:
                    duration = Number(words[i++], "duration");
                    break;
                case "file" when i < words.Length:
                    file = words[i++];
                    break;
                default:
                    throw new UsageException($"unexpected '{words[i - 1]}'; {usage}");
            }
        }
        return file is null
            ? throw new UsageException($"a capture needs a file; {usage}")
            : new DefineCaptureRequest(name, itf, direction, reason, match, limit, duration, file);
    }

    private static int TraceCount(string text)
    {
        var count = Number(text, "packet-trace");
        return count is < 1 or > 1024 ? throw new UsageException($"packet-trace takes 1..1024 packets, not {count}") : count;
    }

    private static int Mtu(string text)
    {
        var mtu = Number(text, "mtu");
        return mtu is < InterfaceRules.MinMtu or > InterfaceRules.MaxMtu
            ? throw new UsageException($"mtu {mtu} is out of range {InterfaceRules.MinMtu}..{InterfaceRules.MaxMtu}")
            : mtu;
    }

    private static int Vlan(string text)
    {
        var vlan = Number(text, "vlan");
        return InterfaceRules.WhyNotVlan(vlan) is { } problem ? throw new UsageException(problem) : vlan;
    }

    /// <summary>An interface address: the text is sent as typed, once it has the form and passes the shared rule.</summary>
    private static string Prefix(string text)
    {
        if (!Ipv4Rules.TryParsePrefix(text, out var address, out var length))
        {
            throw new UsageException($"'{text}' is not an address and prefix length ({Ipv4Rules.PrefixForms})");
        }
        return Ipv4Rules.WhyNotInterfaceAddress(address, length) is { } problem ? throw new UsageException(problem) : text;
    }

    private static string Ipv6Prefix(string text)
    {
        if (!Ipv6Rules.TryParsePrefix(text, out var address, out var length))
        {
            throw new UsageException($"'{text}' is not an IPv6 address with its prefix length ({Ipv6Rules.PrefixForm})");
        }
        return Ipv6Rules.WhyNotInterfaceAddress(address, length) is { } problem ? throw new UsageException(problem) : text;
    }

    private static string Ipv6RoutePrefix(string text)
    {
        if (!Ipv6Rules.TryParsePrefix(text, out var address, out var length))
        {
            throw new UsageException($"'{text}' is not an IPv6 prefix ({Ipv6Rules.PrefixForm})");
        }
        return Ipv6Rules.WhyNotRoutePrefix(address, length) is { } problem ? throw new UsageException(problem) : text;
    }

    private static string Ipv6NextHop(string text)
    {
        if (!Ipv6Rules.TryParseAddress(text, out var address))
        {
            throw new UsageException($"'{text}' is not an IPv6 address (such as 2001:db8:1::10 or fe80::1)");
        }
        return Ipv6Rules.WhyNotNextHop(address) is { } problem ? throw new UsageException(problem) : text;
    }

    private static string RoutePrefix(string text)
    {
        if (!Ipv4Rules.TryParsePrefix(text, out var address, out var length))
        {
            throw new UsageException($"'{text}' is not a prefix ({Ipv4Rules.PrefixForms})");
        }
        return Ipv4Rules.WhyNotRoutePrefix(address, length) is { } problem ? throw new UsageException(problem) : text;
    }

    private static string NextHop(string text)
    {
        if (!Ipv4Rules.TryParseAddress(text, out var address))
        {
            throw new UsageException($"'{text}' is not an IPv4 next hop (A.B.C.D)");
        }
        return Ipv4Rules.WhyNotNextHop(address) is { } problem ? throw new UsageException(problem) : text;
    }

    private static string ArpAddress(string text)
    {
        if (!Ipv4Rules.TryParseAddress(text, out var address))
        {
            throw new UsageException($"'{text}' is not an IPv4 address (A.B.C.D)");
        }
        return Ipv4Rules.WhyNotUnicast(address) is { } why ? throw new UsageException($"{text} {why}") : text;
    }

    /// <summary>The colon form the configuration uses; that it is unicast the router checks.</summary>
    private static string Mac(string text)
    {
        var groups = text.Split(':');
        return groups.Length == 6 && groups.All(g => g.Length == 2 && g.All(char.IsAsciiHexDigit))
            ? text
            : throw new UsageException($"'{text}' is not a MAC address (xx:xx:xx:xx:xx:xx, such as 02:00:00:00:00:20)");
    }

    /// <summary>The request the words stand for; <see cref="UsageException"/> when they stand for none.</summary>
    public static IArctlRequest Parse(IReadOnlyList<string> words)
    {
        if (words.Count == 0)
        {
            throw new UsageException("no command given; '?' lists the commands");
        }
        var outcomes = Commands.Select(c => (Spec: c, Outcome: Match(c, words))).ToList();
        var full = outcomes.Where(o => o.Outcome.Arguments is not null).ToList();
        if (full.Count == 1)
        {
            return full[0].Spec.Build(full[0].Outcome.Arguments!);
        }
        var line = string.Join(' ', words);
        if (full.Count > 1)
        {
            // Two patterns of the same shape differ only in a keyword the user abbreviated too far.
            throw new UsageException($"ambiguous command '{line}': could be {string.Join(" or ", full.Select(f => $"'{f.Spec.Pattern}'"))}");
        }
        var incomplete = outcomes.Where(o => o.Outcome.Incomplete).Select(o => o.Spec.Pattern).ToList();
        if (incomplete.Count > 0)
        {
            throw new UsageException($"incomplete command '{line}'; usage: {string.Join(" | ", incomplete)}");
        }
        var furthest = outcomes.Max(o => o.Outcome.MatchedWords);
        var atFurthest = outcomes.Where(o => o.Outcome.MatchedWords == furthest).ToList();
        if (furthest == words.Count || atFurthest.All(o => o.Outcome.Extra))
        {
            throw new UsageException($"too many words in '{line}'; usage: {string.Join(" | ", atFurthest.Select(o => o.Spec.Pattern))}");
        }
        var wrong = words[furthest];
        var expected = atFurthest
            .Select(o => o.Spec.Tokens.ElementAtOrDefault(furthest))
            .Where(t => t is not null && !CommandSpec.IsParameter(t))
            .Select(t => t!)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var ambiguous = expected.Where(t => t.StartsWith(wrong, StringComparison.OrdinalIgnoreCase)).ToList();
        if (ambiguous.Count > 1)
        {
            throw new UsageException($"ambiguous word '{wrong}' in '{line}': {string.Join(", ", ambiguous)}");
        }
        var suggestion = expected
            .Select(t => (Word: t, Distance: EditDistance(wrong.ToLowerInvariant(), t)))
            .Where(x => x.Distance <= Math.Max(2, x.Word.Length / 3))
            .OrderBy(x => x.Distance)
            .Select(x => x.Word)
            .FirstOrDefault();
        var message = $"unknown command '{line}'";
        if (suggestion is not null)
        {
            var corrected = words.Take(furthest).Append(suggestion).Concat(words.Skip(furthest + 1));
            message += $"; did you mean '{string.Join(' ', corrected)}'?";
        }
        else if (expected.Count > 0)
        {
            message += $"; expected {string.Join(", ", expected.Select(e => $"'{e}'"))} after '{string.Join(' ', words.Take(furthest))}'".Replace(" after ''", "");
        }
        throw new UsageException(message);
    }

    private sealed record MatchOutcome(IReadOnlyList<string>? Arguments, int MatchedWords, bool Incomplete, bool Extra);

    private static MatchOutcome Match(CommandSpec spec, IReadOnlyList<string> words)
    {
        var arguments = new List<string>();
        var tokens = spec.Tokens;
        var i = 0;
        for (; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (i >= words.Count)
            {
                return CommandSpec.IsOptional(token)
                    ? new MatchOutcome(arguments, i, false, false)
                    : new MatchOutcome(null, i, Incomplete: true, false);
            }
            if (CommandSpec.IsRest(token))
            {
                arguments.Add(string.Join(' ', words.Skip(i)));
                return new MatchOutcome(arguments, words.Count, false, false);
            }
            if (CommandSpec.IsParameter(token))
            {
                arguments.Add(words[i]);
                continue;
            }
            if (!token.StartsWith(words[i], StringComparison.OrdinalIgnoreCase) || !IsUnambiguousAt(words[i], token, spec, i))
            {
                return new MatchOutcome(null, i, false, false);
            }
        }
        return words.Count > tokens.Count
            ? new MatchOutcome(null, i, false, Extra: true)
            : new MatchOutcome(arguments, i, false, false);
    }

    /// <summary>
    /// An abbreviation must pick one keyword among those any command allows at that place after the same words; a word
    /// that is a whole keyword picks that keyword only (<c>ip</c> is not an abbreviation of <c>ipv6</c>).
    /// </summary>
    private static bool IsUnambiguousAt(string word, string token, CommandSpec spec, int position)
    {
        var keywords = Commands
            .Where(c => c.Tokens.Count > position && SamePrefixShape(c, spec, position))
            .Select(c => c.Tokens[position])
            .Where(t => !CommandSpec.IsParameter(t))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (keywords.Any(k => string.Equals(k, word, StringComparison.OrdinalIgnoreCase)))
        {
            return string.Equals(token, word, StringComparison.OrdinalIgnoreCase);
        }
        return keywords.Count(k => k.StartsWith(word, StringComparison.OrdinalIgnoreCase)) == 1;
    }

    private static bool SamePrefixShape(CommandSpec a, CommandSpec b, int length)
    {
        for (var i = 0; i < length; i++)
        {
            var x = a.Tokens[i];
            var y = b.Tokens[i];
            if (CommandSpec.IsParameter(x) != CommandSpec.IsParameter(y) || (!CommandSpec.IsParameter(x) && x != y))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Edits (insert, delete, substitute, swap two neighbours as in "shwo") from <paramref name="a"/> to <paramref name="b"/>.</summary>
    private static int EditDistance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }
        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }
        return d[a.Length, b.Length];
    }

    /// <summary>The lines <c>?</c> prints.</summary>
    public static IEnumerable<string> Help()
    {
        var width = Commands.Max(c => c.Pattern.Length);
        foreach (var c in Commands)
        {
            yield return $"  {c.Pattern.PadRight(width)}  {c.Description}";
        }
        yield return $"  {"exit | quit".PadRight(width)}  leave (interactive mode)";
        yield return "Keywords may be abbreviated (sh ip int br); interface names too (gi1 = GigabitEthernet1). Add --json to a show for JSON.";
    }
}
