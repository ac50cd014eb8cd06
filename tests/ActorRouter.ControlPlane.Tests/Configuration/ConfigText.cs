using ActorRouter.ControlPlane.Configuration;

namespace ActorRouter.ControlPlane.Tests.Configuration;

/// <summary>Shared inputs and helpers for the configuration tests.</summary>
internal static class ConfigText
{
    public const string Source = "test.conf";

    /// <summary>A small valid configuration; tests append or splice in the one mistake they check.</summary>
    public static string TwoInterfaces(string interfaceExtra0 = "", string interfaceExtra1 = "", string more = "") => $$"""
        actorrouter {
          interfaces = [
            { os-name = "mem0", name = "GigabitEthernet1", ipv4 = "192.0.2.1/24" {{interfaceExtra0}} },
            { os-name = "mem1", name = "GigabitEthernet2", ipv4 = "198.51.100.1/24" {{interfaceExtra1}} }
          ]
          {{more}}
        }
        """;

    public static IReadOnlyList<ConfigurationError> Errors(string hocon)
    {
        var loaded = RouterConfigLoader.TryLoadString(hocon, Source, out var config, out var errors);
        Assert.False(loaded);
        Assert.Null(config);
        return errors;
    }

    /// <summary>Asserts that loading fails with exactly one error, at <paramref name="key"/> for <paramref name="reason"/>.</summary>
    public static void AssertSingleError(string hocon, string key, string reason)
    {
        var errors = Errors(hocon);
        Assert.Equal([new ConfigurationError(Source, key, reason)], errors);
    }

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ActorRouter.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("ActorRouter.sln not found above " + AppContext.BaseDirectory);
    }
}
