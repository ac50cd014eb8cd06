using ActorRouter.DataPlane.Ipsec;
using ActorRouter.IO.Native;

namespace ActorRouter.IO.Crypto;

/// <summary>
/// ESP's AES-GCM over OpenSSL's EVP in the native shim: each context is one EVP_CIPHER_CTX pair keyed
/// once (the key schedule stays in native memory), a packet is an IV init, the AAD, one in-place update
/// and the final, and a tag that does not verify is a status, never an exception.
/// </summary>
public sealed class NativeAesGcmEngine : IAesGcmEngine
{
    private NativeAesGcmEngine()
    {
    }

    public string Name => "openssl-evp";

    /// <summary>
    /// The engine when the shim is loadable, speaks this ABI and was built with OpenSSL; otherwise null and
    /// <paramref name="whyNot"/> says why (the caller then keeps .NET's AesGcm).
    /// </summary>
    public static NativeAesGcmEngine? TryCreate(out string? whyNot)
    {
        try
        {
            NativeShim.EnsureCompatible();
            if (NativeShim.AesGcmAvailable() == 0)
            {
                whyNot = "libactorrouter_native.so was built without OpenSSL (install libssl-dev and rebuild)";
                return null;
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or InvalidOperationException)
        {
            whyNot = e.Message;
            return null;
        }
        whyNot = null;
        return new NativeAesGcmEngine();
    }

    private static readonly Lazy<(IAesGcmEngine Engine, string? WhyNotNative)> Best = new(() =>
    {
        var native = TryCreate(out var whyNot);
        return (native is null ? ManagedAesGcmEngine.Instance : native, whyNot);
    });

    /// <summary>This engine when <see cref="TryCreate"/> gives it, else .NET's AesGcm (probed once per process).</summary>
    public static IAesGcmEngine BestAvailable => Best.Value.Engine;

    /// <summary>Why <see cref="BestAvailable"/> is not the native engine; null when it is.</summary>
    public static string? WhyNotNative => Best.Value.WhyNotNative;

    public unsafe AesGcmContext CreateContext(ReadOnlySpan<byte> key)
    {
        int status;
        nint handle;
        fixed (byte* keyBytes = key)
        {
            status = NativeShim.AesGcmNew(keyBytes, (uint)key.Length, out handle);
        }
        if (status != 0)
        {
            throw new InvalidOperationException($"arn_aes_gcm_new failed with errno {-status} for a {key.Length}-byte key");
        }
        return new NativeAesGcmContext(handle);
    }

    private sealed unsafe class NativeAesGcmContext(nint handle) : AesGcmContext
    {
        private nint _handle = handle;

        public override bool Encrypt(byte* nonce, byte* aad, int aadLength, byte* text, int length, byte* tag)
            => NativeShim.AesGcmEncrypt(_handle, nonce, aad, (uint)aadLength, text, (uint)length, tag) == 0;

        public override bool Decrypt(byte* nonce, byte* aad, int aadLength, byte* text, int length, byte* tag)
            => NativeShim.AesGcmDecrypt(_handle, nonce, aad, (uint)aadLength, text, (uint)length, tag) == 0;

        public override void Dispose()
        {
            var handle = Interlocked.Exchange(ref _handle, 0);
            if (handle != 0)
            {
                NativeShim.AesGcmFree(handle);
            }
        }
    }
}
