namespace ActorRouter.Packets.Tests;

/// <summary>Frames written out as hex in the tests ("45 00 00 73 ..."; whitespace ignored).</summary>
internal static class Hex
{
    public static byte[] Parse(string hex)
    {
        string digits = string.Concat(hex.Where(c => !char.IsWhiteSpace(c)));
        return Convert.FromHexString(digits);
    }
}
