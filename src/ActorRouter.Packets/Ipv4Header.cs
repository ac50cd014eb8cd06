using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace ActorRouter.Packets;

/// <summary>Why an IPv4 header was refused, in the order the checks run.</summary>
public enum Ipv4ParseResult : byte
{
    Ok = 0,
    /// <summary>Fewer than 20 bytes.</summary>
    TooShort,
    /// <summary>The version nibble is not 4.</summary>
    BadVersion,
    /// <summary>IHL below 5, or the header (with options) longer than the buffer.</summary>
    BadHeaderLength,
    /// <summary>Total length below the header length, or beyond the buffer (a truncated packet).</summary>
    BadTotalLength,
}

/// <summary>An IPv4 header (RFC 791) over a packet buffer, read and written in place.</summary>
/// <remarks>Addresses are host-order <see cref="uint"/>s; see <see cref="Ipv4Address"/>.</remarks>
public readonly ref struct Ipv4Header
{
    public const int MinimumLength = 20;
    public const int MaximumLength = 60;

    private readonly Span<byte> _packet;

    private Ipv4Header(Span<byte> packet) => _packet = packet;

    /// <summary>
    /// Checks what the data plane must before trusting the header (RFC 1812 §5.2.2 minus the checksum,
    /// which is <see cref="IsChecksumValid"/>): length, version, IHL, total length. Bytes past the total
    /// length (Ethernet padding) are allowed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Ipv4ParseResult Parse(Span<byte> packet, out Ipv4Header header)
    {
        header = new Ipv4Header(packet);
        if (packet.Length < MinimumLength)
        {
            return Ipv4ParseResult.TooShort;
        }

        byte versionAndIhl = packet[0];
        if (versionAndIhl >> 4 != 4)
        {
            return Ipv4ParseResult.BadVersion;
        }

        int headerLength = (versionAndIhl & 0x0F) * 4;
        if (headerLength < MinimumLength || headerLength > packet.Length)
        {
            return Ipv4ParseResult.BadHeaderLength;
        }

        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        if (totalLength < headerLength || totalLength > packet.Length)
        {
            return Ipv4ParseResult.BadTotalLength;
        }

        return Ipv4ParseResult.Ok;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParse(Span<byte> packet, out Ipv4Header header) => Parse(packet, out header) == Ipv4ParseResult.Ok;

    /// <summary>
    /// Writes version and IHL for a header of <paramref name="headerLength"/> bytes (20..60, a multiple
    /// of 4) and zeroes the rest of it; the caller sets the other fields and then <see cref="UpdateChecksum"/>.
    /// </summary>
    public static Ipv4Header Write(Span<byte> packet, int headerLength = MinimumLength)
    {
        if (headerLength is < MinimumLength or > MaximumLength || headerLength % 4 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(headerLength), headerLength, "an IPv4 header is 20..60 bytes in steps of 4");
        }

        if (packet.Length < headerLength)
        {
            throw new ArgumentException($"an IPv4 header of {headerLength} bytes does not fit in {packet.Length}", nameof(packet));
        }

        packet[..headerLength].Clear();
        packet[0] = (byte)(0x40 | (headerLength / 4));
        return new Ipv4Header(packet);
    }

    /// <summary>The whole buffer the header was parsed from.</summary>
    public Span<byte> Buffer => _packet;

    public int Version => _packet[0] >> 4;

    /// <summary>Internet header length in 32-bit words.</summary>
    public int Ihl => _packet[0] & 0x0F;

    /// <summary>Header length in bytes, options included.</summary>
    public int HeaderLength => (_packet[0] & 0x0F) * 4;

    public int OptionsLength => HeaderLength - MinimumLength;

    public Span<byte> Options => _packet[MinimumLength..HeaderLength];

    /// <summary>The header bytes the checksum covers.</summary>
    public Span<byte> Header => _packet[..HeaderLength];

    /// <summary>The whole DSCP/ECN byte (the old type of service).</summary>
    public byte TypeOfService
    {
        get => _packet[1];
        set => _packet[1] = value;
    }

    /// <summary>Differentiated services code point, 0..63.</summary>
    public byte Dscp
    {
        get => (byte)(_packet[1] >> 2);
        set => _packet[1] = (byte)((value << 2) | (_packet[1] & 0x03));
    }

    /// <summary>Explicit congestion notification, 0..3.</summary>
    public byte Ecn
    {
        get => (byte)(_packet[1] & 0x03);
        set => _packet[1] = (byte)((_packet[1] & 0xFC) | (value & 0x03));
    }

    public ushort TotalLength
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_packet[2..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_packet[2..], value);
    }

    public ushort Identification
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_packet[4..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_packet[4..], value);
    }

    public bool DontFragment
    {
        get => (_packet[6] & 0x40) != 0;
        set => _packet[6] = (byte)(value ? _packet[6] | 0x40 : _packet[6] & ~0x40);
    }

    public bool MoreFragments
    {
        get => (_packet[6] & 0x20) != 0;
        set => _packet[6] = (byte)(value ? _packet[6] | 0x20 : _packet[6] & ~0x20);
    }

    /// <summary>Fragment offset in 8-byte units, 0..8191.</summary>
    public ushort FragmentOffset
    {
        get => (ushort)(BinaryPrimitives.ReadUInt16BigEndian(_packet[6..]) & 0x1FFF);
        set => BinaryPrimitives.WriteUInt16BigEndian(_packet[6..], (ushort)((BinaryPrimitives.ReadUInt16BigEndian(_packet[6..]) & 0xE000) | (value & 0x1FFF)));
    }

    /// <summary>True for any fragment but a whole datagram (MF set or a non-zero offset).</summary>
    public bool IsFragment => (BinaryPrimitives.ReadUInt16BigEndian(_packet[6..]) & 0x3FFF) != 0;

    public byte Ttl
    {
        get => _packet[8];
        set => _packet[8] = value;
    }

    public byte Protocol
    {
        get => _packet[9];
        set => _packet[9] = value;
    }

    public ushort Checksum
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_packet[10..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_packet[10..], value);
    }

    public uint Source
    {
        get => BinaryPrimitives.ReadUInt32BigEndian(_packet[12..]);
        set => BinaryPrimitives.WriteUInt32BigEndian(_packet[12..], value);
    }

    public uint Destination
    {
        get => BinaryPrimitives.ReadUInt32BigEndian(_packet[16..]);
        set => BinaryPrimitives.WriteUInt32BigEndian(_packet[16..], value);
    }

    /// <summary>The datagram's data: from the end of the header to the total length (padding excluded).</summary>
    public Span<byte> Payload => _packet[HeaderLength..TotalLength];

    public bool IsChecksumValid => InternetChecksum.IsValid(Header);

    /// <summary>Recomputes and stores the header checksum; returns it.</summary>
    public ushort UpdateChecksum()
    {
        Checksum = 0;
        ushort checksum = InternetChecksum.Compute(Header);
        Checksum = checksum;
        return checksum;
    }

    /// <summary>TTL minus one with the checksum updated incrementally (RFC 1624); returns the new checksum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ushort DecrementTtl() => InternetChecksum.DecrementTtl(_packet);

    /// <summary>The partial sum of the pseudo-header UDP and TCP checksums cover (RFC 768, RFC 793).</summary>
    public uint PseudoHeaderSum(int transportLength) => PseudoHeader.Ipv4Sum(Source, Destination, Protocol, transportLength);
}
