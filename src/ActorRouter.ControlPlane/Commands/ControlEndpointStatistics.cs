using Akka.Actor;

namespace ActorRouter.ControlPlane.Commands;

/// <summary>Why the control endpoint dropped a remote message before it reached any actor.</summary>
public enum ControlDropReason
{
    /// <summary>Addressed to another actor than the command gateway (router, fman, qfp-client, /remote, the root for a selection).</summary>
    Recipient,

    /// <summary>Names one of the router's own actors as its sender, so that the reply would go to that actor.</summary>
    Sender,

    /// <summary>
    /// Encoded by another serializer than the contract serializer: Kill, PoisonPill, Identify, actor
    /// selections, system messages (watch, unwatch), remote deployment, polymorphic JSON, and so on.
    /// </summary>
    Serializer,

    /// <summary>The contract serializer with a manifest that is not a command contract.</summary>
    Manifest,

    /// <summary>A contract manifest whose payload does not decode as that contract.</summary>
    Payload,

    /// <summary>Not a well-formed Akka protocol frame.</summary>
    Frame,
}

/// <summary>
/// What the control endpoint's door dropped, by reason; the gateway shows it in <c>show control
/// endpoint</c>. One instance per actor system (an Akka extension), so that the transport adapter
/// that drops and the gateway that reports find the same counters.
/// </summary>
public sealed class ControlEndpointStatistics : IExtension
{
    private readonly long[] _dropped = new long[Enum.GetValues<ControlDropReason>().Length];

    /// <summary>The frame size limit the endpoint was started with, in bytes (0 before it started).</summary>
    public long MaximumFrameSize { get; set; }

    public static ControlEndpointStatistics For(ActorSystem system) =>
        system.WithExtension<ControlEndpointStatistics, ControlEndpointStatisticsId>();

    /// <returns>The count for <paramref name="reason"/> after this drop.</returns>
    public long CountDrop(ControlDropReason reason) => Interlocked.Increment(ref _dropped[(int)reason]);

    public long Dropped(ControlDropReason reason) => Volatile.Read(ref _dropped[(int)reason]);

    public long TotalDropped
    {
        get
        {
            long total = 0;
            foreach (var reason in Enum.GetValues<ControlDropReason>())
            {
                total += Dropped(reason);
            }
            return total;
        }
    }
}

public sealed class ControlEndpointStatisticsId : ExtensionIdProvider<ControlEndpointStatistics>
{
    public override ControlEndpointStatistics CreateExtension(ExtendedActorSystem system) => new();
}
