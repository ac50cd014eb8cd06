using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using ActorRouter.Packets;

namespace ActorRouter.DataPlane.Graph;

/// <summary>
/// Packet trace inside the dispatch loop, without touching the nodes: the burst's matching packets
/// are marked at the entry (a small table of buffer index → trace number, for this burst only);
/// around a node that has marked packets in its input, the graph notes how full the node's next
/// frames were and, after the node ran, looks only at what the node appended to them. A marked
/// buffer found there records a step (this node, that next node, the packet's key fields); a buffer
/// the node made (not in its input) that carries a marked packet's identity — a fragment of it, an
/// ICMP error quoting it — is marked as its child; a marked packet found in no next frame was
/// consumed by the node. Sinks (nodes without next nodes) record the end of the path before they run.
/// </summary>
public sealed partial class PpeGraph
{
    /// <summary>Traced packets (with their children) one burst can carry through the graph.</summary>
    private const int MaxTracedInFlight = 256;

    private readonly uint[] _tracedBuffers = new uint[MaxTracedInFlight];
    private readonly int[] _tracedIds = new int[MaxTracedInFlight];
    private readonly int[] _tracedParents = new int[MaxTracedInFlight];
    private readonly uint[] _tracedSources = new uint[MaxTracedInFlight];
    private readonly uint[] _tracedDestinations = new uint[MaxTracedInFlight];
    private readonly ushort[] _tracedIpIds = new ushort[MaxTracedInFlight];
    private readonly bool[] _tracedIsIpv4 = new bool[MaxTracedInFlight];
    private readonly UInt128[] _tracedSources6 = new UInt128[MaxTracedInFlight];
    private readonly UInt128[] _tracedDestinations6 = new UInt128[MaxTracedInFlight];
    private readonly bool[] _tracedIsIpv6 = new bool[MaxTracedInFlight];
    private readonly bool[] _tracedInInput = new bool[MaxTracedInFlight];
    private readonly bool[] _tracedFound = new bool[MaxTracedInFlight];
    private int _tracedCount;
    private int[] _arcCountsBefore = [];

    private void WireTrace()
    {
        var maxArcs = 0;
        foreach (var node in _nodes)
        {
            maxArcs = Math.Max(maxArcs, node.NextNodes.Count);
        }
        _arcCountsBefore = new int[maxArcs];
    }

    /// <summary>Marks the entry frame's packets that the session wants, while it has packets left.</summary>
    private unsafe void StartTraces(GraphTrace trace, NodeFrame entry)
    {
        var session = trace.Session;
        var gpm = Context.Gpm;
        var wanted = session.Interfaces;
        for (var i = 0; i < entry.Count && _tracedCount < MaxTracedInFlight; i++)
        {
            var buffer = entry.Buffers[i];
            ref var meta = ref gpm.Meta(buffer);
            var frame = gpm.BufferPointer(buffer) + meta.Offset;
            if (wanted is not null && !ReceivedOn(wanted, meta.RxInterface, frame, meta.Length))
            {
                continue;
            }
            if (!session.Filter.Matches(frame, meta.Length))
            {
                continue;
            }
            var id = session.ClaimPacket();
            if (id == 0)
            {
                return;
            }
            AddTraced(buffer, id, 0);
        }
    }

    /// <summary>
    /// Whether a frame received on physical uIDB <paramref name="rx"/> arrived on one of the
    /// <paramref name="wanted"/> interfaces: the physical one, or the subinterface its 802.1Q tag names.
    /// </summary>
    internal unsafe bool ReceivedOn(bool[] wanted, int rx, byte* frame, int length)
    {
        if ((uint)rx < (uint)wanted.Length && wanted[rx])
        {
            return true;
        }
        if (length >= 18 && BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(frame + 12, 2)) == EtherTypes.Vlan)
        {
            var sub = Context.Interfaces.FindSubinterface(rx, BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(frame + 14, 2)) & 0x0FFF);
            return sub >= 0 && sub < wanted.Length && wanted[sub];
        }
        return false;
    }

    private void AddTraced(uint buffer, int id, int parent)
    {
        var k = _tracedCount++;
        _tracedBuffers[k] = buffer;
        _tracedIds[k] = id;
        _tracedParents[k] = parent;
        _tracedIsIpv4[k] = ReadIdentity(buffer, out _tracedSources[k], out _tracedDestinations[k], out _tracedIpIds[k]);
        _tracedIsIpv6[k] = ReadIdentity6(buffer, out _tracedSources6[k], out _tracedDestinations6[k]);
        _tracedInInput[k] = false;
        _tracedFound[k] = false;
    }

    /// <summary>Flags the marked packets in a node's input; returns how many there are.</summary>
    private int MarkTracedInputs(uint[] buffers, int count)
    {
        var marked = 0;
        for (var k = 0; k < _tracedCount; k++)
        {
            _tracedInInput[k] = false;
            _tracedFound[k] = false;
            var buffer = _tracedBuffers[k];
            for (var i = 0; i < count; i++)
            {
                if (buffers[i] == buffer)
                {
                    _tracedInInput[k] = true;
                    marked++;
                    break;
                }
            }
        }
        return marked;
    }

    private void BeforeTracedNode(GraphTrace trace, int n, uint[] buffers, int count)
    {
        var next = _nextFrames[n];
        if (next.Length == 0)
        {
            // A sink: the path ends here; record the packet as the node takes it (a drop frees it).
            for (var k = 0; k < _tracedCount; k++)
            {
                if (_tracedInInput[k])
                {
                    Record(trace, k, n, TraceStep.EndOfPath, true);
                }
            }
            return;
        }
        for (var slot = 0; slot < next.Length; slot++)
        {
            _arcCountsBefore[slot] = next[slot].Count;
        }
    }

    private void AfterTracedNode(GraphTrace trace, int n, uint[] buffers, int count)
    {
        var next = _nextFrames[n];
        var inputTraced = _tracedCount;
        if (next.Length > 0)
        {
            for (var slot = 0; slot < next.Length; slot++)
            {
                var frame = next[slot];
                for (var i = _arcCountsBefore[slot]; i < frame.Count; i++)
                {
                    var buffer = frame.Buffers[i];
                    var k = FindTracedInput(buffer, inputTraced);
                    if (k >= 0 && SameIdentity(buffer, k))
                    {
                        _tracedFound[k] = true;
                        Record(trace, k, n, (byte)slot, true);
                        continue;
                    }
                    if (Contains(buffers, count, buffer))
                    {
                        continue;
                    }
                    // Made by this node: traced if it is a fragment of, or an ICMP error about, a marked input.
                    for (var p = 0; p < inputTraced; p++)
                    {
                        if (_tracedInInput[p] && IsChildOf(buffer, p))
                        {
                            if (_tracedCount < MaxTracedInFlight)
                            {
                                AddTraced(buffer, trace.Session.ClaimChild(), _tracedIds[p]);
                                Record(trace, _tracedCount - 1, n, (byte)slot, true);
                            }
                            break;
                        }
                    }
                }
            }
            for (var k = 0; k < inputTraced; k++)
            {
                if (_tracedInInput[k] && !_tracedFound[k])
                {
                    // Released by the node (ip4-frag keeps only the fragments): its buffer may already hold another packet.
                    Record(trace, k, n, TraceStep.Consumed, false);
                }
            }
        }
        // Forget the packets whose path ended here (at a sink, or consumed).
        var kept = 0;
        for (var k = 0; k < _tracedCount; k++)
        {
            if (k < inputTraced && _tracedInInput[k] && !_tracedFound[k])
            {
                continue;
            }
            if (kept != k)
            {
                _tracedBuffers[kept] = _tracedBuffers[k];
                _tracedIds[kept] = _tracedIds[k];
                _tracedParents[kept] = _tracedParents[k];
                _tracedSources[kept] = _tracedSources[k];
                _tracedDestinations[kept] = _tracedDestinations[k];
                _tracedIpIds[kept] = _tracedIpIds[k];
                _tracedIsIpv4[kept] = _tracedIsIpv4[k];
                _tracedSources6[kept] = _tracedSources6[k];
                _tracedDestinations6[kept] = _tracedDestinations6[k];
                _tracedIsIpv6[kept] = _tracedIsIpv6[k];
            }
            _tracedInInput[kept] = false;
            _tracedFound[kept] = false;
            kept++;
        }
        _tracedCount = kept;
    }

    private int FindTracedInput(uint buffer, int traced)
    {
        for (var k = 0; k < traced; k++)
        {
            if (_tracedInInput[k] && _tracedBuffers[k] == buffer)
            {
                return k;
            }
        }
        return -1;
    }

    private static bool Contains(uint[] buffers, int count, uint buffer)
    {
        for (var i = 0; i < count; i++)
        {
            if (buffers[i] == buffer)
            {
                return true;
            }
        }
        return false;
    }

    private bool SameIdentity(uint buffer, int k)
    {
        var isIpv4 = ReadIdentity(buffer, out var source, out var destination, out var ipId);
        if (isIpv4 != _tracedIsIpv4[k])
        {
            return false;
        }
        if (isIpv4)
        {
            return source == _tracedSources[k] && destination == _tracedDestinations[k] && ipId == _tracedIpIds[k];
        }
        var isIpv6 = ReadIdentity6(buffer, out var source6, out var destination6);
        return isIpv6 == _tracedIsIpv6[k] && (!isIpv6 || (source6 == _tracedSources6[k] && destination6 == _tracedDestinations6[k]));
    }

    /// <summary>A fragment carries its original's addresses and identification; an ICMP error quotes its original's header.</summary>
    private unsafe bool IsChildOf(uint buffer, int parent)
    {
        if (_tracedIsIpv6[parent])
        {
            // An ICMPv6 error quotes its original from the start of the IPv6 header.
            return LocateIp(buffer, EtherTypes.Ipv6, out var ip6, out var available6) && available6 >= Ipv6Header.Length + 8 + Ipv6Header.Length
                && ip6[6] == IpProtocols.Icmpv6 && ip6[Ipv6Header.Length] < 128
                && BinaryPrimitives.ReadUInt128BigEndian(new ReadOnlySpan<byte>(ip6 + Ipv6Header.Length + 8 + 8, 16)) == _tracedSources6[parent]
                && BinaryPrimitives.ReadUInt128BigEndian(new ReadOnlySpan<byte>(ip6 + Ipv6Header.Length + 8 + 24, 16)) == _tracedDestinations6[parent];
        }
        if (!_tracedIsIpv4[parent] || !LocateIpv4(buffer, out var ip, out var available))
        {
            return false;
        }
        var source = BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(ip + 12, 4));
        var destination = BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(ip + 16, 4));
        var ipId = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(ip + 4, 2));
        if (source == _tracedSources[parent] && destination == _tracedDestinations[parent] && ipId == _tracedIpIds[parent])
        {
            return true;
        }
        var headerLength = (ip[0] & 0x0F) * 4;
        if (ip[9] != IpProtocols.Icmp || available < headerLength + 8 + 20)
        {
            return false;
        }
        var quoted = ip + headerLength + 8;
        return BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(quoted + 12, 4)) == _tracedSources[parent]
            && BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(quoted + 16, 4)) == _tracedDestinations[parent]
            && BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(quoted + 4, 2)) == _tracedIpIds[parent];
    }

    private unsafe bool ReadIdentity(uint buffer, out uint source, out uint destination, out ushort ipId)
    {
        if (!LocateIpv4(buffer, out var ip, out _))
        {
            source = destination = 0;
            ipId = 0;
            return false;
        }
        source = BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(ip + 12, 4));
        destination = BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(ip + 16, 4));
        ipId = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(ip + 4, 2));
        return true;
    }

    private unsafe bool ReadIdentity6(uint buffer, out UInt128 source, out UInt128 destination)
    {
        if (!LocateIp(buffer, EtherTypes.Ipv6, out var ip, out _))
        {
            source = destination = 0;
            return false;
        }
        source = BinaryPrimitives.ReadUInt128BigEndian(new ReadOnlySpan<byte>(ip + 8, 16));
        destination = BinaryPrimitives.ReadUInt128BigEndian(new ReadOnlySpan<byte>(ip + 24, 16));
        return true;
    }

    /// <summary>The IPv4 header of the frame in <paramref name="buffer"/> (after at most one 802.1Q tag), and the bytes from it to the frame's end.</summary>
    private unsafe bool LocateIpv4(uint buffer, out byte* ip, out int available) => LocateIp(buffer, EtherTypes.Ipv4, out ip, out available);

    /// <summary>The IP header (of the version <paramref name="etherType"/> names) of the frame in <paramref name="buffer"/>, after at most one 802.1Q tag.</summary>
    private unsafe bool LocateIp(uint buffer, ushort etherType, out byte* ip, out int available)
    {
        var gpm = Context.Gpm;
        ref var meta = ref gpm.Meta(buffer);
        var frame = gpm.BufferPointer(buffer) + meta.Offset;
        int length = meta.Length;
        var l3 = 14;
        ip = null;
        available = 0;
        if (length < l3)
        {
            return false;
        }
        var type = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(frame + 12, 2));
        if (type == EtherTypes.Vlan && length >= 18)
        {
            l3 = 18;
            type = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(frame + 16, 2));
        }
        var ipv6 = etherType == EtherTypes.Ipv6;
        if (type != etherType || length < l3 + (ipv6 ? Ipv6Header.Length : 20) || frame[l3] >> 4 != (ipv6 ? 6 : 4))
        {
            return false;
        }
        ip = frame + l3;
        available = length - l3;
        return true;
    }

    /// <summary>Appends a step for marked packet <paramref name="k"/> at node <paramref name="n"/> to this PPE's trace buffer.</summary>
    private unsafe void Record(GraphTrace trace, int k, int n, byte next, bool fromBuffer)
    {
        var record = trace.Buffer;
        var index = record.Count;
        if (index >= record.Steps.Length)
        {
            record.Lost++;
            return;
        }
        ref var step = ref record.Steps[index];
        step = default;
        step.PacketId = _tracedIds[k];
        step.ParentId = _tracedParents[k];
        step.Timestamp = Stopwatch.GetTimestamp();
        step.Node = (byte)n;
        step.Next = next;
        if (!fromBuffer)
        {
            step.IsIpv4 = _tracedIsIpv4[k];
            step.Source = _tracedSources[k];
            step.Destination = _tracedDestinations[k];
            step.IsIpv6 = _tracedIsIpv6[k];
            step.Source6 = _tracedSources6[k];
            step.Destination6 = _tracedDestinations6[k];
            step.Tx = ushort.MaxValue;
            Volatile.Write(ref record.Count, index + 1);
            return;
        }
        var buffer = _tracedBuffers[k];
        var gpm = Context.Gpm;
        ref var meta = ref gpm.Meta(buffer);
        step.Rx = meta.RxInterface;
        step.Tx = meta.TxInterface;
        step.FrameLength = meta.Length;
        step.Argument = meta.NodeArgument;
        step.PuntReason = meta.PuntReason;
        step.TrafficClass = meta.TrafficClass;
        step.NextHop = meta.NextHop;
        var frame = gpm.BufferPointer(buffer) + meta.Offset;
        if (meta.Length >= 14)
        {
            step.EtherType = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(frame + 12, 2));
            if (step.EtherType == EtherTypes.Vlan && meta.Length >= 18)
            {
                step.Vlan = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(frame + 14, 2)) & 0x0FFF);
                step.EtherType = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(frame + 16, 2));
            }
        }
        if (LocateIpv4(buffer, out var ip, out _))
        {
            step.IsIpv4 = true;
            step.Source = BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(ip + 12, 4));
            step.Destination = BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(ip + 16, 4));
            step.Protocol = ip[9];
            step.Ttl = ip[8];
            step.IpLength = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(ip + 2, 2));
        }
        else if (LocateIp(buffer, EtherTypes.Ipv6, out var ip6, out _))
        {
            step.IsIpv6 = true;
            step.Source6 = BinaryPrimitives.ReadUInt128BigEndian(new ReadOnlySpan<byte>(ip6 + 8, 16));
            step.Destination6 = BinaryPrimitives.ReadUInt128BigEndian(new ReadOnlySpan<byte>(ip6 + 24, 16));
            step.Protocol = ip6[6];
            step.Ttl = ip6[7];
            step.IpLength = (ushort)(Ipv6Header.Length + BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(ip6 + 4, 2)));
        }
        Volatile.Write(ref record.Count, index + 1);
    }
}
