using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.DataPlane;
using ActorRouter.DataPlane.Qos;
using Akka.Actor;
using Akka.Event;

namespace ActorRouter.ControlPlane.Qfp;

/// <summary>The QFP client's QoS commands: attach and detach output policies, read their counters.</summary>
public sealed partial class QfpClientActor
{
    private void ReceiveQos()
    {
        Receive<ApplyServicePolicies>(OnApplyServicePolicies);
        Receive<ReadServicePolicy>(m => m.ReplyTo.Tell(ToStatus(m.Interface, _dataPlane.ReadServicePolicy(m.Index))));
    }

    private void OnApplyServicePolicies(ApplyServicePolicies m)
    {
        string? refusal = null;
        try
        {
            // Compile everything first, so that a policy the data plane refuses changes nothing.
            foreach (var a in m.Assignments)
            {
                if (a.Policy is not null)
                {
                    _ = new CompiledPolicy(a.Policy);
                }
            }
            foreach (var a in m.Assignments)
            {
                if (a.Policy is null)
                {
                    _dataPlane.DetachServicePolicy(a.Index);
                }
                else
                {
                    _dataPlane.AttachServicePolicy(a.Index, a.Policy);
                }
            }
        }
        catch (DataPlaneCommandException e)
        {
            refusal = e.Message;
        }
        if (m.Acknowledge)
        {
            Sender.Tell(refusal is null ? new DataPlaneCommandApplied(m.CorrelationId) : new DataPlaneCommandRefused(m.CorrelationId, refusal));
        }
        else if (refusal is not null)
        {
            _log.Warning("service policy refused by the data plane: {0}", refusal);
        }
    }

    private static PolicyMapStatus ToStatus(string interfaceName, ServicePolicyStatus? status)
    {
        if (status is null)
        {
            return new PolicyMapStatus(interfaceName, null, null, null, false, []);
        }
        var classes = status.Classes.Select(c =>
        {
            var d = c.Class;
            return new PolicyClassStatus(
                d.Name,
                d.ClassMap is { MatchAll: true } ? "match-all" : "match-any",
                d.Priority?.BitsPerSecond,
                d.Priority?.BurstBytes,
                d.BandwidthPercent,
                d.BandwidthWeight,
                c.Weight,
                d.Shape?.BitsPerSecond,
                d.Shape?.BurstBytes,
                d.QueueLimit,
                d.RandomDetect is { } red
                    ? new RandomDetectConfig(red.MinThreshold, red.MaxThreshold, red.MarkProbabilityDenominator, red.ExponentialWeightConstant)
                    {
                        Dscp = (red.DscpProfiles ?? []).Select(p => new RandomDetectDscpConfig(p.Dscp, p.MinThreshold, p.MaxThreshold, p.MarkProbabilityDenominator)).ToEquatableList(),
                    }
                    : null,
                d.SetDscp >= 0 ? d.SetDscp : null,
                c.EnqueuedPackets,
                c.EnqueuedBytes,
                c.TransmittedPackets,
                c.TransmittedBytes,
                c.TailDropPackets,
                c.RandomDropPackets,
                c.PolicerDropPackets,
                c.TailDropBytes + c.RandomDropBytes + c.PolicerDropBytes,
                c.FlushedPackets,
                c.Depth,
                c.PeakDepth);
        }).ToList();
        return new PolicyMapStatus(interfaceName, status.Policy.Name, status.Policy.Shape?.BitsPerSecond, status.Policy.Shape?.BurstBytes, status.Active, classes);
    }
}
