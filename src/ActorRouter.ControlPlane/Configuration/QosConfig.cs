namespace ActorRouter.ControlPlane.Configuration;

// The IOS XE MQC model as configuration: class maps say which packets belong to a class, policy
// maps say what each class gets on an output interface, and an interface names the policy map
// it applies ("service-policy output"). Everything under actorrouter.qos.

/// <summary>How a class map combines its criteria.</summary>
public enum ClassMatchMode
{
    /// <summary>match-any: one matching criterion is enough.</summary>
    Any,

    /// <summary>match-all: every criterion must match.</summary>
    All,
}

/// <summary>An inclusive port range; written "a-b", or "a" for one port.</summary>
public readonly record struct PortRangeConfig(int First, int Last)
{
    public override string ToString() => First == Last ? $"{First}" : $"{First}-{Last}";
}

/// <param name="Protocol">IP protocol number; null: not a criterion.</param>
/// <param name="InputInterface">The router-side name of the ingress interface; null: not a criterion.</param>
/// <param name="SourceIpv6">An IPv6 source prefix (the key <c>source</c> given an IPv6 prefix); never met by IPv4 packets,
/// as <paramref name="Source"/> is never met by IPv6 ones.</param>
/// <param name="DestinationIpv6">An IPv6 destination prefix, likewise.</param>
/// <param name="IpVersion">4 or 6 (<c>ip-version</c>); null: not a criterion.</param>
public sealed record ClassMapConfig(
    string Name,
    ClassMatchMode Match,
    EquatableList<int> Dscp,
    EquatableList<int> Precedence,
    int? Protocol,
    Ipv4Cidr? Source,
    Ipv4Cidr? Destination,
    PortRangeConfig? SourcePorts,
    PortRangeConfig? DestinationPorts,
    string? InputInterface,
    Ipv6Cidr? SourceIpv6 = null,
    Ipv6Cidr? DestinationIpv6 = null,
    int? IpVersion = null)
{
    public bool HasCriteria => Dscp.Count > 0 || Precedence.Count > 0 || Protocol is not null || Source is not null || Destination is not null
        || SourcePorts is not null || DestinationPorts is not null || InputInterface is not null
        || SourceIpv6 is not null || DestinationIpv6 is not null || IpVersion is not null;
}

/// <summary>A token bucket: average rate in bit/s, burst in bytes.</summary>
public sealed record RateConfig(long Rate, int Burst)
{
    /// <summary>The burst when none is given: 25 ms at the rate, at least one full frame.</summary>
    public static int DefaultBurstFor(long rate) => (int)Math.Clamp(rate / 8 / 40, 1600, int.MaxValue);
}

/// <summary>WRED (random-detect) profile of a class; thresholds in packets of average depth.</summary>
public sealed record RandomDetectConfig(int MinThreshold, int MaxThreshold, int MarkProbabilityDenominator, int ExponentialWeightConstant)
{
    public static readonly RandomDetectConfig Default = new(MinThreshold: 20, MaxThreshold: 40, MarkProbabilityDenominator: 10, ExponentialWeightConstant: 9);

    /// <summary>Thresholds of their own for packets with these DSCPs (IOS <c>random-detect dscp-based</c>); the others use the class's.</summary>
    public EquatableList<RandomDetectDscpConfig> Dscp { get; init; } = EquatableList<RandomDetectDscpConfig>.Empty;
}

/// <summary>The WRED thresholds of one DSCP within a class.</summary>
public sealed record RandomDetectDscpConfig(int Dscp, int MinThreshold, int MaxThreshold, int MarkProbabilityDenominator);

/// <param name="Class">A class map's name, or <see cref="ClassDefault"/>.</param>
/// <param name="Priority">Low-latency queue with its policer (rate, burst); excludes a bandwidth share.</param>
/// <param name="SetDscp">DSCP written into the class's packets; null: left as is.</param>
public sealed record PolicyClassConfig(
    string Class,
    RateConfig? Priority,
    int? BandwidthPercent,
    int? BandwidthWeight,
    RateConfig? Shape,
    int QueueLimit,
    RandomDetectConfig? RandomDetect,
    int? SetDscp)
{
    public const string ClassDefault = "class-default";
    public const int DefaultQueueLimit = 64;
}

/// <param name="Shape">The parent shaper over the whole interface; null: unshaped.</param>
public sealed record PolicyMapConfig(string Name, RateConfig? Shape, EquatableList<PolicyClassConfig> Classes);

public sealed record QosConfig(EquatableList<ClassMapConfig> ClassMaps, EquatableList<PolicyMapConfig> PolicyMaps)
{
    public static readonly QosConfig Empty = new(EquatableList<ClassMapConfig>.Empty, EquatableList<PolicyMapConfig>.Empty);

    public bool IsEmpty => ClassMaps.Count == 0 && PolicyMaps.Count == 0;

    public ClassMapConfig? FindClassMap(string name) => ClassMaps.FirstOrDefault(c => c.Name == name);

    public PolicyMapConfig? FindPolicyMap(string name) => PolicyMaps.FirstOrDefault(p => p.Name == name);
}

/// <summary>The QoS section of the router configuration (kept apart from the other sections).</summary>
public sealed partial record RouterConfig
{
    public QosConfig Qos { get; init; } = QosConfig.Empty;
}

/// <summary>The output service policy of an interface (kept apart from the other interface keys).</summary>
public sealed partial record InterfaceConfig
{
    /// <summary>The policy-map applied to packets leaving the interface; null: none (one FIFO).</summary>
    public string? ServicePolicyOutput { get; init; }
}
