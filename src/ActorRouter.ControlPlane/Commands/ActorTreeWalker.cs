using ActorRouter.Control.Contracts;
using Akka.Actor;

namespace ActorRouter.ControlPlane.Commands;

/// <summary>
/// Lists every actor under /user for <c>show actors</c>: it asks "/user/*" to identify itself, then
/// each actor that answered for its own children, and answers once no identity arrived for a short
/// quiet period. It stops itself after answering.
/// </summary>
public sealed class ActorTreeWalker : ReceiveActor
{
    private static readonly TimeSpan QuietPeriod = TimeSpan.FromMilliseconds(300);
    private readonly SortedSet<string> _paths = new(StringComparer.Ordinal);
    private IActorRef _replyTo = ActorRefs.Nobody;

    public sealed record Walk
    {
        public static readonly Walk Instance = new();
    }

    public ActorTreeWalker()
    {
        Receive<Walk>(_ =>
        {
            _replyTo = Sender;
            Context.ActorSelection("/user/*").Tell(new Identify(null));
            Context.SetReceiveTimeout(QuietPeriod);
        });
        Receive<ActorIdentity>(identity =>
        {
            if (identity.Subject is not { } subject || subject.Equals(Self))
            {
                return;
            }
            var path = subject.Path.ToStringWithoutAddress();
            if (_paths.Add(path))
            {
                Context.ActorSelection(path + "/*").Tell(new Identify(null));
            }
        });
        Receive<ReceiveTimeout>(_ =>
        {
            // Children sort right after their parent because '/' sorts before letters and digits.
            _replyTo.Tell(new ActorsView(_paths.ToList()));
            Context.Stop(Self);
        });
    }
}
