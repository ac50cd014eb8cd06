using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace ActorRouter.Packets;

/// <summary>A 48-bit Ethernet MAC address held as a number (aa:bb:cc:dd:ee:ff is 0xaabbccddeeff).</summary>
public readonly struct MacAddress : IEquatable<MacAddress>
{
    public const int Length = 6;
    private const ulong Mask = 0xFFFF_FFFF_FFFF;

    public static MacAddress Zero => default;
    public static MacAddress Broadcast => new(Mask);

    public MacAddress(ulong value) => Value = value & Mask;

    /// <summary>The address as a 48-bit number, first octet most significant.</summary>
    public ulong Value { get; }

    public bool IsBroadcast => Value == Mask;

    /// <summary>The group bit (least significant bit of the first octet); broadcast is multicast too.</summary>
    public bool IsMulticast => (Value & 0x0100_0000_0000) != 0;

    public bool IsZero => Value == 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static MacAddress Read(ReadOnlySpan<byte> source)
    {
        ReadOnlySpan<byte> octets = source[..Length];
        return new MacAddress(((ulong)BinaryPrimitives.ReadUInt32BigEndian(octets) << 16) | BinaryPrimitives.ReadUInt16BigEndian(octets[4..]));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write(Span<byte> destination)
    {
        Span<byte> octets = destination[..Length];
        BinaryPrimitives.WriteUInt32BigEndian(octets, (uint)(Value >> 16));
        BinaryPrimitives.WriteUInt16BigEndian(octets[4..], (ushort)Value);
    }

    /// <summary>Parses six hex octets separated by ':' or '-' (e.g. "02:00:5e:10:00:01").</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out MacAddress address)
    {
        address = default;
        if (text.Length != 17)
        {
            return false;
        }

        char separator = text[2];
        if (separator is not (':' or '-'))
        {
            return false;
        }

        ulong value = 0;
        for (int octet = 0; octet < Length; octet++)
        {
            int position = octet * 3;
            if (octet < Length - 1 && text[position + 2] != separator)
            {
                return false;
            }

            if (!byte.TryParse(text.Slice(position, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte parsed))
            {
                return false;
            }

            value = (value << 8) | parsed;
        }

        address = new MacAddress(value);
        return true;
    }

    public static MacAddress Parse(string text) =>
        TryParse(text, out MacAddress address) ? address : throw new FormatException($"'{text}' is not a MAC address (expected aa:bb:cc:dd:ee:ff)");

    public override string ToString()
    {
        Span<byte> octets = stackalloc byte[Length];
        Write(octets);
        return string.Create(CultureInfo.InvariantCulture, $"{octets[0]:x2}:{octets[1]:x2}:{octets[2]:x2}:{octets[3]:x2}:{octets[4]:x2}:{octets[5]:x2}");
    }

    public bool Equals(MacAddress other) => Value == other.Value;
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is MacAddress other && Equals(other);
    public override int GetHashCode() => Value.GetHashCode();
    public static bool operator ==(MacAddress left, MacAddress right) => left.Value == right.Value;
    public static bool operator !=(MacAddress left, MacAddress right) => left.Value != right.Value;
}
