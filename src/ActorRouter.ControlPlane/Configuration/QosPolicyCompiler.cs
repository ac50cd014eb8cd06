using ActorRouter.DataPlane.Qos;

namespace ActorRouter.ControlPlane.Configuration;

/// <summary>Turns a validated policy-map (with the class maps it names) into the data plane's definition.</summary>
public static class QosPolicyCompiler
{
    /// <param name="interfaceIndex">uIDB index of an interface by name; null when it has none (an input-interface criterion on it never matches).</param>
    public static PolicyMapDefinition ToDataPlane(QosConfig qos, string policyName, Func<string, int?> interfaceIndex)
    {
        var policy = qos.FindPolicyMap(policyName) ?? throw new ArgumentException($"no policy-map named '{policyName}'", nameof(policyName));
        var classes = new List<PolicyClassDefinition>();
        foreach (var c in policy.Classes)
        {
            ClassMapDefinition? map = null;
            if (c.Class != PolicyClassConfig.ClassDefault)
            {
                var m = qos.FindClassMap(c.Class) ?? throw new ArgumentException($"no class-map named '{c.Class}'", nameof(qos));
                map = new ClassMapDefinition(
                    m.Name,
                    m.Match == ClassMatchMode.All,
                    m.Dscp,
                    m.Precedence,
                    m.Protocol,
                    m.Source is { } s ? new Ipv4PrefixMatch(s.Address, s.PrefixLength) : null,
                    m.Destination is { } d ? new Ipv4PrefixMatch(d.Address, d.PrefixLength) : null,
                    m.SourcePorts is { } sp ? new PortRange((ushort)sp.First, (ushort)sp.Last) : null,
                    m.DestinationPorts is { } dp ? new PortRange((ushort)dp.First, (ushort)dp.Last) : null,
                    m.InputInterface is { } input ? interfaceIndex(input) ?? -1 : null,
                    m.SourceIpv6 is { } s6 ? new Ipv6PrefixMatch(s6.Address, s6.PrefixLength) : null,
                    m.DestinationIpv6 is { } d6 ? new Ipv6PrefixMatch(d6.Address, d6.PrefixLength) : null,
                    m.IpVersion);
            }
            classes.Add(new PolicyClassDefinition(
                map,
                Priority: Rate(c.Priority),
                BandwidthPercent: c.BandwidthPercent ?? 0,
                BandwidthWeight: c.BandwidthWeight ?? 0,
                Shape: Rate(c.Shape),
                QueueLimit: c.QueueLimit,
                RandomDetect: c.RandomDetect is { } red
                    ? new RandomDetectSpec(red.MinThreshold, red.MaxThreshold, red.MarkProbabilityDenominator, red.ExponentialWeightConstant,
                        red.Dscp.Select(p => new RandomDetectDscpProfile(p.Dscp, p.MinThreshold, p.MaxThreshold, p.MarkProbabilityDenominator)).ToList())
                    : null,
                SetDscp: c.SetDscp ?? -1));
        }
        return new PolicyMapDefinition(policy.Name, Rate(policy.Shape), classes);
    }

    private static RateSpec? Rate(RateConfig? rate) => rate is null ? null : new RateSpec(rate.Rate, rate.Burst);
}
