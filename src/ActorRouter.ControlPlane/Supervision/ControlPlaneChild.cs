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

/// <summary>
/// How often the supervisor looks at the threads, when it calls one hung (and fences and restarts it), how it
/// backs off restarting, and the restart limits past which it escalates: a data-plane thread that failed more
/// than <see cref="ThreadRestartLimit"/> times within <see cref="FaultMemory"/> gets the whole data plane
/// reloaded; a control-plane child that failed more than <see cref="ChildRestartLimit"/> times within
/// <see cref="ChildRestartWindow"/> gets every control-plane child restarted (FMAN resyncs from the data plane).
/// </summary>
public sealed record SupervisionTimings(TimeSpan HeartbeatInterval, TimeSpan HangAfter, TimeSpan RestartBackoffBase, TimeSpan RestartBackoffCap, TimeSpan FaultMemory)
{
    public static readonly SupervisionTimings Default = new(
        HeartbeatInterval: TimeSpan.FromMilliseconds(500),
        HangAfter: TimeSpan.FromSeconds(2),
        RestartBackoffBase: TimeSpan.FromMilliseconds(100),
        RestartBackoffCap: TimeSpan.FromSeconds(5),
        FaultMemory: TimeSpan.FromSeconds(30));

    /// <summary>The defaults with the hang limit and the restart limits of <c>actorrouter.supervision</c>.</summary>
    public static SupervisionTimings From(ActorRouter.ControlPlane.Configuration.SupervisionConfig config) => Default with
    {
        HangAfter = config.HangAfter,
        ThreadRestartLimit = config.ThreadRestartLimit,
        ChildRestartLimit = config.ChildRestartLimit,
    };

    /// <summary>Restarts of one data-plane thread within <see cref="FaultMemory"/> before the data plane is reloaded instead.</summary>
    public int ThreadRestartLimit { get; init; } = 10;

    /// <summary>Restarts of one control-plane child within <see cref="ChildRestartWindow"/> before every child is restarted instead.</summary>
    public int ChildRestartLimit { get; init; } = 20;

    public TimeSpan ChildRestartWindow { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a thread found hung may take to leave by itself once fenced, before its buffers are reclaimed.</summary>
    public TimeSpan FenceGrace { get; init; } = TimeSpan.FromMilliseconds(100);
}
