using ActorRouter.ControlPlane.Supervision;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Messages;
using Akka.Actor;

namespace ActorRouter.ControlPlane.Punt;

/// <summary>
/// The control plane's punt-path service as a supervised actor: it owns the ARP actor (its child
/// "neighbors") and the punt reader thread with the ARP and ICMP echo responders. It reaches the
/// data plane only through the punt/inject port the QFP client lends it: at start it asks the QFP
/// client for the port and holds every other message until the port arrives. A restart (a fault,
/// or fault injection on "arp") stops the reader, starts a fresh one and a fresh ARP table; the data
/// plane keeps forwarding with the adjacencies FMAN already published meanwhile.
/// Queries for the ARP table and its counters are passed to the ARP actor, those for the IPv6 neighbour cache to its
/// actor ("neighbors-ipv6").
/// </summary>
public sealed class PuntServiceActor : ReceiveActor, IWithStash
{
    /// <summary>The supervisor child name, which is also the fault-injection target.</summary>
    public const string ChildName = "arp";

    private readonly IActorRef _qfpClient;
    private readonly IActorRef _fman;
    private readonly ArpSettings _settings;
    private readonly IReadOnlyList<StaticArpEntry> _staticEntries;
    private readonly MulticastConfig? _multicast;
    private readonly IReadOnlyDictionary<string, Ipv6RaConfig> _routerAdvertisements;
    private readonly IForUsHandler? _forUs;
    private PuntServices? _services;

    public PuntServiceActor(IActorRef qfpClient, IActorRef fman, ArpSettings settings, IReadOnlyList<StaticArpEntry>? staticEntries = null,
        IReadOnlyDictionary<string, Ipv6RaConfig>? routerAdvertisements = null, MulticastConfig? multicast = null, IForUsHandler? forUs = null)
    {
        _multicast = multicast;
        _routerAdvertisements = routerAdvertisements ?? new Dictionary<string, Ipv6RaConfig>();
        _forUs = forUs;
        _qfpClient = qfpClient;
        _fman = fman;
        _settings = settings;
        _staticEntries = staticEntries ?? [];
        Receive<PuntPortLent>(m =>
        {
            _services = PuntServices.Start(Context, m.Port, _fman, _settings, "neighbors", routerAdvertisements: _routerAdvertisements,
                igmp: _multicast is { Routing: true } ? _multicast.Igmp : null, forUs: _forUs, qfpClient: _qfpClient);
            foreach (var entry in _staticEntries)
            {
                _services.ArpActor.Tell(new SetStaticArpEntry(entry.Address, entry.Mac), ActorRefs.NoSender);
            }
            // The configuration's static entries may have been changed since start (arctl arp / no arp):
            // FMAN's running configuration has them as they are now.
            _fman.Tell(GetRunningConfig.Instance, Self);
            Stash.UnstashAll();
            Become(Serving);
        });
        Receive<GetPuntCounters>(_ => Sender.Tell(new PuntCounterSnapshot(0, 0, 0, 0, 0, 0, 0)));
        ReceiveAny(_ => Stash.Stash());
    }

    public IStash Stash { get; set; } = null!;

    private void Serving()
    {
        Receive<GetPuntCounters>(_ => Sender.Tell(_services!.Reader.Counters));
        Receive<PuntPortLent>(_ => { });
        Receive<RunningConfig>(OnRunningConfig);
        Receive<GetIgmpGroups>(m =>
        {
            if (_services!.IgmpActor is { } igmp)
            {
                igmp.Forward(m);
            }
            else
            {
                Sender.Tell(new IgmpGroupsSnapshot([], [], new IgmpCounters(0, 0, 0, 0, 0)));
            }
        });
        Receive<GetIpv6NeighborTable>(m => _services!.Ipv6NeighborActor.Forward(m));
        Receive<GetIpv6NeighborCounters>(m => _services!.Ipv6NeighborActor.Forward(m));
        Receive<GetIpv6RaCounters>(m => _services!.RouterAdvertiser.Forward(m));
        Receive<GetIpv6DadCounters>(m => _services!.AddressDetector.Forward(m));
        ReceiveAny(message => _services!.ArpActor.Forward(message));
    }

    /// <summary>Brings the ARP actor's static entries from the start configuration to the running one.</summary>
    private void OnRunningConfig(RunningConfig running)
    {
        var now = running.Config.Arp.Static;
        foreach (var entry in _staticEntries)
        {
            if (!now.Any(e => e.Address == entry.Address))
            {
                _services!.ArpActor.Tell(new RemoveStaticArpEntry(entry.Address), ActorRefs.NoSender);
            }
        }
        foreach (var entry in now)
        {
            if (!_staticEntries.Contains(entry))
            {
                _services!.ArpActor.Tell(new SetStaticArpEntry(entry.Address, entry.Mac), ActorRefs.NoSender);
            }
        }
    }

    public static Props Props(IActorRef qfpClient, IActorRef fman, ArpSettings? settings = null, IReadOnlyList<StaticArpEntry>? staticEntries = null,
        IReadOnlyDictionary<string, Ipv6RaConfig>? routerAdvertisements = null, MulticastConfig? multicast = null, IForUsHandler? forUs = null)
        => Akka.Actor.Props.Create(() => new PuntServiceActor(qfpClient, fman, settings ?? ArpSettings.Default, staticEntries, routerAdvertisements, multicast, forUs));

    /// <summary>
    /// The supervisor child description the host registers; without explicit settings it takes
    /// <c>actorrouter.arp</c> (timings and limits); the static entries always come from the configuration.
    /// </summary>
    /// <param name="forUs">A further handler for "for us" frames (the fleet's probes), or null.</param>
    public static ControlPlaneChild Child(ArpSettings? settings = null, IForUsHandler? forUs = null)
        => new(ChildName, context => Props(context.QfpClient, context.Fman,
            settings ?? new ArpSettings(context.Config.Arp.Timeout, context.Config.Arp.RetryInterval, context.Config.Arp.MaxRequests, context.Config.Arp.Limits),
            context.Config.Arp.Static, Ipv6RouterAdvertiser.From(context.Config), context.Config.Multicast, forUs));

    protected override void PreStart() => _qfpClient.Tell(LendPuntPort.Instance, Self);

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
