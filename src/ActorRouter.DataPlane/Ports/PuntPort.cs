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

/// <summary>How an IPv6 glean's NextHop reads (ip6-lookup writes it, the punt service reads it).</summary>
public static class Ipv6Glean
{
    /// <summary>
    /// Set when the glean carries the id of an incomplete adjacency (a static route's unresolved next hop, in the low
    /// 24 bits) rather than the interface of a connected prefix whose host is the packet's destination.
    /// </summary>
    public const uint IncompleteNextHop = 0x8000_0000;
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

    /// <summary>
    /// The IPv6 neighbour an adjacency id stands for: an incomplete static next hop's glean carries only the id
    /// (<c>Ip6LookupNode.IncompleteNextHopGlean</c>). False for an id that is no neighbour's (any more).
    /// </summary>
    bool TryFindIpv6Neighbor(uint adjacencyId, out int interfaceIndex, out UInt128 address)
    {
        interfaceIndex = -1;
        address = UInt128.Zero;
        return false;
    }

    /// <summary>Whether packets were forwarded to this IPv6 neighbour since the last call (RFC 4861 §7.3.3's use of a STALE entry).</summary>
    bool TakeIpv6NeighborUsed(int interfaceIndex, UInt128 address) => false;
}
