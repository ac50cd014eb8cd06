using ActorRouter.Control.Contracts;
using ActorRouter.ControlPlane.Credentials;
using ActorRouter.ControlPlane.Fleet;
using Akka.Actor;
using Akka.Event;

namespace ActorRouter.ControlPlane.Commands;

/// <summary>
/// The endpoint arctl talks to over Akka.Remote. It admits each request (<see cref="Admit"/>, the one
/// place where that is decided) and hands it to its own <see cref="CommandRequestActor"/>, so requests
/// are served concurrently: a slow change does not delay a <c>show</c>. Each client (one arctl
/// process: one remote address; see <see cref="ClientOf"/>) has a bounded queue: at most <see cref="RunningPerClient"/> of its
/// requests run at once, further ones wait, and once running plus waiting reach the queue capacity
/// further requests are refused at once with a clear error, while other clients are served as usual.
/// Every request arrives as a <see cref="SignedRequest"/>; the <see cref="ClientAuthorizer"/> admits it
/// (identity and role) before the queue or anything else looks at the inner request, and a refusal is
/// answered with <see cref="NotAuthorised"/>.
/// </summary>
public sealed class CommandGatewayActor : ReceiveActor
{
    public const int DefaultQueueCapacityPerClient = 32;

    /// <summary>Requests of one client that run at the same time; the rest of its queue waits.</summary>
    public const int RunningPerClient = 4;

    public static readonly TimeSpan AnswerTimeout = CommandRequestActor.AnswerTimeout;
    public static readonly TimeSpan ChangeTimeout = CommandRequestActor.ChangeTimeout;

    private readonly Props _requestProps;
    private readonly int _queueCapacity;
    private readonly ControlEndpointStatistics _endpoint;
    private readonly ClientAuthorizer _authorizer;
    private readonly FleetLink? _fleet;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, ClientQueue> _clients = new(StringComparer.Ordinal);
    private readonly Dictionary<IActorRef, string> _running = new();
    private long _admitted;
    private long _throttled;

    /// <param name="supervisor">The <see cref="Supervision.DataPlaneSupervisor"/>.</param>
    /// <param name="configPath">The file the router was started from; null on the embedded default.</param>
    /// <param name="configDirectory">Where <c>write memory PATH</c> may write; null: the start file's directory.</param>
    /// <param name="fleet">The fleet this router is a member of; null: fleet requests are refused.</param>
    public CommandGatewayActor(IActorRef supervisor, string? configPath, string? configDirectory, ClientAuthorizer authorizer,
        ConfigFileWriter writer, int queueCapacityPerClient, FleetLink? fleet = null)
    {
        if (queueCapacityPerClient < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(queueCapacityPerClient), queueCapacityPerClient, "at least 1");
        }
        _requestProps = CommandRequestActor.Props(supervisor, configPath, configDirectory, authorizer, writer);
        _authorizer = authorizer;
        _fleet = fleet;
        _queueCapacity = queueCapacityPerClient;
        _endpoint = ControlEndpointStatistics.For(Context.System);
        Receive<SignedRequest>(signed => OnSigned(signed, Sender));
        Receive<IArctlRequest>(unsigned =>
        {
            _authorizer.RefuseUnsigned(unsigned, PeerOf(Sender));
            Sender.Tell(new NotAuthorised("not authorised: the request carries no client signature"));
        });
        Receive<Terminated>(t => OnFinished(t.ActorRef));
        // From the fleet actor of this process only: no remote peer reaches this actor system's actors
        // (the control endpoint's door passes only contracts), and these are not contracts.
        Receive<FleetDelivery>(delivery => OnFleetDelivery(delivery, Sender));
        Receive<RunAdmitted>(run => Dispatch(run.Request, run.Identity, Sender, ClientOf(Sender)));
    }

    public static Props Props(IActorRef supervisor, string? configPath, ClientAuthorizer authorizer, string? configDirectory = null,
        ConfigFileWriter? writer = null, int queueCapacityPerClient = DefaultQueueCapacityPerClient, FleetLink? fleet = null) =>
        Akka.Actor.Props.Create(() => new CommandGatewayActor(supervisor, configPath, configDirectory, authorizer,
            writer ?? new ConfigFileWriter(null), queueCapacityPerClient, fleet));

    /// <summary>The address the authorizer logs and counts a client under.</summary>
    private static string PeerOf(IActorRef sender) => sender.Path.Address.ToString();

    /// <summary>
    /// The client's queue bound first (cheap), then authorization (who is asking, may their role do
    /// this), then the endpoint's own views or the client's queue: nothing acts on a request the
    /// authorizer refused.
    /// </summary>
    private void OnSigned(SignedRequest signed, IActorRef replyTo)
    {
        // A full queue is refused before the signature is checked: a flood costs the router no
        // cryptography. Only admitted requests fill a queue, so this never answers an unknown client.
        if (Admit(signed.Request, ClientOf(replyTo)) is { } throttled)
        {
            replyTo.Tell(throttled);
            return;
        }
        var identity = _authorizer.Admit(signed, PeerOf(replyTo), out var refusal);
        if (identity is null)
        {
            replyTo.Tell(new NotAuthorised(refusal!));
            return;
        }
        switch (signed.Request)
        {
            case NodeRequest node when _fleet is not null && node.Node == _fleet.RouterName && FleetRules.WhyNotForNode(node.Request) is null:
                Dispatch(node.Request, identity, replyTo, ClientOf(replyTo));
                return;
            case NodeRequest or FleetRequest:
                if (WhyNotCarried(signed.Request) is { } notCarried)
                {
                    replyTo.Tell(new CommandRefused(notCarried));
                    return;
                }
                _fleet!.Fleet.Tell(new FleetCommand(signed.Request, signed, identity, replyTo));
                return;
            default:
                Dispatch(signed.Request, identity, replyTo, ClientOf(replyTo));
                return;
        }
    }

    /// <summary>An admitted request that runs on this router: the endpoint's own views, <c>show fleet</c>, or the client's queue.</summary>
    private void Dispatch(IArctlRequest request, ClientIdentity identity, IActorRef replyTo, string client)
    {
        switch (request)
        {
            case ShowControlEndpointRequest:
                replyTo.Tell(EndpointView());
                return;
            case ShowControlClientsRequest:
                replyTo.Tell(_authorizer.View());
                return;
            case ShowFleetRequest when _fleet is null:
                replyTo.Tell(new CommandRefused(NotInFleet));
                return;
            case ShowFleetRequest when _fleet.Membership.EndedBecause is { } ended:
                replyTo.Tell(new CommandRefused(MembershipEnded(ended)));
                return;
            case ShowFleetRequest:
                _fleet.Fleet.Tell(new FleetCommand(request, null, identity, replyTo));
                return;
            case ShowFleetRoutesRequest or ShowFleetNeighborsRequest or ShowFleetDatabaseRequest when _fleet is null:
                replyTo.Tell(new CommandRefused(NotInFleet));
                return;
            case ShowFleetRoutesRequest or ShowFleetDatabaseRequest when _fleet.Membership.EndedBecause is { } ended:
                // The routes FMAN installed stay (show ip route lists them); the database went with the fleet system.
                replyTo.Tell(new CommandRefused(MembershipEnded(ended)));
                return;
            case ShowFleetRoutesRequest or ShowFleetNeighborsRequest or ShowFleetDatabaseRequest:
                FleetRoutingViews.Answer(request, _fleet, replyTo);
                return;
            case NodeRequest or FleetRequest:
                replyTo.Tell(new CommandRefused(FleetRules.WhyNotForNode(request)!));
                return;
            default:
                OnRequest(request, identity, replyTo, client);
                return;
        }
    }

    private string MembershipEnded(string reason) =>
        $"{_fleet!.RouterName} is no longer in its fleet ({reason}); the router goes on forwarding; restart it to rejoin";

    public const string NotInFleet = "this router is not a member of a fleet (actorrouter.fleet.enabled is off)";

    /// <summary>Why a <c>--node</c> or <c>--fleet</c> request cannot go to the fleet from here; null when it can.</summary>
    private string? WhyNotCarried(IArctlRequest request)
    {
        if (_fleet is null)
        {
            return NotInFleet;
        }
        if (_fleet.Membership.EndedBecause is { } ended)
        {
            return MembershipEnded(ended);
        }
        return request switch
        {
            NodeRequest { Request: null } or FleetRequest { Request: null } => "the request carries no command",
            NodeRequest node => FleetRules.WhyNotForNode(node.Request),
            FleetRequest fleet when fleet.DeadlineMilliseconds is < FleetRequest.MinimumDeadlineMilliseconds or > FleetRequest.MaximumDeadlineMilliseconds =>
                $"the --fleet deadline must be {FleetRequest.MinimumDeadlineMilliseconds} ms to {FleetRequest.MaximumDeadlineMilliseconds} ms",
            FleetRequest fleet => FleetRules.WhyNotForFleet(fleet.Request),
            _ => null,
        };
    }

    /// <summary>
    /// A caller's request another member carried here: admitted exactly as arctl's own (bound, signature,
    /// clock, nonce, role), then run when it is addressed to this router.
    /// </summary>
    private void OnFleetDelivery(FleetDelivery delivery, IActorRef replyTo)
    {
        var signed = delivery.Signed;
        var client = "fleet " + delivery.Origin;
        if (_fleet is null || signed is null)
        {
            replyTo.Tell(new CommandRefused(NotInFleet));
            return;
        }
        if (Admit(signed.Request, client) is { } throttled)
        {
            replyTo.Tell(throttled);
            return;
        }
        var identity = _authorizer.Admit(signed, client, out var refusal);
        if (identity is null)
        {
            replyTo.Tell(new NotAuthorised(refusal!));
            return;
        }
        switch (signed.Request)
        {
            case NodeRequest node when node.Node == _fleet.RouterName && FleetRules.WhyNotForNode(node.Request) is null:
                Dispatch(node.Request, identity, replyTo, client);
                return;
            case NodeRequest node:
                replyTo.Tell(new CommandRefused($"the request is addressed to {node.Node}, and this is {_fleet.RouterName}"));
                return;
            case FleetRequest fleet when FleetRules.WhyNotForFleet(fleet.Request) is null:
                Dispatch(fleet.Request, identity, replyTo, client);
                return;
            default:
                replyTo.Tell(new CommandRefused($"a fleet member carries only --node and --fleet requests, not {signed.Request.GetType().Name}"));
                return;
        }
    }

    private sealed class ClientQueue
    {
        public int Running;
        public readonly Queue<CommandRequestActor.Run> Waiting = new();
        public int Outstanding => Running + Waiting.Count;
    }

    /// <summary>
    /// Whether <paramref name="client"/> may have <paramref name="request"/> served: null to admit it,
    /// or the refusal to answer. Every request passes here before anything acts on it.
    /// </summary>
    private CommandRefused? Admit(IArctlRequest? request, string client)
    {
        if (_clients.TryGetValue(client, out var queue) && queue.Outstanding >= _queueCapacity)
        {
            _throttled++;
            if (_throttled <= 8 || (_throttled & (_throttled - 1)) == 0)
            {
                _log.Warning("arctl client {0}: {1} requests outstanding, refused {2} ({3} refused so far)",
                    client, queue.Outstanding, request?.GetType().Name, _throttled);
            }
            return new CommandRefused(
                $"too many requests from this client: {_queueCapacity} are already running or queued; wait for their answers and try again");
        }
        return null;
    }

    /// <summary>
    /// A remote client is its actor system (one arctl process, whichever temporary actor asks); a
    /// local sender (a test, an in-process tool) is its own client.
    /// </summary>
    private static string ClientOf(IActorRef sender) =>
        sender.Path.Address.HasGlobalScope ? sender.Path.Address.ToString() : sender.Path.ToString();

    private void OnRequest(IArctlRequest request, ClientIdentity identity, IActorRef replyTo, string client)
    {
        _admitted++;
        if (!_clients.TryGetValue(client, out var queue))
        {
            queue = new ClientQueue();
            _clients[client] = queue;
        }
        var run = new CommandRequestActor.Run(request, identity, replyTo);
        if (queue.Running < RunningPerClient)
        {
            Start(client, queue, run);
        }
        else
        {
            queue.Waiting.Enqueue(run);
        }
    }

    private void Start(string client, ClientQueue queue, CommandRequestActor.Run run)
    {
        var worker = Context.ActorOf(_requestProps);
        Context.Watch(worker);
        _running[worker] = client;
        queue.Running++;
        worker.Tell(run);
    }

    /// <summary>A request actor stopped (answered, or failed): its client may start the next one.</summary>
    private void OnFinished(IActorRef worker)
    {
        if (!_running.Remove(worker, out var client) || !_clients.TryGetValue(client, out var queue))
        {
            return;
        }
        queue.Running--;
        if (queue.Waiting.TryDequeue(out var next))
        {
            Start(client, queue, next);
        }
        else if (queue.Running == 0)
        {
            _clients.Remove(client);
        }
    }

    private ControlEndpointView EndpointView()
    {
        var dropped = Enum.GetValues<ControlDropReason>()
            .Select(reason => new DropCountView(reason.ToString(), _endpoint.Dropped(reason)))
            .ToList();
        var system = (ExtendedActorSystem)Context.System;
        var listen = system.Provider.DefaultAddress.ToString();
        var frame = system.Settings.Config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size", 0) ?? 0;
        return new ControlEndpointView(listen, frame, _queueCapacity, _admitted, _throttled, _clients.Count, dropped);
    }
}
