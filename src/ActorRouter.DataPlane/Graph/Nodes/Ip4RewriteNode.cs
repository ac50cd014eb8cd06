using ActorRouter.DataPlane.Forwarding;
using System.Runtime.CompilerServices;
using ActorRouter.DataPlane.Memory;
using ActorRouter.Packets;

namespace ActorRouter.DataPlane.Graph.Nodes;

/// <summary>
/// ip4-rewrite: the egress MTU check (too big: ip4-frag, or with DF ip4-icmp-error), then TTL minus
/// one with the checksum updated incrementally (RFC 1624) and the new Ethernet header written just
/// before the IP header: the adjacency's MAC, the egress interface's MAC, and an 802.1Q tag when the
/// egress is a subinterface (the headroom holds the four extra bytes).
/// </summary>
public sealed unsafe class Ip4RewriteNode : GraphNode
{
    public const int NextInterfaceOutput = 0, NextIp4Frag = 1, NextIcmpError = 2;
    private readonly PpeContext _context;

    public Ip4RewriteNode(PpeContext context)
        : base(NodeNames.Ip4Rewrite, NodeNames.InterfaceOutput, NodeNames.Ip4Frag, NodeNames.Ip4IcmpError)
        => _context = context;

    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected internal override void Process(uint[] buffers, int count)
    {
        var main = BeginMain(NextInterfaceOutput, out var mainCount);
        var context = _context;
        var gpm = context.Gpm.View;
        var adjacencies = context.Tables.Adjacencies.View;
        var interfaces = context.Interfaces;
        var mtus = interfaces.Mtus;
        var macs = interfaces.Macs;
        var vlans = interfaces.Vlans;
        // Pointers rather than indexes: the loop keeps its state in registers.
        fixed (uint* first = buffers, mainStart = main)
        {
            var next = mainStart + mainCount;
            for (uint* p = first, end = first + count; p < end; p++)
            {
                var buffer = *p;
                ref var meta = ref gpm.Meta(buffer);
                var frame = gpm.BufferPointer(buffer) + meta.Offset;
                var ipStart = frame + PpeContext.EthernetHeaderLength;
                var ip = Ipv4Header.Over(ipStart, meta.Length - PpeContext.EthernetHeaderLength);
                var egress = meta.TxInterface;
                if (ip.TotalLength > mtus[egress])
                {
                    if (ip.DontFragment)
                    {
                        meta.NodeArgument = (byte)Graph.Nodes.IcmpErrorKind.FragmentationNeeded;
                        Enqueue(NextIcmpError, buffer);
                        continue;
                    }
                    Enqueue(NextIp4Frag, buffer);
                    continue;
                }
                ip.DecrementTtl();
                var vlan = vlans[egress];
                var headerLength = PpeContext.EthernetLength(vlan);
                PpeContext.WriteEthernet(ipStart - headerLength, AdjacencyView.MacOf(adjacencies.Word(meta.NextHop)), macs[egress], vlan);
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
