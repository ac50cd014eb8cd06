using ActorRouter.ControlPlane.Credentials;

namespace ActorRouter.Cli.Tests;

/// <summary>
/// A CA and admin credential that belong to no router of the tests: for arctl runs that never reach
/// a router (usage errors, no router listening) and as the "certificate from another CA".
/// </summary>
public static class TestCredentials
{
    private static readonly Lazy<string> ForeignState = new(() =>
    {
        var directory = Path.Combine(Directory.CreateTempSubdirectory("arctl-foreign-ca-").FullName, "state");
        ControlCredentials.OpenOrCreate(directory, null, null, []);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(Path.GetDirectoryName(directory)!, recursive: true);
        return directory;
    });

    /// <summary>An admin credential issued by a CA that is not any test router's.</summary>
    public static string ForeignAdmin => Path.Combine(ForeignState.Value, ControlCredentials.AdminFile);
}
