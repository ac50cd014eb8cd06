namespace ActorRouter.ControlPlane.Commands;

/// <summary>
/// Resolves an interface name as a user types it: any case, and abbreviated the IOS way, where the
/// letters may be any prefix of the type and the numbers must be whole (<c>gi1</c>, <c>Gig1</c>,
/// <c>g1</c> → GigabitEthernet1 while no other type starts with "g").
/// </summary>
public static class InterfaceNames
{
    /// <summary>The configured name <paramref name="typed"/> stands for, or null with <paramref name="error"/> saying why.</summary>
    public static string? Resolve(string typed, IReadOnlyCollection<string> names, out string? error)
    {
        error = null;
        var exact = names.FirstOrDefault(n => string.Equals(n, typed, StringComparison.OrdinalIgnoreCase));
        if (exact is not null)
        {
            return exact;
        }
        var (typedType, typedNumber) = Split(typed);
        var matches = typedType.Length == 0
            ? []
            : names.Where(n =>
            {
                var (type, number) = Split(n);
                return type.StartsWith(typedType, StringComparison.OrdinalIgnoreCase)
                       && string.Equals(number, typedNumber.Replace(" ", ""), StringComparison.Ordinal);
            }).ToList();
        if (matches.Count == 1)
        {
            return matches[0];
        }
        error = matches.Count > 1
            ? $"interface '{typed}' is ambiguous: {string.Join(", ", matches)}"
            : $"no interface {typed} (interfaces: {(names.Count == 0 ? "none" : string.Join(", ", names))})";
        return null;
    }

    private static (string Type, string Number) Split(string name)
    {
        var i = 0;
        while (i < name.Length && (char.IsLetter(name[i]) || name[i] == '-'))
        {
            i++;
        }
        return (name[..i], name[i..].Trim());
    }
}
