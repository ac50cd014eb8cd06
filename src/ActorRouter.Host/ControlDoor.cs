using System.Text;
using ActorRouter.Control.Contracts;
using ActorRouter.ControlPlane.Commands;
using Akka.Actor;
using Akka.Event;
using Akka.Remote.Transport;
using Google.Protobuf;

namespace ActorRouter.Host;

/// <summary>
/// The control endpoint's one door: a transport adapter between the TCP transport and Akka's
/// protocol layer that looks at every inbound frame before Akka decodes it. A frame carrying a
/// message passes only when it is addressed to the command gateway, is encoded by the
/// <see cref="ContractSerializer"/> under a contract manifest, decodes as that contract, and does not
/// name one of the router's own actors as its sender. Everything else — Kill, PoisonPill, Identify,
/// selections, system messages (watch), remote deployment, other serializers, other paths — is
/// dropped and counted in <see cref="ControlEndpointStatistics"/>, so no actor and no polymorphic
/// deserializer ever sees it. Association control frames (handshake, heartbeat, disassociate) and
/// bare acknowledgements pass.
/// </summary>
public sealed class ControlDoorProvider : ITransportAdapterProvider
{
    public const string AdapterName = "actorrouter-door";

    public Akka.Remote.Transport.Transport Create(Akka.Remote.Transport.Transport wrappedTransport, ExtendedActorSystem system) =>
        new ControlDoorTransport(wrappedTransport, system);
}

internal sealed class ControlDoorTransport : Akka.Remote.Transport.Transport
{
    private readonly Akka.Remote.Transport.Transport _wrapped;
    private readonly ControlDoorFilter _filter;

    public ControlDoorTransport(Akka.Remote.Transport.Transport wrapped, ExtendedActorSystem system)
    {
        _wrapped = wrapped;
        System = system;
        Config = wrapped.Config;
        // The same scheme as the transport underneath, so that addresses (akka.tcp, akka.ssl.tcp) stay as they were.
        SchemeIdentifier = wrapped.SchemeIdentifier;
        MaximumPayloadBytes = wrapped.MaximumPayloadBytes;
        _filter = new ControlDoorFilter(ControlEndpointStatistics.For(system), Akka.Event.Logging.GetLogger(system, typeof(ControlDoorTransport)));
    }

    public override async Task<(Address, TaskCompletionSource<IAssociationEventListener>)> Listen()
    {
        var (address, wrappedListener) = await _wrapped.Listen().ConfigureAwait(false);
        var upstream = new TaskCompletionSource<IAssociationEventListener>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = upstream.Task.ContinueWith(
            t => wrappedListener.TrySetResult(new DoorAssociationListener(t.Result, _filter)),
            CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return (address, upstream);
    }

    public override bool IsResponsibleFor(Address remote) => _wrapped.IsResponsibleFor(remote);

    public override async Task<AssociationHandle> Associate(Address remoteAddress) =>
        new DoorHandle(await _wrapped.Associate(remoteAddress).ConfigureAwait(false), _filter);

    public override Task<bool> Shutdown() => _wrapped.Shutdown();

    public override Task<bool> ManagementCommand(object message) => _wrapped.ManagementCommand(message);

    private sealed class DoorAssociationListener(IAssociationEventListener upstream, ControlDoorFilter filter) : IAssociationEventListener
    {
        public void Notify(IAssociationEvent ev) =>
            upstream.Notify(ev is InboundAssociation inbound ? new InboundAssociation(new DoorHandle(inbound.Association, filter)) : ev);
    }
}

/// <summary>An association whose inbound frames go through the door before the protocol layer sees them.</summary>
/// <remarks>
/// The door registers its listener with the TCP transport the moment the association exists, not when
/// Akka's protocol layer gets round to registering its own. The transport drops every frame that
/// arrives while no listener is registered, and its TLS layer reads the first frames (arctl's
/// associate, sent right after the handshake) on its own, whatever Akka's read gating says: a client
/// whose handshake finished before the protocol layer was ready (the first connection into a fresh
/// router, or any on a loaded machine) lost its associate and waited for nothing. Frames that pass the
/// door before the protocol layer is ready wait here, in order, and go up when it registers.
/// </remarks>
internal sealed class DoorHandle : AssociationHandle
{
    private readonly AssociationHandle _wrapped;

    public DoorHandle(AssociationHandle wrapped, ControlDoorFilter filter) : base(wrapped.LocalAddress, wrapped.RemoteAddress)
    {
        _wrapped = wrapped;
        ReadHandlerSource ??= new TaskCompletionSource<IHandleEventListener>();
        var listener = new FilteringListener(filter, wrapped.LocalAddress, wrapped.RemoteAddress);
        _wrapped.ReadHandlerSource.TrySetResult(listener);
        _ = ReadHandlerSource.Task.ContinueWith(
            t => listener.Attach(t.Result),
            CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public override bool Write(ByteString payload) => _wrapped.Write(payload);

    // Akka calls this abstract member from Disassociate(reason, log) after logging the reason.
    [Obsolete("Use the method that states reasons to make sure disassociation reasons are logged.")]
    public override void Disassociate() => _wrapped.Disassociate();

    /// <summary>
    /// The door for one association. Until the protocol layer attaches, what passes waits in a bounded
    /// queue; a peer that sends more than that before its association is ready is dropped and counted.
    /// </summary>
    internal sealed class FilteringListener(ControlDoorFilter filter, Address local, Address remote) : IHandleEventListener
    {
        /// <summary>Far more than the handshake and first requests of any honest client.</summary>
        internal const int EarlyEventLimit = 64;

        private readonly Lock _gate = new();
        private readonly Queue<IHandleEvent> _early = new();
        private IHandleEventListener? _upstream;

        /// <summary>The protocol layer's listener: what waited goes up first, in order, then everything as it comes.</summary>
        public void Attach(IHandleEventListener upstream)
        {
            lock (_gate)
            {
                while (_early.TryDequeue(out var waiting))
                {
                    upstream.Notify(waiting);
                }
                _upstream = upstream;
            }
        }

        public void Notify(IHandleEvent ev)
        {
            if (ev is InboundPayload payload && !filter.Admit(payload.Payload.Span, local, remote))
            {
                return;
            }
            lock (_gate)
            {
                if (_upstream is { } upstream)
                {
                    upstream.Notify(ev);
                }
                else if (_early.Count < EarlyEventLimit || ev is not InboundPayload)
                {
                    _early.Enqueue(ev);
                }
                else
                {
                    filter.DropEarly(remote);
                }
            }
        }
    }
}

/// <summary>The door's decision for one inbound frame (an AkkaProtocolMessage), read with a minimal protobuf reader.</summary>
public sealed class ControlDoorFilter(ControlEndpointStatistics statistics, ILoggingAdapter log)
{
    /// <returns>True to pass the frame on; false when it was dropped (and counted).</returns>
    public bool Admit(ReadOnlySpan<byte> frame, Address local, Address remote)
    {
        var reason = Judge(frame, local, out var detail);
        if (reason is null)
        {
            return true;
        }
        var count = statistics.CountDrop(reason.Value);
        // A flood must not flood the log too: the first few of each reason, then every power of two.
        if (count <= 8 || (count & (count - 1)) == 0)
        {
            log.Warning("control endpoint: dropped a message from {0} ({1}: {2}); {3} dropped for this reason so far",
                remote, reason.Value, detail, count);
        }
        return false;
    }

    /// <summary>Counts a frame that passed the door but arrived, beyond the early queue's bound, before its association was ready.</summary>
    public void DropEarly(Address remote)
    {
        var count = statistics.CountDrop(ControlDropReason.Frame);
        if (count <= 8 || (count & (count - 1)) == 0)
        {
            log.Warning("control endpoint: dropped a message from {0} (frame: more than {1} before its association was ready); {2} dropped for this reason so far",
                remote, DoorHandle.FilteringListener.EarlyEventLimit, count);
        }
    }

    /// <summary>Null when <paramref name="frame"/> may pass; otherwise why it is dropped, with a detail for the log.</summary>
    /// <param name="local">The router's endpoint address (a sender there would make the reply go to one of its actors).</param>
    public static ControlDropReason? Judge(ReadOnlySpan<byte> frame, Address local, out string detail)
    {
        detail = "";
        // AkkaProtocolMessage { bytes payload = 1; AkkaControlMessage instruction = 2; }
        if (!ProtobufWire.TryFindBytes(frame, 1, out var payload, out var present))
        {
            detail = "unreadable protocol frame";
            return ControlDropReason.Frame;
        }
        if (!present)
        {
            return null; // association control: handshake, heartbeat, disassociate
        }
        // AckAndEnvelopeContainer { AcknowledgementInfo ack = 1; RemoteEnvelope envelope = 2; }
        if (!ProtobufWire.TryFindBytes(payload, 2, out var envelope, out present))
        {
            detail = "unreadable envelope container";
            return ControlDropReason.Frame;
        }
        if (!present)
        {
            return null; // a bare acknowledgement of the router's own system messages
        }
        // RemoteEnvelope { ActorRefData recipient = 1; Payload message = 2; ActorRefData sender = 4; fixed64 seq = 5; }
        if (!ProtobufWire.TryFindBytes(envelope, 1, out var recipientData, out _)
            || !ProtobufWire.TryFindBytes(recipientData, 1, out var recipientPath, out _)
            || !ProtobufWire.TryFindBytes(envelope, 2, out var message, out var hasMessage) || !hasMessage
            || !ProtobufWire.TryFindBytes(envelope, 4, out var senderData, out var hasSender))
        {
            detail = "unreadable envelope";
            return ControlDropReason.Frame;
        }
        var recipient = Encoding.UTF8.GetString(recipientPath);
        if (!IsGateway(recipient))
        {
            detail = $"to {Shorten(recipient)}";
            return ControlDropReason.Recipient;
        }
        if (hasSender)
        {
            if (!ProtobufWire.TryFindBytes(senderData, 1, out var senderPath, out _))
            {
                detail = "unreadable sender";
                return ControlDropReason.Frame;
            }
            var sender = Encoding.UTF8.GetString(senderPath);
            if (sender.Length != 0 && !IsForeign(sender, local))
            {
                detail = $"sender {Shorten(sender)}";
                return ControlDropReason.Sender;
            }
        }
        // Payload { bytes message = 1; int32 serializerId = 2; bytes messageManifest = 3; }
        if (!ProtobufWire.TryFindVarint(message, 2, out var serializerId)
            || !ProtobufWire.TryFindBytes(message, 3, out var manifestBytes, out _)
            || !ProtobufWire.TryFindBytes(message, 1, out var body, out _))
        {
            detail = "unreadable payload";
            return ControlDropReason.Frame;
        }
        if (serializerId != ContractSerializer.Id)
        {
            detail = $"serializer id {serializerId}";
            return ControlDropReason.Serializer;
        }
        var manifest = Encoding.UTF8.GetString(manifestBytes);
        if (!ContractSerializer.IsKnownManifest(manifest))
        {
            detail = $"manifest '{Shorten(manifest)}'";
            return ControlDropReason.Manifest;
        }
        try
        {
            ContractSerializer.Decode(body, manifest);
        }
        catch (System.Runtime.Serialization.SerializationException e)
        {
            detail = Shorten(e.Message);
            return ControlDropReason.Payload;
        }
        return null;
    }

    /// <summary>"akka.tcp://actorrouter@host:port/user/control/cli-gateway", optionally with "#uid".</summary>
    private static bool IsGateway(string path)
    {
        var scheme = path.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
        {
            return false;
        }
        var slash = path.IndexOf('/', scheme + 3);
        if (slash < 0)
        {
            return false;
        }
        var local = path.AsSpan(slash);
        var hash = local.IndexOf('#');
        if (hash >= 0)
        {
            foreach (var c in local[(hash + 1)..])
            {
                if (c is < '0' or > '9' && c != '-')
                {
                    return false;
                }
            }
            local = local[..hash];
        }
        return local.SequenceEqual(CommandGatewayAddress.ActorPath);
    }

    /// <summary>A sender on another system than this router's endpoint (a reply to it leaves the router).</summary>
    private static bool IsForeign(string path, Address local) =>
        ActorPath.TryParseAddress(path, out var address) && address.Host is not null
        && !(address.Port == local.Port && string.Equals(address.System, CommandGatewayAddress.SystemName, StringComparison.Ordinal));

    private static string Shorten(string text) => text.Length <= 120 ? text : text[..120] + "…";
}
