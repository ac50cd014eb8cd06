namespace ActorRouter.DataPlane.Qos;

// What the control plane hands the data plane to attach a service policy: plain immutable
// descriptions, already validated and with interface names resolved to uIDB indices. The data
// plane compiles them into a CompiledPolicy (the PPE's flat matcher) and an HqfScheduler.

/// <summary>An inclusive TCP/UDP port range.</summary>
public readonly record struct PortRange(ushort First, ushort Last)
{
    public bool Contains(int port) => port >= First && port <= Last;
}

/// <summary>An IPv4 prefix (address in host order, length 0..32).</summary>
public readonly record struct Ipv4PrefixMatch(uint Address, int Length)
{
    public uint Mask => Length == 0 ? 0u : uint.MaxValue << (32 - Length);
}

/// <summary>An IPv6 prefix (address as a big-endian 128-bit number, length 0..128).</summary>
public readonly record struct Ipv6PrefixMatch(UInt128 Address, int Length)
{
    public UInt128 Mask => Length == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - Length);
}

/// <summary>
/// A class map: the criteria present are combined with OR (<see cref="MatchAll"/> false, IOS
/// <c>match-any</c>) or AND (<c>match-all</c>); the values listed within one criterion are OR'ed.
/// </summary>
/// <param name="InputInterface">uIDB index the packet must have arrived on; -1 when the named interface does not exist (never matches); null: not a criterion.</param>
/// <param name="SourceIpv6">An IPv6 source prefix; an IPv4 packet never meets it (nor an IPv6 packet <paramref name="Source"/>).</param>
/// <param name="DestinationIpv6">An IPv6 destination prefix, likewise.</param>
/// <param name="IpVersion">4 or 6: the packet is of that IP version; null: not a criterion. DSCP, precedence, protocol
/// (IPv6: the upper-layer header after the extension headers) and ports apply to both versions.</param>
public sealed record ClassMapDefinition(
    string Name,
    bool MatchAll,
    IReadOnlyList<int> Dscp,
    IReadOnlyList<int> Precedence,
    int? Protocol,
    Ipv4PrefixMatch? Source,
    Ipv4PrefixMatch? Destination,
    PortRange? SourcePorts,
    PortRange? DestinationPorts,
    int? InputInterface,
    Ipv6PrefixMatch? SourceIpv6 = null,
    Ipv6PrefixMatch? DestinationIpv6 = null,
    int? IpVersion = null);

/// <summary>A rate in bit/s with a burst in bytes (a shaper's or a policer's token bucket).</summary>
public sealed record RateSpec(long BitsPerSecond, int BurstBytes);

/// <summary>
/// WRED: below <see cref="MinThreshold"/> packets of average depth nothing is dropped, from there
/// the drop probability rises linearly to 1/<see cref="MarkProbabilityDenominator"/> at
/// <see cref="MaxThreshold"/>, above which every packet is dropped. The average is an EWMA of the
/// depth with weight 2^-<see cref="ExponentialWeightConstant"/> (0: the instantaneous depth).
/// <see cref="DscpProfiles"/> give other thresholds to packets with those DSCPs (IOS
/// <c>random-detect dscp-based</c>); the others use the class's.
/// </summary>
public sealed record RandomDetectSpec(int MinThreshold, int MaxThreshold, int MarkProbabilityDenominator, int ExponentialWeightConstant,
    IReadOnlyList<RandomDetectDscpProfile>? DscpProfiles = null);

/// <summary>The WRED thresholds for packets of one DSCP within a class.</summary>
public sealed record RandomDetectDscpProfile(int Dscp, int MinThreshold, int MaxThreshold, int MarkProbabilityDenominator);

/// <summary>One class of a policy map and what it gets.</summary>
/// <param name="ClassMap">Null for class-default.</param>
/// <param name="Priority">Low-latency queue policed to this rate; excludes a bandwidth share.</param>
/// <param name="BandwidthPercent">Share of the parent rate for DRR, or 0.</param>
/// <param name="BandwidthWeight">Relative DRR weight, or 0.</param>
/// <param name="SetDscp">DSCP the PPE writes into matching packets, or -1.</param>
public sealed record PolicyClassDefinition(
    ClassMapDefinition? ClassMap,
    RateSpec? Priority = null,
    int BandwidthPercent = 0,
    int BandwidthWeight = 0,
    RateSpec? Shape = null,
    int QueueLimit = PolicyClassDefinition.DefaultQueueLimit,
    RandomDetectSpec? RandomDetect = null,
    int SetDscp = -1)
{
    public const int DefaultQueueLimit = 64;
    public const string DefaultClassName = "class-default";

    public string Name => ClassMap?.Name ?? DefaultClassName;
}

/// <summary>A policy map: an optional parent shaper over its classes, in match order.</summary>
public sealed record PolicyMapDefinition(string Name, RateSpec? Shape, IReadOnlyList<PolicyClassDefinition> Classes);
