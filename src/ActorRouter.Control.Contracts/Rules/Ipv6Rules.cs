using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace ActorRouter.Control.Contracts.Rules;

/// <summary>
/// The one definition of how IPv6 addresses and prefixes are written and which are acceptable (the IPv6 peer of
/// <see cref="Ipv4Rules"/>), shared by the configuration loader and the router. Addresses are host-order 128-bit
/// numbers (2001:db8::1 = 0x2001_0DB8_0000_0000_0000_0000_0000_0001).
/// </summary>
public static class Ipv6Rules
{
    /// <summary>How a prefix is written, for error messages.</summary>
    public const string PrefixForm = "X:X::X/LEN, such as 2001:db8:1::1/64";

    /// <summary>RFC 5952 text.</summary>
    public static string Format(UInt128 address)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, address);
        return new IPAddress(bytes).ToString();
    }

    /// <summary>Any RFC 4291 text form without a zone (<c>%eth0</c>) and without an IPv4 address alone.</summary>
    public static bool TryParseAddress(string text, out UInt128 address)
    {
        address = UInt128.Zero;
        if (!text.Contains(':', StringComparison.Ordinal) || text.Contains('%', StringComparison.Ordinal)
            || !IPAddress.TryParse(text, out var parsed) || parsed.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }
        Span<byte> bytes = stackalloc byte[16];
        parsed.TryWriteBytes(bytes, out _);
        address = BinaryPrimitives.ReadUInt128BigEndian(bytes);
        return true;
    }

    /// <summary><c>ADDRESS/LEN</c> with LEN 0..128; host bits are kept, callers decide whether they are allowed.</summary>
    public static bool TryParsePrefix(string text, out UInt128 address, out int length)
    {
        address = UInt128.Zero;
        length = 0;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || slash == text.Length - 1 || text.Length - slash > 4)
        {
            return false;
        }
        var lengthText = text.AsSpan(slash + 1);
        foreach (var c in lengthText)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }
        length = int.Parse(lengthText, System.Globalization.CultureInfo.InvariantCulture);
        return length <= 128 && TryParseAddress(text[..slash], out address);
    }

    public static UInt128 MaskOf(int length) => length == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - length);

    /// <summary>fe80::/10.</summary>
    public static bool IsLinkLocal(UInt128 address) => (address >> 118) == 0x3FA;

    /// <summary>ff00::/8.</summary>
    public static bool IsMulticast(UInt128 address) => (address >> 120) == 0xFF;

    /// <summary>Addresses that are never a unicast address of a node on a network (RFC 4291, RFC 6890).</summary>
    public static string? WhyNotUnicast(UInt128 address)
    {
        if (address == UInt128.Zero)
        {
            return "is the unspecified address (::)";
        }
        if (address == UInt128.One)
        {
            return "is the loopback address (::1)";
        }
        if (IsMulticast(address))
        {
            return "is a multicast address (ff00::/8)";
        }
        if ((address >> 32) == 0xFFFF)
        {
            return "is an IPv4-mapped address (::ffff:0:0/96)";
        }
        return null;
    }

    /// <summary>
    /// An interface address with its prefix: length 1..128, a unicast address that is not link-local (the link-local
    /// one is derived from the MAC), and below /127 not the prefix's Subnet-Router anycast address (all-zero host part).
    /// </summary>
    public static string? WhyNotInterfaceAddress(UInt128 address, int length)
    {
        var text = $"{Format(address)}/{length}";
        if (length is < 1 or > 128)
        {
            return $"prefix length {length} is not usable on an interface (1..128)";
        }
        if (WhyNotUnicast(address) is { } why)
        {
            return $"{text} {why}";
        }
        if (IsLinkLocal(address))
        {
            return $"{text} is link-local (fe80::/10); every interface has its link-local address from its MAC";
        }
        if (length < 127 && (address & ~MaskOf(length)) == UInt128.Zero)
        {
            return $"{text} is the Subnet-Router anycast address of its prefix (host part all zero)";
        }
        return null;
    }

    /// <summary>A route's destination: prefix length 0..128, no host bits, not multicast or link-local.</summary>
    public static string? WhyNotRoutePrefix(UInt128 address, int length)
    {
        if (length is < 0 or > 128)
        {
            return $"prefix length {length} is out of range 0..128";
        }
        var network = address & MaskOf(length);
        if (network != address)
        {
            return $"{Format(address)}/{length} has host bits set (did you mean {Format(network)}/{length}?)";
        }
        if (length >= 8 && IsMulticast(address))
        {
            return $"{Format(address)}/{length} is multicast; the router does not route multicast";
        }
        if (length >= 10 && IsLinkLocal(address))
        {
            return $"{Format(address)}/{length} is link-local and never routed";
        }
        return null;
    }

    /// <summary>A static route's next hop or a neighbour's address: a unicast address (link-local allowed).</summary>
    public static string? WhyNotNextHop(UInt128 address) =>
        WhyNotUnicast(address) is { } why ? $"{Format(address)} {why}" : null;
}
