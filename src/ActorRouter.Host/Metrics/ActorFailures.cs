using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Event;

namespace ActorRouter.Host.Metrics;

/// <summary>
/// Counts control-plane actor failures: a supervisor logs an error with the exception for every
/// failure it handles (and restarts the actor), from the failed actor's path. Keyed by the actor's
/// name (fman, qfp-client, arp, ...).
/// </summary>
public static class ActorFailures
{
    private static readonly ConcurrentDictionary<string, long> Counts = new(StringComparer.Ordinal);

    public static IReadOnlyList<KeyValuePair<string, long>> Snapshot() => Counts.ToList();

    public static void Start(ActorSystem system)
    {
        var listener = system.ActorOf(Props.Create(() => new Listener()), "actor-failure-counter");
        system.EventStream.Subscribe(listener, typeof(Error));
    }

    private sealed class Listener : ReceiveActor
    {
        public Listener()
        {
            Receive<Error>(e =>
            {
                if (e.Cause is not null && e.LogSource.Contains("/user/", StringComparison.Ordinal))
                {
                    var name = e.LogSource.TrimEnd('/').Split('/')[^1];
                    var hash = name.IndexOf('#');
                    Counts.AddOrUpdate(hash < 0 ? name : name[..hash], 1, (_, n) => n + 1);
                }
            });
        }
    }
}
