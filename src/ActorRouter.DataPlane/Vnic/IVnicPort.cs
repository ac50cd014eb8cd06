using ActorRouter.DataPlane.Memory;

namespace ActorRouter.DataPlane.Vnic;

/// <summary>
/// One port of a vNIC driver, netmap-style: an RX side that fills caller-supplied GPM buffers with
/// received frames, a TX side whose slots take copies of frames and go on the wire at
/// <see cref="Flush"/>, and signals to sleep on. The Rx thread is the only caller of the RX side;
/// the HQF thread the only caller of the TX side. Calls are per burst, never per packet.
/// </summary>
public interface IVnicPort : IDisposable
{
    /// <summary>The operating-system name of the port (eth0, mem0, veth-r1…).</summary>
    string OsName { get; }

    /// <summary>MAC address, 48 bits in the low bits of the value, first octet most significant.</summary>
    ulong Mac { get; }

    /// <summary>Largest IP packet (Ethernet payload) the port carries.</summary>
    int Mtu { get; }

    /// <summary>Slots in each of the port's rings.</summary>
    int RingSize { get; }

    /// <summary>A file descriptor that polls readable when frames arrive (AF_PACKET), or -1 when the
    /// port signals arrivals through <see cref="AttachRxSignal"/> instead (memory).</summary>
    int PollFd => -1;

    /// <summary>Carrier: false when the wire or the link is down.</summary>
    bool LinkUp { get; }

    /// <summary>
    /// RX side: copies up to <paramref name="buffers"/>.Length received frames into the given free
    /// GPM buffers, in order, setting each buffer's offset and length; returns how many were filled.
    /// Frames longer than a buffer are dropped and counted in <see cref="Statistics"/>.
    /// </summary>
    int ReceiveBurst(PacketMemory gpm, ReadOnlySpan<uint> buffers);

    /// <summary>
    /// RX side, the call the Rx thread makes: <paramref name="buffers"/> holds free GPM buffers;
    /// on return the first n (the result) hold received frames, the rest are untouched. A copying
    /// driver fills the given buffers (the default, <see cref="ReceiveBurst"/>); a zero-copy driver
    /// (AF_XDP) swaps them: the kernel already wrote the frames into GPM buffers the driver held,
    /// which take the places of as many given free buffers, and those go to the driver.
    /// </summary>
    int ReceiveExchange(PacketMemory gpm, Span<uint> buffers) => ReceiveBurst(gpm, buffers);

    /// <summary>
    /// TX side: true when <see cref="TransmitBurst"/> takes the GPM buffers themselves (zero-copy
    /// transmit) and returns them to GPM once the wire is done with them; the caller must then not
    /// release the buffers it took. False (copying drivers): the caller still owns and releases them.
    /// </summary>
    bool OwnsTransmittedBuffers => false;

    /// <summary>RX side: true when frames are waiting (the Rx thread's last look before sleeping).</summary>
    bool HasReceived { get; }

    /// <summary>RX side: throws away up to <paramref name="max"/> waiting frames (GPM exhausted); returns how many.</summary>
    int DiscardReceived(int max);

    /// <summary>TX side: free slots right now (the HQF's congestion check).</summary>
    int TxRoom { get; }

    /// <summary>TX side: copies frames into TX slots, in order, as far as there is room; returns how
    /// many were taken. The caller still owns (and releases) the GPM buffers.</summary>
    int TransmitBurst(PacketMemory gpm, ReadOnlySpan<uint> buffers);

    /// <summary>TX side: hands every queued slot to the wire (netmap txsync).</summary>
    void Flush();

    /// <summary>The port sets this signal when frames arrive while its reader may be asleep.</summary>
    void AttachRxSignal(WakeSignal? signal);

    /// <summary>The port sets this signal when TX slots free up after having been full.</summary>
    void AttachTxSignal(WakeSignal? signal);

    /// <summary>Driver-level counters (frames refused by the driver itself).</summary>
    VnicStatistics Statistics { get; }
}

/// <summary>Counters a driver keeps for frames it refused before the data plane saw them.</summary>
public sealed class VnicStatistics
{
    private long _rxOversize;
    private long _rxRingFull;
    private long _txLinkDown;
    private long _rxNoBuffer;
    private long _rxKernelDropped;
    private long _txInvalid;
    private long _txOversize;

    public long RxOversize => Volatile.Read(ref _rxOversize);
    public long RxRingFull => Volatile.Read(ref _rxRingFull);
    public long TxLinkDown => Volatile.Read(ref _txLinkDown);

    /// <summary>Times the kernel found no free buffer to write a frame into (AF_XDP: fill ring empty).
    /// Not a frame count of its own: the frames it cost are in <see cref="RxKernelDropped"/>.</summary>
    public long RxNoBuffer => Volatile.Read(ref _rxNoBuffer);

    /// <summary>Frames the kernel dropped before the driver saw them for other reasons than a full
    /// RX ring (AF_XDP rx_dropped: no free buffer, too long for a buffer).</summary>
    public long RxKernelDropped => Volatile.Read(ref _rxKernelDropped);

    /// <summary>Transmit descriptors the kernel refused as invalid (AF_XDP tx_invalid_descs): output drops.</summary>
    public long TxInvalid => Volatile.Read(ref _txInvalid);

    /// <summary>Frames taken for transmit that could not go (longer than a TX slot or buffer): output drops.</summary>
    public long TxOversize => Volatile.Read(ref _txOversize);

    /// <summary>Frames dropped on input by the driver or the kernel, all reasons together.</summary>
    public long InputDrops => RxOversize + RxRingFull + RxKernelDropped;

    /// <summary>Frames dropped on output by the driver or the kernel, all reasons together.</summary>
    public long OutputDrops => TxLinkDown + TxInvalid + TxOversize;

    public void CountRxOversize() => Interlocked.Increment(ref _rxOversize);
    public void CountRxRingFull() => Interlocked.Increment(ref _rxRingFull);
    public void CountTxLinkDown(long n) => Interlocked.Add(ref _txLinkDown, n);
    public void CountRxRingFull(long n) => Interlocked.Add(ref _rxRingFull, n);
    public void CountRxNoBuffer(long n) => Interlocked.Add(ref _rxNoBuffer, n);
    public void CountRxKernelDropped(long n) => Interlocked.Add(ref _rxKernelDropped, n);
    public void CountTxInvalid(long n) => Interlocked.Add(ref _txInvalid, n);
    public void CountTxOversize(long n) => Interlocked.Add(ref _txOversize, n);
}
