using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Ipsec;
using ActorRouter.Packets;

namespace ActorRouter.DataPlane.Graph.Nodes;

/// <summary>
/// esp4-decrypt: ESP for one of the router's addresses (ip4-lookup sends it here instead of punting
/// it). The SPI finds the inbound SA (none: dropped, unknown SPI); the sequence number is checked
/// against the anti-replay window before any work (RFC 4303 §3.4.3), the packet decrypted and its ICV
/// verified in place, and only then is the window moved. The trailer is checked (padding bytes 1, 2,
/// 3 …, next header 4) and the inner IPv4 packet, behind a placeholder Ethernet header, is recycled
/// into ip4-input as if received on the tunnel interface, counted there as received. Outer fragments
/// are not reassembled (dropped and counted).
/// </summary>
public sealed unsafe class Esp4DecryptNode : GraphNode
{
    public const int NextRecycle = 0, NextDrop = 1;

    /// <summary>The shortest ESP payload: header, IV, the smallest padded trailer (4), ICV.</summary>
    public const int MinimumEspLength = 8 + SecurityAssociation.IvLength + 4 + SecurityAssociation.IcvLength;

    private readonly PpeContext _context;
    private readonly IpsecDatabase _ipsec;
    private readonly int _thread;

    /// <param name="thread">This PPE's index among the graph threads (its cipher contexts and counters).</param>
    public Esp4DecryptNode(PpeContext context, IpsecDatabase ipsec, int thread)
        : base(NodeNames.Esp4Decrypt, NodeNames.Recycle, NodeNames.Drop)
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
        var bySpi = _ipsec.Current.BySpi;
        var counters = context.Counters;
        var nonce = stackalloc byte[AesGcmContext.NonceLength];
        var thread = _thread;
        for (var i = 0; i < count; i++)
        {
            var buffer = buffers[i];
            ref var meta = ref gpm.Meta(buffer);
            var start = gpm.BufferPointer(buffer);
            var outerStart = start + meta.Offset + PpeContext.EthernetHeaderLength;
            // ip4-input validated the outer header and trimmed the frame to its total length.
            var outer = Ipv4Header.Over(outerStart, meta.Length - PpeContext.EthernetHeaderLength);
            if (outer.IsFragment)
            {
                Drop(buffer, ref meta, DropReason.EspFragment);
                continue;
            }
            var headerLength = outer.HeaderLength;
            var espLength = outer.TotalLength - headerLength;
            var cipherLength = espLength - 8 - SecurityAssociation.IvLength - SecurityAssociation.IcvLength;
            if (espLength < MinimumEspLength || (cipherLength & 3) != 0)
            {
                Drop(buffer, ref meta, DropReason.EspMalformed);
                continue;
            }
            var esp = outerStart + headerLength;
            var spi = BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(esp, 4));
            if (!bySpi.TryGetValue(spi, out var tunnel))
            {
                Drop(buffer, ref meta, DropReason.EspUnknownSpi);
                continue;
            }
            var sa = tunnel.Inbound;
            var window = sa.Window!;
            var sequence = BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(esp + 4, 4));
            if (!window.Check(sequence))
            {
                sa.Count(thread, SaCounter.Replays, 1);
                Drop(buffer, ref meta, DropReason.EspReplay);
                continue;
            }
            sa.WriteNonce(nonce, esp + 8);
            var inner = esp + 8 + SecurityAssociation.IvLength;
            // A tag that does not verify comes back as false (the native engine: a status, no exception).
            if (!sa.Cipher(thread).Decrypt(nonce, esp, 8, inner, cipherLength, inner + cipherLength))
            {
                sa.Count(thread, SaCounter.AuthFailures, 1);
                Drop(buffer, ref meta, DropReason.EspBadIcv);
                continue;
            }
            if (!window.TryAccept(sequence))
            {
                sa.Count(thread, SaCounter.Replays, 1);
                Drop(buffer, ref meta, DropReason.EspReplay);
                continue;
            }
            int padLength = inner[cipherLength - 2];
            var innerLength = cipherLength - 2 - padLength;
            if (inner[cipherLength - 1] != IpProtocols.IpInIp || innerLength < Ipv4Header.MinimumLength || !PaddingValid(inner + innerLength, padLength))
            {
                Drop(buffer, ref meta, DropReason.EspMalformed);
                continue;
            }
            sa.Count(thread, SaCounter.Packets, 1);
            sa.Count(thread, SaCounter.Bytes, innerLength);
            var ethernet = inner - PpeContext.EthernetHeaderLength;
            new Span<byte>(ethernet, 12).Clear();
            BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(ethernet + 12, 2), EtherTypes.Ipv4);
            meta.Offset = (ushort)(ethernet - start);
            meta.Length = (ushort)(PpeContext.EthernetHeaderLength + innerLength);
            meta.RxInterface = (ushort)tunnel.InterfaceIndex;
            meta.NodeArgument = (byte)RecycleEntry.Ip4Input;
            counters.Add(tunnel.InterfaceIndex, InterfaceCounter.RxPackets, 1);
            counters.Add(tunnel.InterfaceIndex, InterfaceCounter.RxBytes, innerLength);
            Enqueue(NextRecycle, buffer);
        }
    }

    /// <summary>RFC 4303 §2.4: the default padding is 1, 2, 3 …; anything else is malformed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool PaddingValid(byte* padding, int length)
    {
        for (var p = 0; p < length; p++)
        {
            if (padding[p] != (byte)(p + 1))
            {
                return false;
            }
        }
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Drop(uint buffer, ref Memory.PacketMeta meta, DropReason reason)
    {
        meta.NodeArgument = (byte)reason;
        Enqueue(NextDrop, buffer);
    }
}
