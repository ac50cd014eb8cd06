namespace ActorRouter.IO.AfPacket;

/// <summary>
/// A vNIC port could not be opened. The message names the router interface, the OS interface,
/// the system's reason and, where one is known, what to do about it:
/// "cannot open GigabitEthernet2 (veth-r2): Operation not permitted — needs CAP_NET_RAW".
/// </summary>
public sealed class VnicOpenException : Exception
{
    public VnicOpenException(string? routerName, string osName, int errno, string message)
        : base(message)
    {
        RouterName = routerName;
        OsName = osName;
        Errno = errno;
    }

    /// <summary>The router's name for the interface (GigabitEthernet2), when the caller gave one.</summary>
    public string? RouterName { get; }

    /// <summary>The operating-system interface name (veth-r2).</summary>
    public string OsName { get; }

    /// <summary>The positive errno value the system reported.</summary>
    public int Errno { get; }
}
