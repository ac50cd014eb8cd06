using System.Diagnostics;
using System.Runtime.CompilerServices;
using ActorRouter.DataPlane.Graph.Nodes;

namespace ActorRouter.DataPlane.Graph;

/// <summary>Where in the graph a captured frame was copied.</summary>
public enum CapturePoint : byte
{
    /// <summary>Entering the graph, as received (802.1Q tag still on).</summary>
    In = 1,
    /// <summary>At interface-output, rewritten and about to leave.</summary>
    Out = 2,
    /// <summary>At the drop node, with its reason.</summary>
    Drop = 3,
}

/// <summary>
/// One running capture (<c>monitor capture NAME ... start</c>), shared by every PPE: which points,
/// which interfaces, which frames, how many. Each PPE copies matching frames into its own bounded
/// <see cref="CaptureRing"/>; a full ring drops the copy (counted), never the packet. A writer off the
/// fast path drains the rings into a file.
/// </summary>
public sealed class CaptureSession
{
    public const int DefaultSlotsPerPpe = 2048;

    private readonly CaptureRing[] _rings;
    private long _remaining;

    /// <param name="interfaces">uIDB indices (an interface with its subinterfaces); null: any.</param>
    /// <param name="dropReason">With <paramref name="drops"/>: only this reason (a <c>DropReason</c> value); null: every reason.</param>
    /// <param name="packetLimit">Stop copying after this many frames; 0: no limit.</param>
    public CaptureSession(string name, bool input, bool output, bool drops, byte? dropReason, bool[]? interfaces, PacketFilter filter,
        long packetLimit, int ppes, int snapLength, int slotsPerPpe = DefaultSlotsPerPpe)
    {
        if (!input && !output && !drops)
        {
            throw new ArgumentException("a capture needs at least one of in, out, drops");
        }
        Name = name;
        Input = input;
        Output = output;
        Drops = drops;
        DropReason = dropReason;
        Interfaces = interfaces;
        Filter = filter;
        PacketLimit = packetLimit;
        _remaining = packetLimit;
        Started = DateTime.UtcNow;
        StartedTicks = Stopwatch.GetTimestamp();
        _rings = new CaptureRing[ppes];
        for (var i = 0; i < ppes; i++)
        {
            _rings[i] = new CaptureRing(slotsPerPpe, snapLength);
        }
    }

    public string Name { get; }
    public bool Input { get; }
    public bool Output { get; }
    public bool Drops { get; }
    public byte? DropReason { get; }
    public bool[]? Interfaces { get; }
    public PacketFilter Filter { get; }
    public long PacketLimit { get; }
    public DateTime Started { get; }
    public long StartedTicks { get; }

    /// <summary>The rings by PPE index.</summary>
    public IReadOnlyList<CaptureRing> Rings => _rings;

    /// <summary>The packet limit is used up: no PPE copies any more.</summary>
    public bool LimitReached => PacketLimit > 0 && Volatile.Read(ref _remaining) <= 0;

    /// <summary>Frames copied into the rings.</summary>
    public long Copied => _rings.Sum(r => r.Written);

    /// <summary>Copies dropped because a ring was full.</summary>
    public long RingFullDrops => _rings.Sum(r => r.Drops);

    /// <summary>The wall-clock time of a <see cref="Stopwatch"/> timestamp taken during the capture.</summary>
    public DateTime WallClock(long timestamp) => Started + Stopwatch.GetElapsedTime(StartedTicks, timestamp);

    /// <summary>Takes one frame of the limit; false once it is used up.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TakeOne() => PacketLimit == 0 || (Volatile.Read(ref _remaining) > 0 && Interlocked.Decrement(ref _remaining) >= 0);

    internal CaptureTap Tap(PpeGraph graph, int ppe) => new(this, _rings[ppe], graph);
}

/// <summary>
/// A single-producer (one PPE), single-consumer (the writer) ring of captured frames: fixed slots of
/// <see cref="SnapLength"/> bytes in one preallocated array, each with its record. Full: the copy is
/// dropped and counted.
/// </summary>
public sealed class CaptureRing
{
    private readonly byte[] _data;
    private readonly CapturedFrame[] _frames;
    private readonly int _mask;
    private long _head;
    private long _tail;
    private long _drops;

    internal CaptureRing(int slots, int snapLength)
    {
        if (slots < 2 || (slots & (slots - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(slots), slots, "a power of two ≥ 2");
        }
        SnapLength = snapLength;
        _data = new byte[slots * snapLength];
        _frames = new CapturedFrame[slots];
        _mask = slots - 1;
    }

    public int SnapLength { get; }

    public int Capacity => _frames.Length;

    /// <summary>Frames written into the ring so far.</summary>
    public long Written => Volatile.Read(ref _head);

    public long Drops => Volatile.Read(ref _drops);

    /// <summary>Producer side: copies the frame, or counts a drop when the ring is full.</summary>
    internal unsafe void Write(byte* frame, int length, CapturePoint point, ushort interfaceIndex, byte reason)
    {
        var head = _head;
        if (head - Volatile.Read(ref _tail) >= _frames.Length)
        {
            _drops++;
            return;
        }
        var slot = (int)(head & _mask);
        var captured = Math.Min(length, SnapLength);
        new ReadOnlySpan<byte>(frame, captured).CopyTo(_data.AsSpan(slot * SnapLength, captured));
        _frames[slot] = new CapturedFrame(Stopwatch.GetTimestamp(), (ushort)length, (ushort)captured, point, interfaceIndex, reason);
        Volatile.Write(ref _head, head + 1);
    }

    /// <summary>Consumer side: hands every waiting frame to <paramref name="take"/> in order, then frees their slots; returns how many.</summary>
    public int Drain(Action<CapturedFrame, ReadOnlySpan<byte>> take)
    {
        var tail = _tail;
        var head = Volatile.Read(ref _head);
        var n = 0;
        for (; tail < head; tail++, n++)
        {
            var slot = (int)(tail & _mask);
            var frame = _frames[slot];
            take(frame, _data.AsSpan(slot * SnapLength, frame.CapturedLength));
        }
        Volatile.Write(ref _tail, tail);
        return n;
    }
}

/// <summary>A captured frame's record: when, how long on the wire and in the ring, where, on which uIDB, and a drop's reason.</summary>
public readonly record struct CapturedFrame(long Timestamp, ushort Length, ushort CapturedLength, CapturePoint Point, ushort Interface, byte DropReason);

/// <summary>One PPE's side of a capture: copies matching frames at the capture points into its ring.</summary>
internal sealed class CaptureTap
{
    private readonly CaptureSession _session;
    private readonly CaptureRing _ring;
    private readonly PpeGraph _graph;
    private readonly int _outputNode;
    private readonly int _dropNode;
    private readonly int _dropReason;

    public CaptureTap(CaptureSession session, CaptureRing ring, PpeGraph graph)
    {
        _session = session;
        _ring = ring;
        _graph = graph;
        _outputNode = session.Output ? IndexOf(graph, NodeNames.InterfaceOutput) : -1;
        _dropNode = session.Drops ? IndexOf(graph, NodeNames.Drop) : -1;
        _dropReason = session.DropReason ?? -1;
    }

    private static int IndexOf(PpeGraph graph, string name)
    {
        foreach (var node in graph.Nodes)
        {
            if (node.Name == name)
            {
                return node.Index;
            }
        }
        return -1;
    }

    /// <summary>Called with node <paramref name="n"/>'s input before the node runs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public unsafe void Tap(int n, uint[] buffers, int count)
    {
        CapturePoint point;
        if (n == 0 && _session.Input)
        {
            point = CapturePoint.In;
        }
        else if (n == _outputNode)
        {
            point = CapturePoint.Out;
        }
        else if (n == _dropNode)
        {
            point = CapturePoint.Drop;
        }
        else
        {
            return;
        }
        var gpm = _graph.Context.Gpm;
        var interfaces = _session.Interfaces;
        var filter = _session.Filter;
        for (var i = 0; i < count; i++)
        {
            var buffer = buffers[i];
            ref var meta = ref gpm.Meta(buffer);
            var frame = gpm.BufferPointer(buffer) + meta.Offset;
            int length = meta.Length;
            var where = point == CapturePoint.Out ? meta.TxInterface : meta.RxInterface;
            if (point == CapturePoint.Drop && _dropReason >= 0 && meta.NodeArgument != _dropReason)
            {
                continue;
            }
            if (interfaces is not null)
            {
                var on = point == CapturePoint.In
                    ? _graph.ReceivedOn(interfaces, where, frame, length)
                    : where < interfaces.Length && interfaces[where];
                if (!on)
                {
                    continue;
                }
            }
            if (!filter.Matches(frame, length) || !_session.TakeOne())
            {
                continue;
            }
            _ring.Write(frame, length, point, where, point == CapturePoint.Drop ? meta.NodeArgument : (byte)0);
        }
    }
}
