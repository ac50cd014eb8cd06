using System.Runtime.CompilerServices;
using ActorRouter.DataPlane.Memory;

namespace ActorRouter.DataPlane.Graph.Nodes;

/// <summary>
/// interface-output: the end of the graph. Collects the packets ready to leave (rewritten,
/// fragments, ICMP errors), each with its egress interface in <c>PacketMeta.TxInterface</c>, as the
/// burst's output, which the PPE thread gathers into its B4Q ring for the HQF thread.
/// </summary>
public sealed class InterfaceOutputNode : GraphNode
{
    private readonly PpeContext _context;
    private readonly uint[] _ready;
    private int _count;

    public InterfaceOutputNode(PpeContext context, int capacity)
        : base(NodeNames.InterfaceOutput)
    {
        _context = context;
        _ready = new uint[capacity];
    }

    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected internal override void Process(uint[] buffers, int count)
    {
        var gpm = _context.Gpm;
        var ready = _ready;
        var n = _count;
        for (var i = 0; i < count; i++)
        {
            var buffer = buffers[i];
            gpm.Meta(buffer).Owner = BufferOwner.Ppe;
            ready[n++] = buffer;
        }
        _count = n;
    }

    /// <summary>Moves the burst's output to <paramref name="output"/> and returns how many buffers it holds.</summary>
    internal int TakeOutput(Span<uint> output)
    {
        var n = _count;
        new ReadOnlySpan<uint>(_ready, 0, n).CopyTo(output);
        _count = 0;
        return n;
    }
}
