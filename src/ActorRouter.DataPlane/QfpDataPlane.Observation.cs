using ActorRouter.DataPlane.Graph;

namespace ActorRouter.DataPlane;

/// <summary>
/// Observation of the PPE graphs beyond counters: per-node runtime, packet trace and capture. Arming
/// installs an immutable set of taps on every PPE graph with one reference write each; the graphs
/// pick it up at their next burst.
/// </summary>
public sealed partial class QfpDataPlane
{
    private readonly object _observationLock = new();
    private PacketTraceSession? _trace;
    private CaptureSession? _capture;

    /// <summary>The PPE graphs, by PPE index.</summary>
    public IReadOnlyList<PpeGraph> Graphs => GraphThreads.Select(t => t.Graph).ToList();

    /// <summary><c>show platform runtime</c>: every PPE's nodes, in dispatch order (racy reading).</summary>
    public IReadOnlyList<(string Thread, IReadOnlyList<NodeRuntime> Nodes)> ReadRuntime() =>
        GraphThreads.Select(t => (t.Name, t.Graph.ReadRuntime())).ToList();

    /// <summary><c>clear platform runtime</c>.</summary>
    public void ClearRuntime()
    {
        foreach (var (_, graph) in GraphThreads)
        {
            graph.ClearRuntime();
        }
    }

    /// <summary>
    /// The set of uIDBs "received on / leaving by <paramref name="index"/>" stands for: the interface
    /// itself and, for a physical interface, its subinterfaces.
    /// </summary>
    public bool[] InterfaceSet(int index)
    {
        var set = new bool[Options.MaxInterfaces];
        set[index] = true;
        foreach (var uidb in Interfaces.All)
        {
            if (uidb.ParentIndex == index)
            {
                set[uidb.Index] = true;
            }
        }
        return set;
    }

    /// <summary>
    /// <c>debug packet-trace</c>: replaces any trace with a new one for the next <paramref name="limit"/>
    /// packets received on <paramref name="interfaceIndex"/> (null: any) that match <paramref name="filter"/>.
    /// </summary>
    public PacketTraceSession ArmPacketTrace(int limit, int? interfaceIndex, PacketFilter filter)
    {
        if (interfaceIndex is int i && Interfaces[i] is null)
        {
            throw new DataPlaneCommandException($"no uIDB with index {i}");
        }
        var session = new PacketTraceSession(limit, interfaceIndex is int index ? InterfaceSet(index) : null,
            interfaceIndex is int named ? Interfaces[named]!.Name : null, filter, GraphThreads.Count);
        lock (_observationLock)
        {
            _trace = session;
            InstallObservers();
        }
        return session;
    }

    /// <summary>The current (or last) packet trace; a full one is taken off the graphs, so they stop looking.</summary>
    public PacketTraceSession? PacketTrace
    {
        get
        {
            lock (_observationLock)
            {
                if (_trace is { IsFull: true } && GraphThreads.Any(p => p.Graph.Observers?.Trace is { } t && ReferenceEquals(t.Session, _trace)))
                {
                    InstallObservers();
                }
                return _trace;
            }
        }
    }

    /// <summary>Whether the graphs still look for packets to trace.</summary>
    public bool PacketTraceArmed
    {
        get
        {
            lock (_observationLock)
            {
                return _trace is { IsFull: false };
            }
        }
    }

    /// <summary><c>clear packet-trace</c>: disarms and forgets the trace.</summary>
    public void ClearPacketTrace()
    {
        lock (_observationLock)
        {
            _trace = null;
            InstallObservers();
        }
    }

    /// <summary>
    /// <c>monitor capture NAME start</c>: taps every PPE graph for <paramref name="session"/>. One
    /// capture runs at a time; a second is refused until the first stops.
    /// </summary>
    public void StartCapture(CaptureSession session)
    {
        lock (_observationLock)
        {
            if (_capture is not null)
            {
                throw new DataPlaneCommandException($"capture {_capture.Name} is running; stop it first (one capture runs at a time)");
            }
            if (session.Rings.Count != GraphThreads.Count)
            {
                throw new DataPlaneCommandException($"the capture has {session.Rings.Count} rings for {GraphThreads.Count} graph threads");
            }
            _capture = session;
            InstallObservers();
        }
    }

    /// <summary>Takes <paramref name="session"/>'s taps off the graphs (a PPE in the middle of a burst may still copy one more burst).</summary>
    public void StopCapture(CaptureSession session)
    {
        lock (_observationLock)
        {
            if (ReferenceEquals(_capture, session))
            {
                _capture = null;
                InstallObservers();
            }
        }
    }

    /// <summary>The capture running now, or null.</summary>
    public CaptureSession? RunningCapture
    {
        get
        {
            lock (_observationLock)
            {
                return _capture;
            }
        }
    }

    /// <summary>Builds each PPE's taps from the armed trace and capture (a full trace no longer taps).</summary>
    private void InstallObservers()
    {
        var trace = _trace is { IsFull: false } t ? t : null;
        var capture = _capture;
        for (var i = 0; i < GraphThreads.Count; i++)
        {
            var graph = GraphThreads[i].Graph;
            var graphTrace = trace is null ? null : new GraphTrace(trace, trace.Buffer(i));
            var tap = capture?.Tap(graph, i);
            graph.Observers = graphTrace is null && tap is null ? null : new GraphObservers(graphTrace, tap);
        }
    }
}
