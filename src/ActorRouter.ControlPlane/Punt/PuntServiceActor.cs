using ActorRouter.ControlPlane.Supervision;
using ActorRouter.DataPlane;
using Akka.Actor;

namespace ActorRouter.ControlPlane.Punt;

/// <summary>
/// The control plane's punt-path service as a supervised actor: it owns the ARP actor (its child
/// "neighbors") and the punt reader thread with the ARP and ICMP echo responders. A restart (a fault,
/// or fault injection on "arp") stops the reader, starts a fresh one and a fresh ARP table; the data
/// plane keeps forwarding with the adjacencies FMAN already published meanwhile.
/// Queries for the ARP table and its counters are passed to the ARP actor.
/// </summary>
public sealed class PuntServiceActor : ReceiveActor
{
    /// <summary>The supervisor child name, which is also the fault-injection target.</summary>
    public const string ChildName = "arp";

    private readonly QfpDataPlane _dataPlane;
    private readonly IActorRef _fman;
    private readonly ArpSettings _settings;
    private PuntServices? _services;

    public PuntServiceActor(QfpDataPlane dataPlane, IActorRef fman, ArpSettings settings)
    {
        _dataPlane = dataPlane;
        _fman = fman;
        _settings = settings;
        Receive<GetPuntCounters>(_ => Sender.Tell(_services?.Reader.Counters ?? new PuntCounterSnapshot(0, 0, 0, 0, 0, 0, 0)));
        ReceiveAny(message => (_services?.ArpActor ?? ActorRefs.Nobody).Forward(message));
    }

    public static Props Props(QfpDataPlane dataPlane, IActorRef fman, ArpSettings? settings = null)
        => Akka.Actor.Props.Create(() => new PuntServiceActor(dataPlane, fman, settings ?? ArpSettings.Default));

    /// <summary>The supervisor child description the host registers; without explicit settings it takes <c>actorrouter.arp</c>.</summary>
    public static ControlPlaneChild Child(ArpSettings? settings = null)
        => new(ChildName, context => Props(context.DataPlane, context.Fman,
            settings ?? new ArpSettings(context.Config.Arp.Timeout, context.Config.Arp.RetryInterval, context.Config.Arp.MaxRequests)));

    protected override void PreStart() => _services = PuntServices.Start(Context, _dataPlane, _fman, _settings, "neighbors");

    protected override void PostStop()
    {
        // The ARP actor is this actor's child and already stopped; only the reader thread is left.
        _services?.Reader.Stop(TimeSpan.FromSeconds(5));
        _services?.Reader.Dispose();
    }
}

/// <summary>Asks the punt service for its reader's counters; answered with a <see cref="PuntCounterSnapshot"/>.</summary>
public sealed record GetPuntCounters
{
    public static readonly GetPuntCounters Instance = new();
}
