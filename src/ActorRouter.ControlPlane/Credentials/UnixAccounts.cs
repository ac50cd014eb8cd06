using System.Runtime.InteropServices;

namespace ActorRouter.ControlPlane.Credentials;

/// <summary>The few POSIX calls .NET does not offer: a group's id, a file's owner, changing it.</summary>
public static partial class UnixAccounts
{
    private const int AtCurrentDirectory = -100;
    private const int StatxUid = 0x8;
    private const int StatxGid = 0x10;
    // struct statx is the same on every Linux architecture: stx_uid at byte 20, stx_gid at 24, 256 bytes in all.
    private const int StatxSize = 256;
    private const int StatxUidOffset = 20;
    private const int StatxGidOffset = 24;

    /// <summary>The id of group <paramref name="name"/>, or null when there is none.</summary>
    public static int? GroupId(string name)
    {
        var entry = getgrnam(name);
        if (entry == IntPtr.Zero)
        {
            return null;
        }
        // struct group { char *gr_name; char *gr_passwd; gid_t gr_gid; char **gr_mem; }
        return Marshal.ReadInt32(entry, 2 * IntPtr.Size);
    }

    /// <summary>Owner and group of <paramref name="path"/> (the link itself when it is a symbolic link: never followed).</summary>
    public static (int UserId, int GroupId) Owner(string path)
    {
        var buffer = new byte[StatxSize];
        if (statx(AtCurrentDirectory, path, 0x100 /* AT_SYMLINK_NOFOLLOW */, StatxUid | StatxGid, buffer) != 0)
        {
            throw new IOException($"cannot read the owner of {path}: {Marshal.GetLastPInvokeErrorMessage()}");
        }
        return (BitConverter.ToInt32(buffer, StatxUidOffset), BitConverter.ToInt32(buffer, StatxGidOffset));
    }

    public static void SetOwner(string path, int userId, int groupId)
    {
        if (lchown(path, userId, groupId) != 0)
        {
            throw new IOException($"cannot give {path} the owner {userId}:{groupId}: {Marshal.GetLastPInvokeErrorMessage()}");
        }
    }

    public static void SetGroup(string path, int groupId) => SetOwner(path, -1, groupId);

    public static int EffectiveUserId => (int)geteuid();

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr getgrnam(string name);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int statx(int directoryFd, string path, int flags, int mask, byte[] buffer);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int lchown(string path, int owner, int group);

    [LibraryImport("libc")]
    private static partial uint geteuid();
}
