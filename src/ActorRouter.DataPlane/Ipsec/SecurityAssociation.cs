using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace ActorRouter.DataPlane.Ipsec;

/// <summary>Which way a security association protects traffic.</summary>
public enum SaDirection : byte
{
    Inbound,
    Outbound,
}

/// <summary>A security association's counters, per PPE thread and summed when read.</summary>
public enum SaCounter
{
    /// <summary>Packets encrypted (outbound) or decrypted and accepted (inbound).</summary>
    Packets,
    /// <summary>Bytes of the inner packets protected.</summary>
    Bytes,
    /// <summary>Inbound packets whose ICV did not verify.</summary>
    AuthFailures,
    /// <summary>Inbound packets refused by the anti-replay window.</summary>
    Replays,
}

/// <summary>
/// One manually keyed ESP security association with AES-GCM (RFC 4106: 16 or 32 byte key, 4 byte
/// salt, 8 byte explicit IV, 16 byte ICV). The key lives in native memory, zeroed when the SA is
/// disposed; the cipher contexts (from an <see cref="IAesGcmEngine"/>: OpenSSL's EVP in the native shim, or
/// .NET's AesGcm) are made once, one per PPE thread (neither is safe to share between threads), so nothing
/// is allocated per packet. An outbound SA hands out
/// sequence numbers with one atomic increment (shared by the PPEs); the IV of each packet is
/// the IV base plus its sequence number, unique for the key's life (RFC 4106 §3.1). An inbound SA
/// has its anti-replay window. Counters are kept per thread, a cache line apart, and summed on read.
/// </summary>
public sealed unsafe class SecurityAssociation : IDisposable
{
    public const int SaltLength = 4;
    public const int IvLength = 8;
    public const int IcvLength = 16;
    private const int CounterStride = 8; // longs per thread: one cache line, no false sharing
    private readonly byte* _key;
    private readonly AesGcmContext[] _ciphers;
    private readonly long[] _counters;
    private long _sequence;
    private int _disposed;

    /// <param name="threads">PPE threads that will use the SA (one cipher context each).</param>
    /// <param name="ivBase">Added to the sequence number to make each outbound packet's IV.</param>
    /// <param name="engine">Makes the cipher contexts; null: .NET's AesGcm (<see cref="ManagedAesGcmEngine"/>).</param>
    public SecurityAssociation(uint spi, SaDirection direction, ReadOnlySpan<byte> key, uint salt, int threads, ulong ivBase = 0, IAesGcmEngine? engine = null)
    {
        if (key.Length is not (16 or 32))
        {
            throw new ArgumentException($"an AES-GCM key is 16 or 32 bytes (128 or 256 bit), got {key.Length}", nameof(key));
        }
        if (spi < 256)
        {
            throw new ArgumentOutOfRangeException(nameof(spi), spi, "SPIs 0..255 are reserved (RFC 4303 §2.1)");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Spi = spi;
        Direction = direction;
        Salt = salt;
        KeyLength = key.Length;
        IvBase = ivBase;
        _key = (byte*)NativeMemory.AlignedAlloc((nuint)key.Length, 64);
        key.CopyTo(new Span<byte>(_key, key.Length));
        engine ??= ManagedAesGcmEngine.Instance;
        Engine = engine.Name;
        _ciphers = new AesGcmContext[threads];
        for (var i = 0; i < threads; i++)
        {
            _ciphers[i] = engine.CreateContext(new ReadOnlySpan<byte>(_key, key.Length));
        }
        _counters = new long[(threads + 1) * CounterStride];
        Window = direction == SaDirection.Inbound ? new AntiReplayWindow() : null;
    }

    public uint Spi { get; }
    public SaDirection Direction { get; }
    public uint Salt { get; }
    /// <summary>16 (AES-GCM-128) or 32 (AES-GCM-256).</summary>
    public int KeyLength { get; }
    public ulong IvBase { get; }
    public int Threads => _ciphers.Length;

    /// <summary>Name of the AES-GCM engine whose contexts the SA uses.</summary>
    public string Engine { get; }

    /// <summary>The anti-replay window (inbound SAs only).</summary>
    public AntiReplayWindow? Window { get; }

    /// <summary>Outbound: the last sequence number used. Inbound: the highest accepted.</summary>
    public uint Sequence => Direction == SaDirection.Outbound ? (uint)Math.Min(Volatile.Read(ref _sequence), uint.MaxValue) : Window!.Highest;

    /// <summary>The cipher context of PPE thread <paramref name="thread"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal AesGcmContext Cipher(int thread) => _ciphers[thread];

    /// <summary>The next outbound sequence number; above <see cref="uint.MaxValue"/> when the SA is used up (it never wraps, RFC 4303 §3.3.3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal long NextSequence() => Interlocked.Increment(ref _sequence);

    /// <summary>Sets the last outbound sequence number used (tests, and an SA re-created with its state).</summary>
    public void SetSequence(uint last) => Volatile.Write(ref _sequence, last);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Count(int thread, SaCounter counter, long value) => _counters[(thread + 1) * CounterStride + (int)counter] += value;

    /// <summary>A counter summed over the threads (racy reading while they run).</summary>
    public long Read(SaCounter counter)
    {
        long sum = 0;
        for (var thread = 0; thread < _ciphers.Length; thread++)
        {
            sum += Volatile.Read(ref _counters[(thread + 1) * CounterStride + (int)counter]);
        }
        return sum;
    }

    /// <summary>A copy of the key (the control plane republishing an unchanged SA beside a changed one).</summary>
    public byte[] CopyKey() => new ReadOnlySpan<byte>(_key, KeyLength).ToArray();

    /// <summary>True when <paramref name="key"/> is this SA's key (compared in constant time).</summary>
    public bool KeyMatches(ReadOnlySpan<byte> key)
        => key.Length == KeyLength && CryptographicOperations.FixedTimeEquals(key, new ReadOnlySpan<byte>(_key, KeyLength));

    /// <summary>Writes the 12-byte AES-GCM nonce (salt, then the packet's 8-byte IV) to <paramref name="nonce"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void WriteNonce(byte* nonce, byte* iv)
    {
        BinaryPrimitives.WriteUInt32BigEndian(new Span<byte>(nonce, SaltLength), Salt);
        Unsafe.WriteUnaligned(nonce + SaltLength, Unsafe.ReadUnaligned<ulong>(iv));
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        foreach (var cipher in _ciphers)
        {
            cipher.Dispose();
        }
        NativeMemory.Clear(_key, (nuint)KeyLength);
        NativeMemory.AlignedFree(_key);
    }
}
