using ActorRouter.DataPlane.Threads;

namespace ActorRouter.DataPlane.Ports;

/// <summary>
/// What the supervisor sees of one data-plane thread: its health, a restart on the same rings and
/// buffers, and fault injection for tests. Nothing here reaches a ring or a buffer.
/// </summary>
public interface ISupervisedThread
{
    string Name { get; }

    /// <summary>The core asked for (-1: none).</summary>
    int Core { get; }

    /// <summary>Bound to its core (false when no core was asked for or pinning failed).</summary>
    bool PinnedToCore { get; }

    int OsThreadId { get; }
    WorkerState State { get; }

    /// <summary>Moves while the thread loops; a heartbeat that stands still while <see cref="State"/> is Running means a hang.</summary>
    long Heartbeat { get; }

    int Restarts { get; }

    /// <summary>Times a hung thread of this worker was fenced off and replaced.</summary>
    int Fences { get; }

    /// <summary>Fenced threads still stuck where they hung (each leaves, touching nothing, if it ever wakes).</summary>
    int AbandonedThreads { get; }

    /// <summary>Raised on the dying thread itself: post and return, never block it.</summary>
    event Action<WorkerFault>? Faulted;

    /// <summary>Starts a faulted thread again on the same rings; the buffers the dead thread held went back to GPM.</summary>
    void Restart();

    /// <summary>
    /// Disowns a hung thread (it cannot be killed): it will touch nothing more, the worker becomes Faulted,
    /// and <see cref="Restart"/> then reclaims what it held and starts a new thread. It gets <paramref name="grace"/>
    /// to leave by itself first. False when no thread was running.
    /// </summary>
    bool Fence(string reason, TimeSpan grace = default);

    /// <summary>Makes the thread throw at its next turn (fault injection).</summary>
    void InjectFault();

    /// <summary>Makes the thread stop moving for <paramref name="duration"/> (hang injection).</summary>
    void InjectStall(TimeSpan duration);
}
