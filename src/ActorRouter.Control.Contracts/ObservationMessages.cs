namespace ActorRouter.Control.Contracts;

// Observation of the data plane's graph of nodes: per-node runtime, packet trace and capture.

/// <summary><c>show platform runtime</c>: per PPE thread and node, calls, packets, packets per call and time per packet.</summary>
public sealed record ShowPlatformRuntimeRequest : IArctlRequest;

/// <summary><c>clear platform runtime</c>: zeroes the node counters and times.</summary>
public sealed record ClearPlatformRuntimeRequest : IArctlRequest;

/// <summary>
/// One node of one PPE thread, as VPP's <c>show runtime</c>: <paramref name="Calls"/> (vectors handled),
/// <paramref name="Packets"/>, their ratio, and the time per packet measured on the timed bursts
/// (<paramref name="TimedPackets"/> of them): <paramref name="NanosecondsPerPacket"/>, and the same in the
/// CPU's cycle counter's clocks (<see cref="PlatformRuntimeView.ClockSource"/>): <paramref name="ClocksPerPacket"/>.
/// </summary>
public sealed record NodeRuntimeView(string Node, long Calls, long Packets, double PacketsPerCall, long TimedPackets, double NanosecondsPerPacket,
    double ClocksPerPacket);

public sealed record ThreadRuntimeView(string Thread, IReadOnlyList<NodeRuntimeView> Nodes)
{
    public IReadOnlyList<NodeRuntimeView> Nodes { get; } = Nodes.ToList();
}

/// <param name="SampleInterval">One burst in this many is timed; calls and packets count every burst.</param>
/// <param name="ClockSource">The counter clocks are counted in: TSC (x86), cntvct (arm64) or ns.</param>
/// <param name="ClocksPerSecond">That counter's measured rate.</param>
public sealed record PlatformRuntimeView(int SampleInterval, string ClockSource, double ClocksPerSecond, IReadOnlyList<ThreadRuntimeView> Threads)
{
    public IReadOnlyList<ThreadRuntimeView> Threads { get; } = Threads.ToList();
}

/// <summary>
/// <c>debug packet-trace COUNT [interface NAME] [match FILTER]</c>: trace the next <paramref name="Count"/>
/// packets received on <paramref name="Interface"/> (null: any) that match <paramref name="Match"/> (null: all).
/// </summary>
public sealed record DebugPacketTraceRequest(int Count, string? Interface, string? Match) : IArctlRequest;

/// <summary><c>show packet-trace</c>.</summary>
public sealed record ShowPacketTraceRequest : IArctlRequest;

/// <summary><c>clear packet-trace</c>: disarms and forgets the trace.</summary>
public sealed record ClearPacketTraceRequest : IArctlRequest;

/// <summary>One node a traced packet passed (see the data plane's TracedPacketStep).</summary>
public sealed record TraceStepView(
    string Node,
    string Next,
    string Decision,
    long ElapsedNanoseconds,
    string ReceivedOn,
    string? Egress,
    string? Source,
    string? Destination,
    string Protocol,
    int Ttl,
    int IpLength,
    int FrameLength,
    int Vlan,
    int TrafficClass);

/// <param name="ParentId">The traced packet this one was made from (a fragment, an ICMP error); 0 for none.</param>
/// <param name="Arrived">UTC, ISO 8601 with fractions of a second.</param>
public sealed record TracedPacketView(int Id, int ParentId, string Thread, string Arrived, IReadOnlyList<TraceStepView> Steps)
{
    public IReadOnlyList<TraceStepView> Steps { get; } = Steps.ToList();
}

/// <param name="Armed">The data plane still looks for packets to trace.</param>
/// <param name="Limit">COUNT of the trace (0: no trace).</param>
/// <param name="LostSteps">Steps not recorded because a thread's trace buffer was full.</param>
public sealed record PacketTraceView(bool Armed, int Limit, int Traced, string? Interface, string? Match, long LostSteps, IReadOnlyList<TracedPacketView> Packets)
{
    public IReadOnlyList<TracedPacketView> Packets { get; } = Packets.ToList();
}

/// <summary>
/// <c>monitor capture NAME interface NAME in|out|both|drops [REASON] [match FILTER] [limit packets N | limit duration S] file PATH</c>:
/// defines (or redefines, while stopped) a capture. <paramref name="Direction"/>: in, out, both or drops;
/// <paramref name="DropReason"/> only with drops (null: every reason); <paramref name="Interface"/> "any" for every interface.
/// </summary>
public sealed record DefineCaptureRequest(string Name, string Interface, string Direction, string? DropReason, string? Match,
    long? LimitPackets, int? DurationSeconds, string File) : IArctlRequest;

/// <summary><c>monitor capture NAME start</c>.</summary>
public sealed record StartCaptureRequest(string Name) : IArctlRequest;

/// <summary><c>monitor capture NAME stop</c>: stops it and closes its file.</summary>
public sealed record StopCaptureRequest(string Name) : IArctlRequest;

/// <summary><c>show monitor capture</c>.</summary>
public sealed record ShowMonitorCaptureRequest : IArctlRequest;

/// <param name="State">defined, running or stopped.</param>
/// <param name="Copied">Frames the data plane copied into the capture rings.</param>
/// <param name="Written">Frames written to the file.</param>
/// <param name="CaptureDrops">Copies dropped because a capture ring was full (forwarding is never affected).</param>
/// <param name="StopReason">Why the last run ended (stopped by command, packet limit reached, duration elapsed); null while running or never run.</param>
public sealed record CaptureView(string Name, string Interface, string Direction, string? DropReason, string? Match, long? LimitPackets,
    int? DurationSeconds, string File, string State, long Copied, long Written, long CaptureDrops, long BytesWritten, string? StopReason);

public sealed record MonitorCaptureView(IReadOnlyList<CaptureView> Captures)
{
    public IReadOnlyList<CaptureView> Captures { get; } = Captures.ToList();
}
