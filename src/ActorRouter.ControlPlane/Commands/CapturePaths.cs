namespace ActorRouter.ControlPlane.Commands;

/// <summary>
/// Where <c>monitor capture ... file PATH</c> may write: a <c>.pcap</c> or <c>.pcapng</c> file inside the
/// configured capture directory (a relative path is taken from it), as <c>write memory</c> is confined
/// to the configuration directory: no <c>..</c>, no path elsewhere, no symbolic link on the way that
/// leads out of the directory, and not a symbolic link itself.
/// </summary>
public static class CapturePaths
{
    /// <returns>The full path, or null with <paramref name="error"/> saying why nothing is written.</returns>
    public static string? Resolve(string requested, string? captureDirectory, out string? error)
    {
        error = null;
        if (captureDirectory is null)
        {
            error = "captures to a file need a capture directory: set actorrouter.control.capture-directory";
            return null;
        }
        var directory = Path.GetFullPath(captureDirectory);
        if (requested.Split('/', '\\').Any(part => part == ".."))
        {
            error = $"'{requested}' contains '..'; captures are written only inside {directory}";
            return null;
        }
        if (!requested.EndsWith(".pcap", StringComparison.Ordinal) && !requested.EndsWith(".pcapng", StringComparison.Ordinal))
        {
            error = $"'{requested}' does not end in .pcap or .pcapng";
            return null;
        }
        var full = Path.GetFullPath(requested, directory);
        if (!ConfigFileWriter.IsInside(full, directory))
        {
            error = $"'{requested}' is outside the capture directory {directory}; captures are written only there";
            return null;
        }
        var parent = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(parent))
        {
            error = $"directory {parent} does not exist";
            return null;
        }
        var realDirectory = ConfigFileWriter.RealPath(directory);
        var realParent = ConfigFileWriter.RealPath(parent);
        if (realDirectory is null || realParent is null || !ConfigFileWriter.IsInside(Path.Combine(realParent, Path.GetFileName(full)), realDirectory))
        {
            error = $"'{requested}' leads out of the capture directory {directory} through a symbolic link";
            return null;
        }
        if (new FileInfo(full).LinkTarget is not null)
        {
            error = $"{full} is a symbolic link; captures are not written through links";
            return null;
        }
        return full;
    }
}
