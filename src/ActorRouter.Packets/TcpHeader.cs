using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace ActorRouter.Packets;

/// <summary>A TCP header (RFC 9293) over a segment buffer, read and written in place.</summary>
public readonly ref struct TcpHeader
{
    public const int MinimumLength = 20;
    public const int MaximumLength = 60;

    private readonly Span<byte> _segment;

    private TcpHeader(Span<byte> segment) => _segment = segment;

    /// <summary>Accepts a buffer of at least 20 bytes whose data offset is 5..15 words and fits in it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParse(Span<byte> segment, out TcpHeader header)
    {
        header = new TcpHeader(segment);
        if (segment.Length < MinimumLength)
        {
            return false;
        }

        int headerLength = (segment[12] >> 4) * 4;
        return headerLength >= MinimumLength && headerLength <= segment.Length;
    }

    /// <summary>Zeroes a header of <paramref name="headerLength"/> bytes (20..60, a multiple of 4) and sets its data offset.</summary>
    public static TcpHeader Write(Span<byte> segment, int headerLength = MinimumLength)
    {
        if (headerLength is < MinimumLength or > MaximumLength || headerLength % 4 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(headerLength), headerLength, "a TCP header is 20..60 bytes in steps of 4");
        }

        if (segment.Length < headerLength)
        {
            throw new ArgumentException($"a TCP header of {headerLength} bytes does not fit in {segment.Length}", nameof(segment));
        }

        segment[..headerLength].Clear();
        segment[12] = (byte)((headerLength / 4) << 4);
        return new TcpHeader(segment);
    }

    public Span<byte> Segment => _segment;

    public ushort SourcePort
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_segment);
        set => BinaryPrimitives.WriteUInt16BigEndian(_segment, value);
    }

    public ushort DestinationPort
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_segment[2..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_segment[2..], value);
    }

    public uint SequenceNumber
    {
        get => BinaryPrimitives.ReadUInt32BigEndian(_segment[4..]);
        set => BinaryPrimitives.WriteUInt32BigEndian(_segment[4..], value);
    }

    public uint AcknowledgmentNumber
    {
        get => BinaryPrimitives.ReadUInt32BigEndian(_segment[8..]);
        set => BinaryPrimitives.WriteUInt32BigEndian(_segment[8..], value);
    }

    /// <summary>Header length in 32-bit words.</summary>
    public int DataOffset => _segment[12] >> 4;

    public int HeaderLength => (_segment[12] >> 4) * 4;

    public TcpFlags Flags
    {
        get => (TcpFlags)(BinaryPrimitives.ReadUInt16BigEndian(_segment[12..]) & 0x01FF);
        set => BinaryPrimitives.WriteUInt16BigEndian(_segment[12..], (ushort)((BinaryPrimitives.ReadUInt16BigEndian(_segment[12..]) & 0xFE00) | ((ushort)value & 0x01FF)));
    }

    public ushort Window
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_segment[14..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_segment[14..], value);
    }

    public ushort Checksum
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_segment[16..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_segment[16..], value);
    }

    public ushort UrgentPointer
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_segment[18..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_segment[18..], value);
    }

    public Span<byte> Options => _segment[MinimumLength..HeaderLength];

    /// <summary>Everything after the header, to the end of the buffer (the IPv4 payload bounds it).</summary>
    public Span<byte> Payload => _segment[HeaderLength..];

    /// <summary>Computes the checksum over the IPv4 pseudo-header and the whole buffer (the segment) and stores it.</summary>
    public ushort UpdateChecksum(uint sourceAddress, uint destinationAddress)
    {
        Checksum = 0;
        ushort checksum = InternetChecksum.Fold(InternetChecksum.Sum(_segment, PseudoHeader.Ipv4Sum(sourceAddress, destinationAddress, IpProtocols.Tcp, _segment.Length)));
        Checksum = checksum;
        return checksum;
    }

    public bool IsChecksumValid(uint sourceAddress, uint destinationAddress) =>
        InternetChecksum.Fold(InternetChecksum.Sum(_segment, PseudoHeader.Ipv4Sum(sourceAddress, destinationAddress, IpProtocols.Tcp, _segment.Length))) == 0;
}
