using System.Numerics;

namespace ActorRouter.Control.Contracts.Rules;

/// <summary>
/// The one definition of how IPv4 addresses and prefixes are written and which are acceptable, shared by
/// the configuration loader, FMAN (changes at run time) and arctl, so that the three accept exactly the
/// same inputs. It lives here because this assembly is the only one both the router and arctl reference,
/// and it references nothing itself. Addresses are <see cref="uint"/> in host order (0xC0000201 = 192.0.2.1).
/// </summary>
public static class Ipv4Rules
{
    /// <summary>How a prefix may be written, for error messages.</summary>
    public const string PrefixForms = "A.B.C.D/LEN or A.B.C.D M.M.M.M";

    public static string Format(uint address) =>
        $"{address >> 24}.{(address >> 16) & 0xFF}.{(address >> 8) & 0xFF}.{address & 0xFF}";

    /// <summary>Exactly four decimal octets 0..255 of one to three digits; no sign, no shorthand such as <c>10.1</c>.</summary>
    public static bool TryParseAddress(ReadOnlySpan<char> text, out uint address)
    {
        address = 0;
        var octets = 0;
        var start = 0;
        for (var i = 0; i <= text.Length; i++)
        {
            if (i < text.Length && text[i] != '.')
            {
                continue;
            }
            var part = text[start..i];
            if (part.Length is 0 or > 3 || octets == 4)
            {
                return false;
            }
            var octet = 0;
            foreach (var c in part)
            {
                if (!char.IsAsciiDigit(c))
                {
                    return false;
                }
                octet = (octet * 10) + (c - '0');
            }
            if (octet > 255)
            {
                return false;
            }
            address = (address << 8) | (uint)octet;
            octets++;
            start = i + 1;
        }
        return octets == 4;
    }

    /// <summary>
    /// A prefix in either form IOS users write: <c>A.B.C.D/LEN</c> (LEN 0..32, one or two digits) or
    /// <c>A.B.C.D M.M.M.M</c> with a contiguous netmask, separated by one space. Host bits are
    /// kept; whether they are allowed is the caller's rule (<see cref="WhyNotRoutePrefix"/>,
    /// <see cref="WhyNotInterfaceAddress"/>).
    /// </summary>
    public static bool TryParsePrefix(string text, out uint address, out int length)
    {
        address = 0;
        length = 0;
        var trimmed = text.AsSpan();
        var slash = trimmed.IndexOf('/');
        if (slash >= 0)
        {
            var lengthText = trimmed[(slash + 1)..];
            if (lengthText.Length is 0 or > 2)
            {
                return false;
            }
            foreach (var c in lengthText)
            {
                if (!char.IsAsciiDigit(c))
                {
                    return false;
                }
                length = (length * 10) + (c - '0');
            }
            return length <= 32 && TryParseAddress(trimmed[..slash], out address);
        }
        var space = trimmed.IndexOf(' ');
        if (space < 0)
        {
            return false;
        }
        return TryParseAddress(trimmed[..space], out address)
               && TryParseAddress(trimmed[(space + 1)..], out var mask)
               && TryMaskLength(mask, out length);
    }

    /// <summary>The prefix length of a contiguous netmask (255.255.255.0 → 24); false for 255.0.255.0.</summary>
    public static bool TryMaskLength(uint mask, out int length)
    {
        length = BitOperations.PopCount(mask);
        return mask == MaskOf(length);
    }

    public static uint MaskOf(int length) => length == 0 ? 0u : uint.MaxValue << (32 - length);

    /// <summary>0.0.0.0/8 ("this network"), 127.0.0.0/8 (loopback), 224.0.0.0/4 (multicast) and 240.0.0.0/4 (reserved).</summary>
    public static string? WhyNotUnicast(uint address) => (address >> 24) switch
    {
        0 => "is in 0.0.0.0/8",
        127 => "is a loopback address (127.0.0.0/8)",
        >= 224 and < 240 => "is a multicast address (224.0.0.0/4)",
        >= 240 => "is a reserved address (240.0.0.0/4)",
        _ => null,
    };

    /// <summary>
    /// An interface address with its subnet: prefix length 1..32, a unicast address, and (below /31,
    /// where every address is a host) neither the subnet's network nor its broadcast address.
    /// </summary>
    public static string? WhyNotInterfaceAddress(uint address, int length)
    {
        var text = $"{Format(address)}/{length}";
        if (length is < 1 or > 32)
        {
            return $"prefix length {length} is not usable on an interface (1..32)";
        }
        if (WhyNotUnicast(address) is { } why)
        {
            return $"{text} {why}";
        }
        var mask = MaskOf(length);
        if (length < 31 && (address & ~mask) == 0)
        {
            return $"{text} is the network address of its subnet";
        }
        if (length < 31 && (address & ~mask) == ~mask)
        {
            return $"{text} is the broadcast address of its subnet";
        }
        return null;
    }

    /// <summary>A route's destination: prefix length 0..32 and no host bits (0.0.0.0/0 is the default route).</summary>
    public static string? WhyNotRoutePrefix(uint address, int length)
    {
        if (length is < 0 or > 32)
        {
            return $"prefix length {length} is out of range 0..32";
        }
        var network = address & MaskOf(length);
        return network != address
            ? $"{Format(address)}/{length} has host bits set (did you mean {Format(network)}/{length}?)"
            : null;
    }

    /// <summary>A static route's next hop: a unicast address (whether it is the router's own is a check against state).</summary>
    public static string? WhyNotNextHop(uint address) =>
        WhyNotUnicast(address) is { } why ? $"next hop {Format(address)} {why}" : null;
}
