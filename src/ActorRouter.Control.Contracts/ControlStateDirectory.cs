namespace ActorRouter.Control.Contracts;

/// <summary>
/// Where the router keeps its control credentials when <c>actorrouter.control.state-directory</c> is not
/// set, and where arctl looks for them: <c>/var/lib/actorrouter</c> for root (a router run as a service),
/// otherwise <c>$XDG_STATE_HOME/actorrouter</c> or <c>~/.local/state/actorrouter</c>.
/// </summary>
public static class ControlStateDirectory
{
    public const string System = "/var/lib/actorrouter";
    public const string AdminCredential = "admin.p12";
    public const string ReadOnlyCredential = "read-only.p12";

    public static string Default(Func<string, string?> environment, bool privileged)
    {
        if (privileged)
        {
            return System;
        }
        var xdg = environment("XDG_STATE_HOME");
        if (!string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg))
        {
            return Path.Combine(xdg, "actorrouter");
        }
        var home = environment("HOME");
        return Path.Combine(string.IsNullOrEmpty(home) ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) : home, ".local", "state", "actorrouter");
    }

    /// <summary>The directories arctl searches for a credential, in order: the user's own, then the system's.</summary>
    public static IReadOnlyList<string> Searched(Func<string, string?> environment, bool privileged)
    {
        var own = Default(environment, privileged);
        return own == System ? [System] : [own, System];
    }
}
