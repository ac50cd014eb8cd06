using System.Runtime.CompilerServices;
using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Forwarding;
using ActorRouter.DataPlane.Memory;
using ActorRouter.Packets;

namespace ActorRouter.DataPlane.Graph.Nodes;

/// <summary>
/// ip4-icmp-error: for a packet that cannot be forwarded (no route, TTL expired, too big with DF),
/// builds the ICMP error in a fresh buffer and sends it to interface-output, observing RFC 1812
/// §4.3.2.7 (never about an ICMP error, a non-first fragment, a broadcast or multicast, or an
/// invalid source) and the thread's rate limit; the error leaves by the route back to the source,
/// from that interface's address (§4.3.2.4), tagged when that is a subinterface. The original always
/// goes on to drop under its reason.
/// </summary>
public sealed unsafe class Ip4IcmpErrorNode : GraphNode
{
    public const int NextInterfaceOutput = 0, NextDrop = 1;
    private const int IcmpErrorHeaders = 20 + 8;
    /// <summary>RFC 1812 §4.3.2.3: an ICMP error carries as much of the original as fits in 576 bytes.</summary>
    private const int IcmpErrorMaxIpLength = 576;
    private readonly PpeContext _context;
    private TokenBucket _limiter;
    private ushort _nextIpId;

    public Ip4IcmpErrorNode(PpeContext context, TokenBucket limiter)
        : base(NodeNames.Ip4IcmpError, NodeNames.InterfaceOutput, NodeNames.Drop)
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
            DropReason reason;
            switch ((IcmpErrorKind)meta.NodeArgument)
            {
                case IcmpErrorKind.NetUnreachable:
                    Send(buffer, ref meta, IcmpTypes.DestinationUnreachable, IcmpCodes.NetUnreachable, 0);
                    reason = DropReason.NoRoute;
                    break;
                case IcmpErrorKind.TimeExceeded:
                    Send(buffer, ref meta, IcmpTypes.TimeExceeded, IcmpCodes.TtlExceededInTransit, 0);
                    reason = DropReason.TtlExpired;
                    break;
                default:
                    Send(buffer, ref meta, IcmpTypes.DestinationUnreachable, IcmpCodes.FragmentationNeeded, (ushort)_context.Interfaces.Mtus[meta.TxInterface]);
                    reason = DropReason.FragmentationNeeded;
                    break;
            }
            meta.NodeArgument = (byte)reason;
            Enqueue(NextDrop, buffer);
        }
    }

    private void Send(uint buffer, ref PacketMeta meta, byte type, byte code, ushort nextHopMtu)
    {
        var context = _context;
        var counters = context.Counters;
        if (!_limiter.HasToken)
        {
            // First, before the packet is even read: a flood of errored packets costs next to nothing.
            counters.IcmpErrorsRateLimited++;
            return;
        }
        var gpm = context.Gpm;
        var interfaces = context.Interfaces;
        var tables = context.Tables;
        var ipStart = gpm.BufferPointer(buffer) + meta.Offset + PpeContext.EthernetHeaderLength;
        var originalLength = meta.Length - PpeContext.EthernetHeaderLength;
        var ip = Ipv4Header.Over(ipStart, originalLength);
        var headerLength = ip.HeaderLength;
        // Link-layer broadcasts and multicasts never get here: they were dropped or punted before.
        if (ip.FragmentOffset != 0 || (ip.Protocol == IpProtocols.Icmp && IsIcmpError(ipStart + headerLength, originalLength - headerLength)))
        {
            counters.IcmpErrorsSuppressed++;
            return;
        }
        var source = ip.Source;
        // Route back to the source; the error leaves by that interface, from its address (RFC 1812 §4.3.2.4).
        var back = tables.Fib.Lookup(source);
        var adjacencies = tables.Adjacencies;
        var adjacency = back != 0 && back < (uint)adjacencies.Length ? adjacencies[back] : default;
        if (adjacency.Kind != AdjacencyKind.Resolved)
        {
            counters.IcmpErrorsSuppressed++;
            return;
        }
        var egress = adjacency.Interface;
        var routerAddress = interfaces.Addresses[egress];
        if (routerAddress == 0)
        {
            routerAddress = interfaces.Addresses[meta.RxInterface];
        }
        if (routerAddress == 0 || !interfaces.Up[egress])
        {
            counters.IcmpErrorsSuppressed++;
            return;
        }
        if (!_limiter.TryTake())
        {
            counters.IcmpErrorsRateLimited++;
            return;
        }
        if (!context.Cache.TryAllocate(out var errorBuffer))
        {
            counters.Drop(meta.RxInterface, DropReason.NoBuffer);
            return;
        }
        var quoted = Math.Min(originalLength, IcmpErrorMaxIpLength - IcmpErrorHeaders);
        var e = gpm.BufferPointer(errorBuffer) + gpm.Headroom;
        var ethernetLength = PpeContext.WriteEthernet(e, adjacency.Mac, interfaces.Macs[egress], interfaces.Vlans[egress]);
        gpm.ResetMeta(errorBuffer, ethernetLength + IcmpErrorHeaders + quoted, BufferOwner.Ppe);
        var error = Ipv4Header.Write(new Span<byte>(e + ethernetLength, IcmpErrorHeaders + quoted));
        error.TypeOfService = 0xC0; // RFC 1812 §4.3.2.5: precedence 6 (internetwork control)
        error.TotalLength = (ushort)(IcmpErrorHeaders + quoted);
        error.Identification = _nextIpId++;
        error.Ttl = 64;
        error.Protocol = IpProtocols.Icmp;
        error.Source = routerAddress;
        error.Destination = source;
        error.UpdateChecksum();
        var icmp = new Span<byte>(e + ethernetLength + 20, 8 + quoted);
        icmp[0] = type;
        icmp[1] = code;
        icmp[2] = 0;
        icmp[3] = 0;
        icmp[4] = 0;
        icmp[5] = 0;
        icmp[6] = (byte)(nextHopMtu >> 8);
        icmp[7] = (byte)nextHopMtu;
        new ReadOnlySpan<byte>(ipStart, quoted).CopyTo(icmp[8..]);
        var checksum = InternetChecksum.Compute(icmp);
        icmp[2] = (byte)(checksum >> 8);
        icmp[3] = (byte)checksum;
        ref var errorMeta = ref gpm.Meta(errorBuffer);
        errorMeta.RxInterface = meta.RxInterface;
        errorMeta.TxInterface = egress;
        errorMeta.NextHop = back;
        Enqueue(NextInterfaceOutput, errorBuffer);
        counters.IcmpErrorsSent++;
    }

    private static bool IsIcmpError(byte* icmp, int available)
    {
        if (available < 1)
        {
            return false;
        }
        var type = icmp[0];
        return type is IcmpTypes.DestinationUnreachable or IcmpTypes.SourceQuench or IcmpTypes.Redirect
            or IcmpTypes.TimeExceeded or IcmpTypes.ParameterProblem;
    }
}
