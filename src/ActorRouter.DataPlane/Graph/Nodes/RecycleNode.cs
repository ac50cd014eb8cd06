using System.Runtime.CompilerServices;
using ActorRouter.DataPlane.Counters;

namespace ActorRouter.DataPlane.Graph.Nodes;

/// <summary>
/// Where a recycled packet goes back into a PPE graph, left by the node that recycles it in
/// <c>PacketMeta.NodeArgument</c>: the inner packet of a decapsulated tunnel packet enters ip4-input
/// as if received on the tunnel; an encapsulated packet enters ip4-lookup for its outer header; a
/// multicast copy enters ip4-mcast-rewrite, its outgoing interface's output processing.
/// </summary>
public enum RecycleEntry : byte
{
    /// <summary>Not an entry: a packet arriving with it is dropped as malformed recycle input.</summary>
    None = 0,
    /// <summary>ip4-input: full IPv4 validation, as a frame just received on <c>PacketMeta.RxInterface</c>.</summary>
    Ip4Input,
    /// <summary>ip4-lookup: the header is the router's own; <c>PacketMeta.NextHop</c> holds the destination.</summary>
    Ip4Lookup,
    /// <summary>ip4-mcast-rewrite: a multicast copy's output processing; <c>PacketMeta.NextHop</c> holds its outgoing interface.</summary>
    Ip4McastOutput,
}

/// <summary>
/// recycle: the graph's exit to the recycle path (the reference design's recycling from HQF back into
/// the PPEs). A packet that must be processed again (encapsulated, decapsulated, replicated) is counted
/// round the loop, and leaves the burst through interface-output towards the recycle interface; the
/// HQF stage puts it on the recycle ring, and the dispatcher hands it back to a PPE, in its order,
/// at the entry the sending node named. A packet that has already been round <see cref="MaxRecycles"/>
/// times is dropped (a tunnel routed into itself would otherwise circle for ever).
/// </summary>
public sealed class RecycleNode : GraphNode
{
    public const int NextInterfaceOutput = 0, NextDrop = 1;

    /// <summary>The pseudo egress interface (in <c>PacketMeta.TxInterface</c>) of a packet bound for the recycle ring.</summary>
    public const ushort RecycleInterface = 0xFFFF;

    /// <summary>How often one packet may be recycled: enough for a tunnel inside a tunnel, decapsulated and encapsulated again.</summary>
    public const int MaxRecycles = 4;

    private readonly PpeContext _context;

    public RecycleNode(PpeContext context)
        : base(NodeNames.Recycle, NodeNames.InterfaceOutput, NodeNames.Drop)
        => _context = context;

    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected internal override void Process(uint[] buffers, int count)
    {
        var gpm = _context.Gpm.View;
        for (var i = 0; i < count; i++)
        {
            var buffer = buffers[i];
            ref var meta = ref gpm.Meta(buffer);
            if (meta.Recycles >= MaxRecycles)
            {
                meta.NodeArgument = (byte)DropReason.RecycleLoop;
                Enqueue(NextDrop, buffer);
                continue;
            }
            meta.Recycles++;
            meta.TxInterface = RecycleInterface;
            Enqueue(NextInterfaceOutput, buffer);
        }
    }
}
