using System.Text;
using ActorRouter.ControlPlane.Credentials;

namespace ActorRouter.ControlPlane.Commands;

/// <summary>
/// Replaces a configuration file so that a crash at any moment leaves either the old file or the
/// new one, never a mix: the text goes to a temporary file in the same directory, which is flushed
/// to disk and then renamed over the target (rename(2) replaces a name atomically within one file
/// system). The directory is flushed after the rename so that the new name survives a power loss.
/// The new file keeps the mode and owner of the file it replaces (a new file is 0600): the temporary
/// file is created 0600 and given them before the rename, so the text is never more readable than
/// the old file was.
/// </summary>
/// <param name="beforeReplace">Runs with the temporary file's path after it is written and flushed
/// and before the rename; tests inject a failure here to show the old file is left untouched.</param>
public sealed class ConfigFileWriter(Action<string>? beforeReplace = null)
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/>; returns the bytes written.</summary>
    public long Write(string path, string text)
    {
        var target = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(target) ?? throw new IOException($"{target} has no directory");
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"directory {directory} does not exist");
        }
        var temp = Path.Combine(directory, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        var bytes = Utf8NoBom.GetBytes(text);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the router runs on Linux");
        }
        (UnixFileMode, (int, int))? replaced = File.Exists(target) ? (File.GetUnixFileMode(target), UnixAccounts.Owner(target)) : null;
        try
        {
            using (var stream = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                UnixCreateMode = NewFileMode,
            }))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            if (replaced is var (mode, (userId, groupId)))
            {
                if (UnixAccounts.Owner(temp) != (userId, groupId))
                {
                    UnixAccounts.SetOwner(temp, userId, groupId);
                }
                File.SetUnixFileMode(temp, mode);
            }
            beforeReplace?.Invoke(temp);
            File.Move(temp, target, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        FlushDirectory(directory);
        return bytes.Length;
    }

    /// <summary>A configuration file written where none was: only its owner reads it (it may name secret files).</summary>
    public const UnixFileMode NewFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Where <c>write memory [PATH]</c> may write: with no path, the file the router was started from;
    /// with a path, a <c>.conf</c> file inside the configuration directory (a relative path is taken
    /// from it). No <c>..</c>, no absolute path elsewhere, and no symbolic link on the way that leads out
    /// of the directory; an existing symbolic link as the file itself is refused too.
    /// </summary>
    /// <param name="configDirectory">Null: the directory of <paramref name="startupFile"/>.</param>
    /// <returns>The full path to write, or null with <paramref name="error"/> saying why nothing is written.</returns>
    public static string? ResolveTarget(string? requested, string? startupFile, string? configDirectory, out string? error)
    {
        error = null;
        if (requested is null)
        {
            if (startupFile is null)
            {
                error = "the router was started on its embedded default configuration, which cannot be overwritten; give a file: write memory PATH (inside actorrouter.control.config-directory)";
                return null;
            }
            return Path.GetFullPath(startupFile);
        }
        if (startupFile is not null && Path.IsPathRooted(requested) && Path.GetFullPath(requested) == Path.GetFullPath(startupFile))
        {
            return Path.GetFullPath(startupFile);
        }
        var directory = configDirectory ?? (startupFile is null ? null : Path.GetDirectoryName(Path.GetFullPath(startupFile)));
        if (directory is null)
        {
            error = "write memory PATH needs a configuration directory: the router was started on its embedded default and actorrouter.control.config-directory is not set";
            return null;
        }
        directory = Path.GetFullPath(directory);
        if (requested.Split('/', '\\').Any(part => part == ".."))
        {
            error = $"'{requested}' contains '..'; write memory writes only inside {directory}";
            return null;
        }
        if (!requested.EndsWith(".conf", StringComparison.Ordinal))
        {
            // A guard against overwriting an unrelated file of the router's user by a slip of the keyboard.
            error = $"'{requested}' does not end in .conf; write memory only writes configuration files";
            return null;
        }
        var full = Path.GetFullPath(requested, directory);
        if (!IsInside(full, directory))
        {
            error = $"'{requested}' is outside the configuration directory {directory}; write memory writes only there or to the start file";
            return null;
        }
        var parent = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(parent))
        {
            error = $"directory {parent} does not exist";
            return null;
        }
        // Symbolic links: the real directory the file lands in must still be inside the real configuration directory.
        var realDirectory = RealPath(directory);
        var realParent = RealPath(parent);
        if (realDirectory is null || realParent is null || !IsInside(Path.Combine(realParent, Path.GetFileName(full)), realDirectory))
        {
            error = $"'{requested}' leads out of the configuration directory {directory} through a symbolic link";
            return null;
        }
        if (new FileInfo(full).LinkTarget is not null)
        {
            error = $"{full} is a symbolic link; write memory does not write through links";
            return null;
        }
        return full;
    }

    internal static bool IsInside(string path, string directory)
    {
        var prefix = directory.EndsWith('/') ? directory : directory + "/";
        return path.StartsWith(prefix, StringComparison.Ordinal) && path.Length > prefix.Length;
    }

    internal static string? RealPath(string path)
    {
        var resolved = NativeFile.realpath(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero)
        {
            return null;
        }
        try
        {
            return System.Runtime.InteropServices.Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            NativeFile.free(resolved);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void FlushDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        var fd = NativeFile.open(directory, NativeFile.O_RDONLY | NativeFile.O_DIRECTORY);
        if (fd < 0)
        {
            return;
        }
        NativeFile.fsync(fd);
        NativeFile.close(fd);
    }
}

internal static partial class NativeFile
{
    public const int O_RDONLY = 0;
    public const int O_DIRECTORY = 0x10000;

    [System.Runtime.InteropServices.LibraryImport("libc", StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8)]
    public static partial int open(string path, int flags);

    [System.Runtime.InteropServices.LibraryImport("libc")]
    public static partial int fsync(int fd);

    [System.Runtime.InteropServices.LibraryImport("libc")]
    public static partial int close(int fd);

    [System.Runtime.InteropServices.LibraryImport("libc", StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8)]
    public static partial IntPtr realpath(string path, IntPtr resolved);

    [System.Runtime.InteropServices.LibraryImport("libc")]
    public static partial void free(IntPtr pointer);
}
