using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Memory;
using ActorRouter.Packets;

namespace ActorRouter.DataPlane.Graph.Nodes;

/// <summary>
/// ip4-frag: RFC 791 fragmentation of packets larger than the egress MTU (DF clear) into fresh
/// buffers: data in multiples of 8 bytes, all options in the first fragment and only the copied ones
/// after it, MF on all but the last (which keeps the original's MF), offsets relative to the
/// original's, each fragment with TTL minus one, its own checksum and the egress Ethernet header
/// (tagged for a subinterface). The original buffer is released. A packet whose fragments would need
/// an offset beyond the 13-bit field (8191 units of 8 bytes) is dropped and counted.
/// </summary>
public sealed unsafe class Ip4FragNode : GraphNode
{
    public const int NextInterfaceOutput = 0, NextDrop = 1;
    /// <summary>Largest value of the 13-bit fragment offset field.</summary>
    public const int MaxFragmentOffset = 0x1FFF;
    private readonly PpeContext _context;

    public Ip4FragNode(PpeContext context)
        : base(NodeNames.Ip4Frag, NodeNames.InterfaceOutput, NodeNames.Drop)
        => _context = context;

    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected internal override void Process(uint[] buffers, int count)
    {
        for (var i = 0; i < count; i++)
        {
            Fragment(buffers[i]);
        }
    }

    private void Fragment(uint buffer)
    {
        var context = _context;
        var gpm = context.Gpm;
        var cache = context.Cache;
        var interfaces = context.Interfaces;
        ref var meta = ref gpm.Meta(buffer);
        var egress = meta.TxInterface;
        var mtu = interfaces.Mtus[egress];
        var vlan = interfaces.Vlans[egress];
        var sourceMac = interfaces.Macs[egress];
        var destinationMac = context.Tables.Adjacencies[meta.NextHop].Mac;
        var ipStart = gpm.BufferPointer(buffer) + meta.Offset + PpeContext.EthernetHeaderLength;
        var ip = Ipv4Header.Over(ipStart, meta.Length - PpeContext.EthernetHeaderLength);
        var headerLength = ip.HeaderLength;
        int totalLength = ip.TotalLength;
        var flagsOffset = ip.FlagsAndFragmentOffset;
        var originalMoreFragments = (flagsOffset & 0x2000) != 0;
        var originalOffset = flagsOffset & MaxFragmentOffset;
        var payload = ipStart + headerLength;
        var payloadLength = totalLength - headerLength;

        // Options a non-first fragment carries: those with the copied flag.
        Span<byte> laterOptions = stackalloc byte[40];
        var laterOptionsLength = CopiedOptions(new ReadOnlySpan<byte>(ipStart + 20, headerLength - 20), laterOptions);
        var laterHeaderLength = 20 + ((laterOptionsLength + 3) & ~3);
        if (mtu - headerLength < 8 || mtu - laterHeaderLength < 8)
        {
            Drop(buffer, ref meta, DropReason.FragmentationNeeded);
            return;
        }
        // The last fragment's offset, before anything is allocated.
        var firstRoom = (mtu - headerLength) & ~7;
        var laterRoom = (mtu - laterHeaderLength) & ~7;
        var lastStart = payloadLength <= firstRoom ? 0 : firstRoom + (payloadLength - firstRoom - 1) / laterRoom * laterRoom;
        if (originalOffset + (lastStart >> 3) > MaxFragmentOffset)
        {
            Drop(buffer, ref meta, DropReason.FragmentOffsetOverflow);
            return;
        }

        var made = 0;
        var offset = 0;
        var first = true;
        while (offset < payloadLength)
        {
            var thisHeaderLength = first ? headerLength : laterHeaderLength;
            var chunk = Math.Min(first ? firstRoom : laterRoom, payloadLength - offset);
            var last = offset + chunk >= payloadLength;
            if (!cache.TryAllocate(out var fragment))
            {
                // Nothing of this packet leaves: the fragments made so far are taken back.
                Retract(NextInterfaceOutput, made, cache);
                Drop(buffer, ref meta, DropReason.NoBuffer);
                return;
            }
            var f = gpm.BufferPointer(fragment) + gpm.Headroom;
            var ethernetLength = PpeContext.WriteEthernet(f, destinationMac, sourceMac, vlan);
            gpm.ResetMeta(fragment, ethernetLength + thisHeaderLength + chunk, BufferOwner.Ppe);
            var fip = f + ethernetLength;
            if (first)
            {
                new ReadOnlySpan<byte>(ipStart, headerLength).CopyTo(new Span<byte>(fip, headerLength));
            }
            else
            {
                new ReadOnlySpan<byte>(ipStart, 20).CopyTo(new Span<byte>(fip, 20));
                fip[0] = (byte)(0x40 | (laterHeaderLength >> 2));
                var options = new Span<byte>(fip + 20, laterHeaderLength - 20);
                options.Clear();
                laterOptions[..laterOptionsLength].CopyTo(options);
            }
            var header = Ipv4Header.Over(fip, thisHeaderLength + chunk);
            header.TotalLength = (ushort)(thisHeaderLength + chunk);
            var moreFragments = !last || originalMoreFragments;
            header.FlagsAndFragmentOffset = (ushort)((flagsOffset & 0x8000) | (moreFragments ? 0x2000 : 0) | (originalOffset + (offset >> 3)));
            header.Ttl = (byte)(ip.Ttl - 1);
            header.UpdateChecksum();
            new ReadOnlySpan<byte>(payload + offset, chunk).CopyTo(new Span<byte>(fip + thisHeaderLength, chunk));
            ref var fragmentMeta = ref gpm.Meta(fragment);
            fragmentMeta.RxInterface = meta.RxInterface;
            fragmentMeta.TxInterface = egress;
            fragmentMeta.NextHop = meta.NextHop;
            fragmentMeta.TrafficClass = meta.TrafficClass;
            Enqueue(NextInterfaceOutput, fragment);
            made++;
            offset += chunk;
            first = false;
        }
        context.Counters.FragmentsCreated += made;
        cache.Free(buffer);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Drop(uint buffer, ref PacketMeta meta, DropReason reason)
    {
        meta.NodeArgument = (byte)reason;
        Enqueue(NextDrop, buffer);
    }

    /// <summary>Copies the options whose copied flag is set (RFC 791) and returns their length.</summary>
    internal static int CopiedOptions(ReadOnlySpan<byte> options, Span<byte> destination)
    {
        var length = 0;
        var i = 0;
        while (i < options.Length)
        {
            var type = options[i];
            if (type == 0)
            {
                break; // end of option list
            }
            if (type == 1)
            {
                i++; // no-operation, not copied
                continue;
            }
            if (i + 1 >= options.Length)
            {
                break;
            }
            var optionLength = options[i + 1];
            if (optionLength < 2 || i + optionLength > options.Length)
            {
                break; // malformed: copy nothing further
            }
            if ((type & 0x80) != 0)
            {
                options.Slice(i, optionLength).CopyTo(destination[length..]);
                length += optionLength;
            }
            i += optionLength;
        }
        return length;
    }
}
