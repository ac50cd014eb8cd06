using System.Diagnostics;
using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Graph.Nodes;
using ActorRouter.DataPlane.Interfaces;
using ActorRouter.Packets;

namespace ActorRouter.DataPlane.Graph;

/// <summary>
/// One armed packet trace (<c>debug packet-trace COUNT [interface NAME] [match FILTER]</c>), shared by
/// every PPE: the next <see cref="Limit"/> packets entering a graph that match are traced through every
/// node they pass. Each PPE records into its own preallocated <see cref="PacketTraceBuffer"/>; the only
/// shared writes are the claim of a packet number and of a child's number (interlocked, once per traced
/// packet). Packets a traced packet turns into (its fragments, the ICMP error about it) are traced too,
/// as its children, without counting against the limit.
/// </summary>
public sealed class PacketTraceSession
{
    /// <summary>Steps room per traced packet in a PPE's buffer: every node once, and its children's steps.</summary>
    public const int StepsPerPacket = 24;

    public const int MaxLimit = 1024;

    private readonly PacketTraceBuffer[] _buffers;
    private int _claimed;
    private int _nextId;

    /// <param name="interfaces">uIDB indices a packet must be received on (a physical interface with its subinterfaces); null: any.</param>
    public PacketTraceSession(int limit, bool[]? interfaces, string? interfaceName, PacketFilter filter, int ppes)
    {
        if (limit is < 1 or > MaxLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, $"a packet trace takes 1..{MaxLimit} packets");
        }
        Limit = limit;
        Interfaces = interfaces;
        InterfaceName = interfaceName;
        Filter = filter;
        Armed = DateTime.UtcNow;
        ArmedTicks = Stopwatch.GetTimestamp();
        _buffers = new PacketTraceBuffer[ppes];
        for (var i = 0; i < ppes; i++)
        {
            _buffers[i] = new PacketTraceBuffer(limit * StepsPerPacket);
        }
    }

    public int Limit { get; }
    public bool[]? Interfaces { get; }
    public string? InterfaceName { get; }
    public PacketFilter Filter { get; }
    public DateTime Armed { get; }
    public long ArmedTicks { get; }

    /// <summary>Packets traced so far (at most <see cref="Limit"/>).</summary>
    public int Traced => Math.Min(Volatile.Read(ref _claimed), Limit);

    public bool IsFull => Volatile.Read(ref _claimed) >= Limit;

    internal PacketTraceBuffer Buffer(int ppe) => _buffers[ppe];

    /// <summary>Takes one of the limit's packets: its number (1..), or 0 when the limit is reached.</summary>
    internal int ClaimPacket()
    {
        if (Volatile.Read(ref _claimed) >= Limit)
        {
            return 0;
        }
        if (Interlocked.Increment(ref _claimed) > Limit)
        {
            return 0;
        }
        return Interlocked.Increment(ref _nextId);
    }

    /// <summary>A number for a packet made from a traced one (not counted against the limit).</summary>
    internal int ClaimChild() => Interlocked.Increment(ref _nextId);

    /// <summary>
    /// The packets traced so far, ordered by number, with their steps in the order they happened.
    /// <paramref name="graphs"/>: the PPE graphs by index (node names); <paramref name="interfaces"/>: names for uIDB indices.
    /// </summary>
    public IReadOnlyList<TracedPacket> Read(IReadOnlyList<PpeGraph> graphs, UidbTable interfaces)
    {
        var byId = new SortedDictionary<int, (int Ppe, List<TraceStep> Steps)>();
        for (var ppe = 0; ppe < _buffers.Length; ppe++)
        {
            var buffer = _buffers[ppe];
            var count = Math.Min(Volatile.Read(ref buffer.Count), buffer.Steps.Length);
            for (var i = 0; i < count; i++)
            {
                var step = buffer.Steps[i];
                if (!byId.TryGetValue(step.PacketId, out var entry))
                {
                    entry = (ppe, new List<TraceStep>());
                    byId[step.PacketId] = entry;
                }
                entry.Steps.Add(step);
            }
        }
        var result = new List<TracedPacket>(byId.Count);
        foreach (var (id, (ppe, steps)) in byId)
        {
            var graph = graphs[ppe];
            var first = steps[0].Timestamp;
            var arrived = Armed + Stopwatch.GetElapsedTime(ArmedTicks, first);
            result.Add(new TracedPacket(id, steps[0].ParentId, $"ppe{ppe}", arrived,
                steps.Select(s => Describe(s, graph, interfaces, first)).ToList()));
        }
        return result;
    }

    /// <summary>Steps lost because a PPE's buffer was full (a packet with many children).</summary>
    public long LostSteps => _buffers.Sum(b => Volatile.Read(ref b.Lost));

    private static TracedPacketStep Describe(TraceStep s, PpeGraph graph, UidbTable interfaces, long first)
    {
        var node = graph.Nodes[s.Node];
        var next = s.Next switch
        {
            TraceStep.EndOfPath => "",
            TraceStep.Consumed => "",
            _ => node.NextNodes[s.Next],
        };
        string Name(int index) => interfaces[index]?.Name ?? $"uIDB {index}";
        var decision = (node.Name, next, s.Next) switch
        {
            (NodeNames.Drop, _, TraceStep.EndOfPath) => $"dropped: {(DropReason)s.Argument}",
            (NodeNames.Punt, _, TraceStep.EndOfPath) => $"punted: {(PuntReason)s.PuntReason}",
            (NodeNames.InterfaceOutput, _, TraceStep.EndOfPath) => $"output on {Name(s.Tx)}",
            (NodeNames.Ip4Frag, _, TraceStep.Consumed) => "fragmented (the original is released)",
            (_, _, TraceStep.Consumed) => "consumed",
            (_, _, TraceStep.EndOfPath) => "end",
            (_, NodeNames.Drop, _) => $"drop: {(DropReason)s.Argument}",
            (_, NodeNames.Ip4IcmpError, _) => $"icmp-error: {(IcmpErrorKind)s.Argument}",
            (_, NodeNames.Ip6IcmpError, _) => $"icmp6-error: {(Nodes.Icmpv6ErrorKind)(s.Argument & 0x7F)}",
            (_, NodeNames.Punt, _) when (PuntReason)s.PuntReason == PuntReason.Glean => $"punt: Glean for {Ipv4Address.Format(s.NextHop)}",
            (_, NodeNames.Punt, _) => $"punt: {(PuntReason)s.PuntReason}",
            (NodeNames.Ip4Lookup, _, _) => $"adjacency {s.NextHop} via {Name(s.Tx)}",
            (NodeNames.Ip4Frag, _, _) => $"fragment of packet {s.ParentId}",
            (NodeNames.Ip4IcmpError, NodeNames.InterfaceOutput, _) => $"ICMP error about packet {s.ParentId}",
            (NodeNames.Ip6Lookup, _, _) => $"adjacency {s.NextHop} via {Name(s.Tx)}",
            (NodeNames.Ip6IcmpError, NodeNames.InterfaceOutput, _) => $"ICMPv6 error about packet {s.ParentId}",
            _ => $"to {next}",
        };
        return new TracedPacketStep(
            node.Name,
            next,
            decision,
            (long)Stopwatch.GetElapsedTime(first, s.Timestamp).TotalNanoseconds,
            Name(s.Rx),
            EgressKnown(node.Name, next) ? Name(s.Tx) : null,
            s.IsIpv4 ? Ipv4Address.Format(s.Source) : s.IsIpv6 ? Fib.Ipv6Route.Format(s.Source6) : null,
            s.IsIpv4 ? Ipv4Address.Format(s.Destination) : s.IsIpv6 ? Fib.Ipv6Route.Format(s.Destination6) : null,
            s.IsIpv4 || s.IsIpv6 ? ProtocolName(s.Protocol) : $"ethertype 0x{s.EtherType:x4}",
            s.IsIpv4 || s.IsIpv6 ? s.Ttl : 0,
            s.IsIpv4 || s.IsIpv6 ? s.IpLength : 0,
            s.FrameLength,
            s.Vlan,
            s.TrafficClass);
    }

    /// <summary>The egress interface is chosen by ip4-lookup; before (and on paths that end elsewhere) it means nothing.</summary>
    private static bool EgressKnown(string node, string next) =>
        node is NodeNames.Classify or NodeNames.Ip4Rewrite or NodeNames.Ip4Frag or NodeNames.InterfaceOutput or NodeNames.Ip6Classify or NodeNames.Ip6Rewrite
        || (node == NodeNames.Ip4Lookup && next is NodeNames.Ip4Rewrite or NodeNames.Classify)
        || (node == NodeNames.Ip6Lookup && next is NodeNames.Ip6Rewrite or NodeNames.Ip6Classify)
        || (node is NodeNames.Ip4IcmpError or NodeNames.Ip6IcmpError && next == NodeNames.InterfaceOutput);

    private static string ProtocolName(byte protocol) => protocol switch
    {
        IpProtocols.Icmp => "icmp",
        IpProtocols.Icmpv6 => "icmp6",
        IpProtocols.Udp => "udp",
        IpProtocols.Tcp => "tcp",
        _ => protocol.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>One PPE's record of the steps of traced packets: written by that PPE only, read racily up to <see cref="Count"/>.</summary>
internal sealed class PacketTraceBuffer(int capacity)
{
    public readonly TraceStep[] Steps = new TraceStep[capacity];
    public int Count;
    public long Lost;
}

/// <summary>What a traced packet looked like as a node handed it on (or, at a sink, as the node took it).</summary>
internal struct TraceStep
{
    public const byte EndOfPath = 255;
    public const byte Consumed = 254;

    public int PacketId;
    public int ParentId;
    public long Timestamp;
    public uint Source;
    public uint Destination;
    public uint NextHop;
    public ushort Rx;
    public ushort Tx;
    public ushort FrameLength;
    public ushort IpLength;
    public ushort Vlan;
    public ushort EtherType;
    public byte Node;
    public byte Next;
    public byte Protocol;
    public byte Ttl;
    public byte TrafficClass;
    public byte Argument;
    public byte PuntReason;
    public bool IsIpv4;
    public bool IsIpv6;
    public UInt128 Source6;
    public UInt128 Destination6;
}

/// <summary>A traced packet: its number, the packet it was made from (0: none), the PPE that handled it, when it entered, and its steps.</summary>
public sealed record TracedPacket(int Id, int ParentId, string Thread, DateTime Arrived, IReadOnlyList<TracedPacketStep> Steps);

/// <summary>
/// One node a traced packet passed: where it went next (empty at the end of its path) and why, the
/// nanoseconds since the packet entered, and its key fields as the node left them.
/// </summary>
public sealed record TracedPacketStep(
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
