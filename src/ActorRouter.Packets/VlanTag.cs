using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace ActorRouter.Packets;

/// <summary>The tag control information of an 802.1Q tag: priority (PCP), drop eligible (DEI), VLAN id (VID).</summary>
public readonly record struct VlanTci(ushort VlanId, byte Priority = 0, bool DropEligible = false)
{
    public ushort Value => (ushort)(((Priority & 0x7) << 13) | (DropEligible ? 0x1000 : 0) | (VlanId & 0x0FFF));

    public static VlanTci FromValue(ushort value) => new((ushort)(value & 0x0FFF), (byte)(value >> 13), (value & 0x1000) != 0);
}

/// <summary>
/// An 802.1Q tag as it sits in a frame: TPID (0x8100) at frame offset 12, then the TCI and the inner
/// EtherType. The view starts at the TPID and spans these six bytes.
/// </summary>
public readonly ref struct VlanTag
{
    /// <summary>The bytes a tag adds to a frame (TPID and TCI).</summary>
    public const int TagLength = 4;

    /// <summary>TPID, TCI and inner EtherType.</summary>
    public const int Length = 6;

    public const ushort Tpid8021Q = EtherTypes.Vlan;

    private readonly Span<byte> _tag;

    private VlanTag(Span<byte> tag) => _tag = tag;

    /// <summary>Accepts a buffer that starts with TPID 0x8100 and holds the TCI and the inner EtherType.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParse(Span<byte> tag, out VlanTag view)
    {
        view = new VlanTag(tag);
        return tag.Length >= Length && BinaryPrimitives.ReadUInt16BigEndian(tag) == Tpid8021Q;
    }

    /// <summary>Writes TPID, TCI and inner EtherType at the start of <paramref name="tag"/>.</summary>
    public static VlanTag Write(Span<byte> tag, VlanTci tci, ushort innerEtherType)
    {
        if (tag.Length < Length)
        {
            throw new ArgumentException($"an 802.1Q tag needs {Length} bytes, the buffer has {tag.Length}", nameof(tag));
        }

        BinaryPrimitives.WriteUInt16BigEndian(tag, Tpid8021Q);
        BinaryPrimitives.WriteUInt16BigEndian(tag[2..], tci.Value);
        BinaryPrimitives.WriteUInt16BigEndian(tag[4..], innerEtherType);
        return new VlanTag(tag);
    }

    public ushort Tpid => BinaryPrimitives.ReadUInt16BigEndian(_tag);

    public VlanTci Tci
    {
        get => VlanTci.FromValue(BinaryPrimitives.ReadUInt16BigEndian(_tag[2..]));
        set => BinaryPrimitives.WriteUInt16BigEndian(_tag[2..], value.Value);
    }

    /// <summary>Priority code point, 0..7.</summary>
    public byte Priority
    {
        get => (byte)(_tag[2] >> 5);
        set => _tag[2] = (byte)((_tag[2] & 0x1F) | ((value & 0x7) << 5));
    }

    public bool DropEligible
    {
        get => (_tag[2] & 0x10) != 0;
        set => _tag[2] = (byte)(value ? _tag[2] | 0x10 : _tag[2] & ~0x10);
    }

    /// <summary>VLAN identifier, 0..4095.</summary>
    public ushort VlanId
    {
        get => (ushort)(BinaryPrimitives.ReadUInt16BigEndian(_tag[2..]) & 0x0FFF);
        set => BinaryPrimitives.WriteUInt16BigEndian(_tag[2..], (ushort)((BinaryPrimitives.ReadUInt16BigEndian(_tag[2..]) & 0xF000) | (value & 0x0FFF)));
    }

    public ushort InnerEtherType
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_tag[4..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_tag[4..], value);
    }
}
