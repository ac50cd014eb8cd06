using ActorRouter.DataPlane.Memory;

namespace ActorRouter.ControlPlane.Messages;

/// <summary>A data-plane thread died; posted by the dying thread to the supervisor, which restarts it.</summary>
public sealed record DataPlaneThreadFaulted(string Name, string Reason);

/// <summary>The supervisor's own timer: restart a faulted thread now (after its backoff).</summary>
public sealed record RestartDataPlaneThread(string Name);

/// <summary>
/// Fault injection: crash a data-plane thread (rx, ppe0…, hqf) or a control-plane actor (fman, qfp-client,
/// platform, arp); or, with <paramref name="Stall"/>, hang a data-plane thread for that long (at its next burst,
/// holding it) as a thread stuck in a loop would.
/// </summary>
public sealed record InjectFault(string Target, TimeSpan? Stall = null);

public sealed record FaultInjected(string Target);

public sealed record FaultInjectionRefused(string Target, string Reason);

public sealed record GetDataPlaneHealth
{
    public static readonly GetDataPlaneHealth Instance = new();
}

/// <param name="Hangs">Times the supervisor found the thread running with a heartbeat that had not moved for the hang limit.</param>
/// <param name="Core">The core the thread asked for (-1: none).</param>
/// <param name="PinnedToCore">Bound to that core.</param>
public sealed record WorkerHealth(string Name, string State, long Heartbeat, int Restarts, int Hangs, string? LastFault, int Core = -1, bool PinnedToCore = false, int OsThreadId = 0)
{
    /// <summary>Times a hung thread of this worker was fenced off and replaced.</summary>
    public int Fences { get; init; }

    /// <summary>Fenced threads still stuck where they hung.</summary>
    public int AbandonedThreads { get; init; }
}

public sealed record DataPlaneHealth(IReadOnlyList<WorkerHealth> Workers)
{
    /// <summary>Escalations for data-plane threads past their restart limit: the whole data plane reloaded.</summary>
    public int DataPlaneReloads { get; init; }

    /// <summary>Escalations for control-plane children past their restart limit: every child restarted.</summary>
    public int ControlPlaneEscalations { get; init; }

    /// <summary>What the last escalation was, when (UTC) and what was done; null when none.</summary>
    public string? LastEscalation { get; init; }
}

/// <summary>
/// Gives the raw data-plane object to tests in the same process (internal: no production actor may
/// ask for it; the QFP client is the data plane's only door).
/// </summary>
internal sealed record GetDataPlane
{
    public static readonly GetDataPlane Instance = new();
}

internal sealed record DataPlaneReference(ActorRouter.DataPlane.QfpDataPlane DataPlane);

/// <summary>Stops the data-plane threads and returns every buffer to GPM (before the actor system shuts down).</summary>
public sealed record StopDataPlane
{
    public static readonly StopDataPlane Instance = new();
}

/// <param name="Accounting">GPM after the stop: every buffer should be free.</param>
public sealed record DataPlaneStopped(GpmAccounting Accounting);

/// <summary>Asks the supervisor for its control-plane children (the CLI endpoint and the host talk to FMAN).</summary>
public sealed record GetControlPlaneActors
{
    public static readonly GetControlPlaneActors Instance = new();
}

public sealed record ControlPlaneActors(Akka.Actor.IActorRef Fman, Akka.Actor.IActorRef QfpClient, Akka.Actor.IActorRef Platform);
