namespace ActorRouter.IO.AfPacket;

/// <summary>The Linux errno values the AF_PACKET and AF_XDP drivers explain in its messages.</summary>
internal static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EBADF = 9;
    public const int ENOMEM = 12;
    public const int EACCES = 13;
    public const int EBUSY = 16;
    public const int ENODEV = 19;
    public const int EINVAL = 22;
    public const int ENAMETOOLONG = 36;
    public const int ENOPROTOOPT = 92;
    public const int EPROTONOSUPPORT = 93;
    public const int EOPNOTSUPP = 95;
    public const int ENOBUFS = 105;
    public const int EAFNOSUPPORT = 97;
}
