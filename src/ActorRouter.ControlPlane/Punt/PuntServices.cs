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

    private PuntServices(IActorRef arpActor, ArpResponder arp, IcmpEchoResponder icmp, Icmpv6Responder icmpv6, PuntReader reader)
    {
        Icmpv6 = icmpv6;
        ArpActor = arpActor;
        Arp = arp;
        Icmp = icmp;
        Reader = reader;
    }

    public IActorRef ArpActor { get; }
    public ArpResponder Arp { get; }
    public IcmpEchoResponder Icmp { get; }
    public Icmpv6Responder Icmpv6 { get; }
    public PuntReader Reader { get; }

    /// <param name="forUs">A further handler for "for us" frames (the fleet's probes), or null.</param>
    public static PuntServices Start(IActorRefFactory actors, IPuntPort port, IActorRef fman, ArpSettings? settings = null, string arpActorName = "arp",
        IForUsHandler? forUs = null)
    {
        var arpActor = actors.ActorOf(Punt.ArpActor.Props(port, fman, settings), arpActorName);
        var arp = new ArpResponder(port, arpActor);
        var icmp = new IcmpEchoResponder(port);
        var icmpv6 = new Icmpv6Responder(port, (index, address, mac) => fman.Tell(new Ipv6NeighborLearned(index, address, mac), ActorRefs.NoSender));
        var reader = new PuntReader(port, arp, icmp, icmpv6: icmpv6, forUs: forUs);
        reader.Start();
        return new PuntServices(arpActor, arp, icmp, icmpv6, reader);
    }

    /// <summary>Stops the reader thread and the ARP actor, each within <paramref name="timeout"/>; true when both stopped.</summary>
    public bool Stop(TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(5);
        var readerStopped = Reader.Stop(limit);
        bool actorStopped;
        try
        {
            actorStopped = ArpActor.GracefulStop(limit).Wait(limit + TimeSpan.FromSeconds(1));
        }
        catch (AggregateException)
        {
            actorStopped = false;
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
