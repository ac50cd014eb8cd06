using System.Text;

namespace ActorRouter.ControlPlane.Commands;

/// <summary>
/// Replaces a configuration file so that a crash at any moment leaves either the old file or the
/// new one, never a mix: the text goes to a temporary file in the same directory, which is flushed
/// to disk and then renamed over the target (rename(2) replaces a name atomically within one file
/// system). The directory is flushed after the rename so that the new name survives a power loss.
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
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
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
}
