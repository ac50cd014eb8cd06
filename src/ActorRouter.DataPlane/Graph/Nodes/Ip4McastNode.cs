using System.Runtime.CompilerServices;
using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Memory;
using ActorRouter.Packets;

namespace ActorRouter.DataPlane.Graph.Nodes;

/// <summary>
/// ip4-mcast: IPv4 multicast routing for the packets ip4-input sends here (224/4 destinations while
/// <c>ip multicast-routing</c> is on). In RFC order: IGMP (any group: v2 reports go to the group itself) is
/// punted to the control plane; the local network control block 224.0.0.0/24 is never forwarded (RFC 5771
/// §4); a TTL that would reach zero ends the packet's scope; then the (S,G) or (*,G) entry, the RPF check
/// against its incoming interface, and replication: one GPM buffer per outgoing interface that is up and
/// is not the incoming one (the packet's own buffer is the last copy), each sent round the recycle path to
/// ip4-mcast-rewrite with its interface in <c>PacketMeta.NextHop</c>. A copy GPM has no buffer for is
/// counted as a no-buffer drop; the others still go. No ICMP error is sent about multicast (RFC 1812 §4.3.2.7).
/// </summary>
public sealed unsafe class Ip4McastNode : GraphNode
{
    public const int NextRecycle = 0, NextPunt = 1, NextDrop = 2;

    /// <summary>224.0.0.0/24: the local network control block.</summary>
    public const uint LinkLocalBlock = 0xE0000000u;

    private readonly PpeContext _context;

    public Ip4McastNode(PpeContext context)
        : base(NodeNames.Ip4Mcast, NodeNames.Recycle, NodeNames.Punt, NodeNames.Drop)
        => _context = context;

    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected internal override void Process(uint[] buffers, int count)
    {
        var context = _context;
        var gpm = context.Gpm.View;
        var memory = context.Gpm;
        var cache = context.Cache;
        var counters = context.Counters;
        var tables = context.Multicast.Current;
        var up = context.Interfaces.Up;
        for (var i = 0; i < count; i++)
        {
            var buffer = buffers[i];
            ref var meta = ref gpm.Meta(buffer);
            var frame = gpm.BufferPointer(buffer) + meta.Offset;
            var ip = Ipv4Header.Over(frame + PpeContext.EthernetHeaderLength, meta.Length - PpeContext.EthernetHeaderLength);
            var group = ip.Destination;
            if (ip.Protocol == IpProtocols.Igmp)
            {
                meta.PuntReason = (byte)PuntReason.ForUs;
                meta.NextHop = 0;
                Enqueue(NextPunt, buffer);
                continue;
            }
            if ((group & 0xFFFFFF00u) == LinkLocalBlock)
            {
                Drop(buffer, ref meta, DropReason.MulticastLinkLocal);
                continue;
            }
            if (ip.Ttl <= 1)
            {
                Drop(buffer, ref meta, DropReason.MulticastTtlScope);
                continue;
            }
            var entry = tables.Find(ip.Source, group);
            if (entry is null)
            {
                Drop(buffer, ref meta, DropReason.MulticastNoRoute);
                continue;
            }
            int rx = meta.RxInterface;
            if (entry.Incoming != rx)
            {
                Drop(buffer, ref meta, DropReason.MulticastRpfFailure);
                continue;
            }
            var outgoing = entry.Outgoing;
            // The last eligible interface takes the packet's own buffer; the ones before it get copies.
            var last = -1;
            for (var o = outgoing.Length - 1; o >= 0; o--)
            {
                int egress = outgoing[o];
                if (egress != rx && up[egress])
                {
                    last = o;
                    break;
                }
            }
            if (last < 0)
            {
                Drop(buffer, ref meta, DropReason.MulticastNoReceivers);
                continue;
            }
            int length = meta.Length;
            var source = new ReadOnlySpan<byte>(frame, length);
            for (var o = 0; o < last; o++)
            {
                int egress = outgoing[o];
                if (egress == rx || !up[egress])
                {
                    continue;
                }
                if (!cache.TryAllocate(out var copy))
                {
                    counters.Drop(rx, DropReason.NoBuffer);
                    continue;
                }
                memory.ResetMeta(copy, length, BufferOwner.Ppe);
                ref var copyMeta = ref gpm.Meta(copy);
                source.CopyTo(new Span<byte>(gpm.BufferPointer(copy) + copyMeta.Offset, length));
                copyMeta.RxInterface = (ushort)rx;
                copyMeta.Recycles = meta.Recycles;
                copyMeta.NextHop = (uint)egress;
                copyMeta.NodeArgument = (byte)RecycleEntry.Ip4McastOutput;
                Enqueue(NextRecycle, copy);
            }
            meta.NextHop = outgoing[last];
            meta.NodeArgument = (byte)RecycleEntry.Ip4McastOutput;
            Enqueue(NextRecycle, buffer);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Drop(uint buffer, ref PacketMeta meta, DropReason reason)
    {
        meta.NodeArgument = (byte)reason;
        Enqueue(NextDrop, buffer);
    }
}
