using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace ActorRouter.Packets;

/// <summary>
/// An Ethernet II header over a frame buffer, optionally carrying one 802.1Q tag. Reads and writes
/// the buffer in place.
/// </summary>
public readonly ref struct EthernetHeader
{
    public const int Length = 14;
    public const int TaggedLength = Length + VlanTag.TagLength;

    private readonly Span<byte> _frame;

    private EthernetHeader(Span<byte> frame) => _frame = frame;

    /// <summary>
    /// Accepts a frame of at least 14 bytes, or 18 when the EtherType is 802.1Q (the tag must fit too).
    /// The header does not own the bytes past it; <see cref="Payload"/> is the rest of the buffer.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParse(Span<byte> frame, out EthernetHeader header)
    {
        header = new EthernetHeader(frame);
        if (frame.Length < Length)
        {
            return false;
        }

        return BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != EtherTypes.Vlan || frame.Length >= TaggedLength;
    }

    /// <summary>Writes an untagged header (or a tagged one when <paramref name="vlan"/> is given) at the start of <paramref name="frame"/>.</summary>
    public static EthernetHeader Write(Span<byte> frame, MacAddress destination, MacAddress source, ushort etherType, VlanTci? vlan = null)
    {
        int needed = vlan is null ? Length : TaggedLength;
        if (frame.Length < needed)
        {
            throw new ArgumentException($"an Ethernet header needs {needed} bytes, the buffer has {frame.Length}", nameof(frame));
        }

        destination.Write(frame);
        source.Write(frame[6..]);
        if (vlan is { } tci)
        {
            VlanTag.Write(frame[12..], tci, etherType);
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame[12..], etherType);
        }

        return new EthernetHeader(frame);
    }

    public Span<byte> Frame => _frame;

    public MacAddress Destination
    {
        get => MacAddress.Read(_frame);
        set => value.Write(_frame);
    }

    public MacAddress Source
    {
        get => MacAddress.Read(_frame[6..]);
        set => value.Write(_frame[6..]);
    }

    /// <summary>The EtherType right after the source MAC (0x8100 for a tagged frame).</summary>
    public ushort EtherType
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_frame[12..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_frame[12..], value);
    }

    public bool HasVlanTag => EtherType == EtherTypes.Vlan;

    /// <summary>The EtherType of the payload: the inner one for a tagged frame.</summary>
    public ushort PayloadEtherType => HasVlanTag ? BinaryPrimitives.ReadUInt16BigEndian(_frame[16..]) : EtherType;

    /// <summary>14, or 18 with an 802.1Q tag.</summary>
    public int HeaderLength => HasVlanTag ? TaggedLength : Length;

    public Span<byte> Payload => _frame[HeaderLength..];

    /// <summary>The 802.1Q tag, when the frame has one.</summary>
    public bool TryGetVlanTag(out VlanTag tag) => VlanTag.TryParse(_frame[12..], out tag);
}
