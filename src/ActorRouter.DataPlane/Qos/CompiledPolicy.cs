using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using ActorRouter.Packets;

namespace ActorRouter.DataPlane.Qos;

/// <summary>One class map flattened for the PPE: which criteria are present and their values.</summary>
internal struct ClassRule
{
    public const int Dscp = 1, Precedence = 2, Protocol = 4, Source = 8, Destination = 16, SourcePorts = 32, DestinationPorts = 64, InputInterface = 128,
        SourceIpv6 = 256, DestinationIpv6 = 512, IpVersion = 1024;

    public int Criteria;
    public bool MatchAll;
    public ulong DscpBits;
    public byte PrecedenceBits;
    public byte ProtocolNumber;
    public uint SourceAddress, SourceMask, DestinationAddress, DestinationMask;
    public ushort SourcePortFirst, SourcePortLast, DestinationPortFirst, DestinationPortLast;
    public int InputInterfaceIndex;
    public UInt128 SourceAddress6, SourceMask6, DestinationAddress6, DestinationMask6;
    public byte Version;
    /// <summary>DSCP to write into a matching packet, or -1.</summary>
    public int SetDscp;
}

/// <summary>
/// A policy map compiled for one egress interface: the immutable, allocation-free matcher the PPE
/// runs (an array of <see cref="ClassRule"/> structs, first match wins, class-default last) and the
/// resolved per-class parameters the HQF scheduler is built from. Traffic classes are numbered
/// from 1 in <see cref="PacketMeta.TrafficClass"/>; 0 (unclassified: injected frames, ICMP errors)
/// and anything out of range mean class-default.
/// </summary>
public sealed unsafe class CompiledPolicy
{
    public const int MaxClasses = 64;
    private readonly ClassRule[] _rules;
    private readonly int _defaultSetDscp;

    public CompiledPolicy(PolicyMapDefinition definition)
    {
        Definition = definition;
        var classes = new List<PolicyClassDefinition>();
        PolicyClassDefinition? classDefault = null;
        foreach (var c in definition.Classes)
        {
            if (c.ClassMap is null)
            {
                if (classDefault is not null)
                {
                    throw new DataPlaneCommandException($"policy-map {definition.Name}: class-default appears twice");
                }
                classDefault = c;
            }
            else
            {
                classes.Add(c);
            }
        }
        classes.Add(classDefault ?? new PolicyClassDefinition(null));
        if (classes.Count > MaxClasses)
        {
            throw new DataPlaneCommandException($"policy-map {definition.Name}: {classes.Count} classes (at most {MaxClasses})");
        }
        Classes = classes;
        _rules = new ClassRule[classes.Count - 1];
        for (var i = 0; i < _rules.Length; i++)
        {
            _rules[i] = Compile(definition.Name, classes[i]);
        }
        _defaultSetDscp = CheckDscp(definition.Name, classes[^1].SetDscp, classes[^1].Name);
        Weights = ResolveWeights(definition, classes);
    }

    public PolicyMapDefinition Definition { get; }
    public string Name => Definition.Name;

    /// <summary>The classes in match order; the last is class-default.</summary>
    public IReadOnlyList<PolicyClassDefinition> Classes { get; }

    /// <summary>DRR weight per class (0 for priority classes).</summary>
    public IReadOnlyList<int> Weights { get; }

    public int ClassCount => Classes.Count;

    private static ClassRule Compile(string policy, PolicyClassDefinition c)
    {
        var map = c.ClassMap!;
        var rule = new ClassRule { MatchAll = map.MatchAll, SetDscp = CheckDscp(policy, c.SetDscp, map.Name) };
        foreach (var d in map.Dscp)
        {
            if (d is < 0 or > 63)
            {
                throw new DataPlaneCommandException($"class-map {map.Name}: DSCP {d} is not 0..63");
            }
            rule.DscpBits |= 1UL << d;
            rule.Criteria |= ClassRule.Dscp;
        }
        foreach (var p in map.Precedence)
        {
            if (p is < 0 or > 7)
            {
                throw new DataPlaneCommandException($"class-map {map.Name}: precedence {p} is not 0..7");
            }
            rule.PrecedenceBits |= (byte)(1 << p);
            rule.Criteria |= ClassRule.Precedence;
        }
        if (map.Protocol is int protocol)
        {
            rule.ProtocolNumber = (byte)protocol;
            rule.Criteria |= ClassRule.Protocol;
        }
        if (map.Source is { } source)
        {
            rule.SourceMask = source.Mask;
            rule.SourceAddress = source.Address & source.Mask;
            rule.Criteria |= ClassRule.Source;
        }
        if (map.Destination is { } destination)
        {
            rule.DestinationMask = destination.Mask;
            rule.DestinationAddress = destination.Address & destination.Mask;
            rule.Criteria |= ClassRule.Destination;
        }
        if (map.SourcePorts is { } sp)
        {
            (rule.SourcePortFirst, rule.SourcePortLast) = (sp.First, sp.Last);
            rule.Criteria |= ClassRule.SourcePorts;
        }
        if (map.DestinationPorts is { } dp)
        {
            (rule.DestinationPortFirst, rule.DestinationPortLast) = (dp.First, dp.Last);
            rule.Criteria |= ClassRule.DestinationPorts;
        }
        if (map.SourceIpv6 is { } source6)
        {
            CheckLength(map.Name, source6.Length);
            rule.SourceMask6 = source6.Mask;
            rule.SourceAddress6 = source6.Address & source6.Mask;
            rule.Criteria |= ClassRule.SourceIpv6;
        }
        if (map.DestinationIpv6 is { } destination6)
        {
            CheckLength(map.Name, destination6.Length);
            rule.DestinationMask6 = destination6.Mask;
            rule.DestinationAddress6 = destination6.Address & destination6.Mask;
            rule.Criteria |= ClassRule.DestinationIpv6;
        }
        if (map.IpVersion is int version)
        {
            if (version is not (4 or 6))
            {
                throw new DataPlaneCommandException($"class-map {map.Name}: IP version {version} is not 4 or 6");
            }
            rule.Version = (byte)version;
            rule.Criteria |= ClassRule.IpVersion;
        }
        if (map.InputInterface is int input)
        {
            rule.InputInterfaceIndex = input;
            rule.Criteria |= ClassRule.InputInterface;
        }
        if (rule.Criteria == 0)
        {
            throw new DataPlaneCommandException($"class-map {map.Name}: no match criteria");
        }
        return rule;
    }

    private static void CheckLength(string classMap, int length)
    {
        if (length is < 0 or > 128)
        {
            throw new DataPlaneCommandException($"class-map {classMap}: IPv6 prefix length {length} is not 0..128");
        }
    }

    private static int CheckDscp(string policy, int dscp, string className) => dscp is >= -1 and <= 63
        ? dscp
        : throw new DataPlaneCommandException($"policy-map {policy} class {className}: set dscp {dscp} is not 0..63");

    /// <summary>
    /// DRR weights: percentages or weights as configured; classes with neither share what the
    /// percentages leave (at least 1 each), or get weight 1 when weights are used.
    /// </summary>
    private static int[] ResolveWeights(PolicyMapDefinition definition, List<PolicyClassDefinition> classes)
    {
        var weights = new int[classes.Count];
        var percentSum = 0;
        var usesPercent = false;
        var unassigned = 0;
        foreach (var c in classes)
        {
            if (c.Priority is not null && (c.BandwidthPercent > 0 || c.BandwidthWeight > 0))
            {
                throw new DataPlaneCommandException($"policy-map {definition.Name} class {c.Name}: priority and bandwidth in one class");
            }
            if (c.BandwidthPercent < 0 || c.BandwidthWeight < 0 || (c.BandwidthPercent > 0 && c.BandwidthWeight > 0))
            {
                throw new DataPlaneCommandException($"policy-map {definition.Name} class {c.Name}: give bandwidth as a percent or a weight, not both");
            }
            percentSum += c.BandwidthPercent;
            usesPercent |= c.BandwidthPercent > 0;
            if (c.Priority is null && c.BandwidthPercent == 0 && c.BandwidthWeight == 0)
            {
                unassigned++;
            }
            if (c.RandomDetect is { } red)
            {
                CheckRed(definition.Name, c.Name, red.MinThreshold, red.MaxThreshold, red.MarkProbabilityDenominator);
                if (red.ExponentialWeightConstant is < 0 or > 16)
                {
                    throw new DataPlaneCommandException($"policy-map {definition.Name} class {c.Name}: exponential-weight-constant {red.ExponentialWeightConstant} is not 0..16");
                }
                foreach (var profile in red.DscpProfiles ?? [])
                {
                    if (profile.Dscp is < 0 or > 63)
                    {
                        throw new DataPlaneCommandException($"policy-map {definition.Name} class {c.Name}: random-detect DSCP {profile.Dscp} is not 0..63");
                    }
                    CheckRed(definition.Name, c.Name, profile.MinThreshold, profile.MaxThreshold, profile.MarkProbabilityDenominator);
                }
            }
            if (c.QueueLimit is < 1 or > 65536)
            {
                throw new DataPlaneCommandException($"policy-map {definition.Name} class {c.Name}: queue-limit {c.QueueLimit} is not 1..65536");
            }
        }
        if (percentSum > 100)
        {
            throw new DataPlaneCommandException($"policy-map {definition.Name}: bandwidth percentages add up to {percentSum} (more than 100)");
        }
        var share = usesPercent ? Math.Max(1, (100 - percentSum) / Math.Max(1, unassigned)) : 1;
        for (var i = 0; i < classes.Count; i++)
        {
            var c = classes[i];
            weights[i] = c.Priority is not null ? 0 : c.BandwidthPercent > 0 ? c.BandwidthPercent : c.BandwidthWeight > 0 ? c.BandwidthWeight : share;
        }
        return weights;
    }

    private static void CheckRed(string policy, string className, int min, int max, int denominator)
    {
        if (min < 0 || max <= min || denominator < 1)
        {
            throw new DataPlaneCommandException($"policy-map {policy} class {className}: random-detect needs 0 ≤ min-threshold < max-threshold and a denominator ≥ 1 (got {min}, {max}, 1/{denominator})");
        }
    }

    /// <summary>
    /// Classifies an IPv4 packet (header at <paramref name="ip"/>, <paramref name="available"/>
    /// bytes of it readable, at least a header's 20) that arrived on <paramref name="rxInterface"/>;
    /// see <see cref="ClassifyAndMark(Ipv4Header, int)"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte ClassifyAndMark(byte* ip, int available, int rxInterface) => ClassifyAndMark(Ipv4Header.Over(ip, available), rxInterface);

    /// <summary>
    /// Classifies an IPv4 packet that arrived on <paramref name="rxInterface"/>; applies the matching
    /// class's DSCP marking with an RFC 1624 incremental checksum update; returns the traffic class
    /// (1-based). Ports are read only from the first fragment of TCP and UDP packets.
    /// </summary>
    // Fully optimized from the first call: runs on the PPE's per-packet path.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public byte ClassifyAndMark(Ipv4Header ip, int rxInterface)
    {
        var protocol = ip.Protocol;
        var headerLength = ip.HeaderLength;
        int sourcePort = -1, destinationPort = -1;
        if (ip.FragmentOffset == 0 && (protocol == IpProtocols.Tcp || protocol == IpProtocols.Udp) && ip.Available >= headerLength + 4)
        {
            var ports = ip.Buffer.Slice(headerLength, 4);
            sourcePort = BinaryPrimitives.ReadUInt16BigEndian(ports);
            destinationPort = BinaryPrimitives.ReadUInt16BigEndian(ports[2..]);
        }
        var index = Match(4, ip.Dscp, protocol, ip.Source, ip.Destination, 0, 0, sourcePort, destinationPort, rxInterface, out var setDscp);
        if (setDscp >= 0)
        {
            ip.SetDscpUpdatingChecksum((byte)setDscp);
        }
        return (byte)(index + 1);
    }

    /// <summary>
    /// Classifies an IPv6 packet (header at <paramref name="ip"/>, <paramref name="available"/> bytes readable, its
    /// payload length already checked against them by ip6-input) that arrived on <paramref name="rxInterface"/>, and
    /// applies the matching class's DSCP marking to the Traffic Class field (IPv6 has no header checksum); returns the
    /// traffic class (1-based). The protocol is the upper-layer header found after the extension headers; ports are
    /// read only from TCP and UDP headers that the packet (a whole packet or a first fragment) holds.
    /// </summary>
    // Fully optimized from the first call: runs on the PPE's per-packet path.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public byte ClassifyAndMark6(byte* ip, int available, int rxInterface)
    {
        var dscp = ((ip[0] & 0x0F) << 2) | (ip[1] >> 6);
        var source = BinaryPrimitives.ReadUInt128BigEndian(new ReadOnlySpan<byte>(ip + 8, 16));
        var destination = BinaryPrimitives.ReadUInt128BigEndian(new ReadOnlySpan<byte>(ip + 24, 16));
        var payloadLength = (ip[4] << 8) | ip[5];
        var protocol = Graph.Nodes.Ip6InputNode.WalkExtensionHeaders(ip, payloadLength, out _, out var upperLayer, out var upperOffset) == Graph.Nodes.ChainVerdict.Forward
            && upperLayer != 255 ? upperLayer : -1;
        int sourcePort = -1, destinationPort = -1;
        if ((protocol == IpProtocols.Tcp || protocol == IpProtocols.Udp) && upperOffset + 4 <= available)
        {
            sourcePort = (ip[upperOffset] << 8) | ip[upperOffset + 1];
            destinationPort = (ip[upperOffset + 2] << 8) | ip[upperOffset + 3];
        }
        var index = Match(6, dscp, protocol, 0, 0, source, destination, sourcePort, destinationPort, rxInterface, out var setDscp);
        if (setDscp >= 0)
        {
            SetTrafficClassDscp(ip, setDscp);
        }
        return (byte)(index + 1);
    }

    /// <summary>
    /// The first class whose criteria the packet's fields meet (0-based; the rules' count for class-default) and the
    /// DSCP that class writes (-1: none). <paramref name="protocol"/> and the ports are -1 when the packet does not show
    /// them; an address criterion of the other IP version never matches.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Match(int version, int dscp, int protocol, uint source, uint destination, UInt128 source6, UInt128 destination6,
        int sourcePort, int destinationPort, int rxInterface, out int setDscp)
    {
        var rules = _rules;
        for (var i = 0; i < rules.Length; i++)
        {
            ref readonly var r = ref rules[i];
            var criteria = r.Criteria;
            var matched = 0;
            if ((criteria & ClassRule.Dscp) != 0 && ((r.DscpBits >> dscp) & 1) != 0) matched |= ClassRule.Dscp;
            if ((criteria & ClassRule.Precedence) != 0 && ((r.PrecedenceBits >> (dscp >> 3)) & 1) != 0) matched |= ClassRule.Precedence;
            if ((criteria & ClassRule.Protocol) != 0 && r.ProtocolNumber == protocol) matched |= ClassRule.Protocol;
            if ((criteria & ClassRule.Source) != 0 && version == 4 && (source & r.SourceMask) == r.SourceAddress) matched |= ClassRule.Source;
            if ((criteria & ClassRule.Destination) != 0 && version == 4 && (destination & r.DestinationMask) == r.DestinationAddress) matched |= ClassRule.Destination;
            if ((criteria & ClassRule.SourceIpv6) != 0 && version == 6 && (source6 & r.SourceMask6) == r.SourceAddress6) matched |= ClassRule.SourceIpv6;
            if ((criteria & ClassRule.DestinationIpv6) != 0 && version == 6 && (destination6 & r.DestinationMask6) == r.DestinationAddress6) matched |= ClassRule.DestinationIpv6;
            if ((criteria & ClassRule.SourcePorts) != 0 && sourcePort >= r.SourcePortFirst && sourcePort <= r.SourcePortLast) matched |= ClassRule.SourcePorts;
            if ((criteria & ClassRule.DestinationPorts) != 0 && destinationPort >= r.DestinationPortFirst && destinationPort <= r.DestinationPortLast) matched |= ClassRule.DestinationPorts;
            if ((criteria & ClassRule.InputInterface) != 0 && r.InputInterfaceIndex == rxInterface) matched |= ClassRule.InputInterface;
            if ((criteria & ClassRule.IpVersion) != 0 && r.Version == version) matched |= ClassRule.IpVersion;
            if (r.MatchAll ? matched == criteria : matched != 0)
            {
                setDscp = r.SetDscp;
                return i;
            }
        }
        setDscp = _defaultSetDscp;
        return rules.Length;
    }

    /// <summary>Writes <paramref name="dscp"/> into the upper six bits of the IPv6 Traffic Class, keeping ECN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SetTrafficClassDscp(byte* ip, int dscp)
    {
        ip[0] = (byte)(0x60 | (dscp >> 2));
        ip[1] = (byte)(((dscp & 3) << 6) | (ip[1] & 0x3F));
    }

    /// <summary>Class index (0-based, into <see cref="Classes"/>) for a traffic class the PPE wrote.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ClassIndexOf(int trafficClass) => (uint)(trafficClass - 1) < (uint)(Classes.Count - 1) ? trafficClass - 1 : Classes.Count - 1;
}
