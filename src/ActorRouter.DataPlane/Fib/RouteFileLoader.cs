namespace ActorRouter.DataPlane.Fib;

/// <summary>
/// Reads route files of the shared benchmark format: one route per line, <c>a.b.c.d/len nexthop</c>, '\n' or
/// "\r\n" line ends, empty lines ignored. Parses bytes directly, without a string per line.
/// </summary>
public static class RouteFileLoader
{
    /// <summary>Adds every route of the file at <paramref name="path"/> to <paramref name="table"/>.</summary>
    /// <returns>The number of route lines read.</returns>
    /// <exception cref="FormatException">A line is malformed; the message names the file and line.</exception>
    /// <exception cref="ArgumentException">A route is invalid (host bits set, length or next hop out of range).</exception>
    public static int Load(string path, Ipv4RouteTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        byte[] text = File.ReadAllBytes(path);
        return Parse(text, table, path);
    }

    /// <summary>Reads the file at <paramref name="path"/> into a new route table.</summary>
    public static Ipv4RouteTable Load(string path)
    {
        byte[] text = File.ReadAllBytes(path);
        // About 18 bytes per line in the shared files; presizing saves the dictionary from regrowing.
        var table = new Ipv4RouteTable(text.Length / 16);
        Parse(text, table, path);
        return table;
    }

    /// <summary>Adds every route in <paramref name="text"/> to <paramref name="table"/>.</summary>
    /// <param name="source">Names the text in error messages.</param>
    /// <returns>The number of route lines read.</returns>
    public static int Parse(ReadOnlySpan<byte> text, Ipv4RouteTable table, string source = "route text")
    {
        ArgumentNullException.ThrowIfNull(table);
        int lineNumber = 0;
        int routes = 0;
        while (!text.IsEmpty)
        {
            lineNumber++;
            int end = text.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = end < 0 ? text : text[..end];
            text = end < 0 ? default : text[(end + 1)..];
            if (!line.IsEmpty && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }
            if (line.IsEmpty)
            {
                continue;
            }

            if (!TryParseLine(line, out uint prefix, out int length, out uint nextHop))
            {
                throw new FormatException(
                    $"{source}:{lineNumber}: expected 'a.b.c.d/len nexthop' but found '{System.Text.Encoding.ASCII.GetString(line)}'.");
            }
            try
            {
                table.Add(prefix, length, nextHop);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"{source}:{lineNumber}: {e.Message}", e);
            }
            routes++;
        }
        return routes;
    }

    private static bool TryParseLine(ReadOnlySpan<byte> line, out uint prefix, out int length, out uint nextHop)
    {
        prefix = 0;
        length = 0;
        nextHop = 0;
        int pos = 0;
        for (int octet = 0; octet < 4; octet++)
        {
            if (!TryParseNumber(line, ref pos, 255, out uint value))
            {
                return false;
            }
            prefix = (prefix << 8) | value;
            byte separator = octet < 3 ? (byte)'.' : (byte)'/';
            if (pos >= line.Length || line[pos] != separator)
            {
                return false;
            }
            pos++;
        }
        if (!TryParseNumber(line, ref pos, 32, out uint len))
        {
            return false;
        }
        length = (int)len;
        if (pos >= line.Length || (line[pos] != (byte)' ' && line[pos] != (byte)'\t'))
        {
            return false;
        }
        while (pos < line.Length && (line[pos] == (byte)' ' || line[pos] == (byte)'\t'))
        {
            pos++;
        }
        // Range of the next hop is checked by the table, which gives the precise message.
        if (!TryParseNumber(line, ref pos, uint.MaxValue, out nextHop))
        {
            return false;
        }
        return pos == line.Length;
    }

    private static bool TryParseNumber(ReadOnlySpan<byte> line, ref int pos, uint max, out uint value)
    {
        value = 0;
        int start = pos;
        ulong v = 0;
        while (pos < line.Length && (uint)(line[pos] - '0') <= 9)
        {
            v = v * 10 + (uint)(line[pos] - '0');
            if (v > max)
            {
                return false;
            }
            pos++;
        }
        value = (uint)v;
        return pos > start;
    }
}
