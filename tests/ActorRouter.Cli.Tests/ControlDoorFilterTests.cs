using System.Text;
using ActorRouter.Control.Contracts;
using ActorRouter.ControlPlane.Commands;
using ActorRouter.Host;
using Akka.Actor;

namespace ActorRouter.Cli.Tests;

/// <summary>The door's decision on exact frames, built field by field as Akka.Remote lays them out.</summary>
public sealed class ControlDoorFilterTests
{
    private static readonly Address Local = new("akka.tcp", "actorrouter", "127.0.0.1", 4053);
    private const string Gateway = "akka.tcp://actorrouter@127.0.0.1:4053/user/control/cli-gateway";
    private const string Client = "akka.tcp://arctl@127.0.0.1:40000/temp/arctl1";

    private static byte[] Frame(string recipient, int serializerId, string manifest, byte[] body, string? sender = Client)
    {
        var envelope = new ProtobufWriter()
            .Message(1, new ProtobufWriter().String(1, recipient))
            .Message(2, new ProtobufWriter().Bytes(1, body).UInt(2, (ulong)serializerId).String(3, manifest));
        if (sender is not null)
        {
            envelope.Message(4, new ProtobufWriter().String(1, sender));
        }
        envelope.Fixed64(5, ulong.MaxValue);
        return new ProtobufWriter().Bytes(1, new ProtobufWriter().Message(2, envelope).ToArray()).ToArray();
    }

    private static byte[] Json(string text) => Encoding.UTF8.GetBytes(text);

    private static ControlDropReason? Judge(byte[] frame) => ControlDoorFilter.Judge(frame, Local, out _);

    [Fact]
    public void A_contract_request_to_the_gateway_passes_with_or_without_a_uid_and_without_a_sender()
    {
        var body = Json("""{"Interface":"gi1","Shutdown":true}""");
        Assert.Null(Judge(Frame(Gateway, ContractCodec.SerializerId, "SetShutdownRequest", body)));
        Assert.Null(Judge(Frame(Gateway + "#1234", ContractCodec.SerializerId, "SetShutdownRequest", body)));
        Assert.Null(Judge(Frame(Gateway, ContractCodec.SerializerId, "ShowIpRouteRequest", Json("{}"), sender: null)));
    }

    [Fact]
    public void Association_control_frames_and_bare_acknowledgements_pass()
    {
        var heartbeat = new ProtobufWriter().Message(2, new ProtobufWriter().UInt(1, 3)).ToArray();
        var ack = new ProtobufWriter().Bytes(1, new ProtobufWriter().Message(1, new ProtobufWriter().Fixed64(1, 7)).ToArray()).ToArray();
        Assert.Null(Judge(heartbeat));
        Assert.Null(Judge(ack));
    }

    [Theory]
    [InlineData("akka.tcp://actorrouter@127.0.0.1:4053/user/router")]
    [InlineData("akka.tcp://actorrouter@127.0.0.1:4053/user/router/fman")]
    [InlineData("akka.tcp://actorrouter@127.0.0.1:4053/user/router/qfp-client")]
    [InlineData("akka.tcp://actorrouter@127.0.0.1:4053/")]
    [InlineData("akka.tcp://actorrouter@127.0.0.1:4053/remote")]
    [InlineData("akka.tcp://actorrouter@127.0.0.1:4053/user/control/cli-gateway/$a")]
    [InlineData("akka.tcp://actorrouter@127.0.0.1:4053/user/control/cli-gateway#x1")]
    [InlineData("/user/control/cli-gateway")]
    public void Anything_addressed_elsewhere_is_dropped_for_its_recipient(string recipient) =>
        Assert.Equal(ControlDropReason.Recipient, Judge(Frame(recipient, ContractCodec.SerializerId, "ShowIpRouteRequest", Json("{}"))));

    [Theory]
    [InlineData(1, "")] // Akka's polymorphic JSON (Newtonsoft): the type name would be in the payload
    [InlineData(16, "K")] // Kill / PoisonPill / Identify (MiscMessageSerializer)
    [InlineData(6, "")] // an actor selection container
    [InlineData(22, "")] // system messages (watch, unwatch)
    [InlineData(3, "")] // remote deployment
    [InlineData(-5, "ShowIpRouteRequest")] // Hyperion, or any other
    public void Any_other_serializer_is_dropped(int serializerId, string manifest) =>
        Assert.Equal(ControlDropReason.Serializer, Judge(Frame(Gateway, serializerId, manifest, Json("{}"))));

    [Fact]
    public void A_type_name_is_never_resolved_and_a_bad_payload_never_reaches_the_gateway()
    {
        Assert.Equal(ControlDropReason.Manifest, Judge(Frame(Gateway, ContractCodec.SerializerId,
            "System.Diagnostics.Process, System.Diagnostics.Process", Json("{}"))));
        Assert.Equal(ControlDropReason.Payload, Judge(Frame(Gateway, ContractCodec.SerializerId, "SetMtuRequest", Json("{\"Mtu\":\"x\"}"))));
        Assert.Equal(ControlDropReason.Payload, Judge(Frame(Gateway, ContractCodec.SerializerId, "SetMtuRequest", Json("null"))));
    }

    [Theory]
    [InlineData("akka.tcp://actorrouter@127.0.0.1:4053/user/router/fman")]
    [InlineData("akka.tcp://actorrouter@localhost:4053/user/router")]
    [InlineData("/user/router/fman")]
    public void A_sender_naming_the_routers_own_actors_is_dropped(string sender) =>
        Assert.Equal(ControlDropReason.Sender, Judge(Frame(Gateway, ContractCodec.SerializerId, "ShowIpRouteRequest", Json("{}"), sender)));

    [Fact]
    public void Truncated_or_garbled_frames_are_dropped_as_frames()
    {
        var good = Frame(Gateway, ContractCodec.SerializerId, "ShowIpRouteRequest", Json("{}"));
        Assert.Equal(ControlDropReason.Frame, Judge(good[..^3]));
        Assert.Equal(ControlDropReason.Frame, Judge([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]));
        Assert.Equal(ControlDropReason.Frame, Judge([0x0f]));
    }
}
