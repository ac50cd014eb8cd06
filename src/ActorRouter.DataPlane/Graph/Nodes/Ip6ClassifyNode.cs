using System.Runtime.CompilerServices;

namespace ActorRouter.DataPlane.Graph.Nodes;

/// <summary>
/// ip6-classify: the IPv6 twin of classify. For packets whose egress interface has an output service policy it
/// chooses the traffic class and writes the class's DSCP into the Traffic Class field, before ip6-rewrite, so that
/// the HQF thread only schedules.
/// </summary>
public sealed unsafe class Ip6ClassifyNode : GraphNode
{
    public const int NextIp6Rewrite = 0;
    private readonly PpeContext _context;

    public Ip6ClassifyNode(PpeContext context)
        : base(NodeNames.Ip6Classify, NodeNames.Ip6Rewrite)
        => _context = context;

    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected internal override void Process(uint[] buffers, int count)
    {
        var main = BeginMain(NextIp6Rewrite, out var mainCount);
        var gpm = _context.Gpm.View;
        var policies = _context.Policies;
        for (var i = 0; i < count; i++)
        {
            var buffer = buffers[i];
            ref var meta = ref gpm.Meta(buffer);
            // ip6-lookup sends only packets whose egress has a policy in this burst's table.
            if (policies?[meta.TxInterface] is { } policy)
            {
                var ip = gpm.BufferPointer(buffer) + meta.Offset + PpeContext.EthernetHeaderLength;
                meta.TrafficClass = policy.ClassifyAndMark6(ip, meta.Length - PpeContext.EthernetHeaderLength, meta.RxInterface);
            }
            main[mainCount++] = buffer;
        }
        EndMain(NextIp6Rewrite, mainCount);
    }
}
