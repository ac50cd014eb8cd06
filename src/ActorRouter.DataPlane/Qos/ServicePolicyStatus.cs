namespace ActorRouter.DataPlane.Qos;

/// <summary>One class of an attached service policy: its configuration and its counters.</summary>
/// <param name="Weight">The DRR weight it was given (0 for a priority class).</param>
/// <param name="FlushedPackets">Queued packets discarded untransmitted (interface down).</param>
public sealed record ServicePolicyClassStatus(
    PolicyClassDefinition Class,
    int Weight,
    long EnqueuedPackets,
    long EnqueuedBytes,
    long TransmittedPackets,
    long TransmittedBytes,
    long TailDropPackets,
    long TailDropBytes,
    long RandomDropPackets,
    long RandomDropBytes,
    long PolicerDropPackets,
    long PolicerDropBytes,
    long FlushedPackets,
    long Depth,
    long PeakDepth)
{
    public string Name => Class.Name;
    public long DroppedPackets => TailDropPackets + RandomDropPackets + PolicerDropPackets;
    /// <summary>Everything the PPEs sent this class: queued or dropped on arrival.</summary>
    public long OfferedPackets => EnqueuedPackets + DroppedPackets;
}

/// <summary>An interface's output service policy and its per-class counters.</summary>
/// <param name="Active">The HQF thread has adopted it (a just-attached policy may not be yet).</param>
public sealed record ServicePolicyStatus(int InterfaceIndex, PolicyMapDefinition Policy, bool Active, IReadOnlyList<ServicePolicyClassStatus> Classes);
