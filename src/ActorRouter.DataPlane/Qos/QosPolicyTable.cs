namespace ActorRouter.DataPlane.Qos;

/// <summary>
/// The service policies in force, per uIDB index: the compiled matcher the PPEs classify with and
/// the scheduler the HQF thread adopts. Immutable as a table; published with one reference swap.
/// Each attach makes a fresh scheduler, so the HQF thread sees a changed reference exactly where a
/// policy changed and carries that interface's queued packets over.
/// </summary>
public sealed class QosPolicyTable
{
    public QosPolicyTable(CompiledPolicy?[] policies, HqfScheduler?[] schedulers, long generation)
    {
        Policies = policies;
        Schedulers = schedulers;
        Generation = generation;
        Any = Array.Exists(policies, p => p is not null);
    }

    public static QosPolicyTable Empty(int maxInterfaces) => new(new CompiledPolicy?[maxInterfaces], new HqfScheduler?[maxInterfaces], 0);

    /// <summary>Per uIDB index: the output policy's matcher, or null.</summary>
    public CompiledPolicy?[] Policies { get; }

    /// <summary>Per uIDB index: the output policy's scheduler, or null (plain FIFO).</summary>
    public HqfScheduler?[] Schedulers { get; }

    public long Generation { get; }

    /// <summary>True when some interface has a policy (so a PPE can skip classification per burst).</summary>
    public bool Any { get; }
}
