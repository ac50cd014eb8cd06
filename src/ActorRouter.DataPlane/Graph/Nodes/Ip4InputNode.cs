using System.Runtime.CompilerServices;
using ActorRouter.DataPlane.Counters;
using ActorRouter.Packets;

namespace ActorRouter.DataPlane.Graph.Nodes;

/// <summary>
/// ip4-input: RFC 1812 §5.2.2 header validation (length, version, IHL, checksum, total length),
/// trimming of Ethernet padding, and §5.3.7 martian filtering; the limited broadcast is punted; a
/// multicast destination goes to ip4-mcast when multicast routing is on (dropped otherwise).
/// A packet passed on carries its destination in <c>PacketMeta.NextHop</c> for ip4-lookup, and in
/// <c>PacketMeta.NodeArgument</c> whether it came as a link-layer broadcast or multicast and whether its TTL is spent.
/// </summary>
public sealed unsafe class Ip4InputNode : GraphNode
{
    public const int NextIp4Lookup = 0, NextPunt = 1, NextDrop = 2, NextIp4Mcast = 3;
    private readonly PpeContext _context;

    public Ip4InputNode(PpeContext context)
        : base(NodeNames.Ip4Input, NodeNames.Ip4Lookup, NodeNames.Punt, NodeNames.Drop, NodeNames.Ip4Mcast)
        => _context = context;

    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected internal override void Process(uint[] buffers, int count)
    {
        var main = BeginMain(NextIp4Lookup, out var mainCount);
        var gpm = _context.Gpm.View;
        var fib = _context.Tables.Fib;
        // Pointers rather than indexes, and one drop exit: the loop keeps its state in registers (the header checks
        // need every one the CPU has).
        fixed (uint* first = buffers, mainStart = main)
        {
            var next = mainStart + mainCount;
            for (uint* p = first, end = first + count; p < end; p++)
            {
                var buffer = *p;
                ref var meta = ref gpm.Meta(buffer);
                var l3Length = meta.Length - PpeContext.EthernetHeaderLength;
                if (l3Length < Ipv4Header.MinimumLength)
                {
                    Drop(buffer, ref meta, DropReason.Ipv4Truncated);
                    continue;
                }
                var frame = gpm.BufferPointer(buffer) + meta.Offset;
                var ip = Ipv4Header.Over(frame + PpeContext.EthernetHeaderLength, l3Length);
                if (ip.Version != 4)
                {
                    Drop(buffer, ref meta, DropReason.Ipv4BadVersion);
                    continue;
                }
                var headerLength = ip.HeaderLength;
                if (headerLength < Ipv4Header.MinimumLength)
                {
                    Drop(buffer, ref meta, DropReason.Ipv4BadHeaderLength);
                    continue;
                }
                if (headerLength > l3Length)
                {
                    Drop(buffer, ref meta, DropReason.Ipv4Truncated);
                    continue;
                }
                if (!ip.IsChecksumValid)
                {
                    Drop(buffer, ref meta, DropReason.Ipv4BadChecksum);
                    continue;
                }
                int totalLength = ip.TotalLength;
                if (totalLength < headerLength)
                {
                    Drop(buffer, ref meta, DropReason.Ipv4BadTotalLength);
                    continue;
                }
                if (totalLength > l3Length)
                {
                    Drop(buffer, ref meta, DropReason.Ipv4Truncated);
                    continue;
                }
                // Ethernet pads short frames; the IP total length is the truth from here on.
                meta.Length = (ushort)(PpeContext.EthernetHeaderLength + totalLength);

                // RFC 1812 §5.3.7 martian filtering.
                var sourceTop = ip.Source >> 24;
                if (sourceTop == 0 || sourceTop == 127 || sourceTop >= 224)
                {
                    Drop(buffer, ref meta, DropReason.MartianSource);
                    continue;
                }
                var destination = ip.Destination;
                var destinationTop = destination >> 24;
                if (destination == 0xFFFFFFFFu)
                {
                    meta.PuntReason = (byte)PuntReason.ForUs;
                    meta.NextHop = 0;
                    Enqueue(NextPunt, buffer);
                    continue;
                }
                if (destinationTop >= 224)
                {
                    // Read here, on the rare path, not kept in a register across the loop (the header checks need them all).
                    if (destinationTop < 240 && _context.Multicast.Current.Routing)
                    {
                        // 224/4 with ip multicast-routing on: ip4-mcast decides (punt IGMP, RPF, replicate).
                        Enqueue(NextIp4Mcast, buffer);
                        continue;
                    }
                    Drop(buffer, ref meta, destinationTop < 240 ? DropReason.MulticastUnsupported : DropReason.MartianDestination);
                    continue;
                }
                if (destinationTop == 0 || destinationTop == 127)
                {
                    Drop(buffer, ref meta, DropReason.MartianDestination);
                    continue;
                }
                // ip4-lookup's key and the two facts it needs from the frame, where it reads them without going back to
                // the packet (each pass over a burst's frames costs cache misses: buffers 2 KiB apart share few L1 sets).
                meta.NextHop = destination;
                // Start loading the FIB line ip4-lookup will need: the miss overlaps the next packets' checks.
                fib.Prefetch(destination);
                meta.NodeArgument = (byte)(((frame[0] & 1) != 0 ? Ip4LookupNode.LinkGroupFlag : 0) | (ip.Ttl <= 1 ? Ip4LookupNode.TtlExpiresFlag : 0));
                *next++ = buffer;
            }
            mainCount = (int)(next - mainStart);
        }
        EndMain(NextIp4Lookup, mainCount);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Drop(uint buffer, ref Memory.PacketMeta meta, DropReason reason)
    {
        meta.NodeArgument = (byte)reason;
        Enqueue(NextDrop, buffer);
    }
}
