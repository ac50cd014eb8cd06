using System.Runtime.CompilerServices;
using ActorRouter.DataPlane.Forwarding;
using ActorRouter.Packets;

namespace ActorRouter.DataPlane.Graph.Nodes;

/// <summary>
/// ip6-rewrite: the egress MTU check (IPv6 routers never fragment: too big goes to ip6-icmp-error for a Packet Too
/// Big, RFC 8200 §5), then hop limit minus one (no header checksum in IPv6) and the new Ethernet header written just
/// before the IPv6 header, tagged when the egress is a subinterface.
/// </summary>
public sealed unsafe class Ip6RewriteNode : GraphNode
{
    public const int NextInterfaceOutput = 0, NextIcmpError = 1;
    private readonly PpeContext _context;

    public Ip6RewriteNode(PpeContext context)
        : base(NodeNames.Ip6Rewrite, NodeNames.InterfaceOutput, NodeNames.Ip6IcmpError)
        => _context = context;

    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected internal override void Process(uint[] buffers, int count)
    {
        var main = BeginMain(NextInterfaceOutput, out var mainCount);
        var context = _context;
        var gpm = context.Gpm.View;
        var adjacencies = context.Tables.Ipv6!.Adjacencies.View;
        var interfaces = context.Interfaces;
        var mtus = interfaces.Mtus;
        var macs = interfaces.Macs;
        var vlans = interfaces.Vlans;
        fixed (uint* first = buffers, mainStart = main)
        {
            var next = mainStart + mainCount;
            for (uint* p = first, end = first + count; p < end; p++)
            {
                var buffer = *p;
                ref var meta = ref gpm.Meta(buffer);
                var ip = gpm.BufferPointer(buffer) + meta.Offset + PpeContext.EthernetHeaderLength;
                var egress = meta.TxInterface;
                if (meta.Length - PpeContext.EthernetHeaderLength > mtus[egress])
                {
                    meta.NodeArgument = (byte)Icmpv6ErrorKind.PacketTooBig;
                    Enqueue(NextIcmpError, buffer);
                    continue;
                }
                ip[7]--;
                var vlan = vlans[egress];
                var headerLength = PpeContext.EthernetLength(vlan);
                PpeContext.WriteEthernet(ip - headerLength, AdjacencyView.MacOf(adjacencies.Word(meta.NextHop)), macs[egress], vlan, EtherTypes.Ipv6);
                var shift = PpeContext.EthernetHeaderLength - headerLength;
                meta.Offset = (ushort)(meta.Offset + shift);
                meta.Length = (ushort)(meta.Length - shift);
                *next++ = buffer;
            }
            mainCount = (int)(next - mainStart);
        }
        EndMain(NextInterfaceOutput, mainCount);
    }
}
