using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Fleet.Probes;
using ActorRouter.Packets;

namespace ActorRouter.ControlPlane.Tests.Fleet;

/// <summary>The fleet probe's wire form and the punt-thread handler that takes it.</summary>
public sealed class FleetHelloCodecTests
{
    [Fact]
    public void A_hello_is_encoded_to_exact_bytes_and_read_back()
    {
        var payload = FleetHelloCodec.EncodePayload(new FleetHello("lab", "r1", ["r2", "r4"]));
        Assert.Equal(
            new byte[] { (byte)'A', (byte)'R', (byte)'F', (byte)'H', 1, 0, 3, (byte)'l', (byte)'a', (byte)'b', 2, (byte)'r', (byte)'1', 2, 2, (byte)'r', (byte)'2', 2, (byte)'r', (byte)'4' },
            payload);
        var hello = FleetHelloCodec.TryDecodePayload(payload, out var error);
        Assert.Null(error);
        Assert.Equal(("lab", "r1"), (hello!.Fleet, hello.Router));
        Assert.Equal(["r2", "r4"], hello.Heard);
    }

    [Fact]
    public void The_frame_is_a_broadcast_udp_datagram_with_ttl_1_from_the_interface_address()
    {
        var frame = FleetHelloCodec.EncodeFrame(0x02_00_00_00_00_01, Ipv4Text.Parse("192.0.2.1"), new FleetHello("lab", "r1", []));
        Assert.Equal(MacAddress.Broadcast, MacAddress.Read(frame));
        Assert.True(Ipv4Header.TryParse(frame.AsSpan(14), out var ip));
        Assert.Equal((Ipv4Text.Parse("192.0.2.1"), 0xFFFFFFFFu, (byte)1, IpProtocols.Udp), (ip.Source, ip.Destination, ip.Ttl, ip.Protocol));
        Assert.True(FleetHelloCodec.TryReadDatagram(frame, out var source, out var payload));
        Assert.Equal(Ipv4Text.Parse("192.0.2.1"), source);
        Assert.Equal(FleetHelloCodec.EncodePayload(new FleetHello("lab", "r1", [])), payload.ToArray());
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 }, "not a fleet hello")]
    [InlineData(new byte[] { (byte)'A', (byte)'R', (byte)'F', (byte)'H', 2, 0, 1, (byte)'x', 1, (byte)'y', 0 }, "fleet hello version 2, expected 1")]
    [InlineData(new byte[] { (byte)'A', (byte)'R', (byte)'F', (byte)'H', 1, 0, 3, (byte)'l', (byte)'a', (byte)'b', 9, (byte)'r' }, "truncated fleet hello")]
    [InlineData(new byte[] { (byte)'A', (byte)'R', (byte)'F', (byte)'H', 1, 0, 1, (byte)'x', 1, (byte)'y', 2, 1, (byte)'z' }, "truncated fleet hello")]
    public void A_malformed_hello_is_refused_with_the_reason(byte[] payload, string reason)
    {
        Assert.Null(FleetHelloCodec.TryDecodePayload(payload, out var error));
        Assert.Equal(reason, error);
    }

    [Fact]
    public void The_channel_takes_only_datagrams_to_the_probe_port_and_counts_what_it_drops()
    {
        var channel = new FleetProbeChannel("lab");
        var mac = new MacAddress(0x02_00_00_00_00_09);
        var other = PacketBuilder.Udp(mac, MacAddress.Broadcast, Ipv4Text.Parse("192.0.2.9"), 0xFFFFFFFFu, 68, 67, [1, 2, 3]);
        Assert.False(channel.TryHandle(0, other));

        Assert.True(channel.TryHandle(0, PacketBuilder.Udp(mac, MacAddress.Broadcast, Ipv4Text.Parse("192.0.2.9"), 0xFFFFFFFFu,
            FleetHelloCodec.Port, FleetHelloCodec.Port, [1, 2, 3])));
        Assert.True(channel.TryHandle(0, FleetHelloCodec.EncodeFrame(0x02_00_00_00_00_09, Ipv4Text.Parse("192.0.2.9"), new FleetHello("other", "x", []))));
        // No adjacency actor attached yet: a hello of this fleet is counted and goes nowhere.
        Assert.True(channel.TryHandle(0, FleetHelloCodec.EncodeFrame(0x02_00_00_00_00_09, Ipv4Text.Parse("192.0.2.9"), new FleetHello("lab", "r9", []))));
        Assert.Equal((1L, 1L, 1L), (channel.Malformed, channel.Foreign, channel.Received));
    }
}
