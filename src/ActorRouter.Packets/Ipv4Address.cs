using System.Globalization;

namespace ActorRouter.Packets;

/// <summary>
/// IPv4 addresses are plain <see cref="uint"/>s in host order (10.0.0.1 is 0x0A000001); these helpers turn
/// them into dotted quads and back. Off the hot path.
/// </summary>
public static class Ipv4Address
{
    public const uint Any = 0;
    public const uint Broadcast = 0xFFFF_FFFF;

    public static uint FromOctets(byte a, byte b, byte c, byte d) => ((uint)a << 24) | ((uint)b << 16) | ((uint)c << 8) | d;

    public static string Format(uint address) =>
        string.Create(CultureInfo.InvariantCulture, $"{address >> 24}.{(address >> 16) & 0xFF}.{(address >> 8) & 0xFF}.{address & 0xFF}");

    /// <summary>Parses exactly four decimal octets 0..255 separated by dots (no leading sign, no spaces).</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out uint address)
    {
        address = 0;
        uint value = 0;
        int octets = 0;
        while (true)
        {
            int digits = 0;
            uint octet = 0;
            while (digits < text.Length && char.IsAsciiDigit(text[digits]))
            {
                octet = octet * 10 + (uint)(text[digits] - '0');
                digits++;
                if (digits > 3)
                {
                    return false;
                }
            }

            if (digits == 0 || octet > 255)
            {
                return false;
            }

            value = (value << 8) | octet;
            octets++;
            text = text[digits..];
            if (octets == 4)
            {
                break;
            }

            if (text.IsEmpty || text[0] != '.')
            {
                return false;
            }

            text = text[1..];
        }

        if (!text.IsEmpty)
        {
            return false;
        }

        address = value;
        return true;
    }

    public static uint Parse(string text) =>
        TryParse(text, out uint address) ? address : throw new FormatException($"'{text}' is not a dotted-quad IPv4 address");
}
