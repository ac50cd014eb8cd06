using ActorRouter.DataPlane.Memory;
using ActorRouter.DataPlane.Vnic;
using ActorRouter.IO.Native;

namespace ActorRouter.IO.AfPacket;

/// <summary>
/// The AF_PACKET vNIC driver's port: a real Linux interface through one AF_PACKET socket with an
/// RX ring and a TX ring mapped into the process (see <c>native/src/afpacket.c</c>). Frames are
/// copied from the RX ring straight into GPM buffers, and from GPM buffers into TX slots; every
/// burst is one call into the shim, without allocation.
/// </summary>
/// <remarks>
/// The kernel, not a producer thread, fills the RX ring, so nothing calls
/// <see cref="WakeSignal.Notify"/> for this port: the Rx thread sleeps in poll() on
/// <see cref="PollFd"/> instead, through an <see cref="AfPacketPoller"/> that also watches an
/// eventfd for stop and command wake-ups. TX slots come back as the driver completes them;
/// <see cref="TxRoom"/> and <see cref="Flush"/> reclaim them.
/// <para>
/// Receive stays copy-out, by decision. The shim also offers zero-copy receive
/// (arn_port_rx_peek / arn_port_rx_release: frames lent in their ring slots), and the two were
/// measured against each other (<c>dotnet run -c Release --project tests/ActorRouter.Benchmarks --
/// afpacket-rx</c>: pre-filled veth rings, bursts of 32, IPv4 destination read after receive;
/// medians of two runs on a shared 2-core machine, ns/frame, copy-out vs zero-copy):
/// throughput mode (V3) 64 B 22–26 vs 10–12, 1514 B 142–148 vs 27–28; latency mode (V2)
/// 64 B 46–56 vs 17–22, 1514 B 144–150 vs 20–24. So copy-out costs about 12–14 ns per small
/// frame in V3 (28–34 ns in V2) and about 115–125 ns per full-size frame: the memcpy into a
/// GPM buffer that is not hot in cache, plus setting its metadata.
/// </para>
/// <para>
/// That saving is not on offer to the data plane. The <see cref="IVnicPort"/> contract hands
/// frames over in GPM buffers, which travel to PPE threads, wait in HQF queues, get punted to
/// the control plane — held for arbitrary times and freed out of order, on other threads. Ring
/// slots go back to the kernel only in ring order (V2: from the head; V3: a whole block once
/// all its frames are done), so one frame held in a congested HQF class or punted would pin
/// its slot and every slot after it: the ring fills and the kernel drops all traffic on the
/// interface (head-of-line blocking). The only way out is to copy such frames into GPM
/// buffers before holding them — paying the same copy later, plus a return path for releases
/// from other threads to the Rx thread. What copy-out costs is real but bounded: roughly
/// 12–30 ns per small frame (1–3 % of a core at 1 Mpps; next to the PPE's ~29 ns per packet in
/// the <c>ppe</c> benchmark it is not small, but the same machine's veth/AF_PACKET path carries
/// only ~0.5 Mpps, ~2 µs of kernel work per frame) and about 120 ns per full-size frame (about
/// 10 % of a core at 10 GbE line rate, 0.8 Mpps). Not an overwhelming case for giving up a
/// contract that lets frames be held anywhere for any time.
/// </para>
/// </remarks>
// The burst methods' stackalloc arrays are filled by the shim before they are read: zeroing them
// (2 KiB per call) cost more than the rest of the receive path's managed code.
[System.Runtime.CompilerServices.SkipLocalsInit]
public sealed unsafe class AfPacketVnicPort : IVnicPort
{
    /// <summary>Frames moved per call into the shim; longer bursts are split.</summary>
    private const int NativeBurst = 256;
    private const int DefaultFrameSize = 2048;

    private readonly Lock _statisticsLock = new();
    private readonly VnicStatistics _statistics = new();
    private nint _port;
    private int _lastMtu;
    private WakeSignal? _rxSignal;
    private WakeSignal? _txSignal;
    private ulong _kernelDropsCounted;
    private ulong _rxOversizeCounted;

    /// <summary>
    /// Opens <paramref name="osName"/> with RX and TX rings of at least <paramref name="ringSize"/>
    /// frames of <paramref name="frameSize"/> bytes each (a power of two, 256..65536). With
    /// <paramref name="networkNamespace"/> the interface is looked up in that named namespace
    /// (/var/run/netns/NAME) instead of the process's own. <paramref name="routerName"/>
    /// (GigabitEthernet2) only makes error messages speak the router's language.
    /// </summary>
    /// <exception cref="VnicOpenException">The interface cannot be opened; the message says why.</exception>
    public AfPacketVnicPort(
        string osName,
        int ringSize = 512,
        AfPacketMode mode = AfPacketMode.Latency,
        int frameSize = DefaultFrameSize,
        string? routerName = null,
        string? networkNamespace = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(osName);
        ArgumentOutOfRangeException.ThrowIfLessThan(ringSize, 1);
        NativeShim.EnsureCompatible();
        OsName = osName;
        RouterName = routerName;
        Mode = mode;
        NetworkNamespace = networkNamespace;

        var rc = networkNamespace is null
            ? NativeShim.PortOpen(osName, (uint)ringSize, (uint)ringSize, (uint)frameSize, (int)mode, out _port)
            : OpenInNamespace(networkNamespace, osName, ringSize, frameSize, mode, out _port);
        if (rc < 0)
        {
            throw OpenError(routerName, osName, networkNamespace, -rc, ringSize, frameSize);
        }

        byte* mac = stackalloc byte[6];
        if (NativeShim.PortMac(_port, mac) == 0)
        {
            ulong value = 0;
            for (var i = 0; i < 6; i++)
            {
                value = (value << 8) | mac[i];
            }
            Mac = value;
        }
        var mtu = NativeShim.PortMtu(_port);
        _lastMtu = mtu > 0 ? mtu : 1500;
        RingSize = NativeShim.PortRxRingFrames(_port);
        TxRingSize = NativeShim.PortTxRingFrames(_port);
        PollFd = NativeShim.PortFd(_port);
    }

    public string OsName { get; }

    /// <summary>The router's name for the interface, when given at open.</summary>
    public string? RouterName { get; }

    /// <summary>The named network namespace the interface lives in, or null for the process's own.</summary>
    public string? NetworkNamespace { get; }

    public AfPacketMode Mode { get; }

    /// <summary>Read once at open.</summary>
    public ulong Mac { get; }

    /// <summary>Asked of the kernel at each read (the MTU can change under a running router).</summary>
    public int Mtu
    {
        get
        {
            var mtu = NativeShim.PortMtu(_port);
            if (mtu > 0)
            {
                _lastMtu = mtu;
            }
            return _lastMtu;
        }
    }

    /// <summary>RX ring slots (the requested size rounded up to whole kernel blocks).</summary>
    public int RingSize { get; }

    /// <summary>TX ring slots (the requested size rounded up to whole pages).</summary>
    public int TxRingSize { get; }

    /// <summary>IFF_RUNNING, asked of the kernel at each read: up and with carrier.</summary>
    public bool LinkUp => NativeShim.PortLinkUp(_port) == 1;

    /// <summary>
    /// The socket to poll() for POLLIN: readable when the RX ring holds frames (per frame in
    /// <see cref="AfPacketMode.Latency"/>, per retired block — at most 1 ms late — in
    /// <see cref="AfPacketMode.Throughput"/>). Owned by the port: never close it.
    /// </summary>
    public int PollFd { get; }

    public int ReceiveBurst(PacketMemory gpm, ReadOnlySpan<uint> buffers)
    {
        var capacity = (uint)Math.Min(gpm.MaxFrameLength, ushort.MaxValue);
        var headroom = gpm.Headroom;
        var pointers = stackalloc byte*[NativeBurst];
        var lengths = stackalloc ushort[NativeBurst];
        var filled = 0;
        while (filled < buffers.Length)
        {
            var chunk = Math.Min(buffers.Length - filled, NativeBurst);
            for (var i = 0; i < chunk; i++)
            {
                pointers[i] = gpm.BufferPointer(buffers[filled + i]) + headroom;
            }
            var n = NativeShim.PortRxBurst(_port, pointers, lengths, (uint)chunk, capacity);
            if (n < 0)
            {
                ThrowNativeError(n, "receive");
            }
            for (var i = 0; i < n; i++)
            {
                gpm.ResetMeta(buffers[filled + i], lengths[i], BufferOwner.Rx);
            }
            filled += n;
            if (n < chunk)
            {
                break;
            }
        }
        return filled;
    }

    /// <summary>Looks at the ring in memory; no system call. In <see cref="AfPacketMode.Throughput"/>
    /// frames become visible when the kernel retires their block (at most 1 ms after arrival).</summary>
    public bool HasReceived => NativeShim.PortRxPending(_port) > 0;

    public int DiscardReceived(int max)
    {
        var n = NativeShim.PortRxDiscard(_port, (uint)Math.Max(max, 0));
        return n < 0 ? 0 : n;
    }

    public int TxRoom => Math.Max(NativeShim.PortTxRoom(_port), 0);

    public int TransmitBurst(PacketMemory gpm, ReadOnlySpan<uint> buffers)
    {
        var pointers = stackalloc byte*[NativeBurst];
        var lengths = stackalloc ushort[NativeBurst];
        var taken = 0;
        while (taken < buffers.Length)
        {
            var chunk = Math.Min(buffers.Length - taken, NativeBurst);
            for (var i = 0; i < chunk; i++)
            {
                var buffer = buffers[taken + i];
                ref var meta = ref gpm.Meta(buffer);
                pointers[i] = gpm.BufferPointer(buffer) + meta.Offset;
                lengths[i] = meta.Length;
            }
            var n = NativeShim.PortTxBurst(_port, pointers, lengths, (uint)chunk);
            if (n < 0)
            {
                ThrowNativeError(n, "transmit");
            }
            taken += n;
            if (n < chunk)
            {
                break;
            }
        }
        return taken;
    }

    /// <summary>One send() for everything queued. While the interface is administratively down,
    /// frames given to <see cref="TransmitBurst"/> are dropped and counted as TxLinkDown.</summary>
    public void Flush()
    {
        var dropped = NativeShim.PortTxFlush(_port);
        if (dropped > 0)
        {
            Statistics.CountTxLinkDown(dropped);
        }
        else if (dropped < 0)
        {
            ThrowNativeError(dropped, "flush");
        }
    }

    /// <summary>Stored only: the kernel fills the ring, so wake-ups come from poll() on <see cref="PollFd"/>.</summary>
    public void AttachRxSignal(WakeSignal? signal) => _rxSignal = signal;

    /// <summary>Stored only: TX slots are reclaimed by <see cref="TxRoom"/> and <see cref="Flush"/>.</summary>
    public void AttachTxSignal(WakeSignal? signal) => _txSignal = signal;

    /// <summary>The signals last attached (kept for a driver-independent Rx/HQF thread to find).</summary>
    public WakeSignal? RxSignal => _rxSignal;
    public WakeSignal? TxSignal => _txSignal;

    /// <summary>
    /// Driver counters, brought up to date at each read: the kernel's drops for a full RX ring
    /// become RxRingFull, frames too long for a GPM buffer RxOversize. Read from any thread.
    /// </summary>
    public VnicStatistics Statistics
    {
        get
        {
            lock (_statisticsLock)
            {
                SyncStatistics();
            }
            return _statistics;
        }
    }

    /// <summary>Frames the kernel put in the RX ring since open (PACKET_STATISTICS).</summary>
    public ulong KernelRxPackets
    {
        get
        {
            lock (_statisticsLock)
            {
                return SyncStatistics();
            }
        }
    }

    /// <summary>Frames dropped at TX because they were longer than a TX slot (only possible with
    /// GPM buffers larger than the ring's frames); not part of <see cref="VnicStatistics"/>.</summary>
    public ulong TxOversize => NativeShim.PortTxOversize(_port);

    private ulong SyncStatistics()
    {
        if (_port == 0 || NativeShim.PortStats(_port, out var drops, out var packets) != 0)
        {
            return 0;
        }
        // VnicStatistics counts one at a time; deltas are small between reads in practice.
        for (; _kernelDropsCounted < drops; _kernelDropsCounted++)
        {
            _statistics.CountRxRingFull();
        }
        var oversize = NativeShim.PortRxOversize(_port);
        for (; _rxOversizeCounted < oversize; _rxOversizeCounted++)
        {
            _statistics.CountRxOversize();
        }
        return packets;
    }

    /// <summary>Closes the socket and unmaps the rings. Call it only once the Rx and HQF threads
    /// have stopped using the port: a burst running meanwhile would touch unmapped rings.</summary>
    public void Dispose()
    {
        nint port;
        lock (_statisticsLock)
        {
            port = _port;
            _port = 0;
        }
        if (port != 0)
        {
            NativeShim.PortClose(port);
        }
    }

    private void ThrowNativeError(int rc, string operation)
    {
        if (_port == 0)
        {
            throw new ObjectDisposedException(nameof(AfPacketVnicPort), $"{Describe(RouterName, OsName)} is closed");
        }
        throw new IOException($"{operation} on {Describe(RouterName, OsName)} failed: {NativeShim.ErrnoText(-rc)}");
    }

    private static string Describe(string? routerName, string osName) =>
        routerName is null ? osName : $"{routerName} ({osName})";

    /// <summary>
    /// Builds the open error for errno <paramref name="errno"/>: the system's text and, where the
    /// cause is known, a hint. Public so that callers (and tests) word related errors alike.
    /// </summary>
    public static VnicOpenException OpenError(string? routerName, string osName, string? networkNamespace, int errno, int ringSize, int frameSize)
    {
        var where = networkNamespace is null ? "" : $" in network namespace {networkNamespace}";
        var hint = errno switch
        {
            Errno.EPERM or Errno.EACCES => "needs CAP_NET_RAW" + (networkNamespace is null ? "" : " and CAP_SYS_ADMIN to enter the namespace"),
            Errno.ENODEV => $"no interface named {osName}{where}",
            Errno.ENOENT when networkNamespace is not null => $"no network namespace named {networkNamespace} (/var/run/netns/{networkNamespace})",
            Errno.ENAMETOOLONG => "Linux interface names are at most 15 characters",
            Errno.EINVAL => $"rings of {ringSize} frames of {frameSize} bytes are not possible (frame size: a power of two 256..65536)",
            Errno.ENOMEM => $"rings of {ringSize} frames of {frameSize} bytes do not fit in memory",
            Errno.ENOPROTOOPT => "the kernel lacks an AF_PACKET option the driver needs (PACKET_IGNORE_OUTGOING: Linux 4.20 or later)",
            Errno.EAFNOSUPPORT => "the kernel has no AF_PACKET support",
            Errno.EBUSY => "the interface's rings are in use",
            _ => null,
        };
        var reason = NativeShim.ErrnoText(errno);
        var message = $"cannot open {Describe(routerName, osName)}: {reason}" + (hint is null ? "" : $" — {hint}");
        return new VnicOpenException(routerName, osName, errno, message);
    }

    /// <summary>
    /// Opens the port from a short-lived thread that has entered the namespace: a socket belongs to
    /// the namespace it was created in, whatever thread uses it later, and no thread of the
    /// process's pool is ever moved.
    /// </summary>
    private static int OpenInNamespace(string networkNamespace, string osName, int ringSize, int frameSize, AfPacketMode mode, out nint port)
    {
        var result = 0;
        nint opened = 0;
        var thread = new Thread(() =>
        {
            result = NativeShim.NetnsEnter(Path.Combine("/var/run/netns", networkNamespace));
            if (result == 0)
            {
                result = NativeShim.PortOpen(osName, (uint)ringSize, (uint)ringSize, (uint)frameSize, (int)mode, out opened);
            }
        })
        {
            IsBackground = true,
            Name = $"afpacket-open {osName}",
        };
        thread.Start();
        thread.Join();
        port = opened;
        return result;
    }
}
