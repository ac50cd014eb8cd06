using System.Runtime.InteropServices;

namespace ActorRouter.ControlPlane.Platform;

/// <summary>One OS network interface as the platform sees it.</summary>
/// <param name="AdminUp">IFF_UP: the OS interface is set up.</param>
/// <param name="Running">IFF_RUNNING: up and with carrier.</param>
/// <param name="Ethernet">ARPHRD_ETHER: a device the AF_PACKET driver can carry Ethernet frames on.</param>
public sealed record NetDevice(string Name, int IfIndex, int Mtu, ulong Mac, bool AdminUp, bool Running, bool Loopback, bool Ethernet)
{
    /// <summary>What forwarding needs: administratively up and with carrier.</summary>
    public bool LinkUp => AdminUp && Running;
}

/// <summary>The OS interfaces of the router's network namespace; a stand-in replaces it in tests.</summary>
public interface INetDevices
{
    IReadOnlyList<NetDevice> List();

    /// <summary>The device, or null when no interface has that name.</summary>
    NetDevice? Read(string name);

    /// <summary>Sets the OS MTU; returns null, or why it could not.</summary>
    string? SetMtu(string name, int mtu);
}

/// <summary>
/// Linux: enumerates with if_nameindex(3) and reads each interface with SIOCGIF* ioctls on a
/// datagram socket. Unlike /sys/class/net, which lists the namespace sysfs was mounted in, the
/// socket answers for the network namespace the router runs in, however it got there.
/// </summary>
public sealed unsafe class LinuxNetDevices : INetDevices
{
    public static readonly LinuxNetDevices Instance = new();

    private const int AfInet = 2;
    private const int SockDgram = 2;
    private const int SockCloexec = 0x80000;
    private const ulong SiocGifFlags = 0x8913;
    private const ulong SiocGifMtu = 0x8921;
    private const ulong SiocSifMtu = 0x8922;
    private const ulong SiocGifHwAddr = 0x8927;
    private const ulong SiocGifIndex = 0x8933;
    private const int IffUp = 0x1;
    private const int IffLoopback = 0x8;
    private const int IffRunning = 0x40;
    private const ushort ArphrdEther = 1;
    private const int IfNameSize = 16;

    /// <summary>struct ifreq: the name, then a 24-byte union (flags, mtu, ifindex or a sockaddr).</summary>
    [StructLayout(LayoutKind.Sequential, Size = 40)]
    private struct IfReq
    {
        public fixed byte Name[IfNameSize];
        public fixed byte Union[24];
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct IfNameIndex
    {
        public uint Index;
        public nint Name;
    }

    [DllImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static extern int Socket(int domain, int type, int protocol);

    [DllImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static extern int Ioctl(int fd, ulong request, IfReq* request_);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);

    [DllImport("libc", EntryPoint = "if_nameindex", SetLastError = true)]
    private static extern IfNameIndex* IfNameIndexList();

    [DllImport("libc", EntryPoint = "if_freenameindex")]
    private static extern void IfFreeNameIndex(IfNameIndex* list);

    public IReadOnlyList<NetDevice> List()
    {
        var names = new List<string>();
        var list = IfNameIndexList();
        if (list is null)
        {
            throw new IOException($"cannot list the network interfaces: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
        try
        {
            for (var entry = list; entry->Index != 0; entry++)
            {
                names.Add(Marshal.PtrToStringUTF8(entry->Name)!);
            }
        }
        finally
        {
            IfFreeNameIndex(list);
        }
        // An interface can vanish between the listing and the read.
        return names.Select(Read).OfType<NetDevice>().ToList();
    }

    public NetDevice? Read(string name)
    {
        if (name.Length is 0 or >= IfNameSize)
        {
            return null;
        }
        var fd = OpenSocket();
        try
        {
            var req = Request(name);
            if (Ioctl(fd, SiocGifFlags, &req) < 0)
            {
                return null;
            }
            var flags = *(short*)req.Union;
            req = Request(name);
            var index = Ioctl(fd, SiocGifIndex, &req) < 0 ? 0 : *(int*)req.Union;
            req = Request(name);
            var mtu = Ioctl(fd, SiocGifMtu, &req) < 0 ? 0 : *(int*)req.Union;
            req = Request(name);
            ulong mac = 0;
            var family = (ushort)0;
            if (Ioctl(fd, SiocGifHwAddr, &req) == 0)
            {
                // struct sockaddr: sa_family, then the hardware address in sa_data.
                family = *(ushort*)req.Union;
                for (var i = 0; i < 6; i++)
                {
                    mac = (mac << 8) | req.Union[2 + i];
                }
            }
            return new NetDevice(name, index, mtu, mac,
                AdminUp: (flags & IffUp) != 0,
                Running: (flags & IffRunning) != 0,
                Loopback: (flags & IffLoopback) != 0,
                Ethernet: family == ArphrdEther);
        }
        finally
        {
            Close(fd);
        }
    }

    public string? SetMtu(string name, int mtu)
    {
        var fd = OpenSocket();
        try
        {
            var req = Request(name);
            *(int*)req.Union = mtu;
            return Ioctl(fd, SiocSifMtu, &req) < 0
                ? Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())
                : null;
        }
        finally
        {
            Close(fd);
        }
    }

    private static int OpenSocket()
    {
        var fd = Socket(AfInet, SockDgram | SockCloexec, 0);
        if (fd < 0)
        {
            throw new IOException($"cannot open a socket to read the network interfaces: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
        return fd;
    }

    private static IfReq Request(string name)
    {
        var req = default(IfReq);
        for (var i = 0; i < name.Length; i++)
        {
            req.Name[i] = (byte)name[i];
        }
        return req;
    }
}
