using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Interfaces;

namespace ActorRouter.DataPlane.Ports;

/// <summary>A punted packet as the control plane reads it: where it came in, why it was punted, and its frame.</summary>
/// <param name="NextHop">For a glean: the address to resolve; for a receive punt: the adjacency id.</param>
public readonly ref struct PuntedPacket(int rxInterface, PuntReason reason, uint nextHop, Span<byte> frame)
{
    public int RxInterface { get; } = rxInterface;
    public PuntReason Reason { get; } = reason;
    public uint NextHop { get; } = nextHop;
    /// <summary>The frame as punted; the control plane owns the buffer until it releases it.</summary>
    public Span<byte> Frame { get; } = frame;
}

/// <summary>
/// The punt/inject port the QFP client lends to the punt service: punted packets out of the data
/// plane, the control plane's own frames in. It is all the punt service sees of the data plane:
/// no GPM, no rings, no threads. One reader thread takes and releases; any thread may inject.
/// </summary>
public interface IPuntPort
{
    /// <summary>The longest frame <see cref="Inject"/> accepts.</summary>
    int MaxFrameLength { get; }

    /// <summary>The uIDB snapshot in force: the router's addresses and MACs the punt service answers with.</summary>
    UidbTable Interfaces { get; }

    /// <summary>Takes up to <paramref name="buffers"/>.Length punted packets; each must be given back with <see cref="Release"/>.</summary>
    int Take(Span<uint> buffers);

    /// <summary>Reads a packet <see cref="Take"/> returned (valid until it is released).</summary>
    PuntedPacket Read(uint buffer);

    /// <summary>Gives taken packets back to the data plane.</summary>
    void Release(ReadOnlySpan<uint> buffers);

    /// <summary>
    /// Sleeps until packets are punted, <see cref="WakeReader"/> is called or <paramref name="milliseconds"/>
    /// pass; returns at once when packets are already waiting.
    /// </summary>
    void WaitForPunted(int milliseconds);

    /// <summary>Ends a <see cref="WaitForPunted"/> in progress (the reader is stopping).</summary>
    void WakeReader();

    /// <summary>
    /// Sends a frame the control plane built (ARP, ICMP echo reply) out of an interface, through the
    /// inject ring and the HQF. False, counted, when the interface is unknown or down, the frame
    /// invalid, or the data plane has no room.
    /// </summary>
    bool Inject(int interfaceIndex, ReadOnlySpan<byte> frame);
}
