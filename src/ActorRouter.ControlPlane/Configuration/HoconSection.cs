using System.Globalization;
using Akka.Configuration.Hocon;

namespace ActorRouter.ControlPlane.Configuration;

/// <summary>Collects every error of one load, so that all of them are reported together.</summary>
internal sealed class ErrorSink(string sourceName)
{
    private readonly List<ConfigurationError> _errors = [];

    public string SourceName { get; } = sourceName;

    public IReadOnlyList<ConfigurationError> Errors => _errors;

    public void Add(string key, string reason) => _errors.Add(new ConfigurationError(SourceName, key, reason));
}

/// <summary>
/// Reads one HOCON object against a schema the caller spells out key by key. Every key the caller
/// asks for is remembered, and <see cref="ReportUnknownKeys"/> turns every other key into an error,
/// which is what makes the loader strict. A missing section reads as all defaults.
/// Readers never throw: a bad value is reported and the default stands in, so loading goes on and
/// finds the remaining errors.
/// </summary>
internal sealed class HoconSection
{
    private readonly IReadOnlyDictionary<string, HoconValue> _items;
    private readonly ErrorSink _errors;
    private readonly List<string> _knownKeys = [];

    private HoconSection(IReadOnlyDictionary<string, HoconValue> items, string path, ErrorSink errors, bool isPresent)
    {
        _items = items;
        IsPresent = isPresent;
        Path = path;
        _errors = errors;
    }

    public string Path { get; }

    /// <summary>False when the section is absent from the source (or of the wrong kind) and reads as defaults.</summary>
    public bool IsPresent { get; }

    public static HoconSection Of(HoconObject obj, string path, ErrorSink errors) => new(obj.Items, path, errors, isPresent: true);

    public static HoconSection Absent(string path, ErrorSink errors) =>
        new(new Dictionary<string, HoconValue>(), path, errors, isPresent: false);

    public string PathOf(string key) => $"{Path}.{key}";

    public void Error(string key, string reason) => _errors.Add(PathOf(key), reason);

    public bool Has(string key)
    {
        Remember(key);
        return Lookup(key) is not null;
    }

    /// <summary>The raw text of a scalar; null when the key is absent or set to null (wrong kinds are reported).</summary>
    public string? Text(string key, string expected)
    {
        Remember(key);
        var value = Lookup(key);
        if (value is null)
        {
            return null;
        }
        return ScalarText(value, PathOf(key), expected, _errors);
    }

    public string? OptionalString(string key) => Text(key, "a string");

    /// <summary>The raw text of a scalar that must be present; a missing or null value is reported.</summary>
    public string? RequiredText(string key, string expected)
    {
        var text = Text(key, expected);
        if (text is null && !HasErrorAt(key))
        {
            Error(key, "missing required value");
        }
        return text;
    }

    public string RequiredString(string key) => RequiredText(key, "a string") ?? "";

    public int Int(string key, int defaultValue, int min, int max)
    {
        var text = Text(key, "an integer");
        if (text is null)
        {
            return defaultValue;
        }
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            Error(key, $"expected an integer, got '{text}'");
            return defaultValue;
        }
        if (value < min || value > max)
        {
            Error(key, $"{value} is out of range {min}..{max}");
            return defaultValue;
        }
        return value;
    }

    public int PowerOfTwo(string key, int defaultValue, int min, int max)
    {
        var value = Int(key, defaultValue, min, max);
        if (!int.IsPow2(value))
        {
            Error(key, $"{value} is not a power of two ({min}..{max})");
            return defaultValue;
        }
        return value;
    }

    public bool Bool(string key, bool defaultValue)
    {
        var text = Text(key, "true or false");
        switch (text)
        {
            case null:
                return defaultValue;
            case "true" or "yes" or "on":
                return true;
            case "false" or "no" or "off":
                return false;
            default:
                Error(key, $"expected true or false, got '{text}'");
                return defaultValue;
        }
    }

    /// <summary>A nested object; absent (or of the wrong kind, which is reported) reads as all defaults.</summary>
    public HoconSection Section(string key)
    {
        Remember(key);
        var value = Lookup(key);
        if (value is null)
        {
            return Absent(PathOf(key), _errors);
        }
        if (!IsObject(value))
        {
            _errors.Add(PathOf(key), $"expected an object, got {Describe(value)}");
            return Absent(PathOf(key), _errors);
        }
        return Of(value.GetObject(), PathOf(key), _errors);
    }

    /// <summary>The elements of a list with their paths; absent reads as empty.</summary>
    public IReadOnlyList<(HoconValue Value, string Path)> List(string key)
    {
        Remember(key);
        var value = Lookup(key);
        if (value is null)
        {
            return [];
        }
        if (!IsArray(value))
        {
            _errors.Add(PathOf(key), $"expected a list, got {Describe(value)}");
            return [];
        }
        return value.Values.OfType<HoconArray>().SelectMany(array => array)
            .Select((element, index) => (element, $"{PathOf(key)}[{index}]"))
            .ToList();
    }

    /// <summary>A scalar, or a list of scalars, as texts with their paths; absent reads as empty (wrong kinds are reported).</summary>
    public IReadOnlyList<(string Text, string Path)> TextOrTextList(string key, string expected)
    {
        Remember(key);
        var value = Lookup(key);
        if (value is null)
        {
            return [];
        }
        if (!IsArray(value))
        {
            return ScalarText(value, PathOf(key), expected, _errors) is { } single ? [(single, PathOf(key))] : [];
        }
        var result = new List<(string, string)>();
        foreach (var (element, path) in List(key))
        {
            if (ScalarText(element, path, expected, _errors) is { } text)
            {
                result.Add((text, path));
            }
        }
        return result;
    }

    /// <summary>A list whose elements are objects; elements of another kind are reported and skipped.</summary>
    public IReadOnlyList<(HoconSection Section, int Index)> ObjectList(string key)
    {
        var result = new List<(HoconSection, int)>();
        var elements = List(key);
        for (var index = 0; index < elements.Count; index++)
        {
            var (element, path) = elements[index];
            if (IsObject(element))
            {
                result.Add((Of(element.GetObject(), path, _errors), index));
            }
            else
            {
                _errors.Add(path, $"expected an object, got {Describe(element)}");
            }
        }
        return result;
    }

    /// <summary>Reports every key present here that the schema did not ask for, with the closest known key as a hint.</summary>
    public void ReportUnknownKeys()
    {
        foreach (var key in _items.Keys)
        {
            if (_knownKeys.Contains(key))
            {
                continue;
            }
            var suggestion = Suggestions.Closest(key, _knownKeys);
            _errors.Add(PathOf(key), suggestion is null
                ? $"unknown key '{key}'"
                : $"unknown key '{key}' (did you mean '{suggestion}'?)");
        }
    }

    public static string? ScalarText(HoconValue value, string path, string expected, ErrorSink errors)
    {
        if (IsObject(value) || IsArray(value))
        {
            errors.Add(path, $"expected {expected}, got {Describe(value)}");
            return null;
        }
        var text = value.GetString();
        // Akka reads both an unquoted null and the quoted string "null" as no value.
        return text;
    }

    // Akka's HoconValue.IsArray() is false for an empty list, and a value can hold several elements
    // (concatenation), so the kind is decided from the elements themselves.
    public static bool IsObject(HoconValue value) => value.Values.Any(element => element is HoconObject);

    public static bool IsArray(HoconValue value) =>
        !IsObject(value) && value.Values.Any(element => element is HoconArray);

    public static string Describe(HoconValue value) =>
        IsObject(value) ? "an object" : IsArray(value) ? "a list" : $"'{value.GetString()}'";

    /// <summary>The value at <paramref name="key"/>; a HOCON null reads as absent, so it takes the default.</summary>
    private HoconValue? Lookup(string key) =>
        _items.TryGetValue(key, out var value) && (IsObject(value) || IsArray(value) || value.GetString() is not null)
            ? value
            : null;

    public bool HasErrorAt(string key) => _errors.Errors.Any(e => e.Key == PathOf(key));

    private void Remember(string key)
    {
        if (!_knownKeys.Contains(key))
        {
            _knownKeys.Add(key);
        }
    }
}

internal static class Suggestions
{
    /// <summary>The known key nearest by edit distance, if near enough to be a likely typo.</summary>
    public static string? Closest(string key, IEnumerable<string> known)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in known)
        {
            var distance = EditDistance(key, candidate);
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }
        var allowed = Math.Max(2, Math.Min(key.Length, best?.Length ?? 0) / 3);
        return bestDistance <= allowed ? best : null;
    }

    /// <summary>Levenshtein distance, case-insensitive.</summary>
    public static int EditDistance(string a, string b)
    {
        a = a.ToLowerInvariant();
        b = b.ToLowerInvariant();
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
