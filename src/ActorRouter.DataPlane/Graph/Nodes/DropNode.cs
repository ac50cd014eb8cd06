using System.Runtime.CompilerServices;
using ActorRouter.DataPlane.Counters;

namespace ActorRouter.DataPlane.Graph.Nodes;

/// <summary>
/// drop: counts each packet under the reason the node that gave up on it left in its metadata, per
/// receiving interface, and returns its buffer to the thread's cache.
/// </summary>
public sealed class DropNode : GraphNode
{
    private readonly PpeContext _context;

    public DropNode(PpeContext context)
        : base(NodeNames.Drop)
        => _context = context;

    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected internal override void Process(uint[] buffers, int count)
    {
        var gpm = _context.Gpm.View;
        var counters = _context.Counters;
        for (var i = 0; i < count; i++)
        {
            ref var meta = ref gpm.Meta(buffers[i]);
            counters.Drop(meta.RxInterface, (DropReason)meta.NodeArgument);
        }
        _context.Cache.FreeBurst(new ReadOnlySpan<uint>(buffers, 0, count));
    }
}
