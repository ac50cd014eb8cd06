using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace ActorRouter.DataPlane.Ipsec;

/// <summary>
/// Makes the AES-GCM contexts of the ESP nodes. The data plane owns this abstraction because it must not
/// reference ActorRouter.IO, where the native shim is: the host (or a benchmark) hands the data plane
/// IO's engine over OpenSSL's EVP through <see cref="DataPlaneOptions.AesGcm"/>, and without one
/// (tests that don't load the shim) the data plane uses <see cref="ManagedAesGcmEngine"/>, .NET's AesGcm.
/// An interface with a per-thread context object, rather than function pointers set at startup, because
/// the fallback is a managed object and each context owns a handle of its own; the virtual call costs a
/// few nanoseconds beside the hundreds a packet's cipher takes.
/// </summary>
public interface IAesGcmEngine
{
    /// <summary>Shown by the router (for example "openssl-evp" or "dotnet-aesgcm").</summary>
    string Name { get; }

    /// <summary>A context keyed with <paramref name="key"/> (16 or 32 bytes) for one thread; made once per SA and thread, never per packet.</summary>
    AesGcmContext CreateContext(ReadOnlySpan<byte> key);
}

/// <summary>
/// One thread's AES-GCM with one key (12-byte nonce, 16-byte tag), in place. Neither call allocates, and
/// <see cref="Decrypt"/> reports a tag that does not verify by its result.
/// </summary>
public abstract unsafe class AesGcmContext : IDisposable
{
    public const int NonceLength = 12;
    public const int TagLength = 16;

    /// <summary>Encrypts <paramref name="text"/> in place and writes its tag; false only when the cipher itself failed.</summary>
    public abstract bool Encrypt(byte* nonce, byte* aad, int aadLength, byte* text, int length, byte* tag);

    /// <summary>Decrypts <paramref name="text"/> in place; true when <paramref name="tag"/> verifies (else the text is garbage to drop).</summary>
    public abstract bool Decrypt(byte* nonce, byte* aad, int aadLength, byte* text, int length, byte* tag);

    public abstract void Dispose();
}

/// <summary>
/// .NET's <see cref="AesGcm"/>: the fallback when the native shim is not loaded. It reports a tag mismatch
/// only by throwing, so here a forged packet costs a caught exception; the native engine has no such cost.
/// </summary>
public sealed class ManagedAesGcmEngine : IAesGcmEngine
{
    public static readonly ManagedAesGcmEngine Instance = new();

    private ManagedAesGcmEngine()
    {
    }

    public string Name => "dotnet-aesgcm";

    public AesGcmContext CreateContext(ReadOnlySpan<byte> key) => new ManagedAesGcmContext(key);

    private sealed unsafe class ManagedAesGcmContext(ReadOnlySpan<byte> key) : AesGcmContext
    {
        private readonly AesGcm _cipher = new(key, TagLength);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public override bool Encrypt(byte* nonce, byte* aad, int aadLength, byte* text, int length, byte* tag)
        {
            var plaintext = new Span<byte>(text, length);
            _cipher.Encrypt(new ReadOnlySpan<byte>(nonce, NonceLength), plaintext, plaintext, new Span<byte>(tag, TagLength), new ReadOnlySpan<byte>(aad, aadLength));
            return true;
        }

        public override bool Decrypt(byte* nonce, byte* aad, int aadLength, byte* text, int length, byte* tag)
        {
            var ciphertext = new Span<byte>(text, length);
            try
            {
                _cipher.Decrypt(new ReadOnlySpan<byte>(nonce, NonceLength), ciphertext, new ReadOnlySpan<byte>(tag, TagLength), ciphertext, new ReadOnlySpan<byte>(aad, aadLength));
                return true;
            }
            catch (AuthenticationTagMismatchException)
            {
                return false;
            }
        }

        public override void Dispose() => _cipher.Dispose();
    }
}
