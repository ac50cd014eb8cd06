using System.Runtime.CompilerServices;
using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Forwarding;

namespace ActorRouter.DataPlane.Graph.Nodes;

/// <summary>
/// ip6-lookup: one batched IPv6 FIB lookup for the whole vector (the trie walked a level at a time across the burst),
/// then the verdict of the adjacency: resolved next hops with hop limit to spare go on to ip6-rewrite (through
/// ip6-classify when the egress has a service policy); no route and hop-limit expiry go to ip6-icmp-error; a packet
/// for one of the router's addresses is punted (for us), one for a host on a connected prefix without a neighbour entry is punted as a glean (neighbour discovery solicits it, the packet is
/// counted as a no-adjacency drop), as is one whose static next hop is unresolved (incomplete: the glean names the
/// adjacency, <see cref="IncompleteNextHopGlean"/>, since the address to solicit is not in the packet); null routes
/// drop. A resolved adjacency a packet goes through is marked used (neighbour discovery's hint). A unicast packet received as a
/// link-layer group frame is not forwarded, nor one from a link-local source that is not for the router.
/// </summary>
public sealed unsafe class Ip6LookupNode : GraphNode
{
    public const int NextIp6Rewrite = 0, NextIcmpError = 1, NextDrop = 2, NextPunt = 3, NextClassify = 4;
    /// <inheritdoc cref="Ports.Ipv6Glean.IncompleteNextHop"/>
    public const uint IncompleteNextHopGlean = Ports.Ipv6Glean.IncompleteNextHop;
    private readonly PpeContext _context;
    private readonly uint[] _nextHops;

    public Ip6LookupNode(PpeContext context, int maxBurst)
        : base(NodeNames.Ip6Lookup, NodeNames.Ip6Rewrite, NodeNames.Ip6IcmpError, NodeNames.Drop, NodeNames.Punt, NodeNames.Ip6Classify)
    {
        _context = context;
        Keys = new byte[maxBurst * 16];
        _nextHops = new uint[maxBurst];
    }

    /// <summary>The destinations of this call's packets, 16 bytes each in frame order, written by ip6-input.</summary>
    internal byte[] Keys { get; }

    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected internal override void Process(uint[] buffers, int count)
    {
        var main = BeginMain(NextIp6Rewrite, out var mainCount);
        var context = _context;
        var gpm = context.Gpm.View;
        // ip6-input only passes packets on while the tables have IPv6 state.
        var ipv6 = context.Tables.Ipv6!;
        var up = context.Interfaces.Up;
        var policies = context.Policies;
        fixed (byte* keys = Keys)
        fixed (uint* nextHopsStart = _nextHops)
        fixed (uint* first = buffers, mainStart = main)
        {
            ipv6.Fib.LookupBurst(keys, nextHopsStart, count);
            // After the lookups: every id they returned is in this view.
            var adjacencies = ipv6.Adjacencies.View;
            var next = mainStart + mainCount;
            var nextHopAt = nextHopsStart;
            for (uint* p = first, end = first + count; p < end; p++, nextHopAt++)
            {
                var buffer = *p;
                ref var meta = ref gpm.Meta(buffer);
                var flags = meta.NodeArgument;
                var nextHop = *nextHopAt;
                var word = adjacencies.Word(nextHop);
                var kind = AdjacencyView.KindOf(word);
                if (kind == AdjacencyKind.Resolved && flags == 0)
                {
                    var egress = AdjacencyView.InterfaceOf(word);
                    if (!up[egress])
                    {
                        Drop(buffer, ref meta, DropReason.InterfaceDown);
                        continue;
                    }
                    // Neighbour discovery's use hint: a STALE neighbour in use is probed (RFC 4861 §7.3.3).
                    adjacencies.MarkUsed(nextHop);
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
                Divert(buffer, ref meta, kind, (flags & Ip4LookupNode.LinkGroupFlag) != 0, (flags & Ip4LookupNode.TtlExpiresFlag) != 0, word, nextHop);
            }
            mainCount = (int)(next - mainStart);
        }
        EndMain(NextIp6Rewrite, mainCount);
    }

    /// <summary>Every packet that does not go straight on to ip6-rewrite.</summary>
    private void Divert(uint buffer, ref Memory.PacketMeta meta, AdjacencyKind kind, bool linkGroup, bool hopLimitExpires, ulong adjacency, uint adjacencyId)
    {
        if (kind == AdjacencyKind.Receive)
        {
            meta.PuntReason = (byte)PuntReason.ForUs;
            meta.NextHop = 0;
            Enqueue(NextPunt, buffer);
            return;
        }
        if ((meta.NodeArgument & Ip6InputNode.LinkLocalSourceFlag) != 0)
        {
            // RFC 4291 §2.5.6: a link-local source never leaves its link.
            Drop(buffer, ref meta, DropReason.Ipv6LinkLocalScope);
            return;
        }
        if (linkGroup)
        {
            Drop(buffer, ref meta, DropReason.NotForUs);
            return;
        }
        if (kind == AdjacencyKind.None)
        {
            meta.NodeArgument = (byte)Icmpv6ErrorKind.NoRoute;
            Enqueue(NextIcmpError, buffer);
            return;
        }
        if (hopLimitExpires)
        {
            meta.NodeArgument = (byte)Icmpv6ErrorKind.HopLimitExceeded;
            Enqueue(NextIcmpError, buffer);
            return;
        }
        if (kind == AdjacencyKind.Glean)
        {
            // A host on a connected prefix without a neighbour entry: ask the control plane to solicit the packet's
            // destination on the prefix's interface (carried in NextHop; the address is in the punted frame).
            meta.PuntReason = (byte)PuntReason.Glean;
            meta.NextHop = AdjacencyView.InterfaceOf(adjacency);
            Enqueue(NextPunt, buffer);
            return;
        }
        if (kind == AdjacencyKind.Incomplete)
        {
            meta.PuntReason = (byte)PuntReason.Glean;
            meta.NextHop = IncompleteNextHopGlean | adjacencyId;
            Enqueue(NextPunt, buffer);
            return;
        }
        Drop(buffer, ref meta, kind == AdjacencyKind.Drop ? DropReason.NullRoute : DropReason.NoAdjacency);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Drop(uint buffer, ref Memory.PacketMeta meta, DropReason reason)
    {
        meta.NodeArgument = (byte)reason;
        Enqueue(NextDrop, buffer);
    }
}

/// <summary>Which ICMPv6 error ip6-icmp-error builds about a packet (left in <c>PacketMeta.NodeArgument</c>, low 7 bits).</summary>
public enum Icmpv6ErrorKind : byte
{
    None = 0,
    /// <summary>Destination Unreachable, code 0: no route.</summary>
    NoRoute,
    /// <summary>Time Exceeded, code 0: the hop limit would reach zero.</summary>
    HopLimitExceeded,
    /// <summary>Packet Too Big with the egress MTU (RFC 8201).</summary>
    PacketTooBig,
    /// <summary>Parameter Problem, code 1, pointing at an unassigned Next Header value.</summary>
    UnrecognizedNextHeader,
    /// <summary>Parameter Problem, code 1, pointing at a Hop-by-Hop Next Header that is not the first.</summary>
    HopByHopNotFirst,
    /// <summary>Parameter Problem, code 3: a first fragment without the whole header chain (RFC 7112).</summary>
    IncompleteHeaderChain,
}
