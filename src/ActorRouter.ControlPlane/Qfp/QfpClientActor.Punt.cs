using Akka.Actor;
using ActorRouter.DataPlane.Counters;

namespace ActorRouter.ControlPlane.Qfp;

public sealed partial class QfpClientActor
{
    /// <summary>The punt classes' counters, read from the data plane like the other statistics (no change to it).</summary>
    private void ReceivePunt() =>
        Receive<ReadPuntStatistics>(_ => Sender.Tell(_dataPlane.ReadPuntStatistics()));
}

/// <summary>Asks the QFP client for the punt classes' policers and counters; answered with a <see cref="PuntStatistics"/>.</summary>
public sealed record ReadPuntStatistics
{
    public static readonly ReadPuntStatistics Instance = new();
}
