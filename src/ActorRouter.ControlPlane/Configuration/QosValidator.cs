namespace ActorRouter.ControlPlane.Configuration;

/// <summary>
/// The checks on a QoS configuration that compare values: names unique, references resolve,
/// one kind of bandwidth per class and per policy, percentages within 100, WRED thresholds in
/// order, and every value in its range. The file loader and FMAN's run-time changes both use it,
/// so a change is refused for the same reason a file would be. Keys are relative to
/// <c>actorrouter.qos</c>.
/// </summary>
internal static class QosValidator
{
    public const long MinRate = 8_000;
    public const long MaxRate = 100_000_000_000;
    public const int MinBurst = 64;
    public const int MaxBurst = 1_000_000_000;
    public const int MaxQueueLimit = 65536;
    public const int MaxWeight = 10_000;
    public const int MaxClassesPerPolicy = 63;

    public static List<(string Key, string Reason)> Validate(QosConfig qos, IReadOnlyCollection<string> interfaceNames)
    {
        var problems = new List<(string, string)>();
        void Add(string key, string reason) => problems.Add((key, reason));

        for (var i = 0; i < qos.ClassMaps.Count; i++)
        {
            var map = qos.ClassMaps[i];
            var path = $"class-maps[{i}]";
            CheckClassMap(map, path, interfaceNames, Add);
            var earlier = IndexOf(qos.ClassMaps, i, c => c.Name == map.Name);
            if (earlier >= 0)
            {
                Add($"{path}.name", $"duplicate class-map name '{map.Name}' (also at {RouterConfigLoader.RootKey}.qos.class-maps[{earlier}])");
            }
        }
        for (var i = 0; i < qos.PolicyMaps.Count; i++)
        {
            var policy = qos.PolicyMaps[i];
            var path = $"policy-maps[{i}]";
            CheckPolicyMap(policy, path, qos, Add);
            var earlier = IndexOf(qos.PolicyMaps, i, p => p.Name == policy.Name);
            if (earlier >= 0)
            {
                Add($"{path}.name", $"duplicate policy-map name '{policy.Name}' (also at {RouterConfigLoader.RootKey}.qos.policy-maps[{earlier}])");
            }
        }
        return problems;
    }

    private static int IndexOf<T>(IReadOnlyList<T> items, int before, Func<T, bool> same)
    {
        for (var j = 0; j < before; j++)
        {
            if (same(items[j]))
            {
                return j;
            }
        }
        return -1;
    }

    public static void CheckClassMap(ClassMapConfig map, string path, IReadOnlyCollection<string> interfaceNames, Action<string, string> add)
    {
        if (string.IsNullOrWhiteSpace(map.Name))
        {
            add($"{path}.name", "must not be empty");
        }
        else if (map.Name == PolicyClassConfig.ClassDefault)
        {
            add($"{path}.name", $"'{PolicyClassConfig.ClassDefault}' is reserved for the class every policy-map has");
        }
        for (var j = 0; j < map.Dscp.Count; j++)
        {
            if (map.Dscp[j] is < 0 or > 63)
            {
                add($"{path}.dscp[{j}]", $"{map.Dscp[j]} is out of range 0..63");
            }
        }
        for (var j = 0; j < map.Precedence.Count; j++)
        {
            if (map.Precedence[j] is < 0 or > 7)
            {
                add($"{path}.precedence[{j}]", $"{map.Precedence[j]} is out of range 0..7");
            }
        }
        if (map.Protocol is < 0 or > 255)
        {
            add($"{path}.protocol", $"{map.Protocol} is out of range 0..255");
        }
        if (map.IpVersion is { } version and not (4 or 6))
        {
            add($"{path}.ip-version", $"expected 4 or 6, got {version}");
        }
        if (map.Match == ClassMatchMode.All && ((map.IpVersion == 6 && (map.Source is not null || map.Destination is not null))
            || (map.IpVersion == 4 && (map.SourceIpv6 is not null || map.DestinationIpv6 is not null))
            || ((map.Source is not null || map.Destination is not null) && (map.SourceIpv6 is not null || map.DestinationIpv6 is not null))))
        {
            add(path, "match all with criteria of both IP versions can never match (an IPv4 prefix, an IPv6 prefix, or ip-version of the other)");
        }
        CheckPorts(map.SourcePorts, $"{path}.source-ports", add);
        CheckPorts(map.DestinationPorts, $"{path}.destination-ports", add);
        if (map.InputInterface is { } input && !interfaceNames.Contains(input, StringComparer.OrdinalIgnoreCase))
        {
            add($"{path}.input-interface", interfaceNames.Count == 0
                ? $"no interface named '{input}' (no interfaces are configured)"
                : $"no interface named '{input}' (configured: {string.Join(", ", interfaceNames)})");
        }
        if (!map.HasCriteria)
        {
            add(path, "no match criteria (give at least one of dscp, precedence, protocol, source, destination, source-ports, destination-ports, input-interface, ip-version)");
        }
    }

    private static void CheckPorts(PortRangeConfig? range, string key, Action<string, string> add)
    {
        if (range is { } r && (r.First is < 0 or > 65535 || r.Last is < 0 or > 65535 || r.First > r.Last))
        {
            add(key, $"'{r}' is not a port range (a-b with 0 ≤ a ≤ b ≤ 65535)");
        }
    }

    public static void CheckRate(RateConfig? rate, string key, string rateName, Action<string, string> add)
    {
        if (rate is null)
        {
            return;
        }
        if (rate.Rate is < MinRate or > MaxRate)
        {
            add($"{key}.{rateName}", $"{rate.Rate} is out of range {MinRate}..{MaxRate}");
        }
        if (rate.Burst is < MinBurst or > MaxBurst)
        {
            add($"{key}.burst", $"{rate.Burst} is out of range {MinBurst}..{MaxBurst}");
        }
    }

    public static void CheckPolicyMap(PolicyMapConfig policy, string path, QosConfig qos, Action<string, string> add)
    {
        if (string.IsNullOrWhiteSpace(policy.Name))
        {
            add($"{path}.name", "must not be empty");
        }
        CheckRate(policy.Shape, $"{path}.shape", "average", add);
        if (policy.Classes.Count > MaxClassesPerPolicy)
        {
            add($"{path}.classes", $"{policy.Classes.Count} classes; a policy-map holds at most {MaxClassesPerPolicy}");
        }
        var percentSum = 0;
        int? firstPercent = null, firstWeight = null;
        for (var j = 0; j < policy.Classes.Count; j++)
        {
            var c = policy.Classes[j];
            var key = $"{path}.classes[{j}]";
            if (c.Class != PolicyClassConfig.ClassDefault && qos.FindClassMap(c.Class) is null)
            {
                add($"{key}.class", qos.ClassMaps.Count == 0
                    ? $"no class-map named '{c.Class}' (no class-maps are defined)"
                    : $"no class-map named '{c.Class}' (defined: {string.Join(", ", qos.ClassMaps.Select(m => m.Name))})");
            }
            var earlier = IndexOf(policy.Classes, j, other => other.Class == c.Class);
            if (earlier >= 0)
            {
                add($"{key}.class", $"class '{c.Class}' appears twice in policy-map '{policy.Name}' (also at {RouterConfigLoader.RootKey}.qos.{path}.classes[{earlier}])");
            }
            CheckRate(c.Priority, $"{key}.priority", "rate", add);
            CheckRate(c.Shape, $"{key}.shape", "average", add);
            if (c.Priority is not null && (c.BandwidthPercent is not null || c.BandwidthWeight is not null))
            {
                add($"{key}.priority", $"priority and {(c.BandwidthPercent is not null ? "bandwidth-percent" : "bandwidth-weight")} in one class: a priority class is served first and takes no bandwidth share");
            }
            if (c.BandwidthPercent is { } percent)
            {
                if (percent is < 1 or > 100)
                {
                    add($"{key}.bandwidth-percent", $"{percent} is out of range 1..100");
                }
                else
                {
                    percentSum += percent;
                }
                firstPercent ??= j;
            }
            if (c.BandwidthWeight is { } weight)
            {
                if (c.BandwidthPercent is not null)
                {
                    add($"{key}.bandwidth-weight", "bandwidth-percent and bandwidth-weight in one class; give one of them");
                }
                else if (firstPercent is { } p && p != j)
                {
                    add($"{key}.bandwidth-weight", $"policy-map '{policy.Name}' already gives bandwidth as a percent (at {RouterConfigLoader.RootKey}.qos.{path}.classes[{p}]); use one kind in a policy-map");
                }
                if (weight is < 1 or > MaxWeight)
                {
                    add($"{key}.bandwidth-weight", $"{weight} is out of range 1..{MaxWeight}");
                }
                firstWeight ??= j;
            }
            if (c.BandwidthPercent is not null && firstWeight is { } w && w != j)
            {
                add($"{key}.bandwidth-percent", $"policy-map '{policy.Name}' already gives bandwidth as a weight (at {RouterConfigLoader.RootKey}.qos.{path}.classes[{w}]); use one kind in a policy-map");
            }
            if (c.QueueLimit is < 1 or > MaxQueueLimit)
            {
                add($"{key}.queue-limit", $"{c.QueueLimit} is out of range 1..{MaxQueueLimit}");
            }
            if (c.RandomDetect is { } red)
            {
                var redKey = $"{key}.random-detect";
                if (c.Priority is not null)
                {
                    add(redKey, "random-detect on a priority class: its queue is kept short by its policer, not by early drops");
                }
                if (red.MinThreshold is < 1 or > MaxQueueLimit)
                {
                    add($"{redKey}.min-threshold", $"{red.MinThreshold} is out of range 1..{MaxQueueLimit}");
                }
                else if (red.MaxThreshold <= red.MinThreshold)
                {
                    add($"{redKey}.max-threshold", $"max-threshold {red.MaxThreshold} must be above min-threshold {red.MinThreshold}");
                }
                if (red.MarkProbabilityDenominator is < 1 or > 65535)
                {
                    add($"{redKey}.mark-probability-denominator", $"{red.MarkProbabilityDenominator} is out of range 1..65535");
                }
                if (red.ExponentialWeightConstant is < 1 or > 16)
                {
                    add($"{redKey}.exponential-weight-constant", $"{red.ExponentialWeightConstant} is out of range 1..16");
                }
                for (var k = 0; k < red.Dscp.Count; k++)
                {
                    var profile = red.Dscp[k];
                    var profileKey = $"{redKey}.dscp[{k}]";
                    if (profile.Dscp is < 0 or > 63)
                    {
                        add($"{profileKey}.value", $"{profile.Dscp} is out of range 0..63");
                    }
                    else if (IndexOf(red.Dscp, k, other => other.Dscp == profile.Dscp) is var twice and >= 0)
                    {
                        add($"{profileKey}.value", $"DSCP {profile.Dscp} has two profiles (also at {RouterConfigLoader.RootKey}.qos.{redKey}.dscp[{twice}])");
                    }
                    if (profile.MinThreshold is < 1 or > MaxQueueLimit)
                    {
                        add($"{profileKey}.min-threshold", $"{profile.MinThreshold} is out of range 1..{MaxQueueLimit}");
                    }
                    else if (profile.MaxThreshold <= profile.MinThreshold)
                    {
                        add($"{profileKey}.max-threshold", $"max-threshold {profile.MaxThreshold} must be above min-threshold {profile.MinThreshold}");
                    }
                    if (profile.MarkProbabilityDenominator is < 1 or > 65535)
                    {
                        add($"{profileKey}.mark-probability-denominator", $"{profile.MarkProbabilityDenominator} is out of range 1..65535");
                    }
                }
            }
            if (c.SetDscp is < 0 or > 63)
            {
                add($"{key}.set-dscp", $"{c.SetDscp} is out of range 0..63");
            }
        }
        if (percentSum > 100)
        {
            add($"{path}.classes", $"bandwidth percentages add up to {percentSum}, more than 100");
        }
    }

    /// <summary>The reason an interface may not name <paramref name="policy"/>, or null.</summary>
    public static string? WhyNoPolicy(QosConfig qos, string policy) => qos.FindPolicyMap(policy) is not null
        ? null
        : qos.PolicyMaps.Count == 0
            ? $"no policy-map named '{policy}' (no policy-maps are defined)"
            : $"no policy-map named '{policy}' (defined: {string.Join(", ", qos.PolicyMaps.Select(p => p.Name))})";
}
