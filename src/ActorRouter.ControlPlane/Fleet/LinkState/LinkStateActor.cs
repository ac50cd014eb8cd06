using ActorRouter.ControlPlane.Configuration;
using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;

namespace ActorRouter.ControlPlane.Fleet.LinkState;

/// <summary>Owner → link-state actor: this router's current link state, to publish to the fleet (a new sequence each time).</summary>
public sealed record PublishLinkState(IReadOnlyList<Ipv4Cidr> Connected, IReadOnlyList<LinkStateAdjacency> Adjacencies, IReadOnlyList<Ipv4Cidr> SharedStaticRoutes);

/// <summary>
/// Link-state actor → its subscriber: the routes computed from the database as it now stands (sent only when
/// they differ from the last ones sent), and the database's size.
/// </summary>
public sealed record FleetRoutesComputed(IReadOnlyList<FleetRoute> Routes, LinkStateDatabaseSize DatabaseSize);

/// <summary>Ask the link-state actor for what it holds; answered with <see cref="LinkStateSnapshot"/>.</summary>
public sealed record GetLinkStateSnapshot
{
    public static readonly GetLinkStateSnapshot Instance = new();
}

/// <summary>The entries counted (those of live members), the routes computed from them, and how many entries were left out as unreadable.</summary>
public sealed record LinkStateSnapshot(IReadOnlyList<LinkStateEntry> Entries, IReadOnlyList<FleetRoute> Routes, int UnreadableEntries);

/// <summary>
/// This router's part of the fleet's link-state database, in the fleet's actor system. The database is one
/// Akka.DistributedData <see cref="LWWDictionary{TKey,TValue}"/> keyed by router name; each router writes only
/// its own entry (to every reachable member at once, <see cref="WriteAll"/>; gossip repairs what that misses),
/// subscribes to the dictionary, and recomputes its routes (<see cref="ShortestPaths"/>) on every change.
/// A member the cluster removes (it left, or was downed) is withdrawn: its entry no longer counts here at
/// once, and the survivors remove it from the dictionary. An unreachable member is not withdrawn: the
/// cluster runs on the management network, and whether a data link works is the probes' to say.
/// The routes go to the subscriber as a whole list; nothing here touches the data plane, which keeps its
/// last tables whatever happens to the cluster.
/// Each router is the authority for its own entry and writes it again (a) whenever the replicated dictionary it
/// is told of lacks the entry — a member that restarts under the same address is
/// removed by the survivors while its new incarnation writes the same key, and a removal merged after that write
/// drops the value while the key stays (Distributed Data's ORDictionary), so without the rewrite the others would
/// never see the newcomer's links — and (b) when it comes up itself, so what it wrote while joining (to no one:
/// a joining member replicates with nobody yet) reaches the others at once rather than by gossip.
/// </summary>
public sealed class LinkStateActor : ReceiveActor
{
    public const string Name = "link-state";

    public static readonly LWWDictionaryKey<string, string> Key = new("fleet-link-state");

    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(3);

    private readonly string _routerName;
    private readonly IActorRef _subscriber;
    private readonly Cluster _cluster;
    private readonly IActorRef _replicator;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<string> _liveMembers = new(StringComparer.Ordinal);
    private LWWDictionary<string, string> _replicated = LWWDictionary<string, string>.Empty;
    private long _sequence;
    private int _unreadable;
    private LinkStateDatabase _database = new();
    private IReadOnlyList<FleetRoute> _routes = [];
    private string? _lastSent;
    private PublishLinkState? _ownState;

    public LinkStateActor(string routerName, IActorRef subscriber)
    {
        _routerName = routerName;
        _subscriber = subscriber;
        _cluster = Cluster.Get(Context.System);
        _replicator = DistributedData.Get(Context.System).Replicator;
        Receive<PublishLinkState>(OnPublish);
        Receive<Changed>(c => c.Key.Equals(Key), c =>
        {
            _replicated = c.Get(Key);
            // Only a missing entry is rewritten: a different one is a notification older than the last write.
            if (_ownState is not null && !_replicated.ContainsKey(_routerName))
            {
                _log.Info("fleet link state: the replicated database lost this router's entry; writing it again");
                WriteOwnEntry();
            }
            Recompute();
        });
        Receive<ClusterEvent.IMemberEvent>(OnMemberEvent);
        Receive<GetLinkStateSnapshot>(_ => Sender.Tell(new LinkStateSnapshot([.. _database.Entries.OrderBy(e => e.Router, StringComparer.Ordinal)], _routes, _unreadable)));
        Receive<UpdateSuccess>(_ => { });
        Receive<IUpdateFailure>(f => _log.Debug("fleet link state: a write reached not every member in time ({0}); gossip carries it on", f.GetType().Name));
    }

    public static Props Props(string routerName, IActorRef subscriber) =>
        Akka.Actor.Props.Create(() => new LinkStateActor(routerName, subscriber));

    protected override void PreStart()
    {
        // Sequences start at the wall clock in milliseconds so a restarted router's entries are newer than its old ones.
        _sequence = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        _replicator.Tell(Dsl.Subscribe(Key, Self));
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent));
    }

    protected override void PostStop()
    {
        _cluster.Unsubscribe(Self);
        _replicator.Tell(Dsl.Unsubscribe(Key, Self));
    }

    private void OnPublish(PublishLinkState state)
    {
        _ownState = state;
        WriteOwnEntry();
        Recompute();
    }

    /// <summary>
    /// Writes the last published state, under a new sequence, to every reachable member; it counts here at once (the
    /// replicator's notification follows). A rewrite of the same state is a newer entry too, so the others can tell it arrived.
    /// </summary>
    private void WriteOwnEntry()
    {
        if (_ownState is not { } state)
        {
            return;
        }
        var text = LinkStateCodec.Encode(new LinkStateEntry(_routerName, ++_sequence, state.Connected, state.Adjacencies, state.SharedStaticRoutes));
        var cluster = _cluster;
        var router = _routerName;
        _replicator.Tell(Dsl.Update(Key, LWWDictionary<string, string>.Empty, new WriteAll(WriteTimeout), map => map.SetItem(cluster, router, text)));
        _replicated = _replicated.SetItem(cluster, router, text);
    }

    private void OnMemberEvent(ClusterEvent.IMemberEvent change)
    {
        if (FleetActor.RouterNameOf(change.Member) is not { } router)
        {
            return;
        }
        switch (change)
        {
            case ClusterEvent.MemberUp or ClusterEvent.MemberWeaklyUp or ClusterEvent.MemberJoined:
                if (change is ClusterEvent.MemberUp && router == _routerName)
                {
                    // Now a member the others replicate with: what was written while joining reaches them at once.
                    WriteOwnEntry();
                }
                if (_liveMembers.Add(router))
                {
                    Recompute();
                }
                break;
            case ClusterEvent.MemberRemoved or ClusterEvent.MemberDowned or ClusterEvent.MemberExited:
                if (_liveMembers.Remove(router))
                {
                    _log.Info("fleet link state: {0} withdrawn ({1})", router, change.GetType().Name);
                    Recompute();
                }
                if (change is ClusterEvent.MemberRemoved && router != _routerName)
                {
                    _replicator.Tell(Dsl.Update(Key, LWWDictionary<string, string>.Empty, WriteLocal.Instance, map => map.Remove(_cluster, router)));
                }
                break;
        }
    }

    private void Recompute()
    {
        var database = new LinkStateDatabase();
        _unreadable = 0;
        foreach (var (router, text) in _replicated.Entries)
        {
            if (router != _routerName && !_liveMembers.Contains(router))
            {
                continue;
            }
            if (LinkStateCodec.TryDecode(router, text, out var error) is { } entry)
            {
                database.Apply(entry);
            }
            else
            {
                _unreadable++;
                _log.Warning("fleet link state: the entry of {0} is unreadable ({1}); it is left out", router, error);
            }
        }
        _database = database;
        _routes = ShortestPaths.Compute(database, _routerName);
        var routesText = string.Join("\n", _routes);
        if (routesText != _lastSent)
        {
            _lastSent = routesText;
            _subscriber.Tell(new FleetRoutesComputed(_routes, database.Size()));
        }
    }
}
