using ActorRouter.DataPlane;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.DataPlane.Ports;
using Akka.Actor;

namespace ActorRouter.ControlPlane.Punt;

/// <summary>
/// The punt path wired together for a data plane: the ARP actor (telling <c>fman</c> about
/// neighbors), the responders and the punt reader thread. Dispose stops the reader and the ARP
/// actor — both use the data plane's memory — and must come before the data plane is disposed.
/// </summary>
public sealed class PuntServices : IDisposable
{
    private bool _disposed;

    private PuntServices(IActorRef arpActor, IActorRef ipv6NeighborActor, ArpResponder arp, IcmpEchoResponder icmp, Icmpv6Responder icmpv6, PuntReader reader, IActorRef? igmpActor = null)
    {
        IgmpActor = igmpActor;
        Icmpv6 = icmpv6;
        ArpActor = arpActor;
        Ipv6NeighborActor = ipv6NeighborActor;
        Arp = arp;
        Icmp = icmp;
        Reader = reader;
    }

    public IActorRef ArpActor { get; }
    /// <summary>The IPv6 neighbour cache (<see cref="Punt.Ipv6NeighborActor"/>), a sibling of the ARP actor.</summary>
    public IActorRef Ipv6NeighborActor { get; }
    /// <summary>The router advertiser (<see cref="Ipv6RouterAdvertiser"/>).</summary>
    public IActorRef RouterAdvertiser { get; private init; } = ActorRefs.Nobody;
    /// <summary>Duplicate address detection and MLD reports for the router's addresses (<see cref="DuplicateAddressDetector"/>).</summary>
    public IActorRef AddressDetector { get; private init; } = ActorRefs.Nobody;
    public ArpResponder Arp { get; }
    public IcmpEchoResponder Icmp { get; }
    public Icmpv6Responder Icmpv6 { get; }
    public PuntReader Reader { get; }

    /// <summary>The IGMP actor (multicast routing on), or null.</summary>
    public IActorRef? IgmpActor { get; }

    /// <param name="igmp">IGMP's settings when multicast routing is on (an IGMP actor learns group members for FMAN); null: no IGMP.</param>
    /// <param name="forUs">A further handler for "for us" frames (the fleet's probes), or null.</param>
    public static PuntServices Start(IActorRefFactory actors, IPuntPort port, IActorRef fman, ArpSettings? settings = null, string arpActorName = "arp",
        Ipv6NeighborSettings? ipv6Settings = null, IReadOnlyDictionary<string, Configuration.Ipv6RaConfig>? routerAdvertisements = null,
        Configuration.IgmpConfig? igmp = null, IForUsHandler? forUs = null, IActorRef? qfpClient = null, bool detectDuplicateAddresses = true)
    {
        var arpActor = actors.ActorOf(Punt.ArpActor.Props(port, fman, settings), arpActorName);
        var ipv6NeighborActor = actors.ActorOf(Punt.Ipv6NeighborActor.Props(port, fman, ipv6Settings), arpActorName + "-ipv6");
        var arp = new ArpResponder(port, arpActor);
        var icmp = new IcmpEchoResponder(port);
        var advertiser = actors.ActorOf(Ipv6RouterAdvertiser.Props(port, routerAdvertisements ?? new Dictionary<string, Configuration.Ipv6RaConfig>()),
            arpActorName + "-ra");
        var addressStates = new Ipv6AddressStates();
        var detector = detectDuplicateAddresses
            ? actors.ActorOf(DuplicateAddressDetector.Props(port, qfpClient ?? ActorRefs.Nobody, addressStates), arpActorName + "-dad")
            : ActorRefs.Nobody;
        var icmpv6 = new Icmpv6Responder(port, ipv6NeighborActor, advertiser, detectDuplicateAddresses ? (detector, addressStates) : null);
        var igmpActor = igmp is null ? null : actors.ActorOf(Punt.IgmpActor.Props(port, fman, igmp), "igmp");
        var reader = new PuntReader(port, arp, icmp, icmpv6: icmpv6, igmp: igmpActor is null ? null : new IgmpResponder(igmpActor), forUs: forUs);
        reader.Start();
        return new PuntServices(arpActor, ipv6NeighborActor, arp, icmp, icmpv6, reader, igmpActor) { RouterAdvertiser = advertiser, AddressDetector = detector };
    }

    /// <summary>Stops the reader thread and the ARP actor, each within <paramref name="timeout"/>; true when both stopped.</summary>
    public bool Stop(TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(5);
        var readerStopped = Reader.Stop(limit);
        var actorStopped = true;
        foreach (var actor in new[] { ArpActor, Ipv6NeighborActor, RouterAdvertiser, AddressDetector, IgmpActor ?? ActorRefs.Nobody })
        {
            if (actor.IsNobody())
            {
                continue; // not started (duplicate address detection off)
            }
            try
            {
                actorStopped &= actor.GracefulStop(limit).Wait(limit + TimeSpan.FromSeconds(1));
            }
            catch (AggregateException)
            {
                actorStopped = false;
            }
        }
        return readerStopped && actorStopped;
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            Stop();
        }
    }
}
