using System.Runtime.InteropServices;

namespace ActorRouter.IO.Native;

/// <summary>P/Invoke surface of the C shim built from <c>native/</c> (libactorrouter_native.so).</summary>
public static partial class NativeShim
{
    public const string LibraryName = "actorrouter_native";

    /// <summary>The ABI number this assembly was written against; must equal <see cref="AbiVersion"/>.</summary>
    public const uint ExpectedAbiVersion = 1;

    [LibraryImport(LibraryName, EntryPoint = "arn_version")]
    private static partial uint NativeVersion();

    [LibraryImport(LibraryName, EntryPoint = "arn_abi_version")]
    private static partial uint NativeAbiVersion();

    /// <summary>The library's version as major.minor.patch.</summary>
    public static Version LibraryVersion
    {
        get
        {
            var packed = NativeVersion();
            return new Version((int)(packed >> 16), (int)((packed >> 8) & 0xFF), (int)(packed & 0xFF));
        }
    }

    public static uint AbiVersion => NativeAbiVersion();

    /// <summary>Throws with a precise message when the loaded library speaks another ABI.</summary>
    public static void EnsureCompatible()
    {
        var abi = AbiVersion;
        if (abi != ExpectedAbiVersion)
        {
            throw new InvalidOperationException(
                $"libactorrouter_native.so has ABI {abi}, but ActorRouter.IO expects ABI {ExpectedAbiVersion}; rebuild with 'dotnet build'.");
        }
    }
}
