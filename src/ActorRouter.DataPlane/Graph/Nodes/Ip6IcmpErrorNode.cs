using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Forwarding;
using ActorRouter.DataPlane.Memory;
using ActorRouter.Packets;

namespace ActorRouter.DataPlane.Graph.Nodes;

/// <summary>
/// ip6-icmp-error: for a packet that cannot be forwarded (no route, hop limit exceeded, too big for the egress MTU,
/// a bad extension chain), builds the ICMPv6 error of RFC 4443 in a fresh buffer: Destination Unreachable code 0,
/// Time Exceeded code 0, Packet Too Big with the egress MTU (RFC 8201), Parameter Problem with its code and pointer.
/// It quotes as much of the packet as fits in the minimum IPv6 MTU (1280 bytes for the whole error, RFC 4443 §2.4 c)
/// and obeys §2.4 e: never about an ICMPv6 error message, nor a packet that came as a link-layer group frame (the
/// router never forwards multicast, and sources that cannot be answered were dropped by ip6-input). The error leaves by
/// the route back to the source, from the egress interface's first IPv6 address (else the receiving interface's),
/// within the thread's rate limit (§2.4 f). The original always goes on to drop under its reason.
/// </summary>
public sealed unsafe class Ip6IcmpErrorNode : GraphNode
{
    public const int NextInterfaceOutput = 0, NextDrop = 1;

    /// <summary>In <c>PacketMeta.NodeArgument</c> beside the error kind: the packet came as a link-layer group frame.</summary>
    public const byte LinkGroupFlag = 0x80;

    /// <summary>RFC 4443 §2.4 c: the error, IPv6 header included, does not exceed the minimum IPv6 MTU.</summary>
    public const int MaxErrorLength = 1280;

    private const int ErrorHeaders = Ipv6Header.Length + Icmpv6Header.Length;
    private readonly PpeContext _context;
    private TokenBucket _limiter;

    public Ip6IcmpErrorNode(PpeContext context, TokenBucket limiter)
        : base(NodeNames.Ip6IcmpError, NodeNames.InterfaceOutput, NodeNames.Drop)
    {
        _context = context;
        _limiter = limiter;
    }

    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected internal override void Process(uint[] buffers, int count)
    {
        _limiter.Refill(PpeGraph.Now());
        var gpm = _context.Gpm.View;
        for (var i = 0; i < count; i++)
        {
            var buffer = buffers[i];
            ref var meta = ref gpm.Meta(buffer);
            var linkGroup = (meta.NodeArgument & LinkGroupFlag) != 0;
            DropReason reason;
            switch ((Icmpv6ErrorKind)(meta.NodeArgument & ~LinkGroupFlag))
            {
                case Icmpv6ErrorKind.NoRoute:
                    Send(buffer, ref meta, linkGroup, Icmpv6Types.DestinationUnreachable, Icmpv6Codes.NoRoute, 0);
                    reason = DropReason.Ipv6NoRoute;
                    break;
                case Icmpv6ErrorKind.HopLimitExceeded:
                    Send(buffer, ref meta, linkGroup, Icmpv6Types.TimeExceeded, Icmpv6Codes.HopLimitExceeded, 0);
                    reason = DropReason.Ipv6HopLimitExceeded;
                    break;
                case Icmpv6ErrorKind.PacketTooBig:
                    Send(buffer, ref meta, linkGroup, Icmpv6Types.PacketTooBig, 0, (uint)_context.Interfaces.Mtus[meta.TxInterface]);
                    reason = DropReason.Ipv6PacketTooBig;
                    break;
                case Icmpv6ErrorKind.UnrecognizedNextHeader:
                    Send(buffer, ref meta, linkGroup, Icmpv6Types.ParameterProblem, Icmpv6Codes.UnrecognizedNextHeader, meta.NextHop);
                    reason = DropReason.Ipv6UnknownNextHeader;
                    break;
                case Icmpv6ErrorKind.HopByHopNotFirst:
                    Send(buffer, ref meta, linkGroup, Icmpv6Types.ParameterProblem, Icmpv6Codes.UnrecognizedNextHeader, meta.NextHop);
                    reason = DropReason.Ipv6BadExtensionChain;
                    break;
                default:
                    Send(buffer, ref meta, linkGroup, Icmpv6Types.ParameterProblem, Icmpv6Codes.IncompleteHeaderChain, 0);
                    reason = DropReason.Ipv6BadExtensionChain;
                    break;
            }
            meta.NodeArgument = (byte)reason;
            Enqueue(NextDrop, buffer);
        }
    }

    private void Send(uint buffer, ref PacketMeta meta, bool linkGroup, byte type, byte code, uint field)
    {
        var context = _context;
        var counters = context.Counters;
        if (!_limiter.HasToken)
        {
            // First, before the packet is even read: a flood of errored packets costs next to nothing.
            counters.Icmpv6ErrorsRateLimited++;
            return;
        }
        var gpm = context.Gpm;
        var ip = gpm.BufferPointer(buffer) + meta.Offset + PpeContext.EthernetHeaderLength;
        var originalLength = meta.Length - PpeContext.EthernetHeaderLength;
        if (linkGroup || IsAboutIcmpv6Error(ip, originalLength - Ipv6Header.Length))
        {
            counters.Icmpv6ErrorsSuppressed++;
            return;
        }
        // Route back to the source; the error leaves by that interface, from its address.
        var ipv6 = context.Tables.Ipv6!;
        var back = ipv6.Fib.Lookup(ip + 8);
        var adjacency = ipv6.Adjacencies[back];
        var interfaces = context.Interfaces;
        if (adjacency.Kind != AdjacencyKind.Resolved || !interfaces.Up[adjacency.Interface])
        {
            counters.Icmpv6ErrorsSuppressed++;
            return;
        }
        var egress = adjacency.Interface;
        var routerAddress = interfaces.Ipv6Sources[egress];
        if (routerAddress == UInt128.Zero)
        {
            routerAddress = interfaces.Ipv6Sources[meta.RxInterface];
        }
        if (routerAddress == UInt128.Zero)
        {
            counters.Icmpv6ErrorsSuppressed++;
            return;
        }
        if (!_limiter.TryTake())
        {
            counters.Icmpv6ErrorsRateLimited++;
            return;
        }
        if (!context.Cache.TryAllocate(out var errorBuffer))
        {
            counters.Drop(meta.RxInterface, DropReason.NoBuffer);
            return;
        }
        var quoted = Math.Min(originalLength, MaxErrorLength - ErrorHeaders);
        var e = gpm.BufferPointer(errorBuffer) + gpm.Headroom;
        var ethernetLength = PpeContext.WriteEthernet(e, adjacency.Mac, interfaces.Macs[egress], interfaces.Vlans[egress], EtherTypes.Ipv6);
        gpm.ResetMeta(errorBuffer, ethernetLength + ErrorHeaders + quoted, BufferOwner.Ppe);
        var header = new Span<byte>(e + ethernetLength, ErrorHeaders + quoted);
        var error = Ipv6Header.Write(header);
        error.PayloadLength = (ushort)(Icmpv6Header.Length + quoted);
        error.NextHeader = IpProtocols.Icmpv6;
        error.HopLimit = 64;
        error.Source = routerAddress;
        new ReadOnlySpan<byte>(ip + 8, 16).CopyTo(error.DestinationBytes);
        var icmp = header[Ipv6Header.Length..];
        icmp[0] = type;
        icmp[1] = code;
        icmp[2] = 0;
        icmp[3] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(icmp[4..], field);
        new ReadOnlySpan<byte>(ip, quoted).CopyTo(icmp[8..]);
        var checksum = InternetChecksum.Fold(InternetChecksum.Sum(icmp, PseudoHeader.Ipv6Sum(error.SourceBytes, error.DestinationBytes, IpProtocols.Icmpv6, icmp.Length)));
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], checksum);
        ref var errorMeta = ref gpm.Meta(errorBuffer);
        errorMeta.RxInterface = meta.RxInterface;
        errorMeta.TxInterface = egress;
        errorMeta.NextHop = back;
        Enqueue(NextInterfaceOutput, errorBuffer);
        counters.Icmpv6ErrorsSent++;
    }

    /// <summary>RFC 4443 §2.4 e.1: the packet is itself an ICMPv6 error message (type below 128).</summary>
    private static bool IsAboutIcmpv6Error(byte* ip, int payloadLength)
    {
        byte upper;
        int offset;
        if (ExtensionHeaders.IsExtensionOrUnassigned(ip[6]))
        {
            Ip6InputNode.WalkExtensionHeaders(ip, payloadLength, out _, out upper, out offset);
        }
        else
        {
            upper = ip[6];
            offset = Ipv6Header.Length;
        }
        return upper == IpProtocols.Icmpv6 && offset < Ipv6Header.Length + payloadLength && ip[offset] < 128;
    }
}
