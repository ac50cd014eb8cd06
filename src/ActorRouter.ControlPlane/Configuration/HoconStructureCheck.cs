namespace ActorRouter.ControlPlane.Configuration;

/// <summary>
/// Checks that braces and brackets pair up. Akka's HOCON parser accepts an unclosed '{' or a stray
/// '}' without complaint and silently drops or reshapes what follows, so a config that "loads" could
/// differ from the one the operator wrote; this catches those mistakes with a line number first.
/// </summary>
internal static class HoconStructureCheck
{
    /// <returns>A reason naming the offending line, or null when the structure is sound.</returns>
    public static string? FindProblem(string text)
    {
        var open = new Stack<(char Bracket, int Line)>();
        var line = 1;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '\n')
            {
                line++;
                i++;
            }
            else if (c == '#' || (c == '/' && i + 1 < text.Length && text[i + 1] == '/'))
            {
                while (i < text.Length && text[i] != '\n')
                {
                    i++;
                }
            }
            else if (c == '"')
            {
                var startLine = line;
                if (!SkipString(text, ref i, ref line))
                {
                    return $"syntax error: string opened at line {startLine} is never closed";
                }
            }
            else if (c is '{' or '[')
            {
                open.Push((c, line));
                i++;
            }
            else if (c is '}' or ']')
            {
                var expectedOpen = c == '}' ? '{' : '[';
                if (open.Count == 0)
                {
                    return $"syntax error: '{c}' at line {line} closes nothing";
                }
                var (bracket, openedAt) = open.Pop();
                if (bracket != expectedOpen)
                {
                    return $"syntax error: '{c}' at line {line} does not match '{bracket}' opened at line {openedAt}";
                }
                i++;
            }
            else
            {
                i++;
            }
        }
        if (open.Count > 0)
        {
            var (bracket, openedAt) = open.Peek();
            return $"syntax error: '{bracket}' opened at line {openedAt} is never closed";
        }
        return null;
    }

    /// <summary>Skips a "quoted" or """triple-quoted""" string starting at <paramref name="i"/>.</summary>
    private static bool SkipString(string text, ref int i, ref int line)
    {
        if (string.CompareOrdinal(text, i, "\"\"\"", 0, 3) == 0)
        {
            var end = text.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal);
            if (end < 0)
            {
                return false;
            }
            line += text.AsSpan(i, end + 3 - i).Count('\n');
            i = end + 3;
            return true;
        }
        i++;
        while (i < text.Length)
        {
            switch (text[i])
            {
                case '\\':
                    i += 2;
                    break;
                case '"':
                    i++;
                    return true;
                case '\n':
                    // A quoted string cannot span lines in HOCON.
                    return false;
                default:
                    i++;
                    break;
            }
        }
        return false;
    }
}
