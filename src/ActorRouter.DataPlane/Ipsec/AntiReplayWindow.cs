using System.Runtime.CompilerServices;

namespace ActorRouter.DataPlane.Ipsec;

/// <summary>
/// The receive side's anti-replay window (RFC 4303 §3.4.3), shared by every PPE thread without a lock,
/// in the block layout of RFC 6479: the window is <see cref="Slots"/> words, each holding the block
/// number (sequence number / 32) it currently describes in its high half and one bit per sequence
/// number of that block in its low half, so a word is checked and updated with one 64-bit
/// compare-and-swap. The highest sequence number accepted is kept beside it; a sequence number more
/// than <see cref="WindowSize"/> behind it is too old. Check before decrypting, <see cref="TryAccept"/>
/// only after the ICV verified (a forged packet must not move the window).
/// </summary>
public sealed class AntiReplayWindow
{
    /// <summary>Words in the window: one is always the block being filled, so the window covers the other three.</summary>
    public const int Slots = 4;

    /// <summary>Sequence numbers behind the highest accepted one that are still accepted once: 96 (RFC 4303 asks for at least 32, 64 recommended).</summary>
    public const int WindowSize = (Slots - 1) * 32;

    private readonly long[] _words = new long[Slots];
    private long _highest;

    /// <summary>The highest sequence number accepted so far (0: none yet).</summary>
    public uint Highest => (uint)Volatile.Read(ref _highest);

    /// <summary>False when <paramref name="sequence"/> is 0, too old, or already accepted (checked before decrypting).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Check(uint sequence)
    {
        if (sequence == 0)
        {
            return false;
        }
        var highest = Volatile.Read(ref _highest);
        if (sequence + (long)WindowSize <= highest)
        {
            return false;
        }
        var block = sequence >> 5;
        var word = Volatile.Read(ref _words[block & (Slots - 1)]);
        var wordBlock = (uint)((ulong)word >> 32);
        if (wordBlock > block)
        {
            return false;
        }
        return wordBlock < block || (word & (1L << (int)(sequence & 31))) == 0;
    }

    /// <summary>
    /// Marks <paramref name="sequence"/> received, after its ICV verified; false when another thread
    /// accepted it meanwhile or the window moved past it (then it is a replay after all).
    /// </summary>
    public bool TryAccept(uint sequence)
    {
        if (!Check(sequence))
        {
            return false;
        }
        var block = sequence >> 5;
        ref var slot = ref _words[block & (Slots - 1)];
        var bit = 1L << (int)(sequence & 31);
        while (true)
        {
            var word = Volatile.Read(ref slot);
            var wordBlock = (uint)((ulong)word >> 32);
            long updated;
            if (wordBlock == block)
            {
                if ((word & bit) != 0)
                {
                    return false;
                }
                updated = word | bit;
            }
            else if (wordBlock < block)
            {
                updated = (long)((ulong)block << 32) | bit;
            }
            else
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref slot, updated, word) == word)
            {
                break;
            }
        }
        while (true)
        {
            var highest = Volatile.Read(ref _highest);
            if (sequence <= highest || Interlocked.CompareExchange(ref _highest, sequence, highest) == highest)
            {
                return true;
            }
        }
    }
}
