using Akka.Actor;
using Akka.Actor.Internal;

namespace ActorRouter.ControlPlane.Supervision;

/// <summary>
/// The supervisor's strategy for its control-plane children (FMAN, the QFP client, the platform, the punt
/// service…): a failed child is restarted — a new instance from its Props behind the same reference, so its
/// peers keep talking to it — and it is never stopped, as Akka's own retry limit would. A child that fails
/// more than <c>limit</c> times within <c>window</c> is failing for a reason a restart of it alone does not
/// clear (state it shares with its siblings, a resync that keeps failing), so the strategy escalates: it
/// restarts every child at once (all-for-one, once), FMAN resyncs its interfaces from the data plane, and
/// <paramref name="escalated"/> is told so the supervisor logs and counts it. The data plane forwards throughout.
/// </summary>
internal sealed class EscalatingChildStrategy(int limit, TimeSpan window, Action<IActorRef, int, Exception> escalated)
    : OneForOneStrategy(-1, Timeout.InfiniteTimeSpan, _ => Directive.Restart)
{
    private readonly Dictionary<string, Queue<DateTime>> _failures = new(StringComparer.Ordinal);

    public override void ProcessFailure(IActorContext context, bool restart, IActorRef child, Exception cause, ChildRestartStats stats, IReadOnlyCollection<ChildRestartStats> children)
    {
        if (!restart)
        {
            base.ProcessFailure(context, restart, child, cause, stats, children);
            return;
        }
        var now = DateTime.UtcNow;
        if (!_failures.TryGetValue(child.Path.Name, out var times))
        {
            times = new Queue<DateTime>();
            _failures[child.Path.Name] = times;
        }
        times.Enqueue(now);
        while (times.Count > 0 && now - times.Peek() > window)
        {
            times.Dequeue();
        }
        if (times.Count <= limit)
        {
            RestartChild(child, cause, suspendFirst: false);
            return;
        }
        var count = times.Count;
        _failures.Clear();
        escalated(child, count, cause);
        foreach (var sibling in children)
        {
            // The failed child is suspended already; the others are suspended before their restart, as all-for-one does.
            RestartChild(sibling.Child, cause, suspendFirst: !sibling.Child.Equals(child));
        }
    }
}
