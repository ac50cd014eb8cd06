using System.Buffers.Binary;
using System.Text;
using ActorRouter.Packets;

namespace ActorRouter.ControlPlane.Fleet.Probes;

/// <summary>
/// A fleet probe's content: the fleet it belongs to, the router that sent it, and the routers that router
/// heard on the same link within the dead time (so the receiver learns whether it is heard: the two-way check).
/// </summary>
public sealed record FleetHello(string Fleet, string Router, IReadOnlyList<string> Heard);

/// <summary>
/// The wire form of <see cref="FleetHello"/>: a UDP datagram from the interface's address to 255.255.255.255
/// (Ethernet broadcast, TTL 1: it never leaves the link, and needs no ARP), source and destination port
/// <see cref="Port"/>. Payload: magic "ARFH", version 1, the fleet name, the router name, the count of heard
/// names and each name; every name is one length byte and ASCII.
/// </summary>
public static class FleetHelloCodec
{
    /// <summary>The fleet probes' UDP port (BFD's control port is 3784; this is the project's own protocol).</summary>
    public const ushort Port = 4784;

    public const byte Version = 1;

    /// <summary>At most this many heard names go into one hello (a link with more fleet members than this lists the first ones).</summary>
    public const int MaxHeard = 32;

    private const uint Magic = 0x41524648; // "ARFH"
    private const int MaxName = 64;

    public static byte[] EncodePayload(FleetHello hello)
    {
        ArgumentNullException.ThrowIfNull(hello);
        int heard = Math.Min(hello.Heard.Count, MaxHeard);
        int length = 4 + 1 + 1 + NameBytes(hello.Fleet) + NameBytes(hello.Router) + 1;
        for (int i = 0; i < heard; i++)
        {
            length += NameBytes(hello.Heard[i]);
        }
        var payload = new byte[length];
        BinaryPrimitives.WriteUInt32BigEndian(payload, Magic);
        payload[4] = Version;
        payload[5] = 0;
        int offset = 6;
        offset = WriteName(payload, offset, hello.Fleet);
        offset = WriteName(payload, offset, hello.Router);
        payload[offset++] = (byte)heard;
        for (int i = 0; i < heard; i++)
        {
            offset = WriteName(payload, offset, hello.Heard[i]);
        }
        return payload;
    }

    /// <summary>The hello as the frame to inject on an interface with <paramref name="mac"/> and <paramref name="address"/>.</summary>
    public static byte[] EncodeFrame(ulong mac, uint address, FleetHello hello) =>
        PacketBuilder.Udp(new MacAddress(mac), MacAddress.Broadcast, address, 0xFFFFFFFFu, Port, Port, EncodePayload(hello), new Ipv4Fields { Ttl = 1 });

    /// <summary>The hello in <paramref name="payload"/>; null, with <paramref name="error"/>, when it is not one this version reads.</summary>
    public static FleetHello? TryDecodePayload(ReadOnlySpan<byte> payload, out string? error)
    {
        error = null;
        if (payload.Length < 9 || BinaryPrimitives.ReadUInt32BigEndian(payload) != Magic)
        {
            error = "not a fleet hello";
            return null;
        }
        if (payload[4] != Version)
        {
            error = $"fleet hello version {payload[4]}, expected {Version}";
            return null;
        }
        int offset = 6;
        if (ReadName(payload, ref offset) is not { } fleet || ReadName(payload, ref offset) is not { } router || offset >= payload.Length)
        {
            error = "truncated fleet hello";
            return null;
        }
        int count = payload[offset++];
        var heard = new string[count];
        for (int i = 0; i < count; i++)
        {
            if (ReadName(payload, ref offset) is not { } name)
            {
                error = "truncated fleet hello";
                return null;
            }
            heard[i] = name;
        }
        return new FleetHello(fleet, router, heard);
    }

    /// <summary>
    /// When <paramref name="frame"/> (Ethernet, untagged) is a UDP datagram to <see cref="Port"/>: true, with its
    /// IPv4 source and UDP payload. Anything else: false, touching nothing.
    /// </summary>
    public static bool TryReadDatagram(ReadOnlySpan<byte> frame, out uint source, out ReadOnlySpan<byte> payload)
    {
        source = 0;
        payload = default;
        if (frame.Length < 14 + 20 + UdpHeader.Length || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != EtherTypes.Ipv4)
        {
            return false;
        }
        var ip = frame[14..];
        int headerLength = (ip[0] & 0x0F) * 4;
        if ((ip[0] >> 4) != 4 || headerLength < 20 || ip[9] != IpProtocols.Udp)
        {
            return false;
        }
        int total = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        if (total > ip.Length || total < headerLength + UdpHeader.Length)
        {
            return false;
        }
        var udp = ip[headerLength..total];
        if (BinaryPrimitives.ReadUInt16BigEndian(udp[2..]) != Port)
        {
            return false;
        }
        int udpLength = BinaryPrimitives.ReadUInt16BigEndian(udp[4..]);
        if (udpLength < UdpHeader.Length || udpLength > udp.Length)
        {
            return false;
        }
        source = BinaryPrimitives.ReadUInt32BigEndian(ip[12..]);
        payload = udp[UdpHeader.Length..udpLength];
        return true;
    }

    private static int NameBytes(string name) => 1 + Math.Min(Encoding.ASCII.GetByteCount(name), MaxName);

    private static int WriteName(byte[] buffer, int offset, string name)
    {
        var bytes = Encoding.ASCII.GetBytes(name);
        int length = Math.Min(bytes.Length, MaxName);
        buffer[offset] = (byte)length;
        bytes.AsSpan(0, length).CopyTo(buffer.AsSpan(offset + 1));
        return offset + 1 + length;
    }

    private static string? ReadName(ReadOnlySpan<byte> payload, ref int offset)
    {
        if (offset >= payload.Length)
        {
            return null;
        }
        int length = payload[offset];
        if (length == 0 || length > MaxName || offset + 1 + length > payload.Length)
        {
            return null;
        }
        var name = Encoding.ASCII.GetString(payload.Slice(offset + 1, length));
        offset += 1 + length;
        return name;
    }
}
