using System.Globalization;

namespace ActorRouter.Control.Contracts.Rules;

/// <summary>
/// The forms of a manually keyed ESP SA's SPI, key and salt: one definition for the configuration loader,
/// FMAN and arctl (see <see cref="Ipv4Rules"/> for why it lives in this assembly).
/// </summary>
public static class TunnelKeys
{
    /// <summary>SPIs 1..255 are reserved by IANA and 0 is never sent (RFC 4303 §2.1).</summary>
    public const uint MinSpi = 256;

    /// <summary>An SPI written in decimal or as 0x and hexadecimal digits, 256..4294967295.</summary>
    public static bool TryParseSpi(string text, out uint spi)
    {
        var ok = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? uint.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out spi)
            : uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out spi);
        return ok && spi >= MinSpi;
    }

    /// <summary>
    /// The bytes of <paramref name="text"/> (0x and an even number of hexadecimal digits) as upper-case hex without
    /// the prefix, when there are <paramref name="minBytes"/> or <paramref name="maxBytes"/> of them; else null.
    /// </summary>
    public static string? ParseHex(string text, int minBytes, int maxBytes)
    {
        if (!text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var digits = text[2..];
        if (digits.Length % 2 != 0 || (digits.Length / 2 != minBytes && digits.Length / 2 != maxBytes) || !digits.All(char.IsAsciiHexDigit))
        {
            return null;
        }
        return digits.ToUpperInvariant();
    }
}
