using System.Runtime.CompilerServices;

namespace ActorRouter.DataPlane.Graph;

/// <summary>
/// A vector of buffer indices waiting for one node (VPP's vlib frame): preallocated once per node
/// and thread, filled by the nodes that point at it, emptied when its node runs.
/// </summary>
public sealed class NodeFrame
{
    internal NodeFrame(int capacity) => Buffers = new uint[capacity];

    internal readonly uint[] Buffers;
    internal int Count;
}

/// <summary>
/// One stage of PPE work, in the style of a VPP graph node or a Click element: it is handed a vector
/// of buffers, loops over it, and sends each buffer to one of its next nodes, named when the node is
/// registered and resolved to frames when the graph is wired. A feature is new nodes and arcs.
/// Counters are plain fields written by the owning PPE thread only; observers read them racily
/// through <see cref="PpeGraph.ReadCounters"/>.
/// </summary>
public abstract class GraphNode
{
    private readonly string[] _nextNodes;
    private NodeFrame[] _next = [];
    internal long Calls;
    internal long Packets;
    internal long[] NextCounts;

    protected GraphNode(string name, params string[] nextNodes)
    {
        Name = name;
        _nextNodes = nextNodes;
        NextCounts = new long[nextNodes.Length];
    }

    public string Name { get; }

    /// <summary>The node's next nodes by slot: the slot a node passes to <see cref="Enqueue"/> names the arc.</summary>
    public IReadOnlyList<string> NextNodes => _nextNodes;

    /// <summary>Position in the graph's dispatch order; set on registration.</summary>
    public int Index { get; internal set; } = -1;

    internal NodeFrame Input { get; set; } = null!;

    internal void Bind(NodeFrame[] next) => _next = next;

    /// <summary>Runs the node over <paramref name="count"/> buffers of <paramref name="buffers"/>.</summary>
    protected internal abstract void Process(uint[] buffers, int count);

    /// <summary>Sends <paramref name="buffer"/> along the arc in slot <paramref name="next"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected void Enqueue(int next, uint buffer)
    {
        var frame = _next[next];
        frame.Buffers[frame.Count++] = buffer;
        NextCounts[next]++;
    }

    /// <summary>
    /// Opens the frame behind slot <paramref name="next"/> as the node's main path for this call:
    /// the node appends buffers to the returned array from <paramref name="count"/> on, in locals,
    /// and closes it with <see cref="EndMain"/> (a store per packet instead of a frame update; side
    /// exits meanwhile use <see cref="Enqueue"/> on other slots).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected uint[] BeginMain(int next, out int count)
    {
        var frame = _next[next];
        count = frame.Count;
        return frame.Buffers;
    }

    /// <summary>Closes the main path opened by <see cref="BeginMain"/> at <paramref name="count"/> buffers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected void EndMain(int next, int count)
    {
        var frame = _next[next];
        NextCounts[next] += count - frame.Count;
        frame.Count = count;
    }

    /// <summary>
    /// Takes back the last <paramref name="count"/> buffers this node sent along slot
    /// <paramref name="next"/> in this call and frees them (a node that gives up half way through
    /// making several buffers of one packet).
    /// </summary>
    protected void Retract(int next, int count, Memory.GpmCache cache)
    {
        var frame = _next[next];
        for (var i = frame.Count - count; i < frame.Count; i++)
        {
            cache.Free(frame.Buffers[i]);
        }
        frame.Count -= count;
        NextCounts[next] -= count;
    }

}

/// <summary>Packets a node sent along one of its arcs.</summary>
public readonly record struct NodeArcCount(string NextNode, long Packets);

/// <summary>
/// A node's runtime counters as read from outside its thread (a reading may be a few bursts behind):
/// how often it ran, how many packets it handled, and where they went.
/// </summary>
public sealed record NodeRuntimeCounters(string Node, long Calls, long Packets, IReadOnlyList<NodeArcCount> Next)
{
    /// <summary>Average vector size: packets per call (0 before the first call).</summary>
    public double VectorsPerCall => Calls == 0 ? 0 : (double)Packets / Calls;
}
