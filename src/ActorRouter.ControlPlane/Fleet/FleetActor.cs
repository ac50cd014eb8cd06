using System.Globalization;
using ActorRouter.Control.Contracts;
using ActorRouter.ControlPlane.Commands;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace ActorRouter.ControlPlane.Fleet;

/// <summary>
/// This router's member of the fleet: the one actor of the fleet's actor system, at
/// <c>/user/fleet</c> on every member. Membership, gossip, failure detection and downing are
/// Akka.Cluster's; this actor reads the cluster's state and carries commands:
/// <list type="bullet">
/// <item><c>show fleet</c>: the members as this member sees them;</item>
/// <item><c>--node NAME</c>: the caller's signed request to that member's fleet actor, which hands it to its
/// gateway (<see cref="FleetDelivery"/>) to be admitted there, and the answer back;</item>
/// <item><c>--fleet</c>: the same to every member at once, and the answers that came back by the deadline.</item>
/// </list>
/// A member reaches another router only through this actor and that router's gateway: the router's
/// own actors live in another actor system, which the cluster's transport does not reach.
/// Later fleet work (link state in Distributed Data, routes) attaches here as children.
/// </summary>
public sealed class FleetActor : ReceiveActor
{
    public const string Name = "fleet";

    /// <summary>Member roles carry what the fleet needs to know of a member without asking it.</summary>
    public const string RouterRolePrefix = "router:";
    public const string StartedRolePrefix = "started:";

    /// <summary>A change on the target waits for its data plane: as long as the gateway gives it, and the trip.</summary>
    public static readonly TimeSpan NodeAnswerTimeout = CommandGatewayActor.ChangeTimeout + TimeSpan.FromSeconds(3);

    private const string NotReady = "the router's command gateway is not ready yet; try again in a moment";

    private readonly string _fleetName;
    private readonly string _routerName;
    private readonly Cluster _cluster;
    private readonly TimeProvider _time;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IActorRef? _gateway;

    public FleetActor(string fleetName, string routerName, TimeProvider time)
    {
        _fleetName = fleetName;
        _routerName = routerName;
        _time = time;
        _cluster = Cluster.Get(Context.System);
        Receive<AttachGateway>(m => _gateway = m.Gateway);
        Receive<FleetCommand>(OnCommand);
        Receive<SignedRequest>(OnPeerRequest);
        Receive<ClusterEvent.IMemberEvent>(OnMemberEvent);
        Receive<ClusterEvent.ReachabilityEvent>(OnReachabilityEvent);
    }

    /// <summary>Membership and reachability changes go to the log, as a routing protocol logs its neighbours coming and going.</summary>
    protected override void PreStart() =>
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void OnMemberEvent(ClusterEvent.IMemberEvent change)
    {
        var what = change switch
        {
            ClusterEvent.MemberJoined => "is joining",
            ClusterEvent.MemberUp => "is up",
            ClusterEvent.MemberWeaklyUp => "is up (weakly: not every member has seen it yet)",
            ClusterEvent.MemberLeft => "is leaving",
            ClusterEvent.MemberExited => "has left",
            ClusterEvent.MemberDowned => "was downed",
            ClusterEvent.MemberRemoved => "was removed",
            _ => change.GetType().Name,
        };
        _log.Info("fleet {0}: member {1} ({2}) {3}", _fleetName, RouterNameOf(change.Member) ?? "?", change.Member.Address, what);
    }

    private void OnReachabilityEvent(ClusterEvent.ReachabilityEvent change)
    {
        var what = change is ClusterEvent.UnreachableMember ? "is unreachable" : "is reachable again";
        _log.Info("fleet {0}: member {1} ({2}) {3}", _fleetName, RouterNameOf(change.Member) ?? "?", change.Member.Address, what);
    }

    public static Props Props(string fleetName, string routerName, TimeProvider? time = null) =>
        Akka.Actor.Props.Create(() => new FleetActor(fleetName, routerName, time ?? TimeProvider.System));

    /// <summary>The roles this member joins with: its router name and its start time (Unix seconds, its own clock).</summary>
    public static IReadOnlyList<string> Roles(string routerName, DateTimeOffset started) =>
        [RouterRolePrefix + routerName, StartedRolePrefix + started.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)];

    public static string? RouterNameOf(Member member) => RoleValue(member, RouterRolePrefix);

    private static string? RoleValue(Member member, string prefix)
    {
        foreach (var role in member.Roles)
        {
            if (role.StartsWith(prefix, StringComparison.Ordinal))
            {
                return role[prefix.Length..];
            }
        }
        return null;
    }

    private void OnCommand(FleetCommand command)
    {
        switch (command.Request)
        {
            case ShowFleetRequest:
                command.ReplyTo.Tell(View());
                return;
            case NodeRequest node:
                OnNodeRequest(node, command);
                return;
            case FleetRequest fleet:
                OnFleetRequest(fleet, command);
                return;
            default:
                command.ReplyTo.Tell(new CommandRefused($"the fleet does not carry {command.Request.GetType().Name}"));
                return;
        }
    }

    private void OnNodeRequest(NodeRequest node, FleetCommand command)
    {
        var members = _cluster.State.Members.Where(m => RouterNameOf(m) == node.Node && m.Status != MemberStatus.Removed).ToList();
        if (members.Count != 1)
        {
            command.ReplyTo.Tell(new CommandRefused(members.Count == 0
                ? $"no member of fleet '{_fleetName}' is named '{node.Node}' (members: {string.Join(", ", MemberNames())})"
                : $"{members.Count} members of fleet '{_fleetName}' are named '{node.Node}'; router names must be unique"));
            return;
        }
        var target = members[0];
        if (target.Address == _cluster.SelfAddress)
        {
            if (_gateway is null)
            {
                command.ReplyTo.Tell(new CommandRefused(NotReady));
                return;
            }
            _gateway.Tell(new RunAdmitted(node.Request, command.Identity), command.ReplyTo);
            return;
        }
        var unreachable = _cluster.State.Unreachable.Contains(target);
        var timeout = NodeAnswerTimeout;
        FleetActorOf(target.Address).Ask<object>(command.Signed!, timeout)
            .PipeTo(command.ReplyTo, success: reply => reply, failure: _ => new CommandRefused(
                $"router {node.Node} did not answer within {timeout.TotalSeconds:0} s{(unreachable ? $" (it is unreachable from {_routerName})" : "")}"));
    }

    private void OnFleetRequest(FleetRequest fleet, FleetCommand command)
    {
        var deadline = TimeSpan.FromMilliseconds(fleet.DeadlineMilliseconds);
        var state = _cluster.State;
        var asks = new List<Task<(string Router, object? Reply, string? Silence)>>();
        foreach (var member in state.Members)
        {
            if (member.Status == MemberStatus.Removed || RouterNameOf(member) is not { } router)
            {
                continue;
            }
            var unreachable = state.Unreachable.Contains(member);
            Task<object> ask;
            if (member.Address == _cluster.SelfAddress)
            {
                // Admitted once already, here: the same signed request would now be refused as a replay.
                ask = _gateway is null ? Task.FromException<object>(new InvalidOperationException("no gateway yet")) : _gateway.Ask<object>(new RunAdmitted(fleet.Request, command.Identity), deadline);
            }
            else
            {
                ask = FleetActorOf(member.Address).Ask<object>(command.Signed!, deadline);
            }
            asks.Add(ask.ContinueWith(t => t.IsCompletedSuccessfully
                ? (router, (object?)t.Result, (string?)null)
                : (router, null, $"no answer within {deadline.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s{(unreachable ? " (unreachable)" : "")}"),
                TaskScheduler.Default));
        }
        Task.WhenAll(asks).ContinueWith(t =>
        {
            var answers = t.Result.Where(a => a.Reply is not null).OrderBy(a => a.Router, StringComparer.Ordinal).Select(a => new FleetAnswer(a.Router, a.Reply!)).ToList();
            var silent = t.Result.Where(a => a.Reply is null).OrderBy(a => a.Router, StringComparer.Ordinal).Select(a => new FleetSilence(a.Router, a.Silence!)).ToList();
            return (object)new FleetAnswersView(answers, silent);
        }, TaskScheduler.Default).PipeTo(command.ReplyTo);
    }

    /// <summary>Another member carried a caller's request here: this router's gateway admits and answers it.</summary>
    private void OnPeerRequest(SignedRequest signed)
    {
        var sender = Sender;
        var origin = sender.Path.Address;
        if (!_cluster.State.Members.Any(m => m.Address == origin))
        {
            _log.Warning("fleet: a request from {0}, which is not a member, was dropped", origin);
            return;
        }
        if (_gateway is null)
        {
            sender.Tell(new CommandRefused(NotReady), Self);
            return;
        }
        _gateway.Ask<object>(new FleetDelivery(signed, origin.ToString()), NodeAnswerTimeout)
            .PipeTo(sender, Self, success: reply => reply, failure: _ => new CommandRefused($"router {_routerName} did not answer in time"));
    }

    private ActorSelection FleetActorOf(Address address) => Context.ActorSelection(new RootActorPath(address) / "user" / Name);

    private List<string> MemberNames() =>
        _cluster.State.Members.Select(RouterNameOf).OfType<string>().Order(StringComparer.Ordinal).ToList();

    private FleetView View()
    {
        var state = _cluster.State;
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var members = state.Members.Concat(state.Unreachable.Where(u => !state.Members.Contains(u)))
            .Select(m =>
            {
                long? uptime = long.TryParse(RoleValue(m, StartedRolePrefix), NumberStyles.None, CultureInfo.InvariantCulture, out var started)
                    ? Math.Max(0, now - started)
                    : null;
                return new FleetMemberView(RouterNameOf(m) ?? "?", m.Address.ToString(), m.Status.ToString(), !state.Unreachable.Contains(m),
                    m.Address == state.Leader, uptime, m.Address == _cluster.SelfAddress);
            })
            .OrderBy(m => m.Router, StringComparer.Ordinal)
            .ToList();
        var leader = state.Leader is { } leaderAddress ? state.Members.Where(m => m.Address == leaderAddress).Select(RouterNameOf).FirstOrDefault() : null;
        return new FleetView(_fleetName, _routerName, leader, members);
    }
}
