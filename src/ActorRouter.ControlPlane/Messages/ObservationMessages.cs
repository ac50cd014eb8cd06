using ActorRouter.DataPlane.Graph;
using ActorRouter.IO.Native;

namespace ActorRouter.ControlPlane.Messages;

// What the command gateway asks the QFP client about the PPE graphs' runtime, packet trace and capture.

/// <summary>Answered with <see cref="PlatformRuntime"/>.</summary>
public sealed record ReadPlatformRuntime
{
    public static readonly ReadPlatformRuntime Instance = new();
}

/// <summary>Every PPE thread's nodes with their runtime, in dispatch order; <paramref name="Clock"/>: the cycle counter clocks per packet are counted in.</summary>
public sealed record PlatformRuntime(int SampleInterval, CycleCounterRate Clock, IReadOnlyList<ThreadNodeRuntime> Threads);

public sealed record ThreadNodeRuntime(string Thread, IReadOnlyList<NodeRuntime> Nodes);

/// <summary>Zeroes the node counters and times; answered with <see cref="ObservationDone"/>.</summary>
public sealed record ClearPlatformRuntime
{
    public static readonly ClearPlatformRuntime Instance = new();
}

/// <summary>Arms a packet trace (replacing any); answered with <see cref="ObservationDone"/> or <see cref="ObservationRefused"/>.</summary>
/// <param name="InterfaceIndex">uIDB the packets must be received on (with its subinterfaces); null: any.</param>
public sealed record ArmPacketTrace(int Count, int? InterfaceIndex, PacketFilter Filter);

/// <summary>Answered with <see cref="PacketTraceReading"/>.</summary>
public sealed record ReadPacketTrace
{
    public static readonly ReadPacketTrace Instance = new();
}

/// <param name="Limit">0 when no trace was armed (or it was cleared).</param>
public sealed record PacketTraceReading(bool Armed, int Limit, int Traced, string? Interface, string? Match, long LostSteps, IReadOnlyList<TracedPacket> Packets);

/// <summary>Disarms and forgets the packet trace; answered with <see cref="ObservationDone"/>.</summary>
public sealed record ClearPacketTrace
{
    public static readonly ClearPacketTrace Instance = new();
}

public sealed record ObservationDone(string Message);

public sealed record ObservationRefused(string Reason);

/// <summary>Defines (or redefines, while not running) a capture; answered with <see cref="ObservationDone"/> or <see cref="ObservationRefused"/>.</summary>
/// <param name="InterfaceIndex">null: any interface.</param>
/// <param name="Path">The file's full path, already confined to the capture directory.</param>
public sealed record DefineCapture(string Name, int? InterfaceIndex, string InterfaceName, bool Input, bool Output, bool Drops, byte? DropReason,
    PacketFilter Filter, long LimitPackets, TimeSpan? Duration, string Path);

/// <summary>Answered with <see cref="ObservationDone"/> or <see cref="ObservationRefused"/>.</summary>
public sealed record StartCapture(string Name);

/// <summary>Answered, once the file is complete and closed, with <see cref="ObservationDone"/> or <see cref="ObservationRefused"/>.</summary>
public sealed record StopCapture(string Name);

/// <summary>Answered with <see cref="CaptureList"/>.</summary>
public sealed record ReadCaptures
{
    public static readonly ReadCaptures Instance = new();
}

public sealed record CaptureStatus(DefineCapture Definition, string State, long Copied, long Written, long CaptureDrops, long BytesWritten, string? StopReason);

public sealed record CaptureList(IReadOnlyList<CaptureStatus> Captures);
