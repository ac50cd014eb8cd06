using ActorRouter.DataPlane.Ipsec;
using ActorRouter.IO.Crypto;

namespace ActorRouter.DataPlane.Tests.Ipsec;

/// <summary>
/// Every test of <see cref="EspGraphTests"/> (exact bytes against scapy and the GCM vector, drops, zero allocation)
/// again with ESP's AES-GCM over OpenSSL's EVP in the native shim, the engine the router runs with.
/// </summary>
public sealed class EspGraphOpenSslTests : EspGraphTests
{
    public EspGraphOpenSslTests()
        : base(RequireNative())
    {
    }

    protected override int ExceptionsPerForgedPacket => 0;

    // The shim is built with every dotnet build and OpenSSL is a build requirement here (.ci/run installs libssl-dev):
    // an absent engine is a failure, not a skip.
    private static IAesGcmEngine RequireNative()
        => NativeAesGcmEngine.TryCreate(out var whyNot) ?? throw new InvalidOperationException($"the native AES-GCM engine is unavailable: {whyNot}");
}
