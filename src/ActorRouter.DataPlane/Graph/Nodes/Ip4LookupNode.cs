using System.Runtime.CompilerServices;
using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Forwarding;
using ActorRouter.Packets;

namespace ActorRouter.DataPlane.Graph.Nodes;

/// <summary>
/// ip4-lookup: one batched FIB lookup for the whole vector (DIR-24-8, gathered with AVX2 where the
/// CPU has it), then the per-packet verdict of the adjacency: for-us packets are punted, glean and
/// incomplete adjacencies punt a resolution request, null routes and down egress interfaces drop,
/// no route and TTL expiry go to ip4-icmp-error; the rest go to classify when the egress interface
/// has an output service policy, else straight to ip4-rewrite. A unicast IP packet received as a
/// link-layer broadcast or multicast is not forwarded (RFC 1812 §5.3.4).
/// </summary>
public sealed unsafe class Ip4LookupNode : GraphNode
{
    public const int NextIp4Rewrite = 0, NextClassify = 1, NextIcmpError = 2, NextPunt = 3, NextDrop = 4, NextEsp4Encrypt = 5, NextEsp4Decrypt = 6;

    /// <summary>In <c>PacketMeta.NodeArgument</c> on the way in: the frame came to a link-layer broadcast or multicast address.</summary>
    public const byte LinkGroupFlag = 1;

    /// <summary>In <c>PacketMeta.NodeArgument</c> on the way in: the TTL is 1 or 0, so forwarding would expire it.</summary>
    public const byte TtlExpiresFlag = 2;
    private readonly PpeContext _context;
    private readonly uint[] _keys;
    private readonly uint[] _nextHops;

    public Ip4LookupNode(PpeContext context, int maxBurst)
        : base(NodeNames.Ip4Lookup, NodeNames.Ip4Rewrite, NodeNames.Classify, NodeNames.Ip4IcmpError, NodeNames.Punt, NodeNames.Drop,
            NodeNames.Esp4Encrypt, NodeNames.Esp4Decrypt)
    {
        _context = context;
        _keys = new uint[maxBurst];
        _nextHops = new uint[maxBurst];
    }

    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected internal override void Process(uint[] buffers, int count)
    {
        var main = BeginMain(NextIp4Rewrite, out var mainCount);
        var context = _context;
        var gpm = context.Gpm.View;
        var tables = context.Tables;
        var keys = _keys;
        // ip4-input (the only node leading here) took at most a burst, and left each destination in NextHop.
        for (var i = 0; i < count; i++)
        {
            keys[i] = gpm.Meta(buffers[i]).NextHop;
        }
        tables.Fib.LookupBurst(new ReadOnlySpan<uint>(keys, 0, count), new Span<uint>(_nextHops, 0, count));

        // After the lookups: every id they returned is in this view (see AdjacencyTable.View).
        var adjacencies = tables.Adjacencies.View;
        var nextHops = _nextHops;
        var up = context.Interfaces.Up;
        var policies = context.Policies;
        // Pointers rather than indexes: the loop keeps its state in registers.
        fixed (uint* first = buffers, mainStart = main, nextHopsStart = nextHops)
        {
            var next = mainStart + mainCount;
            for (uint* p = first, end = first + count, nextHopAt = nextHopsStart; p < end; p++, nextHopAt++)
            {
                var buffer = *p;
                ref var meta = ref gpm.Meta(buffer);
                var flags = meta.NodeArgument;
                var nextHop = *nextHopAt;
                var word = adjacencies.Word(nextHop);
                var kind = AdjacencyView.KindOf(word);
                if (kind == AdjacencyKind.Resolved && flags == 0)
                {
                    // The common case first: a resolved next hop, a unicast frame, TTL to spare.
                    var egress = AdjacencyView.InterfaceOf(word);
                    if (!up[egress])
                    {
                        Drop(buffer, ref meta, DropReason.InterfaceDown);
                        continue;
                    }
                    meta.TxInterface = egress;
                    meta.NextHop = nextHop;
                    meta.TrafficClass = 0;
                    if (policies is not null && policies[egress] is not null)
                    {
                        Enqueue(NextClassify, buffer);
                        continue;
                    }
                    *next++ = buffer;
                    continue;
                }
                Divert(buffer, ref meta, kind, (flags & LinkGroupFlag) != 0, (flags & TtlExpiresFlag) != 0, nextHop, keys[p - first], adjacencies, gpm, up);
            }
            mainCount = (int)(next - mainStart);
        }
        EndMain(NextIp4Rewrite, mainCount);
    }

    /// <summary>Every packet that does not go straight on to ip4-rewrite or classify, in RFC 1812's order of checks.</summary>
    // Inlined: a call inside the loop makes the JIT keep the loop's state in the few callee-saved registers and spill the rest.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Divert(uint buffer, ref Memory.PacketMeta meta, AdjacencyKind kind, bool linkGroup, bool ttlExpires, uint nextHop, uint destination,
        AdjacencyView adjacencies, Memory.GpmView gpm, bool[] up)
    {
        if (kind == AdjacencyKind.None)
        {
            if (linkGroup)
            {
                Drop(buffer, ref meta, DropReason.NotForUs);
                return;
            }
            meta.NodeArgument = (byte)IcmpErrorKind.NetUnreachable;
            Enqueue(NextIcmpError, buffer);
            return;
        }
        if (kind == AdjacencyKind.Receive)
        {
            if (!linkGroup && IsEsp(gpm, buffer, ref meta))
            {
                // ESP to the router: the tunnels' inbound SAs decide (an unknown SPI is dropped and counted there).
                Enqueue(NextEsp4Decrypt, buffer);
                return;
            }
            meta.PuntReason = (byte)PuntReason.ForUs;
            meta.NextHop = nextHop;
            Enqueue(NextPunt, buffer);
            return;
        }
        if (linkGroup)
        {
            // RFC 1812 §5.3.4: a unicast IP packet received as link-layer broadcast is not forwarded.
            Drop(buffer, ref meta, DropReason.NotForUs);
            return;
        }
        if (ttlExpires)
        {
            meta.NodeArgument = (byte)IcmpErrorKind.TimeExceeded;
            Enqueue(NextIcmpError, buffer);
            return;
        }
        if (kind == AdjacencyKind.Drop)
        {
            Drop(buffer, ref meta, DropReason.NullRoute);
            return;
        }
        if (kind == AdjacencyKind.Tunnel)
        {
            var tunnel = AdjacencyView.InterfaceOf(adjacencies.Word(nextHop));
            if (!up[tunnel])
            {
                Drop(buffer, ref meta, DropReason.InterfaceDown);
                return;
            }
            meta.TxInterface = tunnel;
            Enqueue(NextEsp4Encrypt, buffer);
            return;
        }
        // Glean or incomplete: ask the control plane to resolve; the packet itself is not forwarded.
        meta.PuntReason = (byte)PuntReason.Glean;
        meta.NextHop = kind == AdjacencyKind.Glean ? destination : adjacencies.NextHopAddress(nextHop);
        Enqueue(NextPunt, buffer);
    }

    /// <summary>True for an IPv4 packet whose protocol is ESP (ip4-input validated its header, fragments included: esp4-decrypt counts those).</summary>
    private static bool IsEsp(Memory.GpmView gpm, uint buffer, ref Memory.PacketMeta meta)
        => gpm.BufferPointer(buffer)[meta.Offset + PpeContext.EthernetHeaderLength + 9] == IpProtocols.Esp;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Drop(uint buffer, ref Memory.PacketMeta meta, DropReason reason)
    {
        meta.NodeArgument = (byte)reason;
        Enqueue(NextDrop, buffer);
    }
}

/// <summary>Which ICMP error ip4-icmp-error builds about a packet (left in <c>PacketMeta.NodeArgument</c>).</summary>
public enum IcmpErrorKind : byte
{
    None = 0,
    /// <summary>Destination unreachable, net unreachable: no route.</summary>
    NetUnreachable,
    /// <summary>Time exceeded in transit: TTL would reach zero.</summary>
    TimeExceeded,
    /// <summary>Destination unreachable, fragmentation needed and DF set: carries the egress MTU.</summary>
    FragmentationNeeded,
}
