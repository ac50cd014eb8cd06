namespace ActorRouter.DataPlane.Counters;

/// <summary>One punt class: its configured policer and ring share, and what it met, summed over the PPEs.</summary>
/// <param name="Waiting">Packets of the class on the punt rings now.</param>
public sealed record PuntClassStatistics(PuntClass Class, double RatePerSecond, double Burst, int RingShare,
    long Received, long Policed, long Queued, long Dropped, long Waiting)
{
    public string Name => PuntClasses.Name(Class);
}

public sealed record PuntStatistics(IReadOnlyList<PuntClassStatistics> Classes);
