using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace ActorRouter.Packets;

/// <summary>Partial sums of the pseudo-headers transport checksums cover; feed them to <see cref="InternetChecksum.Sum"/> as the initial value.</summary>
public static class PseudoHeader
{
    /// <summary>Source, destination, zero/protocol and transport length, for IPv4 (RFC 768, RFC 793).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Ipv4Sum(uint source, uint destination, byte protocol, int transportLength)
    {
        ulong sum = (ulong)(source >> 16) + (source & 0xFFFF) + (destination >> 16) + (destination & 0xFFFF) + protocol + (uint)transportLength;
        return (uint)((sum & 0xFFFF_FFFF) + (sum >> 32));
    }

    /// <summary>Source, destination, 32-bit upper-layer length and next header, for IPv6 (RFC 8200 §8.1).</summary>
    public static uint Ipv6Sum(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, byte nextHeader, int upperLayerLength)
    {
        Span<byte> lengthAndNextHeader = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(lengthAndNextHeader, (uint)upperLayerLength);
        lengthAndNextHeader[4..7].Clear();
        lengthAndNextHeader[7] = nextHeader;
        uint sum = InternetChecksum.Sum(source[..16]);
        sum = InternetChecksum.Sum(destination[..16], sum);
        return InternetChecksum.Sum(lengthAndNextHeader, sum);
    }

    /// <summary>
    /// Completes a transport checksum over <paramref name="segment"/> (its checksum field zero) on top of a
    /// pseudo-header sum. A result of zero is sent as 0xFFFF, since zero means "no checksum" in UDP.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort CompleteUdpChecksum(ReadOnlySpan<byte> segment, uint pseudoHeaderSum)
    {
        ushort checksum = InternetChecksum.Fold(InternetChecksum.Sum(segment, pseudoHeaderSum));
        return checksum == 0 ? (ushort)0xFFFF : checksum;
    }
}
