using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace ActorRouter.Packets;

/// <summary>The IPv6 fixed header (RFC 8200) over a packet buffer, read and written in place.</summary>
/// <remarks>Addresses are host-order <see cref="UInt128"/>s (2001:db8::1 is 0x2001_0db8_0000_..._0001).</remarks>
public readonly ref struct Ipv6Header
{
    public const int Length = 40;

    private readonly Span<byte> _packet;

    private Ipv6Header(Span<byte> packet) => _packet = packet;

    /// <summary>Accepts version 6 with the 40-byte header and the payload length it claims inside the buffer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParse(Span<byte> packet, out Ipv6Header header)
    {
        header = new Ipv6Header(packet);
        return packet.Length >= Length
            && packet[0] >> 4 == 6
            && BinaryPrimitives.ReadUInt16BigEndian(packet[4..]) <= packet.Length - Length;
    }

    /// <summary>Zeroes the fixed header and sets the version.</summary>
    public static Ipv6Header Write(Span<byte> packet)
    {
        if (packet.Length < Length)
        {
            throw new ArgumentException($"an IPv6 header needs {Length} bytes, the buffer has {packet.Length}", nameof(packet));
        }

        packet[..Length].Clear();
        packet[0] = 0x60;
        return new Ipv6Header(packet);
    }

    public Span<byte> Buffer => _packet;

    public int Version => _packet[0] >> 4;

    public byte TrafficClass
    {
        get => (byte)(BinaryPrimitives.ReadUInt16BigEndian(_packet) >> 4);
        set => BinaryPrimitives.WriteUInt16BigEndian(_packet, (ushort)((BinaryPrimitives.ReadUInt16BigEndian(_packet) & 0xF00F) | (value << 4)));
    }

    /// <summary>20-bit flow label.</summary>
    public uint FlowLabel
    {
        get => BinaryPrimitives.ReadUInt32BigEndian(_packet) & 0x000F_FFFF;
        set => BinaryPrimitives.WriteUInt32BigEndian(_packet, (BinaryPrimitives.ReadUInt32BigEndian(_packet) & 0xFFF0_0000) | (value & 0x000F_FFFF));
    }

    public ushort PayloadLength
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_packet[4..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_packet[4..], value);
    }

    public byte NextHeader
    {
        get => _packet[6];
        set => _packet[6] = value;
    }

    public byte HopLimit
    {
        get => _packet[7];
        set => _packet[7] = value;
    }

    public Span<byte> SourceBytes => _packet.Slice(8, 16);

    public Span<byte> DestinationBytes => _packet.Slice(24, 16);

    public UInt128 Source
    {
        get => BinaryPrimitives.ReadUInt128BigEndian(_packet[8..]);
        set => BinaryPrimitives.WriteUInt128BigEndian(_packet[8..], value);
    }

    public UInt128 Destination
    {
        get => BinaryPrimitives.ReadUInt128BigEndian(_packet[24..]);
        set => BinaryPrimitives.WriteUInt128BigEndian(_packet[24..], value);
    }

    public Span<byte> Payload => _packet.Slice(Length, PayloadLength);

    /// <summary>The partial pseudo-header sum for an upper-layer checksum (RFC 8200 §8.1).</summary>
    public uint PseudoHeaderSum(byte nextHeader, int upperLayerLength) => PseudoHeader.Ipv6Sum(SourceBytes, DestinationBytes, nextHeader, upperLayerLength);
}
