using ActorRouter.ControlPlane.Messages;
using Akka.Actor;

namespace ActorRouter.Host;

/// <summary>Collects each interface's handshake outcome; complete when every configured interface has one.</summary>
public sealed class HandshakeMonitor(int expected)
{
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
            if (_outcomes.Count >= expected)
            {
                _done.TrySetResult(_outcomes.ToList());
            }
        }
        if (expected == 0)
        {
            _done.TrySetResult([]);
        }
    }

    public void CompleteIfNothingExpected()
    {
        if (expected == 0)
        {
            _done.TrySetResult([]);
        }
    }
}

/// <summary>Listens on the event stream for handshake outcomes.</summary>
public sealed class HandshakeListener : ReceiveActor
{
    public HandshakeListener(HandshakeMonitor monitor)
    {
        Receive<InterfaceUp>(monitor.Record);
        Receive<InterfaceInitFailed>(monitor.Record);
    }
}

public static class HandshakeListening
{
    /// <summary>Creates the listener and subscribes it at once, so that no outcome published after this call is missed.</summary>
    public static IActorRef Start(ActorSystem system, HandshakeMonitor monitor)
    {
        var listener = system.ActorOf(Props.Create(() => new HandshakeListener(monitor)), "handshake-listener");
        system.EventStream.Subscribe(listener, typeof(InterfaceUp));
        system.EventStream.Subscribe(listener, typeof(InterfaceInitFailed));
        return listener;
    }
}
