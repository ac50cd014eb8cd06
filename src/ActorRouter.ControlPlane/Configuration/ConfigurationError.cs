namespace ActorRouter.ControlPlane.Configuration;

/// <summary>One problem found in a configuration source.</summary>
/// <param name="SourceName">The file path, or a name such as <c>embedded:router.conf</c>.</param>
/// <param name="Key">The full dotted path, e.g. <c>actorrouter.interfaces[1].ipv4</c>; empty when the
/// problem is with the source as a whole (file missing, syntax error).</param>
public sealed record ConfigurationError(string SourceName, string Key, string Reason)
{
    public override string ToString() =>
        Key.Length == 0 ? $"{SourceName}: {Reason}" : $"{SourceName}: {Key}: {Reason}";
}

/// <summary>
/// A configuration that cannot be used. <see cref="SourceName"/>, <see cref="Key"/> and
/// <see cref="Reason"/> describe the first error; <see cref="Errors"/> holds all of them, and the
/// message lists them one per line as <c>&lt;file&gt;: &lt;key&gt;: &lt;reason&gt;</c>.
/// </summary>
public sealed class ConfigurationException : Exception
{
    public ConfigurationException(IReadOnlyList<ConfigurationError> errors)
        : base(string.Join(Environment.NewLine, RequireAny(errors)))
    {
        Errors = errors;
    }

    public ConfigurationException(string sourceName, string key, string reason)
        : this([new ConfigurationError(sourceName, key, reason)])
    {
    }

    public IReadOnlyList<ConfigurationError> Errors { get; }

    public string SourceName => Errors[0].SourceName;

    public string Key => Errors[0].Key;

    public string Reason => Errors[0].Reason;

    private static IReadOnlyList<ConfigurationError> RequireAny(IReadOnlyList<ConfigurationError> errors) =>
        errors.Count > 0 ? errors : throw new ArgumentException("a configuration exception needs at least one error", nameof(errors));
}
