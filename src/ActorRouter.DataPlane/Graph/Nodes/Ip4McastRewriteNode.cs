using System.Runtime.CompilerServices;
using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Memory;
using ActorRouter.Packets;

namespace ActorRouter.DataPlane.Graph.Nodes;

/// <summary>
/// ip4-mcast-rewrite: output processing of one multicast copy back from the recycle path, for the outgoing
/// interface ip4-mcast left in <c>PacketMeta.NextHop</c>: the interface must still be up; a copy larger than
/// its MTU is dropped and counted (multicast copies are not fragmented); the interface's output service
/// policy classifies and marks it (as classify does for unicast); TTL minus one with the checksum updated
/// (RFC 1624); and the Ethernet header to the group's mapped MAC, 01:00:5e and the group's low 23 bits
/// (RFC 1112 §6.4), from the interface's MAC, tagged for a subinterface. The HQF then queues it as any packet.
/// </summary>
public sealed unsafe class Ip4McastRewriteNode : GraphNode
{
    public const int NextInterfaceOutput = 0, NextDrop = 1;

    /// <summary>01:00:5e:00:00:00, the IPv4 multicast MAC block (RFC 1112 §6.4).</summary>
    public const ulong MulticastMacBase = 0x01005E000000UL;

    private readonly PpeContext _context;

    public Ip4McastRewriteNode(PpeContext context)
        : base(NodeNames.Ip4McastRewrite, NodeNames.InterfaceOutput, NodeNames.Drop)
        => _context = context;

    /// <summary>The Ethernet address IPv4 group <paramref name="group"/> maps to.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong MacOf(uint group) => MulticastMacBase | (group & 0x7FFFFFu);

    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected internal override void Process(uint[] buffers, int count)
    {
        var context = _context;
        var gpm = context.Gpm.View;
        var interfaces = context.Interfaces;
        var up = interfaces.Up;
        var mtus = interfaces.Mtus;
        var macs = interfaces.Macs;
        var vlans = interfaces.Vlans;
        var policies = context.Policies;
        for (var i = 0; i < count; i++)
        {
            var buffer = buffers[i];
            ref var meta = ref gpm.Meta(buffer);
            var egress = meta.NextHop;
            if (egress >= (uint)up.Length || !up[egress])
            {
                Drop(buffer, ref meta, DropReason.InterfaceDown);
                continue;
            }
            var ipStart = gpm.BufferPointer(buffer) + meta.Offset + PpeContext.EthernetHeaderLength;
            var ip = Ipv4Header.Over(ipStart, meta.Length - PpeContext.EthernetHeaderLength);
            if (ip.TotalLength > mtus[egress])
            {
                Drop(buffer, ref meta, DropReason.MulticastTooBig);
                continue;
            }
            meta.TxInterface = (ushort)egress;
            // The class shares its byte with the recycle count: from here the copy goes to a physical egress only.
            meta.TrafficClass = policies?[egress] is { } policy ? policy.ClassifyAndMark(ip, meta.RxInterface) : (byte)0;
            ip.DecrementTtl();
            var vlan = vlans[egress];
            var headerLength = PpeContext.EthernetLength(vlan);
            PpeContext.WriteEthernet(ipStart - headerLength, MacOf(ip.Destination), macs[egress], vlan);
            var shift = PpeContext.EthernetHeaderLength - headerLength;
            meta.Offset = (ushort)(meta.Offset + shift);
            meta.Length = (ushort)(meta.Length - shift);
            Enqueue(NextInterfaceOutput, buffer);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Drop(uint buffer, ref PacketMeta meta, DropReason reason)
    {
        meta.NodeArgument = (byte)reason;
        Enqueue(NextDrop, buffer);
    }
}
