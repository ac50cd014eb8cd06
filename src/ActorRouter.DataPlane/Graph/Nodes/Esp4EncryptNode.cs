using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Ipsec;
using ActorRouter.Packets;

namespace ActorRouter.DataPlane.Graph.Nodes;

/// <summary>
/// esp4-encrypt: ESP tunnel mode (RFC 4303) with AES-GCM (RFC 4106) for packets routed into a tunnel
/// interface (ip4-lookup sends them here with the tunnel in <c>PacketMeta.TxInterface</c>). In place in
/// the packet's buffer: the inner TTL goes down by one (the router forwards it into the tunnel), the
/// ESP trailer (padding to four bytes, pad length, next header 4) goes after it and the 16-byte ICV
/// after that; the ESP header (SPI, sequence number) and 8-byte IV go in front, then the outer IPv4
/// header (tunnel source to tunnel destination, DSCP and ECN copied from the inner header, TTL 64, DF
/// clear) and a placeholder Ethernet header. The packet then leaves by the recycle path to enter
/// ip4-lookup again for its outer destination.
/// <para>
/// Outer MTU (RFC 4459): an inner packet larger than the tunnel's MTU with DF set gets an ICMP
/// Fragmentation Needed carrying the tunnel MTU (path MTU discovery through the tunnel, RFC 4459 §3.4);
/// without DF it is encrypted whole and the outer packet, whose DF is clear, is fragmented by ip4-frag
/// on the physical egress (post-fragmentation, §3.1) for the peer to reassemble. The default tunnel MTU
/// leaves room for the 57 bytes of the largest encapsulation, so post-fragmentation happens only when
/// the tunnel's MTU is set above what its path carries.
/// </para>
/// </summary>
public sealed unsafe class Esp4EncryptNode : GraphNode
{
    public const int NextRecycle = 0, NextIcmpError = 1, NextDrop = 2;

    /// <summary>Bytes in front of the inner packet: outer IPv4 header, ESP header, IV.</summary>
    public const int HeaderOverhead = Ipv4Header.MinimumLength + 8 + SecurityAssociation.IvLength;

    /// <summary>Most bytes added in all: the headers, up to 3 padding bytes, pad length and next header, the ICV.</summary>
    public const int MaxOverhead = HeaderOverhead + 3 + 2 + SecurityAssociation.IcvLength;

    /// <summary>TTL of the outer header (a packet the router originates).</summary>
    public const byte OuterTtl = 64;

    private readonly PpeContext _context;
    private readonly IpsecDatabase _ipsec;
    private readonly int _thread;

    /// <param name="thread">This PPE's index among the graph threads (its cipher contexts and counters).</param>
    public Esp4EncryptNode(PpeContext context, IpsecDatabase ipsec, int thread)
        : base(NodeNames.Esp4Encrypt, NodeNames.Recycle, NodeNames.Ip4IcmpError, NodeNames.Drop)
    {
        _context = context;
        _ipsec = ipsec;
        _thread = thread;
    }

    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected internal override void Process(uint[] buffers, int count)
    {
        var context = _context;
        var gpm = context.Gpm.View;
        var bufferSize = context.Gpm.BufferSize;
        var tunnels = _ipsec.Current.ByInterface;
        var mtus = context.Interfaces.Mtus;
        var counters = context.Counters;
        var nonce = stackalloc byte[AesGcmContext.NonceLength];
        var thread = _thread;
        for (var i = 0; i < count; i++)
        {
            var buffer = buffers[i];
            ref var meta = ref gpm.Meta(buffer);
            int egress = meta.TxInterface;
            var tunnel = (uint)egress < (uint)tunnels.Length ? tunnels[egress] : null;
            if (tunnel is null)
            {
                Drop(buffer, ref meta, DropReason.InterfaceDown);
                continue;
            }
            var start = gpm.BufferPointer(buffer);
            var inner = start + meta.Offset + PpeContext.EthernetHeaderLength;
            var ip = Ipv4Header.Over(inner, meta.Length - PpeContext.EthernetHeaderLength);
            int innerLength = ip.TotalLength;
            if (innerLength > mtus[egress] && ip.DontFragment)
            {
                meta.NodeArgument = (byte)IcmpErrorKind.FragmentationNeeded;
                Enqueue(NextIcmpError, buffer);
                continue;
            }
            var padded = (innerLength + 2 + 3) & ~3;
            var outerStart = inner - HeaderOverhead;
            if (outerStart - PpeContext.EthernetHeaderLength < start || meta.Offset + PpeContext.EthernetHeaderLength + padded + SecurityAssociation.IcvLength > bufferSize)
            {
                Drop(buffer, ref meta, DropReason.Oversize);
                continue;
            }
            var sa = tunnel.Outbound;
            var sequence = sa.NextSequence();
            if (sequence > uint.MaxValue)
            {
                Drop(buffer, ref meta, DropReason.EspSequenceOverflow);
                continue;
            }
            var tos = ip.TypeOfService;
            ip.DecrementTtl();

            // Trailer: padding 1, 2, 3 … (RFC 4303 §2.4), pad length, next header.
            var padLength = padded - innerLength - 2;
            var trailer = inner + innerLength;
            for (var p = 0; p < padLength; p++)
            {
                trailer[p] = (byte)(p + 1);
            }
            trailer[padLength] = (byte)padLength;
            trailer[padLength + 1] = IpProtocols.IpInIp;

            // ESP header and IV.
            var esp = outerStart + Ipv4Header.MinimumLength;
            BinaryPrimitives.WriteUInt32BigEndian(new Span<byte>(esp, 4), sa.Spi);
            BinaryPrimitives.WriteUInt32BigEndian(new Span<byte>(esp + 4, 4), (uint)sequence);
            BinaryPrimitives.WriteUInt64BigEndian(new Span<byte>(esp + 8, SecurityAssociation.IvLength), sa.IvBase + (ulong)sequence);
            sa.WriteNonce(nonce, esp + 8);
            if (!sa.Cipher(thread).Encrypt(nonce, esp, 8, inner, padded, inner + padded))
            {
                Drop(buffer, ref meta, DropReason.EspCipherError);
                continue;
            }

            // Outer IPv4 header.
            var outerLength = HeaderOverhead + padded + SecurityAssociation.IcvLength;
            var outer = new Span<byte>(outerStart, Ipv4Header.MinimumLength);
            outer[0] = 0x45;
            outer[1] = tos;
            BinaryPrimitives.WriteUInt16BigEndian(outer[2..], (ushort)outerLength);
            BinaryPrimitives.WriteUInt16BigEndian(outer[4..], (ushort)sequence);
            BinaryPrimitives.WriteUInt16BigEndian(outer[6..], 0);
            outer[8] = OuterTtl;
            outer[9] = IpProtocols.Esp;
            BinaryPrimitives.WriteUInt32BigEndian(outer[12..], tunnel.Source);
            BinaryPrimitives.WriteUInt32BigEndian(outer[16..], tunnel.Destination);
            Ipv4Header.Over(outerStart, Ipv4Header.MinimumLength).UpdateChecksum();

            // A placeholder Ethernet header (ip4-rewrite writes the real one after the outer lookup).
            var ethernet = outerStart - PpeContext.EthernetHeaderLength;
            new Span<byte>(ethernet, 12).Clear();
            BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(ethernet + 12, 2), EtherTypes.Ipv4);

            meta.Offset = (ushort)(ethernet - start);
            meta.Length = (ushort)(PpeContext.EthernetHeaderLength + outerLength);
            meta.NextHop = tunnel.Destination;
            meta.NodeArgument = (byte)RecycleEntry.Ip4Lookup;
            sa.Count(thread, SaCounter.Packets, 1);
            sa.Count(thread, SaCounter.Bytes, innerLength);
            counters.Add(egress, InterfaceCounter.TxPackets, 1);
            counters.Add(egress, InterfaceCounter.TxBytes, innerLength);
            Enqueue(NextRecycle, buffer);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Drop(uint buffer, ref Memory.PacketMeta meta, DropReason reason)
    {
        meta.NodeArgument = (byte)reason;
        Enqueue(NextDrop, buffer);
    }
}
