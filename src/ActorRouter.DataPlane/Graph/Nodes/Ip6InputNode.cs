using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using ActorRouter.DataPlane.Counters;
using ActorRouter.Packets;

namespace ActorRouter.DataPlane.Graph.Nodes;

/// <summary>
/// ip6-input: RFC 8200 §3 header validation (length, version, payload length), trimming of Ethernet padding, the
/// RFC 4291 / RFC 6890 ranges that are never forwarded (unspecified, loopback, IPv4-mapped, multicast sources;
/// link-local sources and destinations stay on their link), multicast destinations (not routed), and a bounded walk
/// of the extension header chain (<see cref="WalkExtensionHeaders"/>) when the first Next Header is one. A packet
/// passed on has its destination copied into ip6-lookup's key vector, and in <c>PacketMeta.NodeArgument</c> whether it
/// came as a link-layer group frame and whether its hop limit is spent (the ip4-lookup flags).
/// </summary>
public sealed unsafe class Ip6InputNode : GraphNode
{
    public const int NextIp6Lookup = 0, NextIcmpError = 1, NextDrop = 2, NextPunt = 3;

    /// <summary>
    /// ip6-lookup flag (beside the ip4-lookup ones): the source is link-local, so the packet may only be for the router
    /// itself (a neighbour solicitation or echo from a host's link-local address to a global one of the router's).
    /// </summary>
    public const byte LinkLocalSourceFlag = 4;

    /// <summary>The most extension headers the walk follows before it gives up on a packet (RFC 8504 §5.3 leaves the bound to the node).</summary>
    public const int MaxExtensionHeaders = 8;

    private readonly PpeContext _context;
    private readonly Ip6LookupNode _lookup;

    public Ip6InputNode(PpeContext context, Ip6LookupNode lookup)
        : base(NodeNames.Ip6Input, NodeNames.Ip6Lookup, NodeNames.Ip6IcmpError, NodeNames.Drop, NodeNames.Punt)
    {
        _context = context;
        _lookup = lookup;
    }

    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected internal override void Process(uint[] buffers, int count)
    {
        var ipv6 = _context.Tables.Ipv6;
        if (ipv6 is null)
        {
            for (var i = 0; i < count; i++)
            {
                Drop(buffers[i], ref _context.Gpm.View.Meta(buffers[i]), DropReason.Ipv6Unsupported);
            }
            return;
        }
        var main = BeginMain(NextIp6Lookup, out var mainCount);
        var gpm = _context.Gpm.View;
        var fib = ipv6.Fib;
        fixed (uint* first = buffers, mainStart = main)
        fixed (byte* keys = _lookup.Keys)
        {
            var next = mainStart + mainCount;
            for (uint* p = first, end = first + count; p < end; p++)
            {
                var buffer = *p;
                ref var meta = ref gpm.Meta(buffer);
                DropReason reason;
                var l3Length = meta.Length - PpeContext.EthernetHeaderLength;
                if (l3Length < Ipv6Header.Length)
                {
                    reason = DropReason.Ipv6Truncated;
                    goto drop;
                }
                var frame = gpm.BufferPointer(buffer) + meta.Offset;
                var ip = frame + PpeContext.EthernetHeaderLength;
                if (ip[0] >> 4 != 6)
                {
                    reason = DropReason.Ipv6BadVersion;
                    goto drop;
                }
                int payloadLength = (ip[4] << 8) | ip[5];
                if (Ipv6Header.Length + payloadLength > l3Length)
                {
                    reason = DropReason.Ipv6Truncated;
                    goto drop;
                }
                // Ethernet pads short frames; the payload length is the truth from here on.
                meta.Length = (ushort)(PpeContext.EthernetHeaderLength + Ipv6Header.Length + payloadLength);

                var sourceHigh = BinaryPrimitives.ReadUInt64BigEndian(new ReadOnlySpan<byte>(ip + 8, 8));
                var sourceLow = BinaryPrimitives.ReadUInt64BigEndian(new ReadOnlySpan<byte>(ip + 16, 8));
                var destinationHigh = BinaryPrimitives.ReadUInt64BigEndian(new ReadOnlySpan<byte>(ip + 24, 8));
                if ((sourceHigh >> 56) == 0xFF || (sourceHigh == 0 && IsSpecialLow(sourceLow)))
                {
                    // Duplicate address detection (RFC 4862 §5.4.2) solicits from the unspecified address to a link-scope group.
                    if ((sourceHigh | sourceLow) == 0 && (destinationHigh >> 48) == 0xFF02 && ip[6] == IpProtocols.Icmpv6)
                    {
                        PuntForUs(buffer, ref meta);
                        continue;
                    }
                    reason = DropReason.Ipv6MartianSource;
                    goto drop;
                }
                var destinationLow = BinaryPrimitives.ReadUInt64BigEndian(new ReadOnlySpan<byte>(ip + 32, 8));
                if ((destinationHigh >> 56) == 0xFF)
                {
                    // Multicast is not routed. ICMPv6 to a link-scope group (ff02::1, ff02::2, a solicited-node group:
                    // neighbour discovery) is for the control plane, which checks the group is one of the router's.
                    if ((destinationHigh >> 48) == 0xFF02 && ip[6] == IpProtocols.Icmpv6)
                    {
                        PuntForUs(buffer, ref meta);
                        continue;
                    }
                    reason = DropReason.MulticastUnsupported;
                    goto drop;
                }
                if (destinationHigh == 0 && IsSpecialLow(destinationLow))
                {
                    reason = DropReason.Ipv6MartianDestination;
                    goto drop;
                }
                if ((destinationHigh >> 54) == 0x3FA)
                {
                    // Link-local destinations stay on the link: ICMPv6 among them may be for the router (neighbour
                    // discovery, echo to its link-local address); the control plane checks the address is its own.
                    if (ip[6] == IpProtocols.Icmpv6)
                    {
                        PuntForUs(buffer, ref meta);
                        continue;
                    }
                    reason = DropReason.Ipv6LinkLocalScope;
                    goto drop;
                }
                var linkLocalSource = (sourceHigh >> 54) == 0x3FA;
                var linkGroup = (frame[0] & 1) != 0;
                if (ExtensionHeaders.IsExtensionOrUnassigned(ip[6]))
                {
                    var walk = WalkExtensionHeaders(ip, payloadLength, out var pointer, out _, out _);
                    if (walk != ChainVerdict.Forward)
                    {
                        Divert(buffer, ref meta, walk, pointer, linkGroup);
                        continue;
                    }
                }
                // ip6-lookup's key: the k-th packet it receives finds its destination at key k (this node is its only feeder).
                var key = keys + (next - mainStart) * 16;
                *(ulong*)key = *(ulong*)(ip + 24);
                *(ulong*)(key + 8) = *(ulong*)(ip + 32);
                fib.Prefetch(key);
                meta.NodeArgument = (byte)((linkGroup ? Ip4LookupNode.LinkGroupFlag : 0) | (ip[7] <= 1 ? Ip4LookupNode.TtlExpiresFlag : 0)
                    | (linkLocalSource ? LinkLocalSourceFlag : 0));
                *next++ = buffer;
                continue;
            drop:
                Drop(buffer, ref meta, reason);
            }
            mainCount = (int)(next - mainStart);
        }
        EndMain(NextIp6Lookup, mainCount);
    }

    /// <summary>The low half of an address whose high half is zero: unspecified ::, loopback ::1, or IPv4-mapped ::ffff:0:0/96.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsSpecialLow(ulong low) => low <= 1 || (low >> 32) == 0xFFFF;

    private void Divert(uint buffer, ref Memory.PacketMeta meta, ChainVerdict verdict, int pointer, bool linkGroup)
    {
        switch (verdict)
        {
            case ChainVerdict.HopByHop:
                Drop(buffer, ref meta, DropReason.Ipv6HopByHop);
                return;
            case ChainVerdict.Malformed:
                Drop(buffer, ref meta, DropReason.Ipv6BadExtensionChain);
                return;
        }
        var kind = verdict switch
        {
            ChainVerdict.UnrecognizedNextHeader => Icmpv6ErrorKind.UnrecognizedNextHeader,
            ChainVerdict.HopByHopNotFirst => Icmpv6ErrorKind.HopByHopNotFirst,
            _ => Icmpv6ErrorKind.IncompleteHeaderChain,
        };
        meta.NodeArgument = (byte)((byte)kind | (linkGroup ? Ip6IcmpErrorNode.LinkGroupFlag : 0));
        meta.NextHop = (uint)pointer;
        Enqueue(NextIcmpError, buffer);
    }

    private void PuntForUs(uint buffer, ref Memory.PacketMeta meta)
    {
        meta.PuntReason = (byte)PuntReason.ForUs;
        meta.NextHop = 0;
        Enqueue(NextPunt, buffer);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Drop(uint buffer, ref Memory.PacketMeta meta, DropReason reason)
    {
        meta.NodeArgument = (byte)reason;
        Enqueue(NextDrop, buffer);
    }

    /// <summary>
    /// Walks the extension header chain of the IPv6 packet at <paramref name="ip"/> (RFC 8200 §4) within its payload,
    /// at most <see cref="MaxExtensionHeaders"/> headers. Hop-by-Hop must come first (elsewhere: Parameter Problem,
    /// unrecognized Next Header, RFC 8200 §4.1) and, first, is not processed here (RFC 8200 §4.3). An unassigned Next
    /// Header value gets Parameter Problem code 1; a first fragment that ends inside the chain gets code 3 (RFC 7112);
    /// any other truncation or a chain longer than the bound is malformed. A non-first fragment, ESP and No Next
    /// Header end the walk (what follows is not readable here). On <see cref="ChainVerdict.Forward"/>,
    /// <paramref name="upperLayer"/> and <paramref name="upperOffset"/> name the upper-layer header (255 when not
    /// reached); otherwise <paramref name="pointer"/> is the Parameter Problem pointer (from the IPv6 header's start).
    /// </summary>
    public static ChainVerdict WalkExtensionHeaders(byte* ip, int payloadLength, out int pointer, out byte upperLayer, out int upperOffset)
    {
        var end = Ipv6Header.Length + payloadLength;
        int nextHeader = ip[6];
        int field = 6;
        int offset = Ipv6Header.Length;
        var firstFragment = false;
        pointer = 0;
        upperLayer = 255;
        upperOffset = end;
        for (var headers = 0; ; headers++)
        {
            if (nextHeader == IpProtocols.HopByHop)
            {
                pointer = field;
                return offset == Ipv6Header.Length ? ChainVerdict.HopByHop : ChainVerdict.HopByHopNotFirst;
            }
            if (!ExtensionHeaders.IsExtension((byte)nextHeader))
            {
                if (ExtensionHeaders.IsUnassigned((byte)nextHeader))
                {
                    pointer = field;
                    return ChainVerdict.UnrecognizedNextHeader;
                }
                upperLayer = (byte)nextHeader;
                upperOffset = offset;
                return ChainVerdict.Forward;
            }
            if (nextHeader is IpProtocols.Esp or IpProtocols.NoNextHeader)
            {
                return ChainVerdict.Forward;
            }
            if (headers == MaxExtensionHeaders)
            {
                return ChainVerdict.Malformed;
            }
            if (offset + 8 > end)
            {
                return firstFragment ? ChainVerdict.IncompleteHeaderChain : ChainVerdict.Malformed;
            }
            int length = nextHeader switch
            {
                IpProtocols.Fragment => 8,
                IpProtocols.AuthenticationHeader => (ip[offset + 1] + 2) * 4,
                _ => (ip[offset + 1] + 1) * 8,
            };
            if (offset + length > end)
            {
                return firstFragment ? ChainVerdict.IncompleteHeaderChain : ChainVerdict.Malformed;
            }
            if (nextHeader == IpProtocols.Fragment)
            {
                if ((((ip[offset + 2] << 8) | ip[offset + 3]) >> 3) != 0)
                {
                    return ChainVerdict.Forward; // a later fragment: the rest of the chain is in the first
                }
                firstFragment = true;
            }
            field = offset;
            nextHeader = ip[offset];
            offset += length;
            if (firstFragment && offset == end && nextHeader != IpProtocols.NoNextHeader)
            {
                // RFC 7112: the first fragment must hold the whole chain up to and including the upper-layer header.
                return ChainVerdict.IncompleteHeaderChain;
            }
        }
    }
}

/// <summary>What the extension header walk decided about a packet.</summary>
public enum ChainVerdict : byte
{
    Forward,
    /// <summary>A Hop-by-Hop Options header right after the IPv6 header: not processed by the data plane.</summary>
    HopByHop,
    /// <summary>Hop-by-Hop Options anywhere else (RFC 8200 §4.1): Parameter Problem, code 1.</summary>
    HopByHopNotFirst,
    /// <summary>An unassigned Next Header value: Parameter Problem, code 1.</summary>
    UnrecognizedNextHeader,
    /// <summary>A first fragment without the whole chain (RFC 7112): Parameter Problem, code 3.</summary>
    IncompleteHeaderChain,
    /// <summary>Truncated or longer than the walk's bound: dropped.</summary>
    Malformed,
}

/// <summary>Next Header values by what they are (IANA's IPv6 Extension Header Types and Protocol Numbers).</summary>
public static class ExtensionHeaders
{
    // One bit per Next Header value: extension headers (RFC 7045's list) and the unassigned values 146..252.
    private static readonly ulong[] Extension = Build(static v => v is IpProtocols.HopByHop or IpProtocols.Routing or IpProtocols.Fragment
        or IpProtocols.Esp or IpProtocols.AuthenticationHeader or IpProtocols.NoNextHeader or IpProtocols.DestinationOptions
        or IpProtocols.Mobility or IpProtocols.Hip or IpProtocols.Shim6 or IpProtocols.Experimental1 or IpProtocols.Experimental2);

    private static readonly ulong[] Unassigned = Build(static v => v is >= 146 and <= 252);

    private static readonly ulong[] Either = [Extension[0] | Unassigned[0], Extension[1] | Unassigned[1], Extension[2] | Unassigned[2], Extension[3] | Unassigned[3]];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsExtension(byte value) => (Extension[value >> 6] & (1UL << (value & 63))) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsUnassigned(byte value) => (Unassigned[value >> 6] & (1UL << (value & 63))) != 0;

    /// <summary>The fast path's one test: TCP, UDP, ICMPv6 and the other upper layers answer false.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsExtensionOrUnassigned(byte value) => (Either[value >> 6] & (1UL << (value & 63))) != 0;

    private static ulong[] Build(Func<int, bool> member)
    {
        var bits = new ulong[4];
        for (var v = 0; v < 256; v++)
        {
            if (member(v))
            {
                bits[v >> 6] |= 1UL << (v & 63);
            }
        }
        return bits;
    }
}
