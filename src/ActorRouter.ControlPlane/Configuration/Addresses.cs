using System.Globalization;

namespace ActorRouter.ControlPlane.Configuration;

/// <summary>Dotted-quad text for IPv4 addresses held as <see cref="uint"/> in host order (0x0A000001 = 10.0.0.1).</summary>
public static class Ipv4Text
{
    public static string Format(uint address) =>
        $"{address >> 24}.{(address >> 16) & 0xFF}.{(address >> 8) & 0xFF}.{address & 0xFF}";

    /// <summary>Parses exactly four decimal octets 0..255; no leading sign, no shorthand forms like 10.1.</summary>
    public static bool TryParse(string text, out uint address)
    {
        address = 0;
        var parts = text.Split('.');
        if (parts.Length != 4)
        {
            return false;
        }
        foreach (var part in parts)
        {
            if (part.Length is 0 or > 3 || !part.All(char.IsAsciiDigit))
            {
                return false;
            }
            var octet = int.Parse(part, CultureInfo.InvariantCulture);
            if (octet > 255)
            {
                return false;
            }
            address = (address << 8) | (uint)octet;
        }
        return true;
    }

    public static uint Parse(string text) =>
        TryParse(text, out var address) ? address : throw new FormatException($"'{text}' is not an IPv4 address");

    public static bool IsMulticast(uint address) => (address >> 28) == 0xE;

    /// <summary>0.0.0.0/8 ("this network"), 127.0.0.0/8 (loopback), 224.0.0.0/4 (multicast) and 240.0.0.0/4 (reserved).</summary>
    public static string? WhyNotUnicast(uint address) => (address >> 24) switch
    {
        0 => "is in 0.0.0.0/8",
        127 => "is a loopback address (127.0.0.0/8)",
        >= 224 and < 240 => "is a multicast address (224.0.0.0/4)",
        >= 240 => "is a reserved address (240.0.0.0/4)",
        _ => null,
    };
}

/// <summary>An IPv4 address with a prefix length: a route prefix, or an interface address with its subnet.</summary>
public readonly record struct Ipv4Cidr(uint Address, int PrefixLength)
{
    public uint Mask => PrefixLength == 0 ? 0u : uint.MaxValue << (32 - PrefixLength);

    public uint Network => Address & Mask;

    public uint Broadcast => Network | ~Mask;

    public bool HasHostBits => (Address & ~Mask) != 0;

    public bool Contains(uint address) => (address & Mask) == Network;

    public bool Overlaps(Ipv4Cidr other)
    {
        var shorter = Math.Min(PrefixLength, other.PrefixLength);
        var mask = shorter == 0 ? 0u : uint.MaxValue << (32 - shorter);
        return (Address & mask) == (other.Address & mask);
    }

    public override string ToString() => $"{Ipv4Text.Format(Address)}/{PrefixLength}";

    /// <summary>Parses <c>A.B.C.D/L</c> with L in 0..32; host bits are kept, callers decide whether they are allowed.</summary>
    public static bool TryParse(string text, out Ipv4Cidr cidr)
    {
        cidr = default;
        var slash = text.IndexOf('/');
        if (slash < 0)
        {
            return false;
        }
        var lengthText = text[(slash + 1)..];
        if (lengthText.Length is 0 or > 2 || !lengthText.All(char.IsAsciiDigit))
        {
            return false;
        }
        var length = int.Parse(lengthText, CultureInfo.InvariantCulture);
        if (length > 32 || !Ipv4Text.TryParse(text[..slash], out var address))
        {
            return false;
        }
        cidr = new Ipv4Cidr(address, length);
        return true;
    }

    public static Ipv4Cidr Parse(string text) =>
        TryParse(text, out var cidr) ? cidr : throw new FormatException($"'{text}' is not of the form A.B.C.D/L");
}

/// <summary>MAC addresses held in the low 48 bits of a <see cref="ulong"/>, first octet most significant.</summary>
public static class MacText
{
    public static string Format(ulong mac) => string.Join(':',
        Enumerable.Range(0, 6).Select(i => ((mac >> (8 * (5 - i))) & 0xFF).ToString("x2", CultureInfo.InvariantCulture)));

    /// <summary>Parses the colon form <c>02:00:00:00:00:01</c> (either case), exactly six two-digit groups.</summary>
    public static bool TryParse(string text, out ulong mac)
    {
        mac = 0;
        var parts = text.Split(':');
        if (parts.Length != 6)
        {
            return false;
        }
        foreach (var part in parts)
        {
            if (part.Length != 2 || !part.All(char.IsAsciiHexDigit))
            {
                return false;
            }
            mac = (mac << 8) | byte.Parse(part, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }
        return true;
    }

    public static ulong Parse(string text) =>
        TryParse(text, out var mac) ? mac : throw new FormatException($"'{text}' is not a MAC address");

    /// <summary>The group bit is the least significant bit of the first octet.</summary>
    public static bool IsMulticast(ulong mac) => ((mac >> 40) & 1) != 0;

    public static byte[] ToBytes(ulong mac) =>
        Enumerable.Range(0, 6).Select(i => (byte)(mac >> (8 * (5 - i)))).ToArray();
}
