using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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

/// <summary>
/// An IPv4 header (RFC 791) over a packet buffer, read and written in place: the one IPv4 view the
/// packet builders, the control plane and every data-plane node use. It holds a reference to the
/// header's first byte and the bytes available after it, so it costs nothing over raw offsets: the
/// fixed fields (the first 20 bytes) are read without bounds checks, which is safe because every way
/// to get a view guarantees at least 20 bytes (<see cref="Parse"/> and <see cref="Write"/> check it,
/// <see cref="Over"/> requires it of its caller, who has validated the packet).
/// </summary>
/// <remarks>Addresses are host-order <see cref="uint"/>s; see <see cref="Ipv4Address"/>.</remarks>
public readonly ref struct Ipv4Header
{
    public const int MinimumLength = 20;
    public const int MaximumLength = 60;

    private readonly ref byte _start;
    private readonly int _available;

    private Ipv4Header(ref byte start, int available)
    {
        _start = ref start;
        _available = available;
    }

    /// <summary>
    /// A view over a header the caller has already validated (at least <see cref="MinimumLength"/>
    /// bytes at <paramref name="ip"/>, <paramref name="available"/> bytes in all): the data plane's way
    /// to read a packet in GPM without building a span per field.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Ipv4Header Over(byte* ip, int available) => new(ref *ip, available);

    /// <summary>
    /// Checks what the data plane must before trusting the header (RFC 1812 §5.2.2 minus the checksum,
    /// which is <see cref="IsChecksumValid"/>): length, version, IHL, total length. Bytes past the total
    /// length (Ethernet padding) are allowed. A buffer shorter than 20 bytes gives an empty view.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Ipv4ParseResult Parse(Span<byte> packet, out Ipv4Header header)
    {
        if (packet.Length < MinimumLength)
        {
            header = default;
            return Ipv4ParseResult.TooShort;
        }

        header = new Ipv4Header(ref MemoryMarshal.GetReference(packet), packet.Length);
        return header.Validate();
    }

    /// <summary>The RFC 1812 §5.2.2 checks of <see cref="Parse"/> on a view of at least 20 bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Ipv4ParseResult Validate()
    {
        byte versionAndIhl = _start;
        if (versionAndIhl >> 4 != 4)
        {
            return Ipv4ParseResult.BadVersion;
        }

        int headerLength = (versionAndIhl & 0x0F) * 4;
        if (headerLength < MinimumLength || headerLength > _available)
        {
            return Ipv4ParseResult.BadHeaderLength;
        }

        int totalLength = TotalLength;
        if (totalLength < headerLength || totalLength > _available)
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
        return new Ipv4Header(ref MemoryMarshal.GetReference(packet), packet.Length);
    }

    /// <summary>The whole buffer the header was parsed from (header, payload and any padding).</summary>
    public Span<byte> Buffer => MemoryMarshal.CreateSpan(ref _start, _available);

    /// <summary>Bytes available from the header's start (what <see cref="Buffer"/> spans).</summary>
    public int Available => _available;

    public int Version => _start >> 4;

    /// <summary>Internet header length in 32-bit words.</summary>
    public int Ihl => _start & 0x0F;

    /// <summary>Header length in bytes, options included.</summary>
    public int HeaderLength => (_start & 0x0F) << 2;

    public int OptionsLength => HeaderLength - MinimumLength;

    public Span<byte> Options => Buffer[MinimumLength..HeaderLength];

    /// <summary>The header bytes the checksum covers.</summary>
    public Span<byte> Header => Buffer[..HeaderLength];

    /// <summary>The whole DSCP/ECN byte (the old type of service).</summary>
    public byte TypeOfService
    {
        get => At(1);
        set => At(1) = value;
    }

    /// <summary>Differentiated services code point, 0..63.</summary>
    public byte Dscp
    {
        get => (byte)(At(1) >> 2);
        set => At(1) = (byte)((value << 2) | (At(1) & 0x03));
    }

    /// <summary>Explicit congestion notification, 0..3.</summary>
    public byte Ecn
    {
        get => (byte)(At(1) & 0x03);
        set => At(1) = (byte)((At(1) & 0xFC) | (value & 0x03));
    }

    public ushort TotalLength
    {
        get => ReadUInt16(2);
        set => WriteUInt16(2, value);
    }

    public ushort Identification
    {
        get => ReadUInt16(4);
        set => WriteUInt16(4, value);
    }

    /// <summary>The flags and fragment offset word (bytes 6-7).</summary>
    public ushort FlagsAndFragmentOffset
    {
        get => ReadUInt16(6);
        set => WriteUInt16(6, value);
    }

    public bool DontFragment
    {
        get => (At(6) & 0x40) != 0;
        set => At(6) = (byte)(value ? At(6) | 0x40 : At(6) & ~0x40);
    }

    public bool MoreFragments
    {
        get => (At(6) & 0x20) != 0;
        set => At(6) = (byte)(value ? At(6) | 0x20 : At(6) & ~0x20);
    }

    /// <summary>Fragment offset in 8-byte units, 0..8191.</summary>
    public ushort FragmentOffset
    {
        get => (ushort)(ReadUInt16(6) & 0x1FFF);
        set => WriteUInt16(6, (ushort)((ReadUInt16(6) & 0xE000) | (value & 0x1FFF)));
    }

    /// <summary>True for any fragment but a whole datagram (MF set or a non-zero offset).</summary>
    public bool IsFragment => (ReadUInt16(6) & 0x3FFF) != 0;

    public byte Ttl
    {
        get => At(8);
        set => At(8) = value;
    }

    public byte Protocol
    {
        get => At(9);
        set => At(9) = value;
    }

    public ushort Checksum
    {
        get => ReadUInt16(10);
        set => WriteUInt16(10, value);
    }

    public uint Source
    {
        get => ReadUInt32(12);
        set => WriteUInt32(12, value);
    }

    public uint Destination
    {
        get => ReadUInt32(16);
        set => WriteUInt32(16, value);
    }

    /// <summary>The datagram's data: from the end of the header to the total length (padding excluded).</summary>
    public Span<byte> Payload => Buffer[HeaderLength..TotalLength];

    /// <summary>
    /// True when the header checksum verifies (false for a header length under 20 bytes or past the view).
    /// </summary>
    public bool IsChecksumValid
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            var headerLength = (_start & 0x0F) << 2;
            if (headerLength < MinimumLength || headerLength > _available)
            {
                return false;
            }
            // The first eight 16-bit words summed in vector registers, the rest (two without options) as 32-bit reads,
            // all inline: the loops that validate headers keep every general register busy, and a call (or a chain of
            // carry folds) there makes the JIT spill them. Summed as read, little-endian: the one's complement sum of
            // byte-swapped words is the byte-swapped sum (RFC 1071).
            var words = Vector128.LoadUnsafe(ref _start).AsUInt16();
            var (low, high) = Vector128.Widen(words);
            uint sum = Vector128.Sum(low + high);
            for (var offset = 16; offset < headerLength; offset += 4)
            {
                uint pair = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref _start, offset));
                sum += (pair & 0xFFFF) + (pair >> 16);
            }
            // Folding the carries back in keeps the sum's value modulo 0xFFFF and never gives 0 for a non-zero sum, so
            // it folds to 0xFFFF (a valid header) exactly when the sum is a non-zero multiple of 0xFFFF.
            return sum % 0xFFFF == 0 && sum != 0;
        }
    }

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
    public ushort DecrementTtl()
    {
        ushort oldWord = ReadUInt16(8);
        ushort newWord = (ushort)(oldWord - 0x0100);
        ushort checksum = InternetChecksum.IncrementalUpdate(ReadUInt16(10), oldWord, newWord);
        At(8) = (byte)(newWord >> 8);
        WriteUInt16(10, checksum);
        return checksum;
    }

    /// <summary>Sets the DSCP (keeping ECN) and updates the checksum incrementally (RFC 1624).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetDscpUpdatingChecksum(byte dscp)
    {
        ushort oldWord = ReadUInt16(0);
        byte newTos = (byte)((dscp << 2) | (At(1) & 0x03));
        if (newTos == At(1))
        {
            return;
        }
        At(1) = newTos;
        WriteUInt16(10, InternetChecksum.IncrementalUpdate(ReadUInt16(10), oldWord, ReadUInt16(0)));
    }

    /// <summary>The partial sum of the pseudo-header UDP and TCP checksums cover (RFC 768, RFC 793).</summary>
    public uint PseudoHeaderSum(int transportLength) => PseudoHeader.Ipv4Sum(Source, Destination, Protocol, transportLength);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref byte At(int offset) => ref Unsafe.Add(ref _start, offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ushort ReadUInt16(int offset)
    {
        ushort value = Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref _start, offset));
        return BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(value) : value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint ReadUInt32(int offset)
    {
        uint value = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref _start, offset));
        return BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(value) : value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WriteUInt16(int offset, ushort value)
        => Unsafe.WriteUnaligned(ref Unsafe.Add(ref _start, offset), BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(value) : value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WriteUInt32(int offset, uint value)
        => Unsafe.WriteUnaligned(ref Unsafe.Add(ref _start, offset), BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(value) : value);
}
