using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace ActorRouter.DataPlane.Fib;

/// <summary>
/// One IPv6 route: a masked prefix as a host-order 128-bit number (2001:db8:: = 0x2001_0DB8 &lt;&lt; 96), its length and
/// the next-hop id.
/// </summary>
public readonly record struct Ipv6Route(UInt128 Prefix, int Length, uint NextHopId)
{
    /// <summary>The largest next-hop id a FIB entry can hold (24 bits); id 0 is reserved for "no route".</summary>
    public const uint MaxNextHopId = 0xFFFFFF;

    /// <summary>The network mask of <paramref name="length"/>; 0 for /0.</summary>
    public static UInt128 Mask(int length) => length == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - length);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first rule the route breaks.</summary>
    public static void Validate(UInt128 prefix, int length, uint nextHopId)
    {
        if ((uint)length > 128)
        {
            throw new ArgumentException($"Prefix length {length} is out of range; it must be 0..128.", nameof(length));
        }
        if ((prefix & ~Mask(length)) != UInt128.Zero)
        {
            throw new ArgumentException(
                $"Prefix {Format(prefix)}/{length} has host bits set; the masked prefix is {Format(prefix & Mask(length))}/{length}.",
                nameof(prefix));
        }
        if (nextHopId is 0 or > MaxNextHopId)
        {
            throw new ArgumentException(
                $"Next-hop id {nextHopId} for {Format(prefix)}/{length} is out of range; it must be 1..{MaxNextHopId} (0 means no route).",
                nameof(nextHopId));
        }
    }

    /// <summary>RFC 5952 text of a host-order address.</summary>
    public static string Format(UInt128 address)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, address);
        return new IPAddress(bytes).ToString();
    }

    /// <summary>Parses IPv6 text into a host-order address.</summary>
    public static bool TryParseAddress(string text, out UInt128 address)
    {
        address = UInt128.Zero;
        if (!IPAddress.TryParse(text, out var parsed) || parsed.AddressFamily != AddressFamily.InterNetworkV6 || parsed.ScopeId != 0)
        {
            return false;
        }
        Span<byte> bytes = stackalloc byte[16];
        parsed.TryWriteBytes(bytes, out _);
        address = BinaryPrimitives.ReadUInt128BigEndian(bytes);
        return true;
    }

    public override string ToString() => $"{Format(Prefix)}/{Length} -> {NextHopId}";
}
