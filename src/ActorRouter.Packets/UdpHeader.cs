using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace ActorRouter.Packets;

/// <summary>A UDP header (RFC 768) over a datagram buffer, read and written in place.</summary>
public readonly ref struct UdpHeader
{
    public const int Length = 8;

    private readonly Span<byte> _datagram;

    private UdpHeader(Span<byte> datagram) => _datagram = datagram;

    /// <summary>Accepts a buffer holding the header and the whole datagram its length field claims (at least 8).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParse(Span<byte> datagram, out UdpHeader header)
    {
        header = new UdpHeader(datagram);
        if (datagram.Length < Length)
        {
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(datagram[4..]);
        return length >= Length && length <= datagram.Length;
    }

    public static UdpHeader Write(Span<byte> datagram, ushort sourcePort, ushort destinationPort, ushort length)
    {
        if (datagram.Length < Length)
        {
            throw new ArgumentException($"a UDP header needs {Length} bytes, the buffer has {datagram.Length}", nameof(datagram));
        }

        var header = new UdpHeader(datagram)
        {
            SourcePort = sourcePort,
            DestinationPort = destinationPort,
            DatagramLength = length,
            Checksum = 0,
        };
        return header;
    }

    public ushort SourcePort
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_datagram);
        set => BinaryPrimitives.WriteUInt16BigEndian(_datagram, value);
    }

    public ushort DestinationPort
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_datagram[2..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_datagram[2..], value);
    }

    /// <summary>The length field: header plus data, in bytes.</summary>
    public ushort DatagramLength
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_datagram[4..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_datagram[4..], value);
    }

    /// <summary>Zero means the sender computed none.</summary>
    public ushort Checksum
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_datagram[6..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_datagram[6..], value);
    }

    /// <summary>Header and data, as long as the length field says.</summary>
    public Span<byte> Datagram => _datagram[..DatagramLength];

    public Span<byte> Payload => _datagram[Length..DatagramLength];

    /// <summary>Computes the checksum over the IPv4 pseudo-header and the datagram and stores it; returns it.</summary>
    public ushort UpdateChecksum(uint sourceAddress, uint destinationAddress)
    {
        Checksum = 0;
        ushort checksum = PseudoHeader.CompleteUdpChecksum(Datagram, PseudoHeader.Ipv4Sum(sourceAddress, destinationAddress, IpProtocols.Udp, DatagramLength));
        Checksum = checksum;
        return checksum;
    }

    /// <summary>True when the checksum is absent (zero) or verifies over the IPv4 pseudo-header.</summary>
    public bool IsChecksumValid(uint sourceAddress, uint destinationAddress) =>
        Checksum == 0
        || InternetChecksum.Fold(InternetChecksum.Sum(Datagram, PseudoHeader.Ipv4Sum(sourceAddress, destinationAddress, IpProtocols.Udp, DatagramLength))) == 0;
}
