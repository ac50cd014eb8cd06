using ActorRouter.ControlPlane.Configuration;
using ActorRouter.DataPlane.Qos;

namespace ActorRouter.ControlPlane.Messages;

// QoS changes and queries (what the CLI sends to FMAN). FMAN validates each change against its
// state with the same checks as the configuration loader, has the QFP client publish the new
// policy snapshots, and answers with CommandSucceeded or CommandFailed; a refused change leaves
// everything as it was. A policy that changes on an interface takes effect atomically, and the
// packets already queued there move into the new classes as far as they fit.

/// <summary>"class-map NAME": defines a class map, or replaces the one of that name (interfaces using it are updated).</summary>
public sealed record DefineClassMap(ClassMapConfig ClassMap);

/// <summary>"no class-map NAME": refused while a policy map uses it.</summary>
public sealed record RemoveClassMap(string Name);

/// <summary>"policy-map NAME": defines a policy map, or replaces the one of that name (interfaces using it are updated).</summary>
public sealed record DefinePolicyMap(PolicyMapConfig PolicyMap);

/// <summary>"no policy-map NAME": refused while an interface uses it.</summary>
public sealed record RemovePolicyMap(string Name);

/// <summary>"interface NAME / service-policy output POLICY".</summary>
public sealed record AttachServicePolicy(string Interface, string PolicyName);

/// <summary>"interface NAME / no service-policy output": back to one FIFO.</summary>
public sealed record DetachServicePolicy(string Interface);

/// <summary>"show policy-map interface NAME": answered with a <see cref="PolicyMapStatus"/>, or CommandFailed for an unknown interface.</summary>
public sealed record GetPolicyMapStatus(string Interface);

/// <summary>One class of the policy on an interface: what it is given and what happened to its packets.</summary>
/// <param name="Match">"match-any" or "match-all" (class-default: match-any).</param>
/// <param name="PriorityRate">bit/s of the priority policer, or null for a non-priority class.</param>
/// <param name="Weight">The DRR weight the class was given (what it shares by), 0 for priority.</param>
/// <param name="DroppedBytes">Bytes dropped on arrival (tail, WRED, policer).</param>
/// <param name="FlushedPackets">Queued packets discarded untransmitted (interface down).</param>
public sealed record PolicyClassStatus(
    string Class,
    string Match,
    long? PriorityRate,
    int? PriorityBurst,
    int BandwidthPercent,
    int BandwidthWeight,
    int Weight,
    long? ShapeRate,
    int? ShapeBurst,
    int QueueLimit,
    RandomDetectConfig? RandomDetect,
    int? SetDscp,
    long EnqueuedPackets,
    long EnqueuedBytes,
    long TransmittedPackets,
    long TransmittedBytes,
    long TailDropPackets,
    long RandomDropPackets,
    long PolicerDropPackets,
    long DroppedBytes,
    long FlushedPackets,
    long Depth,
    long PeakDepth)
{
    public long DroppedPackets => TailDropPackets + RandomDropPackets + PolicerDropPackets;
    public long OfferedPackets => EnqueuedPackets + DroppedPackets;
    public long OfferedBytes => EnqueuedBytes + DroppedBytes;
}

/// <summary>The output service policy of an interface and its per-class counters.</summary>
/// <param name="PolicyName">Null when the interface has no output policy (then <paramref name="Classes"/> is empty).</param>
/// <param name="Active">False for a moment after a change, until the HQF thread has taken the new policy over.</param>
public sealed record PolicyMapStatus(string Interface, string? PolicyName, long? ShapeRate, int? ShapeBurst, bool Active, IReadOnlyList<PolicyClassStatus> Classes);

// FMAN → QFP client.

/// <summary>Attaches (or with a null policy detaches) output policies; all are compiled before any is published.</summary>
/// <param name="Acknowledge">False: the QFP client logs the outcome instead of answering (interface bring-up).</param>
public sealed record ApplyServicePolicies(IReadOnlyList<ServicePolicyAssignment> Assignments, bool Acknowledge = true, long CorrelationId = 0) : IDataPlaneCommand
{
    public IDataPlaneCommand WithCorrelationId(long correlationId) => this with { CorrelationId = correlationId };
}

public sealed record ServicePolicyAssignment(int Index, PolicyMapDefinition? Policy);

/// <summary>Reads the counters of an interface's policy and sends the <see cref="PolicyMapStatus"/> straight to <paramref name="ReplyTo"/>.</summary>
public sealed record ReadServicePolicy(int Index, string Interface, Akka.Actor.IActorRef ReplyTo);
