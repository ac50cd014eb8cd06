using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.ControlPlane.Platform;
using Akka.Actor;

namespace ActorRouter.Host;

/// <summary>
/// Collects each interface's handshake outcome; complete when every interface has one. How many
/// to expect is known up front with config discovery, and from the platform's
/// <see cref="InterfacesDiscovered"/> with linux discovery (null until then).
/// </summary>
public sealed class HandshakeMonitor(int? expected)
{
    private int? _expected = expected;

    private readonly List<object> _outcomes = new();
    private readonly TaskCompletionSource<IReadOnlyList<object>> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>InterfaceUp or InterfaceInitFailed per interface, in the order they happened.</summary>
    public Task<IReadOnlyList<object>> Completion => _done.Task;

    public IReadOnlyList<object> SoFar
    {
        get
        {
            lock (_outcomes)
            {
                return _outcomes.ToList();
            }
        }
    }

    public void Record(object outcome)
    {
        lock (_outcomes)
        {
            _outcomes.Add(outcome);
            CompleteIfAllAnswered();
        }
    }

    /// <summary>The interfaces discovery found, once the platform has said (null before).</summary>
    public IReadOnlyList<InterfaceConfig>? Discovered { get; private set; }

    /// <summary>Outcomes expected; null while discovery has not said.</summary>
    public int? Expected
    {
        get
        {
            lock (_outcomes)
            {
                return _expected;
            }
        }
    }

    public void Discover(InterfacesDiscovered discovered)
    {
        lock (_outcomes)
        {
            Discovered = discovered.Interfaces;
            _expected = discovered.ExpectedOutcomes;
            CompleteIfAllAnswered();
        }
    }

    public void CompleteIfNothingExpected()
    {
        lock (_outcomes)
        {
            CompleteIfAllAnswered();
        }
    }

    private void CompleteIfAllAnswered()
    {
        if (_expected is int count && _outcomes.Count >= count)
        {
            _done.TrySetResult(_outcomes.ToList());
        }
    }
}

/// <summary>Listens on the event stream for handshake outcomes.</summary>
public sealed class HandshakeListener : ReceiveActor
{
    private readonly long _startedAt = System.Diagnostics.Stopwatch.GetTimestamp();
    private long? _discoveredAt;

    public HandshakeListener(HandshakeMonitor monitor)
    {
        Receive<InterfaceUp>(up =>
        {
            monitor.Record(up);
            ActorRouter.ControlPlane.Observability.ControlPlaneMeter.HandshakeEnded("up", "complete", SinceDiscovery());
        });
        Receive<InterfaceInitFailed>(failed =>
        {
            monitor.Record(failed);
            ActorRouter.ControlPlane.Observability.ControlPlaneMeter.HandshakeEnded("failed", failed.Step.ToString(), SinceDiscovery());
        });
        Receive<InterfacesDiscovered>(discovered =>
        {
            _discoveredAt ??= System.Diagnostics.Stopwatch.GetTimestamp();
            monitor.Discover(discovered);
        });
    }

    /// <summary>Since the platform's discovery (or, for a later link's handshake, since the listener started).</summary>
    private TimeSpan SinceDiscovery() => System.Diagnostics.Stopwatch.GetElapsedTime(_discoveredAt ?? _startedAt);
}

public static class HandshakeListening
{
    /// <summary>Creates the listener and subscribes it at once, so that no outcome published after this call is missed.</summary>
    public static IActorRef Start(ActorSystem system, HandshakeMonitor monitor)
    {
        var listener = system.ActorOf(Props.Create(() => new HandshakeListener(monitor)), "handshake-listener");
        system.EventStream.Subscribe(listener, typeof(InterfaceUp));
        system.EventStream.Subscribe(listener, typeof(InterfaceInitFailed));
        system.EventStream.Subscribe(listener, typeof(InterfacesDiscovered));
        return listener;
    }
}

/// <summary>Hands every link change the platform reports to a callback (the console prints the interface's new status).</summary>
public sealed class LinkChangeListener : ReceiveActor
{
    public LinkChangeListener(Action<InterfaceLinkChanged> onChange)
    {
        Receive<InterfaceLinkChanged>(onChange);
    }
}

public static class LinkChangeListening
{
    public static IActorRef Start(ActorSystem system, Action<InterfaceLinkChanged> onChange)
    {
        var listener = system.ActorOf(Props.Create(() => new LinkChangeListener(onChange)));
        system.EventStream.Subscribe(listener, typeof(InterfaceLinkChanged));
        return listener;
    }
}
