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

    public InterfaceOutputNode(PpeContext context)
        : base(NodeNames.InterfaceOutput)
        => _context = context;

    /// <summary>The graph hands the output over with <see cref="Emit"/>, straight into the caller's span.</summary>
    protected internal override void Process(uint[] buffers, int count)
        => throw new InvalidOperationException("interface-output is emptied by Emit, at the end of a burst");

    /// <summary>
    /// Moves the packets waiting here to <paramref name="output"/>, marked as the PPE's, and returns how many;
    /// one pass, no intermediate copy.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int Emit(Span<uint> output)
    {
        var frame = Input;
        var count = frame.Count;
        if (count == 0)
        {
            return 0;
        }
        Calls++;
        Packets += count;
        var gpm = _context.Gpm.View;
        var buffers = frame.Buffers;
        var destination = output[..count];
        for (var i = 0; i < destination.Length; i++)
        {
            var buffer = buffers[i];
            gpm.Meta(buffer).Owner = BufferOwner.Ppe;
            destination[i] = buffer;
        }
        frame.Count = 0;
        return count;
    }
}
