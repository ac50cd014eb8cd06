using System.Runtime.CompilerServices;
using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Forwarding;
using ActorRouter.DataPlane.Memory;
using ActorRouter.DataPlane.Rings;
using ActorRouter.DataPlane.Vnic;

namespace ActorRouter.DataPlane.Graph.Nodes;

/// <summary>
/// punt: hands packets for the control plane (ARP, packets for the router, glean requests) to this
/// PPE's punt ring under the punt rate limit, and wakes the punt reader once per call. Over the
/// limit or with the ring full, the packet is dropped and counted. A glean carries only a request
/// (the packet itself is counted as a no-adjacency drop either way).
/// </summary>
public sealed class PuntNode : GraphNode
{
    private readonly PpeContext _context;
    private readonly SpscRing _ring;
    private readonly WakeSignal? _signal;
    private TokenBucket _limiter;

    public PuntNode(PpeContext context, SpscRing ring, WakeSignal? signal, TokenBucket limiter)
        : base(NodeNames.Punt)
    {
        _context = context;
        _ring = ring;
        _signal = signal;
        _limiter = limiter;
    }

    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected internal override void Process(uint[] buffers, int count)
    {
        _limiter.Refill(PpeGraph.Now());
        var context = _context;
        var gpm = context.Gpm;
        var counters = context.Counters;
        var cache = context.Cache;
        var punted = false;
        for (var i = 0; i < count; i++)
        {
            var buffer = buffers[i];
            ref var meta = ref gpm.Meta(buffer);
            int rx = meta.RxInterface;
            if (meta.PuntReason == (byte)PuntReason.Glean)
            {
                counters.Drop(rx, DropReason.NoAdjacency);
                if (!_limiter.TryTake())
                {
                    cache.Free(buffer);
                    continue;
                }
                meta.Owner = BufferOwner.Punt;
                if (!_ring.TryEnqueue(buffer))
                {
                    cache.Free(buffer);
                    continue;
                }
                punted = true;
                continue;
            }
            if (!_limiter.TryTake())
            {
                counters.Drop(rx, DropReason.PuntRateLimit);
                cache.Free(buffer);
                continue;
            }
            meta.Owner = BufferOwner.Punt;
            if (!_ring.TryEnqueue(buffer))
            {
                counters.Drop(rx, DropReason.PuntRingFull);
                cache.Free(buffer);
                continue;
            }
            counters.Add(rx, InterfaceCounter.Punted, 1);
            punted = true;
        }
        if (punted)
        {
            _signal?.Notify();
        }
    }
}
