using System.Runtime.CompilerServices;
using ActorRouter.DataPlane.Graph;
using ActorRouter.DataPlane.Graph.Nodes;
using W = ActorRouter.Benchmarks.ForwardingWorkloadRig;

namespace ActorRouter.Benchmarks;

/// <summary>
/// What packet trace, capture and runtime sampling cost an untraced packet: the <c>ppe</c> workload run in one
/// process, pass by pass in turn, by the graph as the PPEs run it (tracing and capture off: one countdown and one
/// reference check per burst) and by the same graph's nodes in a dispatch loop without any observation — the graph
/// as it would be without the feature.
/// </summary>
public sealed class PpeTraceOffBenchmark : IBenchmarkCase
{
    public string Name => "ppe-trace-off";

    public string Description => "the PPE graph with tracing/capture off against the same nodes dispatched without the observation check, passes alternated in one process: on-CPU Mpps of each and the ratio";

    public int Run(string[] args)
    {
        var repetitions = args.Length > 0 && int.TryParse(args[0], out var r) ? r : 5;
        using var rig = new W();
        var observed = PpeGraph.CreateIpv4(rig.Gpm, rig.Cache, rig.Counters, rig.PuntRing, null, W.Burst, 0, 1, 0, 1);
        var bare = new UnobservedDispatch(PpeGraph.CreateIpv4(rig.Gpm, rig.Cache, rig.Counters, rig.PuntRing, null, W.Burst, 0, 1, 0, 1));
        return AlternatingPpeComparison.Run(Name, rig, repetitions,
            "without-observation", (burst, output) => bare.ProcessBurst(burst, output, rig),
            "tracing-off", (burst, output) => observed.ProcessBurst(burst, output, rig.Tables, rig.Interfaces),
            observed.MaxOutputPerPacket);
    }

    /// <summary>PpeGraph.ProcessBurst's plain loop, without the per-burst check that leads to the observed loop.</summary>
    private sealed class UnobservedDispatch(PpeGraph graph)
    {
        private readonly GraphNode[] _dispatch = graph.Nodes.Take(graph.Nodes.Count - 1).ToArray();
        private readonly InterfaceOutputNode _output = (InterfaceOutputNode)graph.Nodes[^1];

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public int ProcessBurst(ReadOnlySpan<uint> input, uint[] output, W rig)
        {
            var context = graph.Context;
            context.Tables = rig.Tables;
            context.Interfaces = rig.Interfaces;
            context.Policies = null;
            var entry = _dispatch[0].Input;
            input.CopyTo(entry.Buffers);
            entry.Count = input.Length;
            var nodes = _dispatch;
            for (var n = 0; n < nodes.Length; n++)
            {
                var node = nodes[n];
                var frame = node.Input;
                var count = frame.Count;
                if (count == 0)
                {
                    continue;
                }
                node.Calls++;
                node.Packets += count;
                node.Process(frame.Buffers, count);
                frame.Count = 0;
            }
            context.Counters.Packets += input.Length;
            context.Counters.Bursts++;
            return _output.Emit(output);
        }
    }
}
