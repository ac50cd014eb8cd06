using System.Globalization;
using ActorRouter.Control.Contracts.Rules;

namespace ActorRouter.ControlPlane.Configuration;

/// <summary>Dotted-quad text for IPv4 addresses held as <see cref="uint"/> in host order (0x0A000001 = 10.0.0.1); the rules are <see cref="Ipv4Rules"/>'s.</summary>
public static class Ipv4Text
{
    public static string Format(uint address) => Ipv4Rules.Format(address);

    /// <summary>Parses exactly four decimal octets 0..255; no leading sign, no shorthand forms like 10.1.</summary>
    public static bool TryParse(string text, out uint address) => Ipv4Rules.TryParseAddress(text, out address);

    public static uint Parse(string text) =>
        TryParse(text, out var address) ? address : throw new FormatException($"'{text}' is not an IPv4 address");

    public static bool IsMulticast(uint address) => (address >> 28) == 0xE;

    /// <summary>0.0.0.0/8 ("this network"), 127.0.0.0/8 (loopback), 224.0.0.0/4 (multicast) and 240.0.0.0/4 (reserved).</summary>
    public static string? WhyNotUnicast(uint address) => Ipv4Rules.WhyNotUnicast(address);
}

/// <summary>An IPv4 address with a prefix length: a route prefix, or an interface address with its subnet.</summary>
public readonly record struct Ipv4Cidr(uint Address, int PrefixLength)
{
    public uint Mask => Ipv4Rules.MaskOf(PrefixLength);

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

    /// <summary>
    /// Parses <c>A.B.C.D/L</c> or <c>A.B.C.D M.M.M.M</c> (<see cref="Ipv4Rules.TryParsePrefix"/>); host bits
    /// are kept, callers decide whether they are allowed.
    /// </summary>
    public static bool TryParse(string text, out Ipv4Cidr cidr)
    {
        var ok = Ipv4Rules.TryParsePrefix(text, out var address, out var length);
        cidr = ok ? new Ipv4Cidr(address, length) : default;
        return ok;
    }

    public static Ipv4Cidr Parse(string text) =>
        TryParse(text, out var cidr) ? cidr : throw new FormatException($"'{text}' is not of the form {Ipv4Rules.PrefixForms}");
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
