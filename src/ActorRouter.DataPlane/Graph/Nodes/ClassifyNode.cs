using System.Runtime.CompilerServices;
using ActorRouter.Packets;

namespace ActorRouter.DataPlane.Graph.Nodes;

/// <summary>
/// classify: for packets whose egress interface has an output service policy, chooses the traffic
/// class and applies the class's DSCP marking, before ip4-rewrite so that fragments inherit both
/// and the HQF thread only schedules.
/// </summary>
public sealed unsafe class ClassifyNode : GraphNode
{
    public const int NextIp4Rewrite = 0;
    private readonly PpeContext _context;

    public ClassifyNode(PpeContext context)
        : base(NodeNames.Classify, NodeNames.Ip4Rewrite)
        => _context = context;

    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected internal override void Process(uint[] buffers, int count)
    {
        var main = BeginMain(NextIp4Rewrite, out var mainCount);
        var gpm = _context.Gpm.View;
        var policies = _context.Policies;
        for (var i = 0; i < count; i++)
        {
            var buffer = buffers[i];
            ref var meta = ref gpm.Meta(buffer);
            // ip4-lookup sends only packets whose egress has a policy in this burst's table.
            if (policies?[meta.TxInterface] is { } policy)
            {
                var l3Length = meta.Length - PpeContext.EthernetHeaderLength;
                var ip = Ipv4Header.Over(gpm.BufferPointer(buffer) + meta.Offset + PpeContext.EthernetHeaderLength, l3Length);
                meta.TrafficClass = policy.ClassifyAndMark(ip, meta.RxInterface);
            }
            main[mainCount++] = buffer;
        }
        EndMain(NextIp4Rewrite, mainCount);
    }
}
