using System.Globalization;

namespace ActorRouter.ControlPlane.Configuration;

/// <summary>The <c>qos</c> section of the canonical HOCON (written only when something is defined).</summary>
public static partial class RouterConfigWriter
{
    private static void WriteQos(HoconTextWriter w, QosConfig qos)
    {
        if (qos.IsEmpty)
        {
            return;
        }
        w.Open("qos");
        w.OpenList("class-maps", qos.ClassMaps, (w, m) =>
        {
            w.Value("name", m.Name);
            w.Raw("match", m.Match == ClassMatchMode.All ? "all" : "any");
            if (m.Dscp.Count > 0)
            {
                w.Raw("dscp", "[" + string.Join(", ", m.Dscp.Select(Number)) + "]");
            }
            if (m.Precedence.Count > 0)
            {
                w.Raw("precedence", "[" + string.Join(", ", m.Precedence.Select(Number)) + "]");
            }
            if (m.Protocol is { } protocol)
            {
                w.Raw("protocol", RouterConfigReader.FormatProtocol(protocol));
            }
            if (m.Source is { } source)
            {
                w.Value("source", source.ToString());
            }
            if (m.SourceIpv6 is { } sourceIpv6)
            {
                w.Value("source", sourceIpv6.ToString());
            }
            if (m.Destination is { } destination)
            {
                w.Value("destination", destination.ToString());
            }
            if (m.DestinationIpv6 is { } destinationIpv6)
            {
                w.Value("destination", destinationIpv6.ToString());
            }
            if (m.SourcePorts is { } sourcePorts)
            {
                w.Value("source-ports", sourcePorts.ToString());
            }
            if (m.DestinationPorts is { } destinationPorts)
            {
                w.Value("destination-ports", destinationPorts.ToString());
            }
            if (m.InputInterface is { } input)
            {
                w.Value("input-interface", input);
            }
            if (m.IpVersion is { } version)
            {
                w.Raw("ip-version", Number(version));
            }
        });
        w.OpenList("policy-maps", qos.PolicyMaps, (w, p) =>
        {
            w.Value("name", p.Name);
            WriteRate(w, "shape", "average", p.Shape);
            w.OpenList("classes", p.Classes, (w, c) =>
            {
                w.Value("class", c.Class);
                WriteRate(w, "priority", "rate", c.Priority);
                if (c.BandwidthPercent is { } percent)
                {
                    w.Value("bandwidth-percent", percent);
                }
                if (c.BandwidthWeight is { } weight)
                {
                    w.Value("bandwidth-weight", weight);
                }
                WriteRate(w, "shape", "average", c.Shape);
                w.Value("queue-limit", c.QueueLimit);
                if (c.RandomDetect is { } red)
                {
                    w.Open("random-detect");
                    w.Value("min-threshold", red.MinThreshold);
                    w.Value("max-threshold", red.MaxThreshold);
                    w.Value("mark-probability-denominator", red.MarkProbabilityDenominator);
                    w.Value("exponential-weight-constant", red.ExponentialWeightConstant);
                    if (red.Dscp.Count > 0)
                    {
                        w.OpenList("dscp", red.Dscp, (w, profile) =>
                        {
                            w.Value("value", profile.Dscp);
                            w.Value("min-threshold", profile.MinThreshold);
                            w.Value("max-threshold", profile.MaxThreshold);
                            w.Value("mark-probability-denominator", profile.MarkProbabilityDenominator);
                        });
                    }
                    w.Close();
                }
                if (c.SetDscp is { } dscp)
                {
                    w.Value("set-dscp", dscp);
                }
            });
        });
        w.Close();
    }

    private static void WriteRate(HoconTextWriter w, string key, string rateKey, RateConfig? rate)
    {
        if (rate is null)
        {
            return;
        }
        w.Open(key);
        w.Raw(rateKey, rate.Rate.ToString(CultureInfo.InvariantCulture));
        w.Value("burst", rate.Burst);
        w.Close();
    }
}
