using ActorRouter.DataPlane.Ipsec;
using ActorRouter.IO.Crypto;

namespace ActorRouter.DataPlane.Tests.Ipsec;

/// <summary>
/// Both AES-GCM engines on their own against the GCM specification's test case 4 (McGrew and Viega: AES-128,
/// 60-byte plaintext, 20-byte AAD) and test case 16 (its AES-256 twin): exact ciphertext and tag, in place; a
/// flipped tag bit, ciphertext bit or AAD bit is refused by the result.
/// </summary>
public sealed unsafe class AesGcmEngineTests
{
    private static readonly byte[] Nonce = Convert.FromHexString("cafebabefacedbaddecaf888");
    private static readonly byte[] Aad = Convert.FromHexString("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    private static readonly byte[] Plaintext = Convert.FromHexString(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");

    public static TheoryData<string, string, string, string> Vectors => new()
    {
        {
            "feffe9928665731c6d6a8f9467308308",
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
            "5bc94fbc3221a5db94fae95ae7121a47",
            "native"
        },
        {
            "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
            "76fc6ece0f4e1768cddf8853bb2d551b",
            "native"
        },
        {
            "feffe9928665731c6d6a8f9467308308",
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
            "5bc94fbc3221a5db94fae95ae7121a47",
            "managed"
        },
    };

    private static IAesGcmEngine EngineNamed(string name) => name == "managed"
        ? ManagedAesGcmEngine.Instance
        : NativeAesGcmEngine.TryCreate(out var whyNot) ?? throw new InvalidOperationException($"the native AES-GCM engine is unavailable: {whyNot}");

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Encrypts_the_vector_in_place_and_decrypts_it_back(string key, string ciphertext, string tag, string engineName)
    {
        using var context = EngineNamed(engineName).CreateContext(Convert.FromHexString(key));
        var text = (byte[])Plaintext.Clone();
        var producedTag = new byte[16];

        Assert.True(Encrypt(context, Aad, text, producedTag));
        Assert.Equal(ciphertext, Convert.ToHexStringLower(text));
        Assert.Equal(tag, Convert.ToHexStringLower(producedTag));

        Assert.True(Decrypt(context, Aad, text, producedTag));
        Assert.Equal(Plaintext, text);
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void A_flipped_bit_in_the_tag_the_ciphertext_or_the_aad_is_refused(string key, string ciphertext, string tag, string engineName)
    {
        using var context = EngineNamed(engineName).CreateContext(Convert.FromHexString(key));
        var badTag = Convert.FromHexString(tag);
        badTag[15] ^= 0x80;
        var badText = Convert.FromHexString(ciphertext);
        badText[0] ^= 1;
        var badAad = (byte[])Aad.Clone();
        badAad[19] ^= 1;

        Assert.False(Decrypt(context, Aad, Convert.FromHexString(ciphertext), badTag));
        Assert.False(Decrypt(context, Aad, badText, Convert.FromHexString(tag)));
        Assert.False(Decrypt(context, badAad, Convert.FromHexString(ciphertext), Convert.FromHexString(tag)));
        // The context is still good after refusals.
        var text = Convert.FromHexString(ciphertext);
        Assert.True(Decrypt(context, Aad, text, Convert.FromHexString(tag)));
        Assert.Equal(Plaintext, text);
    }

    [Fact]
    public void The_native_engine_refuses_a_key_that_is_neither_16_nor_32_bytes()
    {
        var engine = EngineNamed("native");
        var error = Assert.Throws<InvalidOperationException>(() => engine.CreateContext(new byte[24]));
        Assert.Equal("arn_aes_gcm_new failed with errno 22 for a 24-byte key", error.Message);
    }

    private static bool Encrypt(AesGcmContext context, byte[] aad, byte[] text, byte[] tag)
    {
        fixed (byte* nonce = Nonce, aadBytes = aad, textBytes = text, tagBytes = tag)
        {
            return context.Encrypt(nonce, aadBytes, aad.Length, textBytes, text.Length, tagBytes);
        }
    }

    private static bool Decrypt(AesGcmContext context, byte[] aad, byte[] text, byte[] tag)
    {
        fixed (byte* nonce = Nonce, aadBytes = aad, textBytes = text, tagBytes = tag)
        {
            return context.Decrypt(nonce, aadBytes, aad.Length, textBytes, text.Length, tagBytes);
        }
    }
}
