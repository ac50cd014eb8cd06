using ActorRouter.Control.Contracts;
using ActorRouter.ControlPlane.Credentials;
using Akka.Actor;
using Akka.Serialization;

namespace ActorRouter.ControlPlane.Fleet;

// Messages between the command gateway (in the router's actor system) and the fleet actor (in the
// fleet's actor system, in the same process). None of them is ever serialized: the fleet system's
// remoting carries only the control contracts (a caller's SignedRequest and the replies) between
// fleet actors, and Akka's own cluster messages.

/// <summary>How the gateway reaches the fleet: the fleet actor, this router's name in the fleet, and whether its membership still runs.</summary>
public sealed record FleetLink(IActorRef Fleet, string RouterName, FleetMembership Membership)
{
    /// <summary>The fleet system's link-state actor (show fleet routes, show fleet database); null when fleet routing is not wired.</summary>
    public IActorRef? LinkState { get; init; }

    /// <summary>The router system's adjacency prober (show fleet neighbors); null when fleet routing is not wired.</summary>
    public Probes.FleetProbeChannel? Probes { get; init; }
}

/// <summary>
/// Whether this router's fleet actor system still runs. Akka stops a member's system when the cluster
/// downs it, and when a TLS handshake with a peer fails; the router goes on without it, and fleet
/// requests are refused with the reason instead of waiting for an actor that is gone.
/// </summary>
public sealed class FleetMembership
{
    private volatile string? _endedBecause;

    /// <summary>Null while the membership runs; else why it ended.</summary>
    public string? EndedBecause => _endedBecause;

    public void End(string reason) => _endedBecause = reason;
}

/// <summary>
/// Gateway → fleet actor: <paramref name="Request"/> (a <c>show fleet</c>, a <c>--node</c> or a <c>--fleet</c>
/// request) was admitted for <paramref name="Identity"/> from <paramref name="Signed"/>; answer <paramref name="ReplyTo"/>.
/// </summary>
public sealed record FleetCommand(IArctlRequest Request, SignedRequest? Signed, ClientIdentity Identity, IActorRef ReplyTo);

/// <summary>
/// Fleet actor → gateway: another member carried a caller's <paramref name="Signed"/> request here.
/// The gateway admits it as it admits arctl's own (signature, clock, nonce, role) and answers the sender.
/// </summary>
/// <param name="Origin">The member it came from, for the gateway's per-client bound and the refusal log.</param>
public sealed record FleetDelivery(SignedRequest Signed, string Origin);

/// <summary>Fleet actor → gateway: this router's own part of a <c>--fleet</c> request the gateway already admitted.</summary>
public sealed record RunAdmitted(IArctlRequest Request, ClientIdentity Identity);

/// <summary>The host → fleet actor, once the gateway exists.</summary>
public sealed record AttachGateway(IActorRef Gateway);

/// <summary>
/// Stands in for Akka's default (polymorphic JSON) serializer in the fleet's actor system: a member
/// may send only the control contracts and Akka's own cluster messages, never an arbitrary type (such
/// as the local messages above) named on the wire.
/// </summary>
public sealed class RefusingSerializer : Serializer
{
    public RefusingSerializer(ExtendedActorSystem system) : base(system)
    {
    }

    /// <summary>Akka creates the serializer in the json slot with that slot's settings, which this one ignores.</summary>
    public RefusingSerializer(ExtendedActorSystem system, Akka.Configuration.Config settings) : base(system)
    {
        _ = settings;
    }

    public override int Identifier => 4054;

    public override bool IncludeManifest => false;

    public override byte[] ToBinary(object obj) =>
        throw new System.Runtime.Serialization.SerializationException($"{obj.GetType().Name} is not carried between fleet members");

    public override object FromBinary(byte[] bytes, Type type) =>
        throw new System.Runtime.Serialization.SerializationException("only control contracts and cluster messages are carried between fleet members");
}
