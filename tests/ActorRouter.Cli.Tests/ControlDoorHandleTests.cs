using ActorRouter.Control.Contracts;
using ActorRouter.ControlPlane.Commands;
using ActorRouter.Host;
using Akka.Actor;
using Akka.Event;
using Akka.Remote.Transport;
using Google.Protobuf;

namespace ActorRouter.Cli.Tests;

/// <summary>
/// The door's association handle: it registers with the transport at once and holds what passes until
/// Akka's protocol layer attaches; and the endpoint as a whole answers a client that speaks the moment
/// its handshake is done, connection after connection.
/// </summary>
public sealed class ControlDoorHandleTests
{
    private static readonly Address Local = new("akka.ssl.tcp", "actorrouter", "127.0.0.1", 4053);
    private static readonly Address Remote = new("akka.ssl.tcp", "arctl", "127.0.0.1", 40000);

    /// <summary>The transport's side of an association: only what the door touches.</summary>
    private sealed class TransportHandle() : AssociationHandle(Local, Remote)
    {
        public override bool Write(ByteString payload) => true;

        [Obsolete("Use the method that states reasons to make sure disassociation reasons are logged.")]
        public override void Disassociate()
        {
        }
    }

    /// <summary>What reached the protocol layer, in order.</summary>
    private sealed class Recorder : IHandleEventListener
    {
        public List<IHandleEvent> Events { get; } = new();

        public void Notify(IHandleEvent ev) => Events.Add(ev);
    }

    /// <summary>An association control frame (no payload): instruction <paramref name="command"/> (1 associate, 3 heartbeat).</summary>
    private static InboundPayload Control(int command) =>
        new(ByteString.CopyFrom(new ProtobufWriter().Message(2, new ProtobufWriter().UInt(1, (ulong)command)).ToArray()));

    /// <summary>A message frame to one of the router's own actors: the door drops it.</summary>
    private static InboundPayload ToFman()
    {
        var envelope = new ProtobufWriter()
            .Message(1, new ProtobufWriter().String(1, "akka.ssl.tcp://actorrouter@127.0.0.1:4053/user/router/fman"))
            .Message(2, new ProtobufWriter().Bytes(1, [1, 2, 3]).UInt(2, 1).String(3, ""))
            .Fixed64(5, ulong.MaxValue);
        return new(ByteString.CopyFrom(new ProtobufWriter().Bytes(1, new ProtobufWriter().Message(2, envelope).ToArray()).ToArray()));
    }

    [Fact]
    public async Task Frames_that_arrive_before_the_protocol_layer_attaches_reach_it_in_order_and_the_door_still_drops_what_it_must()
    {
        var statistics = new ControlEndpointStatistics();
        var transport = new TransportHandle();
        var door = new DoorHandle(transport, new ControlDoorFilter(statistics, NoLogger.Instance));

        // Registered with the transport before anyone asked: nothing the transport reads is dropped for want of a listener.
        Assert.True(transport.ReadHandlerSource.Task.IsCompletedSuccessfully);
        var early = await transport.ReadHandlerSource.Task;
        var associate = Control(1);
        var heartbeat = Control(3);
        early.Notify(associate);
        early.Notify(ToFman());
        early.Notify(heartbeat);
        Assert.Equal(1, statistics.Dropped(ControlDropReason.Recipient));

        var protocol = new Recorder();
        door.ReadHandlerSource.SetResult(protocol);
        Assert.Equal([associate, heartbeat], protocol.Events);

        var later = Control(3);
        early.Notify(later);
        var gone = new Disassociated(DisassociateInfo.Unknown);
        early.Notify(gone);
        Assert.Equal([associate, heartbeat, later, gone], protocol.Events);
    }

    [Fact]
    public async Task A_peer_that_floods_before_its_association_is_ready_has_the_excess_dropped_and_counted()
    {
        var statistics = new ControlEndpointStatistics();
        var transport = new TransportHandle();
        var door = new DoorHandle(transport, new ControlDoorFilter(statistics, NoLogger.Instance));
        Assert.True(transport.ReadHandlerSource.Task.IsCompletedSuccessfully);
        var early = await transport.ReadHandlerSource.Task;
        for (var i = 0; i < DoorHandle.FilteringListener.EarlyEventLimit + 10; i++)
        {
            early.Notify(Control(3));
        }
        var protocol = new Recorder();
        door.ReadHandlerSource.SetResult(protocol);

        Assert.Equal(DoorHandle.FilteringListener.EarlyEventLimit, protocol.Events.Count);
        Assert.Equal(10, statistics.Dropped(ControlDropReason.Frame));
    }

    [Fact]
    public async Task Twenty_fresh_connections_in_a_row_each_get_the_routers_associate_to_the_one_arctl_sends_right_after_its_handshake()
    {
        // arctl sends its associate the moment it has the router's last handshake message and then sends
        // nothing until the router answers: an answer held back for a later packet from arctl would hang
        // here until the connect timeout.
        await using var router = await InProcessRouter.StartAsync();
        using var credential = LoadedCredential.Load(new ClientCertificate(router.AdminCredential, null));
        var address = RouterAddress.Parse(router.Router);
        for (var i = 0; i < 20; i++)
        {
            await using var connection = await RouterConnection.ConnectAsync(address, TimeSpan.FromSeconds(20), credential);
        }
    }
}
