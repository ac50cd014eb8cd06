namespace ActorRouter.Cli;

/// <summary>
/// Reads a line from an interactive terminal with history: up and down arrows walk earlier lines,
/// left and right move within the line, backspace and delete edit it, Ctrl-D on an empty line ends.
/// </summary>
public sealed class LineEditor(string prompt)
{
    private readonly List<string> _history = new();

    public string? ReadLine()
    {
        Console.Write(prompt);
        var line = new System.Text.StringBuilder();
        var cursor = 0;
        var historyIndex = _history.Count;
        var shown = 0;

        void Redraw()
        {
            Console.Write('\r' + prompt + line + new string(' ', Math.Max(0, shown - line.Length)));
            shown = line.Length;
            Console.Write('\r' + prompt + line.ToString(0, cursor));
        }

        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    Console.WriteLine();
                    var text = line.ToString();
                    if (text.Trim().Length > 0 && (_history.Count == 0 || _history[^1] != text))
                    {
                        _history.Add(text);
                    }
                    return text;
                case ConsoleKey.UpArrow when historyIndex > 0:
                    historyIndex--;
                    line.Clear().Append(_history[historyIndex]);
                    cursor = line.Length;
                    break;
                case ConsoleKey.DownArrow when historyIndex < _history.Count:
                    historyIndex++;
                    line.Clear().Append(historyIndex < _history.Count ? _history[historyIndex] : "");
                    cursor = line.Length;
                    break;
                case ConsoleKey.LeftArrow when cursor > 0:
                    cursor--;
                    break;
                case ConsoleKey.RightArrow when cursor < line.Length:
                    cursor++;
                    break;
                case ConsoleKey.Home:
                    cursor = 0;
                    break;
                case ConsoleKey.End:
                    cursor = line.Length;
                    break;
                case ConsoleKey.Backspace when cursor > 0:
                    line.Remove(--cursor, 1);
                    break;
                case ConsoleKey.Delete when cursor < line.Length:
                    line.Remove(cursor, 1);
                    break;
                case ConsoleKey.D when key.Modifiers.HasFlag(ConsoleModifiers.Control) && line.Length == 0:
                    Console.WriteLine();
                    return null;
                default:
                    if (!char.IsControl(key.KeyChar))
                    {
                        line.Insert(cursor++, key.KeyChar);
                    }
                    break;
            }
            Redraw();
        }
    }
}
