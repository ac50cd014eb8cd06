using ActorRouter.DataPlane.Memory;
using ActorRouter.DataPlane.Vnic;
using ActorRouter.IO.AfPacket;
using ActorRouter.IO.Native;

namespace ActorRouter.IO.AfXdp;

/// <summary>
/// The AF_XDP vNIC driver's port, with GPM as the UMEM: the whole GPM block is registered with the
/// kernel (chunk = GPM buffer), so the kernel writes a received frame straight into a GPM buffer
/// and transmits straight from one (see <c>native/src/afxdp.c</c>). Nothing is copied between
/// the I/O layer and the data plane.
/// </summary>
/// <remarks>
/// <para>RX: the fill rings hold free GPM buffers lent to the kernel (owner
/// <see cref="BufferOwner.Driver"/>). <see cref="ReceiveExchange"/> swaps received buffers for
/// as many free buffers the Rx thread supplies, which go back into the fill ring: the driver holds
/// the same number of buffers all the time, and a frame can be held anywhere for any time (punted,
/// queued in a shaped class) without pinning a ring slot.</para>
/// <para>TX: <see cref="TransmitBurst"/> posts the GPM buffers themselves (address = buffer base +
/// meta offset) and takes them over (<see cref="OwnsTransmittedBuffers"/>); the completion ring
/// gives them back, in any order, and they go to the GPM pool. Completions are collected by the
/// TX side's own calls (<see cref="TxRoom"/>, <see cref="Flush"/>).</para>
/// <para>Accounting stays whole: every buffer the port holds is tagged Driver and recorded in a
/// per-port map; <see cref="Dispose"/> closes the sockets (the kernel lets go of every ring) and
/// returns them all to GPM.</para>
/// <para>Copy mode on veth and other drivers without AF_XDP zero-copy, zero-copy where the driver
/// has it; the XDP program runs native where the driver has XDP, else generic; one socket per RX
/// queue (ethtool -l), polled through one descriptor.</para>
/// </remarks>
// The burst methods' stackalloc arrays are filled by the shim before they are read: zeroing them
// (2 KiB per call) cost more than the rest of the receive path's managed code.
[System.Runtime.CompilerServices.SkipLocalsInit]
public sealed unsafe class AfXdpVnicPort : IVnicPort
{
    /// <summary>Frames moved per call into the shim; longer bursts are split.</summary>
    private const int NativeBurst = 256;

    private readonly PacketMemory _gpm;
    private readonly byte[] _held;
    private readonly Lock _statisticsLock = new();
    private readonly VnicStatistics _statistics = new();
    private readonly ulong[] _kernelCountersSeen = new ulong[NativeShim.XskStatCount];
    private nint _port;
    private int _lastMtu;
    private ulong _rxOversize;
    private long _rxOversizeCounted;

    /// <summary>
    /// Opens <paramref name="osName"/> with rings of <paramref name="ringSize"/> descriptors (rounded
    /// up to a power of two) per queue, on at most <paramref name="maxQueues"/> RX queues, and lends
    /// the fill rings free buffers from <paramref name="gpm"/>. With <paramref name="networkNamespace"/>
    /// the interface is looked up in that named namespace. <paramref name="copyOnly"/> skips the
    /// zero-copy attempt.
    /// </summary>
    /// <exception cref="VnicOpenException">The interface cannot be opened; the message says which step failed and why.</exception>
    public AfXdpVnicPort(
        string osName,
        PacketMemory gpm,
        int ringSize = 512,
        int maxQueues = NativeShim.XskMaxQueues,
        bool copyOnly = false,
        string? routerName = null,
        string? networkNamespace = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(osName);
        ArgumentNullException.ThrowIfNull(gpm);
        ArgumentOutOfRangeException.ThrowIfLessThan(ringSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxQueues, 1);
        NativeShim.EnsureCompatible();
        OsName = osName;
        RouterName = routerName;
        NetworkNamespace = networkNamespace;
        _gpm = gpm;
        if (NativeShim.XskSupported() == 0)
        {
            throw new VnicOpenException(routerName, osName, Errno.EPROTONOSUPPORT,
                $"cannot open {Describe(routerName, osName)} with af-xdp: the native shim was built without libxdp/libbpf (install libxdp-dev libbpf-dev pkg-config, or run bash .ci/run, then dotnet build)");
        }
        if (gpm.BufferSize is not (2048 or 4096))
        {
            throw new VnicOpenException(routerName, osName, Errno.EINVAL,
                $"cannot open {Describe(routerName, osName)} with af-xdp: GPM buffers of {gpm.BufferSize} bytes cannot be AF_XDP chunks (data-plane.gpm.buffer-size must be 2048 or 4096)");
        }
        var rings = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)ringSize);
        var flags = copyOnly ? NativeShim.XskCopyOnly : 0;
        var rc = networkNamespace is null
            ? NativeShim.XskOpen(osName, gpm.BlockPointer, (ulong)gpm.BlockLength, (uint)gpm.BufferSize, (uint)rings, (uint)maxQueues, flags, out _port, out var step)
            : OpenInNamespace(networkNamespace, osName, gpm, rings, maxQueues, flags, out _port, out step);
        if (rc < 0)
        {
            throw OpenError(routerName, osName, networkNamespace, -rc, step, rings);
        }
        RingSize = rings;
        QueueCount = NativeShim.XskQueueCount(_port);
        var mode = NativeShim.XskMode(_port);
        ZeroCopy = (mode & NativeShim.XskModeZeroCopy) != 0;
        NativeMode = (mode & NativeShim.XskModeNative) != 0;
        PollFd = NativeShim.XskFd(_port);
        byte* mac = stackalloc byte[6];
        if (NativeShim.XskMac(_port, mac) == 0)
        {
            ulong value = 0;
            for (var i = 0; i < 6; i++)
            {
                value = (value << 8) | mac[i];
            }
            Mac = value;
        }
        var mtu = NativeShim.XskMtu(_port);
        _lastMtu = mtu > 0 ? mtu : 1500;

        _held = new byte[gpm.BufferCount];
        // The kernel writes into GPM until the sockets close: they close before GPM is released.
        gpm.Disposing += Dispose;
        if (!LendFillBuffers(QueueCount * rings))
        {
            Dispose();
            throw new VnicOpenException(routerName, osName, Errno.ENOMEM,
                $"cannot open {Describe(routerName, osName)} with af-xdp: GPM has no free buffers for the fill ring ({QueueCount * rings} wanted)");
        }
    }

    public string OsName { get; }

    /// <summary>The router's name for the interface, when given at open.</summary>
    public string? RouterName { get; }

    /// <summary>The named network namespace the interface lives in, or null for the process's own.</summary>
    public string? NetworkNamespace { get; }

    /// <summary>Read once at open.</summary>
    public ulong Mac { get; }

    /// <summary>Asked of the kernel at each read.</summary>
    public int Mtu
    {
        get
        {
            var mtu = NativeShim.XskMtu(_port);
            if (mtu > 0)
            {
                _lastMtu = mtu;
            }
            return _lastMtu;
        }
    }

    /// <summary>Descriptors in each ring of each queue (fill, RX, TX, completion).</summary>
    public int RingSize { get; }

    /// <summary>RX queues the port has a socket on.</summary>
    public int QueueCount { get; }

    /// <summary>True when the sockets are bound in zero-copy mode (the NIC DMAs into GPM); false: copy mode.</summary>
    public bool ZeroCopy { get; }

    /// <summary>True when the XDP program runs in the driver (native XDP); false: generic (SKB) mode.</summary>
    public bool NativeMode { get; }

    /// <summary>Readable when any RX ring holds frames (the socket, or an epoll set over the queues). Owned by the port.</summary>
    public int PollFd { get; }

    /// <summary>IFF_RUNNING, asked of the kernel at each read.</summary>
    public bool LinkUp => NativeShim.XskLinkUp(_port) == 1;

    /// <summary>Buffers the port holds right now (fill rings, kernel, RX rings, TX and completion rings).</summary>
    public int HeldBuffers
    {
        get
        {
            var n = 0;
            foreach (var held in _held)
            {
                n += held;
            }
            return n;
        }
    }

    public bool OwnsTransmittedBuffers => true;

    /// <summary>
    /// Swaps received frames for free buffers: <paramref name="buffers"/>[i] (free) goes into the
    /// fill ring and is replaced by the buffer the kernel wrote frame i into, with its offset and
    /// length set in the metadata.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public int ReceiveExchange(PacketMemory gpm, Span<uint> buffers)
    {
        var offsets = stackalloc ushort[NativeBurst];
        var lengths = stackalloc ushort[NativeBurst];
        var given = stackalloc uint[NativeBurst];
        var filled = 0;
        fixed (uint* all = buffers)
        {
            while (filled < buffers.Length)
            {
                var chunk = Math.Min(buffers.Length - filled, NativeBurst);
                var slots = all + filled;
                for (var i = 0; i < chunk; i++)
                {
                    given[i] = slots[i];
                }
                var n = NativeShim.XskRxSwap(_port, slots, offsets, lengths, (uint)chunk);
                if (n < 0)
                {
                    ThrowNativeError(n, "receive");
                }
                for (var i = 0; i < n; i++)
                {
                    // The free buffer went to the fill ring; the received one comes out.
                    _gpm.SetOwner(given[i], BufferOwner.Driver);
                    _held[given[i]] = 1;
                    var received = slots[i];
                    _held[received] = 0;
                    ref var meta = ref gpm.Meta(received);
                    meta = default;
                    meta.Offset = offsets[i];
                    meta.Length = lengths[i];
                    meta.Owner = BufferOwner.Rx;
                }
                filled += n;
                if (n < chunk)
                {
                    break;
                }
            }
        }
        return filled;
    }

    /// <summary>The copying receive of the <see cref="IVnicPort"/> contract: frames are copied into
    /// the given buffers and their own buffers go straight back to the fill ring.</summary>
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
            ulong oversize = 0;
            var n = NativeShim.XskRxCopy(_port, pointers, lengths, (uint)chunk, capacity, &oversize);
            if (n < 0)
            {
                ThrowNativeError(n, "receive");
            }
            Interlocked.Add(ref _rxOversize, oversize);
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

    /// <summary>Looks at the RX rings in memory; no system call.</summary>
    public bool HasReceived => NativeShim.XskRxPending(_port) > 0;

    /// <summary>Drops waiting frames; their buffers go straight back to the fill ring.</summary>
    public int DiscardReceived(int max)
    {
        var n = NativeShim.XskRxDiscard(_port, (uint)Math.Max(max, 0));
        return n < 0 ? 0 : n;
    }

    /// <summary>Collects completed transmissions first, then says how many more buffers may be posted.</summary>
    public int TxRoom
    {
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        get
        {
            ReclaimCompleted();
            return Math.Max(NativeShim.XskTxRoom(_port), 0);
        }
    }

    /// <summary>Buffers posted to the TX ring and not yet completed.</summary>
    public int TxOutstanding => Math.Max(NativeShim.XskTxOutstanding(_port), 0);

    /// <summary>
    /// Posts the buffers themselves to the TX ring, in order, as far as there is room; the port owns
    /// every buffer it takes. A frame that does not lie inside its buffer (or is empty) is taken,
    /// returned to GPM and counted as TxOversize instead of being posted.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public int TransmitBurst(PacketMemory gpm, ReadOnlySpan<uint> buffers)
    {
        var indices = stackalloc uint[NativeBurst];
        var offsets = stackalloc ushort[NativeBurst];
        var lengths = stackalloc ushort[NativeBurst];
        var bufferSize = gpm.BufferSize;
        var taken = 0;
        while (taken < buffers.Length)
        {
            var room = NativeShim.XskTxRoom(_port);
            if (room <= 0)
            {
                break;
            }
            var chunk = Math.Min(Math.Min(buffers.Length - taken, NativeBurst), room);
            var valid = 0;
            var consumed = 0;
            for (; consumed < chunk; consumed++)
            {
                var buffer = buffers[taken + consumed];
                ref var meta = ref gpm.Meta(buffer);
                if (meta.Length == 0 || meta.Offset + meta.Length > bufferSize)
                {
                    gpm.FreeBulk(new ReadOnlySpan<uint>(in buffers[taken + consumed]));
                    _statistics.CountTxOversize(1);
                    continue;
                }
                indices[valid] = buffer;
                offsets[valid] = meta.Offset;
                lengths[valid] = meta.Length;
                valid++;
            }
            var n = valid == 0 ? 0 : NativeShim.XskTxBurst(_port, indices, offsets, lengths, (uint)valid);
            if (n < 0)
            {
                ThrowNativeError(n, "transmit");
            }
            for (var i = 0; i < n; i++)
            {
                gpm.SetOwner(indices[i], BufferOwner.Driver);
                _held[indices[i]] = 1;
            }
            // Room was checked, so every valid buffer was posted.
            taken += consumed;
            if (n < valid)
            {
                taken -= valid - n; // not expected; the caller keeps what was not posted
                break;
            }
        }
        return taken;
    }

    /// <summary>Submits the posted descriptors with at most one sendto() (only when the kernel asks
    /// for a wake-up), then collects what completed.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void Flush()
    {
        var rc = NativeShim.XskTxFlush(_port);
        if (rc < 0)
        {
            ThrowNativeError(rc, "flush");
        }
        ReclaimCompleted();
    }

    /// <summary>Nothing to store: the kernel fills the rings, and the Rx thread polls <see cref="PollFd"/>.</summary>
    public void AttachRxSignal(WakeSignal? signal)
    {
    }

    /// <summary>Nothing to store: completions are collected by <see cref="TxRoom"/> and <see cref="Flush"/>.</summary>
    public void AttachTxSignal(WakeSignal? signal)
    {
    }

    /// <summary>
    /// Driver counters, brought up to date at each read from the kernel's ring counters
    /// (XDP_STATISTICS): rx_ring_full → RxRingFull, rx_fill_ring_empty_descs → RxNoBuffer,
    /// rx_dropped → RxKernelDropped, tx_invalid_descs → TxInvalid. Read from any thread.
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

    /// <summary>The kernel's ring counters as last read: rx_dropped, rx_invalid_descs,
    /// tx_invalid_descs, rx_ring_full, rx_fill_ring_empty_descs, tx_ring_empty_descs.</summary>
    public IReadOnlyList<ulong> KernelCounters
    {
        get
        {
            lock (_statisticsLock)
            {
                SyncStatistics();
                return (ulong[])_kernelCountersSeen.Clone();
            }
        }
    }

    private void SyncStatistics()
    {
        if (_port == 0)
        {
            return;
        }
        var counters = stackalloc ulong[NativeShim.XskStatCount];
        if (NativeShim.XskStats(_port, counters) == 0)
        {
            _statistics.CountRxKernelDropped(Delta(counters, 0));
            Delta(counters, 1);
            _statistics.CountTxInvalid(Delta(counters, 2));
            _statistics.CountRxRingFull(Delta(counters, 3));
            _statistics.CountRxNoBuffer(Delta(counters, 4));
            Delta(counters, 5);
        }
        var oversize = (long)Volatile.Read(ref _rxOversize);
        for (; _rxOversizeCounted < oversize; _rxOversizeCounted++)
        {
            _statistics.CountRxOversize();
        }
    }

    private long Delta(ulong* counters, int i)
    {
        var delta = counters[i] >= _kernelCountersSeen[i] ? counters[i] - _kernelCountersSeen[i] : 0;
        _kernelCountersSeen[i] = counters[i];
        return (long)delta;
    }

    /// <summary>Returns completed transmissions to GPM (TX side's thread).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void ReclaimCompleted()
    {
        var completed = stackalloc uint[NativeBurst];
        while (true)
        {
            var n = NativeShim.XskTxComplete(_port, completed, NativeBurst);
            if (n <= 0)
            {
                return;
            }
            for (var i = 0; i < n; i++)
            {
                _held[completed[i]] = 0;
            }
            _gpm.FreeBulk(new ReadOnlySpan<uint>(completed, n));
            if (n < NativeBurst)
            {
                return;
            }
        }
    }

    private bool LendFillBuffers(int count)
    {
        var batch = new uint[Math.Min(count, 1024)];
        var lent = 0;
        while (lent < count)
        {
            var got = _gpm.AllocateBulk(batch.AsSpan(0, Math.Min(batch.Length, count - lent)), BufferOwner.Driver);
            if (got == 0)
            {
                break;
            }
            int placed;
            fixed (uint* p = batch)
            {
                placed = NativeShim.XskFill(_port, p, (uint)got);
            }
            placed = Math.Max(placed, 0);
            for (var i = 0; i < placed; i++)
            {
                _held[batch[i]] = 1;
            }
            if (placed < got)
            {
                _gpm.FreeBulk(batch.AsSpan(placed, got - placed));
                lent += placed;
                break;
            }
            lent += placed;
        }
        return lent > 0;
    }

    /// <summary>
    /// Closes the sockets and detaches the XDP program, then returns every buffer the port held to
    /// GPM. Call it only once the Rx and HQF threads have stopped using the port.
    /// </summary>
    public void Dispose()
    {
        nint port;
        lock (_statisticsLock)
        {
            port = _port;
            _port = 0;
        }
        if (port == 0)
        {
            return;
        }
        _gpm.Disposing -= Dispose;
        if (NetworkNamespace is null)
        {
            NativeShim.XskClose(port);
        }
        else
        {
            // The program is detached by interface index over netlink: from inside the namespace.
            RunInNamespace(NetworkNamespace, $"afxdp-close {OsName}", () =>
            {
                NativeShim.XskClose(port);
                return 0;
            });
        }
        if (_held is null || _gpm.IsDisposed)
        {
            return; // GPM is going away (this runs from its Disposing event): nothing to give back to
        }
        var give = new List<uint>();
        for (var i = 0; i < _held.Length; i++)
        {
            if (_held[i] != 0)
            {
                _held[i] = 0;
                give.Add((uint)i);
            }
        }
        _gpm.FreeBulk(give.ToArray());
    }

    private void ThrowNativeError(int rc, string operation)
    {
        if (_port == 0)
        {
            throw new ObjectDisposedException(nameof(AfXdpVnicPort), $"{Describe(RouterName, OsName)} is closed");
        }
        throw new IOException($"{operation} on {Describe(RouterName, OsName)} failed: {NativeShim.ErrnoText(-rc)}");
    }

    private static string Describe(string? routerName, string osName) =>
        routerName is null ? osName : $"{routerName} ({osName})";

    /// <summary>
    /// Builds the open error for errno <paramref name="errno"/> at open step <paramref name="step"/>:
    /// what was being done, the system's text and, where the cause is known, what is missing.
    /// </summary>
    public static VnicOpenException OpenError(string? routerName, string osName, string? networkNamespace, int errno, int step, int ringSize)
    {
        var where = networkNamespace is null ? "" : $" in network namespace {networkNamespace}";
        var doing = step switch
        {
            NativeShim.XskStepArguments => "checking the ring and memory sizes",
            NativeShim.XskStepInterface => "looking up the interface",
            NativeShim.XskStepUmem => "registering packet memory as the UMEM (XDP_UMEM_REG)",
            NativeShim.XskStepBind => "binding an AF_XDP socket to the interface's queue",
            NativeShim.XskStepProgram => "attaching the XDP program",
            NativeShim.XskStepPoll => "setting up polling over the queues",
            NativeShim.XskStepBuild => "opening (the native shim has no AF_XDP)",
            _ => "opening",
        };
        var hint = (errno, step) switch
        {
            (Errno.ENOENT, _) when networkNamespace is not null && step == 0 => $"no network namespace named {networkNamespace} (/var/run/netns/{networkNamespace})",
            (Errno.EPERM or Errno.EACCES, NativeShim.XskStepProgram) => "needs CAP_NET_ADMIN and CAP_BPF (or CAP_SYS_ADMIN) to load an XDP program",
            (Errno.EPERM or Errno.EACCES, _) => "needs CAP_NET_RAW (and CAP_IPC_LOCK or a large enough RLIMIT_MEMLOCK to pin the packet memory)",
            (Errno.ENODEV, _) => $"no interface named {osName}{where}",
            (Errno.ENAMETOOLONG, _) => "Linux interface names are at most 15 characters",
            (Errno.EAFNOSUPPORT, _) => "the kernel has no AF_XDP (CONFIG_XDP_SOCKETS, Linux 4.18 or later)",
            (Errno.ENOMEM or Errno.ENOBUFS, NativeShim.XskStepUmem) => "cannot pin the packet memory: raise RLIMIT_MEMLOCK (ulimit -l) or grant CAP_IPC_LOCK",
            (Errno.EBUSY, _) => "another AF_XDP socket or XDP program already uses the interface's queue",
            (Errno.EINVAL, NativeShim.XskStepArguments) => $"rings of {ringSize} descriptors over page-aligned GPM chunks of 2048 or 4096 bytes are required",
            (Errno.EOPNOTSUPP or Errno.EPROTONOSUPPORT, NativeShim.XskStepProgram) => "the kernel or the driver cannot run the XDP program (needs BPF and XDP support, Linux 5.3 or later for the default program)",
            (Errno.EOPNOTSUPP, _) => "the driver does not support AF_XDP",
            _ => null,
        };
        var reason = NativeShim.ErrnoText(errno);
        var message = $"cannot open {Describe(routerName, osName)} with af-xdp: {doing} failed: {reason}" + (hint is null ? "" : $" — {hint}");
        return new VnicOpenException(routerName, osName, errno, message);
    }

    private static int OpenInNamespace(string networkNamespace, string osName, PacketMemory gpm, int rings, int maxQueues, uint flags, out nint port, out int step)
    {
        nint opened = 0;
        var failedStep = 0;
        var rc = RunInNamespace(networkNamespace, $"afxdp-open {osName}", () =>
            NativeShim.XskOpen(osName, gpm.BlockPointer, (ulong)gpm.BlockLength, (uint)gpm.BufferSize, (uint)rings, (uint)maxQueues, flags, out opened, out failedStep));
        port = opened;
        step = failedStep;
        return rc;
    }

    /// <summary>
    /// Runs <paramref name="action"/> on a short-lived thread that has entered the namespace: sockets
    /// and netlink requests belong to the namespace of the thread that made them, and no thread of
    /// the process's pool is ever moved. Returns the namespace-entry error or the action's result.
    /// </summary>
    internal static int RunInNamespace(string networkNamespace, string name, Func<int> action)
    {
        var result = 0;
        var thread = new Thread(() =>
        {
            result = NativeShim.NetnsEnter(Path.Combine("/var/run/netns", networkNamespace));
            if (result == 0)
            {
                result = action();
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        thread.Join();
        return result;
    }
}
