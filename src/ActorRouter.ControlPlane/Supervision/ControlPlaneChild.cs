using ActorRouter.ControlPlane.Configuration;
using Akka.Actor;

namespace ActorRouter.ControlPlane.Supervision;

/// <summary>
/// What an additional control-plane actor (the punt service) is built from. It holds no data-plane
/// object: whatever such an actor needs of the data plane it asks the QFP client for.
/// </summary>
public sealed record ControlPlaneContext(RouterConfig Config, IActorRef Fman, IActorRef QfpClient, IActorRef Platform);

/// <summary>
/// A further child of the <see cref="DataPlaneSupervisor"/>, created after FMAN, the QFP client
/// and the platform, and restarted like them when it fails. Its name is its fault-injection target.
/// </summary>
public sealed record ControlPlaneChild(string Name, Func<ControlPlaneContext, Props> CreateProps);

/// <summary>How often the supervisor looks at the threads, and when it calls one hung or backs off restarting it.</summary>
public sealed record SupervisionTimings(TimeSpan HeartbeatInterval, TimeSpan HangAfter, TimeSpan RestartBackoffBase, TimeSpan RestartBackoffCap, TimeSpan FaultMemory)
{
    public static readonly SupervisionTimings Default = new(
        HeartbeatInterval: TimeSpan.FromMilliseconds(500),
        HangAfter: TimeSpan.FromSeconds(2),
        RestartBackoffBase: TimeSpan.FromMilliseconds(100),
        RestartBackoffCap: TimeSpan.FromSeconds(5),
        FaultMemory: TimeSpan.FromSeconds(30));
}
