using ActorRouter.Control.Contracts;
using ActorRouter.ControlPlane.Qfp;
using ActorRouter.DataPlane.Counters;
using Akka.Actor;

namespace ActorRouter.ControlPlane.Commands;

public sealed partial class CommandRequestActor
{
    /// <summary><c>show platform punt</c>: per class, the policer and ring share in force and what the class met.</summary>
    private async Task<object> ShowPlatformPuntAsync()
    {
        var actors = await ActorsAsync();
        var statistics = await actors.QfpClient.Ask<PuntStatistics>(ReadPuntStatistics.Instance, AnswerTimeout);
        return new PuntView(statistics.Classes.Select(c => new PuntClassView(
            c.Name, c.RatePerSecond, c.Burst, c.RingShare, c.Received, c.Policed, c.Queued, c.Dropped, c.Waiting)).ToList());
    }
}
