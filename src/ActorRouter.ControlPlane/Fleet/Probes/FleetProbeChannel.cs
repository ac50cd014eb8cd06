using ActorRouter.ControlPlane.Punt;
using Akka.Actor;

namespace ActorRouter.ControlPlane.Fleet.Probes;

/// <summary>The punt thread → the adjacency actor: a fleet hello of this fleet arrived on <paramref name="RxInterface"/> from <paramref name="Source"/>.</summary>
public sealed record FleetHelloReceived(int RxInterface, uint Source, FleetHello Hello);

/// <summary>
/// What joins the router's two actor systems for fleet routing, made once by the host when the fleet is on:
/// the punt reader hands it fleet hellos (its <see cref="TryHandle"/> runs on the punt thread) and it passes
/// them to the <see cref="FleetAdjacencyActor"/> attached to it; the host attaches the fleet system's
/// link-state actor, which the adjacency actor publishes to. Either side may come and go (a restart, a fleet
/// system the cluster stopped): the references are swapped, never waited for.
/// </summary>
public sealed class FleetProbeChannel : IForUsHandler
{
    private readonly string _fleet;
    private volatile IActorRef? _adjacency;
    private volatile IActorRef? _linkState;
    private long _received;
    private long _foreign;
    private long _malformed;

    public FleetProbeChannel(string fleet) => _fleet = fleet;

    /// <summary>The link-state actor of the fleet system, once it runs.</summary>
    public IActorRef? LinkState => _linkState;

    /// <summary>The adjacency actor hellos go to, once it runs.</summary>
    public IActorRef? Adjacency => _adjacency;

    /// <summary>Hellos of this fleet handed on.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Hellos of another fleet (dropped).</summary>
    public long Foreign => Interlocked.Read(ref _foreign);

    /// <summary>Datagrams to the probe port that are not hellos this version reads (dropped).</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    public void AttachAdjacency(IActorRef adjacency) => _adjacency = adjacency;

    public void AttachLinkState(IActorRef linkState) => _linkState = linkState;

    public bool TryHandle(int rxInterface, ReadOnlySpan<byte> frame)
    {
        if (!FleetHelloCodec.TryReadDatagram(frame, out var source, out var payload))
        {
            return false;
        }
        if (FleetHelloCodec.TryDecodePayload(payload, out _) is not { } hello)
        {
            Interlocked.Increment(ref _malformed);
            return true;
        }
        if (!string.Equals(hello.Fleet, _fleet, StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _foreign);
            return true;
        }
        Interlocked.Increment(ref _received);
        _adjacency?.Tell(new FleetHelloReceived(rxInterface, source, hello), ActorRefs.NoSender);
        return true;
    }
}
