using System.Diagnostics.CodeAnalysis;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace ActorRouter.ControlPlane.Configuration;

/// <summary>
/// Loads and validates the router's HOCON configuration. Validation is strict and complete: every
/// unknown key, wrong type, out-of-range value and inconsistency is reported, all in one pass, each
/// as <c>&lt;file&gt;: &lt;key&gt;: &lt;reason&gt;</c>.
/// </summary>
public static class RouterConfigLoader
{
    public const string RootKey = "actorrouter";
    public const string EmbeddedResourceName = "ActorRouter.router.conf";
    public const string EmbeddedSourceName = "embedded:router.conf";

    public static RouterConfig LoadFile(string path) =>
        TryLoadFile(path, out var config, out var errors) ? config : throw new ConfigurationException(errors);

    public static RouterConfig LoadString(string hocon, string sourceName) =>
        TryLoadString(hocon, sourceName, out var config, out var errors) ? config : throw new ConfigurationException(errors);

    /// <summary>The default configuration built into the ControlPlane assembly from config/router.conf.</summary>
    public static RouterConfig LoadEmbeddedDefault() => LoadString(ReadEmbeddedDefaultText(), EmbeddedSourceName);

    public static string ReadEmbeddedDefaultText()
    {
        using var stream = typeof(RouterConfigLoader).Assembly.GetManifestResourceStream(EmbeddedResourceName)
            ?? throw new InvalidOperationException($"resource {EmbeddedResourceName} is missing from {typeof(RouterConfigLoader).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public static bool TryLoadFile(
        string path,
        [NotNullWhen(true)] out RouterConfig? config,
        out IReadOnlyList<ConfigurationError> errors)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            config = null;
            errors = [new ConfigurationError(path, "", "file not found")];
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            config = null;
            errors = [new ConfigurationError(path, "", $"cannot read file: {e.Message}")];
            return false;
        }
        return TryLoadString(text, path, out config, out errors);
    }

    public static bool TryLoadString(
        string hocon,
        string sourceName,
        [NotNullWhen(true)] out RouterConfig? config,
        out IReadOnlyList<ConfigurationError> errors)
    {
        var sink = new ErrorSink(sourceName);
        config = null;
        var root = Parse(hocon, sink);
        if (root is not null)
        {
            var read = RouterConfigReader.Read(root, sink);
            if (sink.Errors.Count == 0)
            {
                config = read;
            }
        }
        errors = sink.Errors.ToList();
        return config is not null;
    }

    private static HoconObject? Parse(string hocon, ErrorSink errors)
    {
        var structureProblem = HoconStructureCheck.FindProblem(hocon);
        if (structureProblem is not null)
        {
            errors.Add("", structureProblem);
            return null;
        }
        HoconValue root;
        try
        {
            root = ConfigurationFactory.ParseString(hocon).Root;
        }
        catch (Exception e)
        {
            errors.Add("", "syntax error: " + DescribeParseFailure(e));
            return null;
        }
        if (!HoconSection.IsObject(root))
        {
            errors.Add(RootKey, "missing required section");
            return null;
        }
        return root.GetObject();
    }

    private static string DescribeParseFailure(Exception e)
    {
        // Akka's messages run on with several lines of advice; the first line says what went wrong.
        var firstLine = e.Message.Split('\n')[0].Trim();
        if (firstLine.Contains("unquoted text value containing assignment character", StringComparison.Ordinal))
        {
            // By far the most common cause in this file: a MAC address written without quotes.
            firstLine += " Quote values that contain ':', such as MAC addresses: mac = \"02:00:00:00:00:01\"";
        }
        return firstLine;
    }
}
