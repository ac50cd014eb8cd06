using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using ActorRouter.DataPlane.Counters;
using ActorRouter.Packets;

namespace ActorRouter.DataPlane.Graph.Nodes;

/// <summary>
/// ethernet-input: the layer-2 gate. Drops, first, whatever arrives on an interface that is not up
/// (shut, or its port gone); then runts and unicast frames for another MAC. Demultiplexes 802.1Q:
/// an untagged frame belongs to the physical interface; a frame tagged with the VLAN of one of its
/// subinterfaces continues as received on that subinterface, with the tag removed (so every later
/// node, and the control plane for punted frames, sees a plain Ethernet header); any other tag
/// (unknown VLAN, an interface without subinterfaces, QinQ) is dropped. Then dispatches on the
/// EtherType: IPv4 on, IPv6 to ip6-input, ARP punted, the rest dropped.
/// </summary>
public sealed unsafe class EthernetInputNode : GraphNode
{
    public const int NextIp4Input = 0, NextPunt = 1, NextDrop = 2, NextIp6Input = 3;
    private readonly PpeContext _context;

    public EthernetInputNode(PpeContext context)
        : base(NodeNames.EthernetInput, NodeNames.Ip4Input, NodeNames.Punt, NodeNames.Drop, NodeNames.Ip6Input)
        => _context = context;

    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected internal override void Process(uint[] buffers, int count)
    {
        var main = BeginMain(NextIp4Input, out var mainCount);
        var context = _context;
        var gpm = context.Gpm.View;
        var interfaces = context.Interfaces;
        var up = interfaces.Up;
        var macs = interfaces.Macs;
        // Pointers rather than indexes, and one drop exit: the loop keeps its state in registers.
        fixed (uint* first = buffers, mainStart = main)
        {
            var next = mainStart + mainCount;
            for (uint* p = first, end = first + count; p < end; p++)
            {
                var buffer = *p;
                ref var meta = ref gpm.Meta(buffer);
                DropReason reason;
                int rx = meta.RxInterface;
                if (!up[rx])
                {
                    reason = DropReason.RxInterfaceDown;
                    goto drop;
                }
                int length = meta.Length;
                if (length < PpeContext.EthernetHeaderLength)
                {
                    reason = DropReason.RuntFrame;
                    goto drop;
                }
                var frame = gpm.BufferPointer(buffer) + meta.Offset;
                if ((frame[0] & 1) == 0 && PpeContext.ReadMac(frame) != macs[rx])
                {
                    reason = DropReason.NotForUs;
                    goto drop;
                }
                var etherType = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(frame + 12, 2));
                if (etherType == EtherTypes.Vlan)
                {
                    if (length < PpeContext.EthernetHeaderLength + PpeContext.VlanTagLength)
                    {
                        reason = DropReason.RuntFrame;
                        goto drop;
                    }
                    var sub = interfaces.FindSubinterface(rx, BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(frame + 14, 2)));
                    if (sub < 0)
                    {
                        reason = DropReason.UnknownVlan;
                        goto drop;
                    }
                    // Counted on the subinterface as received before its own state is judged, as the parent counted it.
                    context.Counters.Add(sub, InterfaceCounter.RxPackets, 1);
                    context.Counters.Add(sub, InterfaceCounter.RxBytes, length);
                    meta.RxInterface = (ushort)sub;
                    if (!up[sub])
                    {
                        reason = DropReason.RxInterfaceDown;
                        goto drop;
                    }
                    // Pop the tag: slide the two MAC addresses over it.
                    Buffer.MemoryCopy(frame, frame + PpeContext.VlanTagLength, 12, 12);
                    frame += PpeContext.VlanTagLength;
                    meta.Offset += PpeContext.VlanTagLength;
                    meta.Length = (ushort)(length - PpeContext.VlanTagLength);
                    etherType = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(frame + 12, 2));
                    if (etherType is EtherTypes.Vlan or EtherTypes.ServiceVlan or EtherTypes.LegacyQinQ)
                    {
                        reason = DropReason.UnknownVlan;
                        goto drop;
                    }
                }
                if (etherType == EtherTypes.Ipv4)
                {
                    *next++ = buffer;
                    continue;
                }
                if (etherType == EtherTypes.Ipv6)
                {
                    Enqueue(NextIp6Input, buffer);
                    continue;
                }
                if (etherType == EtherTypes.Arp)
                {
                    meta.PuntReason = (byte)PuntReason.Arp;
                    meta.NextHop = 0;
                    Enqueue(NextPunt, buffer);
                    continue;
                }
                reason = etherType switch
                {
                    EtherTypes.ServiceVlan or EtherTypes.LegacyQinQ => DropReason.UnknownVlan,
                    _ => DropReason.UnknownEtherType,
                };
            drop:
                Drop(buffer, ref meta, reason);
            }
            mainCount = (int)(next - mainStart);
        }
        EndMain(NextIp4Input, mainCount);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Drop(uint buffer, ref Memory.PacketMeta meta, DropReason reason)
    {
        meta.NodeArgument = (byte)reason;
        Enqueue(NextDrop, buffer);
    }
}
