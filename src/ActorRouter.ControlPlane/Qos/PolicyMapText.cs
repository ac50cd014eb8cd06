using System.Globalization;
using System.Text;
using ActorRouter.ControlPlane.Messages;

namespace ActorRouter.ControlPlane.Qos;

/// <summary>Renders a <see cref="PolicyMapStatus"/> the way IOS XE prints <c>show policy-map interface NAME</c>.</summary>
public static class PolicyMapText
{
    public static string Format(PolicyMapStatus status)
    {
        var text = new StringBuilder();
        void Line(int indent, string line) => text.Append(' ', indent).Append(line).Append('\n');
        static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

        Line(1, status.Interface);
        text.Append('\n');
        if (status.PolicyName is null)
        {
            Line(2, "no output service policy");
            return text.ToString();
        }
        Line(2, $"Service-policy output: {status.PolicyName}{(status.Active ? "" : " (being applied)")}");
        if (status.ShapeRate is { } rate)
        {
            text.Append('\n');
            Line(4, $"shape (average) cir {N(rate)}, bc {N(status.ShapeBurst ?? 0)} bytes");
            Line(4, $"target shape rate {N(rate)}");
        }
        foreach (var c in status.Classes)
        {
            text.Append('\n');
            Line(4, $"Class-map: {c.Class} ({c.Match})");
            Line(6, $"{N(c.OfferedPackets)} packets, {N(c.OfferedBytes)} bytes");
            if (c.SetDscp is { } dscp)
            {
                Line(6, "QoS Set");
                Line(8, $"dscp {N(dscp)}");
            }
            Line(6, "Queueing");
            if (c.PriorityRate is { } priority)
            {
                Line(6, "Strict Priority");
                Line(6, $"Priority: {N(priority)} bps, burst bytes {N(c.PriorityBurst ?? 0)}, b/w exceed drops: {N(c.PolicerDropPackets)}");
                text.Append('\n');
            }
            Line(6, $"queue limit {N(c.QueueLimit)} packets");
            Line(6, $"(queue depth/peak depth/total drops/flushed) {N(c.Depth)}/{N(c.PeakDepth)}/{N(c.DroppedPackets)}/{N(c.FlushedPackets)}");
            Line(6, $"(pkts output/bytes output) {N(c.TransmittedPackets)}/{N(c.TransmittedBytes)}");
            Line(6, $"(pkts queued/bytes queued) {N(c.EnqueuedPackets)}/{N(c.EnqueuedBytes)}");
            if (c.PriorityRate is null)
            {
                var share = c.BandwidthPercent > 0 ? $"bandwidth {N(c.BandwidthPercent)}%"
                    : c.BandwidthWeight > 0 ? $"bandwidth weight {N(c.BandwidthWeight)}"
                    : "bandwidth remaining";
                Line(6, $"{share} (scheduling weight {N(c.Weight)})");
            }
            if (c.ShapeRate is { } classRate)
            {
                Line(6, $"shape (average) cir {N(classRate)}, bc {N(c.ShapeBurst ?? 0)} bytes");
            }
            Line(6, $"tail drops {N(c.TailDropPackets)}");
            if (c.RandomDetect is { } red)
            {
                Line(6, $"Exp-weight-constant: {N(red.ExponentialWeightConstant)} (1/{N(1L << red.ExponentialWeightConstant)})");
                Line(6, $"min-threshold {N(red.MinThreshold)}, max-threshold {N(red.MaxThreshold)}, mark-probability 1/{N(red.MarkProbabilityDenominator)}");
                foreach (var profile in red.Dscp)
                {
                    Line(8, $"dscp {N(profile.Dscp)}: min-threshold {N(profile.MinThreshold)}, max-threshold {N(profile.MaxThreshold)}, mark-probability 1/{N(profile.MarkProbabilityDenominator)}");
                }
                Line(6, $"random drops {N(c.RandomDropPackets)}");
            }
        }
        return text.ToString();
    }
}
