using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ActorRouter.Packets;

/// <summary>
/// The Internet checksum of RFC 1071: the one's complement of the one's complement sum of the data taken
/// as big-endian 16-bit words (an odd final byte is padded with a zero byte).
/// </summary>
/// <remarks>
/// Values are host-order numbers: writing <see cref="Compute"/>'s result big-endian into a header makes it valid.
/// <see cref="Sum"/> is a partial, uncomplemented sum; chain it over pseudo-header and payload, then
/// <see cref="Fold"/> once. Only the one's complement class of a partial sum is meaningful, so compare
/// partial sums through <see cref="Fold"/>.
/// </remarks>
public static class InternetChecksum
{
    /// <summary>The checksum ready to store: <c>Fold(Sum(data))</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Compute(ReadOnlySpan<byte> data) => Fold(Sum(data));

    /// <summary>
    /// Adds the 16-bit big-endian words of <paramref name="data"/> to <paramref name="initial"/> in one's
    /// complement arithmetic. The result is not complemented; chained calls must start on even byte offsets.
    /// With <paramref name="initial"/> = 0 the result is at most 0xFFFF (the folded sum).
    /// </summary>
    public static uint Sum(ReadOnlySpan<byte> data, uint initial = 0)
    {
        // RFC 1071 §2(B): the sum is byte-order independent, so the words are added as the machine loads
        // them (no byte shuffle per word) and the folded result is swapped back once at the end.
        ref byte start = ref MemoryMarshal.GetReference(data);
        nuint length = (nuint)data.Length;
        nuint offset = 0;
        ulong accumulator = 0;

        if (Vector512.IsHardwareAccelerated && length >= (nuint)Vector512<byte>.Count * 2)
        {
            accumulator = SumVector512(ref start, length, ref offset);
        }
        else if (Vector256.IsHardwareAccelerated && length >= (nuint)Vector256<byte>.Count * 2)
        {
            accumulator = SumVector256(ref start, length, ref offset);
        }
        else if (Vector128.IsHardwareAccelerated && length >= (nuint)Vector128<byte>.Count * 2)
        {
            accumulator = SumVector128(ref start, length, ref offset);
        }

        while (length - offset >= sizeof(ulong))
        {
            accumulator = AddWithEndAroundCarry(accumulator, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, offset)));
            offset += sizeof(ulong);
        }

        if (length - offset >= sizeof(uint))
        {
            accumulator = AddWithEndAroundCarry(accumulator, Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, offset)));
            offset += sizeof(uint);
        }

        if (length - offset >= sizeof(ushort))
        {
            accumulator = AddWithEndAroundCarry(accumulator, Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref start, offset)));
            offset += sizeof(ushort);
        }

        if (length - offset != 0)
        {
            // The odd byte is the high byte of a zero-padded big-endian word, i.e. the low byte in load order.
            ulong oddByte = Unsafe.Add(ref start, offset);
            accumulator = AddWithEndAroundCarry(accumulator, BitConverter.IsLittleEndian ? oddByte : oddByte << 8);
        }

        uint folded = FoldTo16Bits(accumulator);
        if (BitConverter.IsLittleEndian)
        {
            folded = BinaryPrimitives.ReverseEndianness((ushort)folded);
        }

        uint result = initial + folded;
        return result < folded ? result + 1 : result;
    }

    /// <summary>Folds a partial sum to 16 bits and complements it: the value to store in a checksum field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Fold(uint sum)
    {
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    /// <summary>
    /// RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'): the checksum after one 16-bit word of the covered data
    /// changed from <paramref name="oldWord"/> to <paramref name="newWord"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort IncrementalUpdate(ushort oldChecksum, ushort oldWord, ushort newWord)
    {
        uint sum = (uint)(ushort)~oldChecksum + (ushort)~oldWord + newWord;
        return Fold(sum);
    }

    /// <summary>
    /// Decrements the TTL (byte 8) of an IPv4 header and updates its checksum (bytes 10-11) incrementally;
    /// returns the new checksum. The caller drops packets whose TTL would expire before calling this.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort DecrementTtl(Span<byte> ipv4Header)
    {
        // One bounds check for both fields: the TTL/protocol word is bytes 8-9, the checksum bytes 10-11.
        Span<byte> fields = ipv4Header.Slice(8, 4);
        ushort oldWord = BinaryPrimitives.ReadUInt16BigEndian(fields);
        ushort newWord = (ushort)(oldWord - 0x0100);
        ushort checksum = IncrementalUpdate(BinaryPrimitives.ReadUInt16BigEndian(fields[2..]), oldWord, newWord);
        fields[0] = (byte)(newWord >> 8);
        BinaryPrimitives.WriteUInt16BigEndian(fields[2..], checksum);
        return checksum;
    }

    /// <summary>True when the checksum stored in <paramref name="header"/> verifies (the sum over it folds to zero).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsValid(ReadOnlySpan<byte> header) => Fold(Sum(header)) == 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong AddWithEndAroundCarry(ulong accumulator, ulong value)
    {
        // 2^64 ≡ 1 (mod 0xFFFF), so a carry out of bit 63 is worth one.
        ulong sum = accumulator + value;
        return sum + (sum < value ? 1UL : 0UL);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint FoldTo16Bits(ulong sum)
    {
        sum = (sum & 0xFFFF_FFFF) + (sum >> 32);
        sum = (sum & 0xFFFF_FFFF) + (sum >> 32);
        uint folded = (uint)sum;
        folded = (folded & 0xFFFF) + (folded >> 16);
        folded = (folded & 0xFFFF) + (folded >> 16);
        return folded;
    }

    // Each 32-bit lane takes the two 16-bit halves of its word in separate accumulators; a lane grows by at
    // most 0xFFFF per vector, so flushing to 64 bits every 2^15 iterations of two vectors cannot overflow.
    private const int IterationsPerFlush = 1 << 15;

    private static ulong SumVector512(ref byte start, nuint length, ref nuint offset)
    {
        Vector512<uint> lowMask = Vector512.Create(0xFFFFu);
        ulong total = 0;
        nuint blockSize = (nuint)Vector512<byte>.Count * 2;
        while (length - offset >= blockSize)
        {
            Vector512<uint> lowHalves = Vector512<uint>.Zero;
            Vector512<uint> highHalves = Vector512<uint>.Zero;
            int iterations = 0;
            while (length - offset >= blockSize && iterations < IterationsPerFlush)
            {
                Vector512<uint> first = Vector512.LoadUnsafe(ref Unsafe.As<byte, uint>(ref Unsafe.Add(ref start, offset)));
                Vector512<uint> second = Vector512.LoadUnsafe(ref Unsafe.As<byte, uint>(ref Unsafe.Add(ref start, offset + (nuint)Vector512<byte>.Count)));
                lowHalves += (first & lowMask) + (second & lowMask);
                highHalves += Vector512.ShiftRightLogical(first, 16) + Vector512.ShiftRightLogical(second, 16);
                offset += blockSize;
                iterations++;
            }

            total += WidenAndSum(lowHalves) + WidenAndSum(highHalves);
        }

        // Finish a 64..127-byte remainder with 256-bit vectors rather than eight scalar steps.
        if (length - offset >= (nuint)Vector256<byte>.Count * 2)
        {
            total = AddWithEndAroundCarry(total, SumVector256(ref start, length, ref offset));
        }

        return total;
    }

    private static ulong SumVector256(ref byte start, nuint length, ref nuint offset)
    {
        Vector256<uint> lowMask = Vector256.Create(0xFFFFu);
        ulong total = 0;
        nuint blockSize = (nuint)Vector256<byte>.Count * 2;
        while (length - offset >= blockSize)
        {
            Vector256<uint> lowHalves = Vector256<uint>.Zero;
            Vector256<uint> highHalves = Vector256<uint>.Zero;
            int iterations = 0;
            while (length - offset >= blockSize && iterations < IterationsPerFlush)
            {
                Vector256<uint> first = Vector256.LoadUnsafe(ref Unsafe.As<byte, uint>(ref Unsafe.Add(ref start, offset)));
                Vector256<uint> second = Vector256.LoadUnsafe(ref Unsafe.As<byte, uint>(ref Unsafe.Add(ref start, offset + (nuint)Vector256<byte>.Count)));
                lowHalves += (first & lowMask) + (second & lowMask);
                highHalves += Vector256.ShiftRightLogical(first, 16) + Vector256.ShiftRightLogical(second, 16);
                offset += blockSize;
                iterations++;
            }

            total += WidenAndSum(lowHalves) + WidenAndSum(highHalves);
        }

        return total;
    }

    private static ulong SumVector128(ref byte start, nuint length, ref nuint offset)
    {
        Vector128<uint> lowMask = Vector128.Create(0xFFFFu);
        ulong total = 0;
        nuint blockSize = (nuint)Vector128<byte>.Count * 2;
        while (length - offset >= blockSize)
        {
            Vector128<uint> lowHalves = Vector128<uint>.Zero;
            Vector128<uint> highHalves = Vector128<uint>.Zero;
            int iterations = 0;
            while (length - offset >= blockSize && iterations < IterationsPerFlush)
            {
                Vector128<uint> first = Vector128.LoadUnsafe(ref Unsafe.As<byte, uint>(ref Unsafe.Add(ref start, offset)));
                Vector128<uint> second = Vector128.LoadUnsafe(ref Unsafe.As<byte, uint>(ref Unsafe.Add(ref start, offset + (nuint)Vector128<byte>.Count)));
                lowHalves += (first & lowMask) + (second & lowMask);
                highHalves += Vector128.ShiftRightLogical(first, 16) + Vector128.ShiftRightLogical(second, 16);
                offset += blockSize;
                iterations++;
            }

            total += WidenAndSum(lowHalves) + WidenAndSum(highHalves);
        }

        return total;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong WidenAndSum(Vector512<uint> lanes)
    {
        (Vector512<ulong> lower, Vector512<ulong> upper) = Vector512.Widen(lanes);
        return Vector512.Sum(lower + upper);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong WidenAndSum(Vector256<uint> lanes)
    {
        (Vector256<ulong> lower, Vector256<ulong> upper) = Vector256.Widen(lanes);
        return Vector256.Sum(lower + upper);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong WidenAndSum(Vector128<uint> lanes)
    {
        (Vector128<ulong> lower, Vector128<ulong> upper) = Vector128.Widen(lanes);
        return Vector128.Sum(lower + upper);
    }
}

/// <summary>
/// The plain word-by-word RFC 1071 sum: the reference the vectorised <see cref="InternetChecksum"/> is
/// tested and benchmarked against. Not for the hot path.
/// </summary>
public static class ScalarInternetChecksum
{
    /// <summary>Same contract as <see cref="InternetChecksum.Sum"/>, one big-endian word at a time.</summary>
    public static uint Sum(ReadOnlySpan<byte> data, uint initial = 0)
    {
        ulong sum = 0;
        int index = 0;
        for (; index + 1 < data.Length; index += 2)
        {
            sum += (uint)((data[index] << 8) | data[index + 1]);
        }

        if (index < data.Length)
        {
            sum += (uint)(data[index] << 8);
        }

        while ((sum >> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        ulong withInitial = sum + initial;
        while ((withInitial >> 32) != 0)
        {
            withInitial = (withInitial & 0xFFFF_FFFF) + (withInitial >> 32);
        }

        return (uint)withInitial;
    }

    /// <summary>Same contract as <see cref="InternetChecksum.Compute"/>.</summary>
    public static ushort Compute(ReadOnlySpan<byte> data) => InternetChecksum.Fold(Sum(data));
}
