using System.Diagnostics;
using System.Runtime.CompilerServices;
using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Forwarding;
using ActorRouter.DataPlane.Graph.Nodes;
using ActorRouter.DataPlane.Interfaces;
using ActorRouter.DataPlane.Ipsec;
using ActorRouter.DataPlane.Memory;
using ActorRouter.DataPlane.Qos;
using ActorRouter.DataPlane.Rings;
using ActorRouter.DataPlane.Vnic;

namespace ActorRouter.DataPlane.Graph;

/// <summary>
/// One PPE thread's graph of nodes (FD.io VPP's vlib graph): nodes are registered by name in
/// dispatch order, their arcs are resolved by name to the next nodes' preallocated frames, and a
/// burst runs by handing the input to the first node and then running, in order, every node whose
/// frame has packets. Arcs point forward only (checked when wiring), so one pass over the nodes
/// finishes a burst. Nothing in a burst allocates: frames and scratch are sized once, at build.
/// The buffers reaching the last node (interface-output) are the burst's output.
/// </summary>
public sealed partial class PpeGraph
{
    private readonly List<GraphNode> _nodes = new();
    private readonly Dictionary<string, GraphNode> _byName = new(StringComparer.Ordinal);
    private GraphNode[] _dispatch = [];
    /// <summary>Each dispatched node's input frame, by dispatch position: the plain loop finds the empty ones (most, on most bursts) with one load less.</summary>
    private NodeFrame[] _dispatchFrames = [];
    private GraphNode? _entry;
    private InterfaceOutputNode? _output;
    /// <summary>By <see cref="RecycleEntry"/>: the frame a recycled packet enters (null: no such node in this graph).</summary>
    private NodeFrame?[] _recycleEntries = [];
    private NodeFrame? _recycleDrop;
    private bool _wired;

    public PpeGraph(PpeContext context, int maxBurst, int maxOutputPerPacket)
    {
        Context = context;
        MaxBurst = maxBurst;
        MaxOutputPerPacket = maxOutputPerPacket;
        FrameCapacity = maxBurst * maxOutputPerPacket;
    }

    public PpeContext Context { get; }

    /// <summary>Most buffers one burst hands to the graph.</summary>
    public int MaxBurst { get; }

    /// <summary>Most output buffers one input packet can become (fragments of the smallest MTU).</summary>
    public int MaxOutputPerPacket { get; }

    /// <summary>Capacity of every node's frame: enough for a burst in which every packet became the most buffers it can.</summary>
    public int FrameCapacity { get; }

    public ThreadCounters Counters => Context.Counters;

    public IReadOnlyList<GraphNode> Nodes => _nodes;

    /// <summary>Adds a node; nodes run in the order they are registered, the first one taking the input.</summary>
    public T Register<T>(T node) where T : GraphNode
    {
        if (_wired)
        {
            throw new InvalidOperationException($"the graph is already wired; cannot add {node.Name}");
        }
        if (!_byName.TryAdd(node.Name, node))
        {
            throw new ArgumentException($"a node named {node.Name} is already registered", nameof(node));
        }
        node.Index = _nodes.Count;
        node.Input = new NodeFrame(FrameCapacity);
        _nodes.Add(node);
        return node;
    }

    /// <summary>
    /// Resolves every node's next-node names to frames. The first node is the entry; the output is
    /// the <see cref="InterfaceOutputNode"/>, which must be last. An unknown name or an arc that
    /// points back is refused.
    /// </summary>
    public void Wire()
    {
        if (_nodes.Count == 0 || _nodes[^1] is not InterfaceOutputNode output)
        {
            throw new InvalidOperationException("the last node of a PPE graph must be interface-output");
        }
        foreach (var node in _nodes)
        {
            var next = new NodeFrame[node.NextNodes.Count];
            for (var slot = 0; slot < next.Length; slot++)
            {
                var name = node.NextNodes[slot];
                if (!_byName.TryGetValue(name, out var target))
                {
                    throw new InvalidOperationException($"node {node.Name}: next node {name} is not registered");
                }
                if (target.Index <= node.Index)
                {
                    throw new InvalidOperationException($"node {node.Name}: arc to {name} points back; register {name} after {node.Name}");
                }
                next[slot] = target.Input;
            }
            node.Bind(next);
        }
        _entry = _nodes[0];
        _output = output;
        _recycleEntries = new NodeFrame?[Enum.GetValues<RecycleEntry>().Length];
        _recycleEntries[(int)RecycleEntry.Ip4Input] = _byName.GetValueOrDefault(NodeNames.Ip4Input)?.Input;
        _recycleEntries[(int)RecycleEntry.Ip4Lookup] = _byName.GetValueOrDefault(NodeNames.Ip4Lookup)?.Input;
        _recycleEntries[(int)RecycleEntry.Ip4McastOutput] = _byName.GetValueOrDefault(NodeNames.Ip4McastRewrite)?.Input;
        _recycleDrop = _byName.GetValueOrDefault(NodeNames.Drop)?.Input;
        // interface-output is not dispatched: ProcessBurst empties it into the caller's output.
        _dispatch = _nodes.GetRange(0, _nodes.Count - 1).ToArray();
        _dispatchFrames = Array.ConvertAll(_dispatch, node => node.Input);
        WireObservation();
        _wired = true;
    }

    /// <summary>
    /// Runs the graph on <paramref name="input"/> (at most <see cref="MaxBurst"/> buffers) and writes
    /// the buffers to transmit to <paramref name="output"/> (room for <see cref="MaxOutputPerPacket"/>
    /// per input). Dropped buffers go back to the thread's cache, punted ones to the punt ring.
    /// Within one flow and one path, packets leave in arrival order; what a burst turns into on
    /// different paths (forwarded, fragmented, ICMP errors) leaves grouped by the node that made it.
    /// <paramref name="qos"/>: the service policies to classify by (null or none: every packet is unclassified).
    /// </summary>
    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int ProcessBurst(ReadOnlySpan<uint> input, Span<uint> output, ForwardingTables tables, UidbTable interfaces, QosPolicyTable? qos = null)
    {
        var context = Context;
        context.Tables = tables;
        context.Interfaces = interfaces;
        context.Policies = qos is { Any: true } ? qos.Policies : null;
        var entry = _entry!.Input;
        input.CopyTo(entry.Buffers);
        entry.Count = input.Length;
        return RunBurst(input.Length, output);
    }

    /// <summary>
    /// Runs the graph on a burst of recycled packets (<see cref="MaxBurst"/> at most, from the recycle
    /// ring): each enters at the node its <c>PacketMeta.NodeArgument</c> names (<see cref="RecycleEntry"/>),
    /// in the order they came; an entry this graph lacks drops the packet (counted as malformed recycle
    /// input under <see cref="DropReason.RecycleLoop"/>). Otherwise as <see cref="ProcessBurst"/>.
    /// </summary>
    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int ProcessRecycled(ReadOnlySpan<uint> input, Span<uint> output, ForwardingTables tables, UidbTable interfaces, QosPolicyTable? qos = null)
    {
        var context = Context;
        context.Tables = tables;
        context.Interfaces = interfaces;
        context.Policies = qos is { Any: true } ? qos.Policies : null;
        var gpm = context.Gpm.View;
        var entries = _recycleEntries;
        for (var i = 0; i < input.Length; i++)
        {
            var buffer = input[i];
            ref var meta = ref gpm.Meta(buffer);
            var entry = meta.NodeArgument;
            var frame = entry < entries.Length ? entries[entry] : null;
            if (frame is null)
            {
                frame = _recycleDrop!;
                meta.NodeArgument = (byte)DropReason.RecycleLoop;
            }
            else
            {
                // ip4-lookup reads its flags here (not link-level broadcast, TTL fine: the router built the header).
                meta.NodeArgument = 0;
            }
            frame.Buffers[frame.Count++] = buffer;
        }
        return RunBurst(input.Length, output);
    }

    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int RunBurst(int inputLength, Span<uint> output)
    {
        var context = Context;
        var nodes = _dispatch;
        // One check per burst: most bursts run the plain loop; a sampled burst, or any burst while a
        // packet trace or capture is armed, runs the observed loop (PpeGraph.Observation.cs).
        if (--_burstsUntilTimed > 0 && _observers is null)
        {
            var frames = _dispatchFrames;
            for (var n = 0; n < frames.Length; n++)
            {
                var frame = frames[n];
                var count = frame.Count;
                if (count == 0)
                {
                    continue;
                }
                var node = nodes[n];
                node.Calls++;
                node.Packets += count;
                node.Process(frame.Buffers, count);
                frame.Count = 0;
            }
        }
        else
        {
            RunObserved(nodes);
        }
        context.Counters.Packets += inputLength;
        context.Counters.Bursts++;
        return _output!.Emit(output);
    }

    /// <summary>
    /// After a fault inside <see cref="ProcessBurst"/> (on a thread that is dead now): the buffers still queued in the
    /// nodes' frames belong to the failed burst, which the reclaim takes back; the next burst must not send them.
    /// </summary>
    internal void DiscardUnfinishedBurst()
    {
        foreach (var node in _nodes)
        {
            node.Input.Count = 0;
        }
    }

    /// <summary>A racy reading of every node's counters, in dispatch order (for <c>show platform runtime</c>).</summary>
    public IReadOnlyList<NodeRuntimeCounters> ReadCounters()
    {
        var result = new NodeRuntimeCounters[_nodes.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var node = _nodes[i];
            var arcs = new NodeArcCount[node.NextNodes.Count];
            for (var slot = 0; slot < arcs.Length; slot++)
            {
                arcs[slot] = new NodeArcCount(node.NextNodes[slot], Volatile.Read(ref node.NextCounts[slot]));
            }
            result[i] = new NodeRuntimeCounters(node.Name, Volatile.Read(ref node.Calls), Volatile.Read(ref node.Packets), arcs);
        }
        return result;
    }

    /// <summary>Zeroes the node counters (the owning thread may be counting meanwhile: a reset, not a transaction).</summary>
    public void ClearCounters()
    {
        foreach (var node in _nodes)
        {
            node.Calls = 0;
            node.Packets = 0;
            Array.Clear(node.NextCounts);
        }
    }

    /// <summary>
    /// The IPv4 unicast graph (RFC 1812):
    /// ethernet-input → ip4-input → ip4-lookup → [classify →] ip4-rewrite → interface-output,
    /// with ip4-frag and ip4-icmp-error off ip4-rewrite and ip4-lookup, and punt and drop as sinks;
    /// off ip4-lookup too, ESP to the router to esp4-decrypt and routes into a tunnel to esp4-encrypt,
    /// both of which leave through recycle (back to ip4-input or ip4-lookup on the recycle path); off ip4-input, multicast
    /// (routing on) to ip4-mcast, whose copies leave through recycle to ip4-mcast-rewrite; beside it the IPv6
    /// unicast path (RFC 8200): ethernet-input → ip6-input → ip6-lookup → ip6-rewrite → interface-output, with
    /// ip6-icmp-error off all three (the ICMPv6 errors have their own rate limit of the same size).
    /// </summary>
    public static PpeGraph CreateIpv4(PacketMemory gpm, GpmCache cache, ThreadCounters counters, SpscRing puntRing, WakeSignal? puntSignal,
        int maxBurst, double puntRatePerSecond, double puntBurst, double icmpRatePerSecond, double icmpBurst)
        => CreateIpv4(gpm, cache, counters, puntRing, puntSignal, maxBurst, PuntPolicy.Uniform(puntRatePerSecond, puntBurst, puntRing.Capacity),
            icmpRatePerSecond, icmpBurst);

    /// <param name="punt">This PPE's part of the punt classes' policers and ring shares (<see cref="PuntPolicy.PerPpe"/>).</param>
    public static PpeGraph CreateIpv4(PacketMemory gpm, GpmCache cache, ThreadCounters counters, SpscRing puntRing, WakeSignal? puntSignal,
        int maxBurst, PuntPolicy punt, double icmpRatePerSecond, double icmpBurst)
        => CreateIpv4(gpm, cache, counters, puntRing, puntSignal, maxBurst, punt, icmpRatePerSecond, icmpBurst, new IpsecDatabase(), 0);

    /// <param name="ipsec">The tunnels and SAs esp4-encrypt and esp4-decrypt read.</param>
    /// <param name="graphThread">This graph's thread among the data plane's graph threads (its IPsec cipher contexts and counters).</param>
    /// <param name="multicast">The multicast entries ip4-input and ip4-mcast read (null: multicast routing stays off).</param>
    public static PpeGraph CreateIpv4(PacketMemory gpm, GpmCache cache, ThreadCounters counters, SpscRing puntRing, WakeSignal? puntSignal,
        int maxBurst, PuntPolicy punt, double icmpRatePerSecond, double icmpBurst, IpsecDatabase ipsec, int graphThread,
        Multicast.MulticastDatabase? multicast = null)
    {
        var context = new PpeContext(gpm, cache, counters);
        if (multicast is not null)
        {
            context.Multicast = multicast;
        }
        var graph = new PpeGraph(context, maxBurst, gpm.BufferSize / 8 + 2);
        graph.Register(new EthernetInputNode(context));
        graph.Register(new Ip4InputNode(context));
        graph.Register(new Ip4LookupNode(context, maxBurst));
        graph.Register(new ClassifyNode(context));
        graph.Register(new Ip4RewriteNode(context));
        graph.Register(new Ip4FragNode(context));
        graph.Register(new Esp4DecryptNode(context, ipsec, graphThread));
        graph.Register(new Esp4EncryptNode(context, ipsec, graphThread));
        graph.Register(new Ip4IcmpErrorNode(context, new TokenBucket(icmpRatePerSecond, icmpBurst)));
        graph.Register(new Ip4McastNode(context));
        graph.Register(new Ip4McastRewriteNode(context));
        var ip6Lookup = new Ip6LookupNode(context, maxBurst);
        graph.Register(new Ip6InputNode(context, ip6Lookup));
        graph.Register(ip6Lookup);
        graph.Register(new Ip6ClassifyNode(context));
        graph.Register(new Ip6RewriteNode(context));
        graph.Register(new Ip6IcmpErrorNode(context, new TokenBucket(icmpRatePerSecond, icmpBurst)));
        graph.Register(new RecycleNode(context));
        graph.Register(new PuntNode(context, puntRing, puntSignal, punt));
        graph.Register(new DropNode(context));
        graph.Register(new InterfaceOutputNode(context));
        graph.Wire();
        return graph;
    }

    internal static long Now() => Stopwatch.GetTimestamp();
}
