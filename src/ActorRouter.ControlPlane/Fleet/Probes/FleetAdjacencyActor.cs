using System.Diagnostics;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Fleet.LinkState;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.ControlPlane.Supervision;
using ActorRouter.DataPlane.Interfaces;
using ActorRouter.DataPlane.Ports;
using Akka.Actor;
using Akka.Event;

namespace ActorRouter.ControlPlane.Fleet.Probes;

/// <summary>One neighbour on one link, as <c>show fleet neighbors</c> lists it.</summary>
/// <param name="TwoWay">It lists this router among those it hears: the adjacency is up and published.</param>
/// <param name="LastHeardMilliseconds">Since its last hello.</param>
/// <param name="UpForSeconds">Since the adjacency came up (0 while one-way).</param>
public sealed record FleetNeighbor(string Router, string Interface, uint Address, bool TwoWay, long LastHeardMilliseconds, long UpForSeconds, long Hellos);

/// <summary>Ask the adjacency actor for its neighbours; answered with <see cref="FleetNeighborList"/>.</summary>
public sealed record GetFleetNeighbors
{
    public static readonly GetFleetNeighbors Instance = new();
}

/// <summary>The neighbours heard, sorted by interface and router, with the probe timing in force and the hello counters.</summary>
public sealed record FleetNeighborList(IReadOnlyList<FleetNeighbor> Neighbors, TimeSpan ProbeInterval, int DeadIntervals, long HellosReceived, long HellosForeign, long HellosMalformed);

/// <summary>
/// The fleet's adjacency prober (BFD-like), in the router's own actor system beside the punt service: every
/// probe interval it sends a hello out of every up interface with an IPv4 address (over that data link, on the
/// punt/inject path, never through the cluster), learns neighbours from the hellos that come back, and keeps
/// an adjacency while hellos arrive: up once a neighbour's hello lists this router (heard both ways), down after
/// <see cref="FleetConfig.ProbeDeadIntervals"/> intervals without one, or at once when the interface goes down
/// or changes address. It publishes this router's link state (connected prefixes of up interfaces, adjacencies,
/// static routes marked <c>share</c>) to the fleet system's link-state actor whenever that changes, and again
/// to a link-state actor that is new (a started or restarted fleet system).
/// Hellos are control traffic to the router: one message each, at the probe rate; transit traffic never comes here.
/// Subinterfaces and tunnels are not probed (their prefixes are still published while they are up).
/// </summary>
public sealed class FleetAdjacencyActor : ReceiveActor, IWithTimers
{
    public const string ChildName = "fleet-adjacency";

    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed class Neighbor(string router, int interfaceIndex, uint address)
    {
        public string Router { get; } = router;
        public int InterfaceIndex { get; } = interfaceIndex;
        public uint Address { get; set; } = address;
        public long LastHeard { get; set; }
        public long UpSince { get; set; }
        public bool TwoWay { get; set; }
        public long Hellos { get; set; }
    }

    private readonly FleetConfig _fleet;
    private readonly IActorRef _qfpClient;
    private readonly FleetProbeChannel _channel;
    private readonly IReadOnlyList<Ipv4Cidr> _shared;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<(int Interface, string Router), Neighbor> _neighbors = new();
    private readonly long _deadTicks;
    private IPuntPort? _port;
    private UidbTable? _interfaces;
    private PublishLinkState? _published;
    private IActorRef? _publishedTo;

    public FleetAdjacencyActor(FleetConfig fleet, IActorRef qfpClient, FleetProbeChannel channel, IReadOnlyList<StaticRouteConfig> staticRoutes)
    {
        _fleet = fleet;
        _qfpClient = qfpClient;
        _channel = channel;
        _deadTicks = (long)(fleet.ProbeInterval.TotalSeconds * fleet.ProbeDeadIntervals * Stopwatch.Frequency);
        _shared = [.. staticRoutes.Where(r => r.Share).Select(r => new Ipv4Cidr(r.Prefix.Network, r.Prefix.PrefixLength)).Distinct()];
        Receive<PuntPortLent>(m =>
        {
            _port = m.Port;
            OnTick();
        });
        Receive<Tick>(_ => OnTick());
        Receive<FleetHelloReceived>(OnHello);
        Receive<GetFleetNeighbors>(_ => Sender.Tell(Neighbors()));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(FleetConfig fleet, IActorRef qfpClient, FleetProbeChannel channel, IReadOnlyList<StaticRouteConfig> staticRoutes) =>
        Akka.Actor.Props.Create(() => new FleetAdjacencyActor(fleet, qfpClient, channel, staticRoutes));

    /// <summary>The supervisor child the host registers when the fleet is on.</summary>
    public static ControlPlaneChild Child(FleetProbeChannel channel) =>
        new(ChildName, context => Props(context.Config.Fleet, context.QfpClient, channel, context.Config.StaticRoutes));

    protected override void PreStart()
    {
        _channel.AttachAdjacency(Self);
        _qfpClient.Tell(LendPuntPort.Instance, Self);
        Timers.StartPeriodicTimer(nameof(Tick), Tick.Instance, _fleet.ProbeInterval);
    }

    private void OnTick()
    {
        if (_port is null)
        {
            return;
        }
        var interfaces = _port.Interfaces;
        _interfaces = interfaces;
        var now = Stopwatch.GetTimestamp();
        ExpireNeighbors(interfaces, now);
        foreach (var index in interfaces.RegisteredIndices)
        {
            SendHello(interfaces, index);
        }
        Publish();
    }

    /// <summary>Drops neighbours not heard within the dead time, and those of interfaces that went down or changed subnet; true when an adjacency went.</summary>
    private bool ExpireNeighbors(UidbTable interfaces, long now)
    {
        List<(int, string)>? gone = null;
        bool adjacencyLost = false;
        foreach (var (key, neighbor) in _neighbors)
        {
            string? why = null;
            if (!Probed(interfaces, neighbor.InterfaceIndex, out var subnet))
            {
                why = "its interface is down";
            }
            else if (!subnet.Contains(neighbor.Address))
            {
                why = "its interface's subnet changed";
            }
            else if (now - neighbor.LastHeard > _deadTicks)
            {
                why = $"no hello for {(now - neighbor.LastHeard) * 1000 / Stopwatch.Frequency} ms";
            }
            if (why is null)
            {
                continue;
            }
            (gone ??= []).Add(key);
            if (neighbor.TwoWay)
            {
                adjacencyLost = true;
                _log.Info("fleet: adjacency to {0} ({1}) on {2} down: {3}", neighbor.Router, Ipv4Text.Format(neighbor.Address), InterfaceName(neighbor.InterfaceIndex), why);
            }
        }
        if (gone is not null)
        {
            foreach (var key in gone)
            {
                _neighbors.Remove(key);
            }
        }
        return adjacencyLost;
    }

    private void OnHello(FleetHelloReceived m)
    {
        var interfaces = _interfaces ?? _port?.Interfaces;
        if (interfaces is null || m.Hello.Router == _fleet.RouterName
            || !Probed(interfaces, m.RxInterface, out var subnet) || !subnet.Contains(m.Source) || m.Source == subnet.Address)
        {
            // Not a neighbour on this link: another subnet's member on a shared segment, or an echo of our own.
            return;
        }
        var now = Stopwatch.GetTimestamp();
        var key = (m.RxInterface, m.Hello.Router);
        bool isNew = !_neighbors.TryGetValue(key, out var neighbor);
        if (neighbor is null)
        {
            neighbor = new Neighbor(m.Hello.Router, m.RxInterface, m.Source);
            _neighbors.Add(key, neighbor);
        }
        bool moved = neighbor.Address != m.Source;
        neighbor.Address = m.Source;
        neighbor.LastHeard = now;
        neighbor.Hellos++;
        bool hearsUs = false;
        foreach (var heard in m.Hello.Heard)
        {
            if (heard == _fleet.RouterName)
            {
                hearsUs = true;
                break;
            }
        }
        bool changed = moved && neighbor.TwoWay;
        if (hearsUs != neighbor.TwoWay)
        {
            neighbor.TwoWay = hearsUs;
            neighbor.UpSince = hearsUs ? now : 0;
            changed = true;
            _log.Info("fleet: adjacency to {0} ({1}) on {2} {3}", neighbor.Router, Ipv4Text.Format(neighbor.Address), InterfaceName(m.RxInterface),
                hearsUs ? "up" : "down: its hello no longer lists this router");
        }
        if (isNew)
        {
            // Answer at once: the neighbour learns it is heard without waiting for the next interval.
            SendHello(interfaces, m.RxInterface);
        }
        if (changed)
        {
            Publish();
        }
    }

    private void SendHello(UidbTable interfaces, int index)
    {
        if (_port is null || !Probed(interfaces, index, out var subnet))
        {
            return;
        }
        var heard = new List<string>();
        foreach (var neighbor in _neighbors.Values)
        {
            if (neighbor.InterfaceIndex == index)
            {
                heard.Add(neighbor.Router);
            }
        }
        var frame = FleetHelloCodec.EncodeFrame(interfaces.Macs[index], subnet.Address, new FleetHello(_fleet.Name, _fleet.RouterName, heard));
        _port.Inject(index, frame);
    }

    /// <summary>Publishes the link state when it differs from the last one published, or the link-state actor is a new one.</summary>
    private void Publish()
    {
        if (_channel.LinkState is not { } linkState || _interfaces is not { } interfaces)
        {
            return;
        }
        var state = CurrentState(interfaces);
        if (_published is not null && ReferenceEquals(linkState, _publishedTo) && Same(_published, state))
        {
            return;
        }
        linkState.Tell(state, Self);
        _published = state;
        _publishedTo = linkState;
    }

    private PublishLinkState CurrentState(UidbTable interfaces)
    {
        var connected = new List<Ipv4Cidr>();
        foreach (var uidb in interfaces.All)
        {
            if (uidb.Ipv4Address != 0 && interfaces.Up[uidb.Index])
            {
                var prefix = new Ipv4Cidr(uidb.Ipv4Address, uidb.Ipv4PrefixLength);
                var network = new Ipv4Cidr(prefix.Network, prefix.PrefixLength);
                if (!connected.Contains(network))
                {
                    connected.Add(network);
                }
            }
        }
        connected.Sort(static (a, b) => a.Address != b.Address ? a.Address.CompareTo(b.Address) : a.PrefixLength.CompareTo(b.PrefixLength));
        var adjacencies = new List<LinkStateAdjacency>();
        foreach (var neighbor in _neighbors.Values)
        {
            if (neighbor.TwoWay)
            {
                adjacencies.Add(new LinkStateAdjacency(neighbor.Router, neighbor.Address));
            }
        }
        adjacencies.Sort(static (a, b) => a.NeighborAddress != b.NeighborAddress ? a.NeighborAddress.CompareTo(b.NeighborAddress) : string.CompareOrdinal(a.Neighbor, b.Neighbor));
        return new PublishLinkState(connected, adjacencies, _shared);
    }

    private static bool Same(PublishLinkState a, PublishLinkState b) =>
        a.Connected.SequenceEqual(b.Connected) && a.Adjacencies.SequenceEqual(b.Adjacencies) && a.SharedStaticRoutes.SequenceEqual(b.SharedStaticRoutes);

    /// <summary>Whether <paramref name="index"/> is an up, untagged physical interface with an IPv4 address: one probes go out of.</summary>
    private static bool Probed(UidbTable interfaces, int index, out Ipv4Cidr subnet)
    {
        subnet = default;
        if (interfaces[index] is not { } uidb || uidb.IsSubinterface || uidb.IsTunnel || uidb.Ipv4Address == 0
            || !interfaces.Up[index] || uidb.Ipv4PrefixLength is < 1 or > 31)
        {
            return false;
        }
        subnet = new Ipv4Cidr(uidb.Ipv4Address, uidb.Ipv4PrefixLength);
        return true;
    }

    private string InterfaceName(int index) => _interfaces?[index]?.Name ?? $"interface {index}";

    private FleetNeighborList Neighbors()
    {
        var now = Stopwatch.GetTimestamp();
        var list = _neighbors.Values
            .Select(n => new FleetNeighbor(n.Router, InterfaceName(n.InterfaceIndex), n.Address, n.TwoWay,
                (now - n.LastHeard) * 1000 / Stopwatch.Frequency, n.TwoWay ? (now - n.UpSince) / Stopwatch.Frequency : 0, n.Hellos))
            .OrderBy(n => n.Interface, StringComparer.Ordinal).ThenBy(n => n.Router, StringComparer.Ordinal)
            .ToList();
        return new FleetNeighborList(list, _fleet.ProbeInterval, _fleet.ProbeDeadIntervals, _channel.Received, _channel.Foreign, _channel.Malformed);
    }
}
