using System.Runtime.InteropServices;

namespace ActorRouter.Cli;

/// <summary>
/// arctl trusts one CA, the router's, packed in its credential; the system's trust store plays no part in
/// any of its checks. .NET on Linux still loads the whole system store (a PEM bundle and a directory of
/// a few hundred certificates) the first time any chain is built in a process, to look for intermediates:
/// in a one-shot arctl that was the largest single cost of a command. The store's location comes from the
/// environment (<c>SSL_CERT_FILE</c>, <c>SSL_CERT_DIR</c>) as the native library reads it, so arctl points
/// both at nothing for its own process, before anything touches a certificate.
/// </summary>
internal static partial class SystemTrustStore
{
    /// <summary>Call first thing in Main, while no other thread runs code that reads the environment.</summary>
    public static void LeaveUnloaded()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        SetEnvironment("SSL_CERT_FILE", "/dev/null", overwrite: 1);
        SetEnvironment("SSL_CERT_DIR", "/nonexistent/actorrouter-arctl-uses-no-system-trust", overwrite: 1);
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnvironment(string name, string value, int overwrite);
}
