using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ActorRouter.Control.Contracts;
using ActorRouter.ControlPlane.Credentials;

namespace ActorRouter.ControlPlane.Tests.Commands;

/// <summary>
/// A router's credentials made once for the test run (a temporary state directory, removed at exit)
/// and its admin credential, to sign requests for a gateway the way arctl does.
/// </summary>
public static class TestSigner
{
    private sealed record State(string Directory, X509Certificate2 Certificate, ECDsa Key);

    private static readonly Lazy<State> Shared = new(() =>
    {
        var root = System.IO.Directory.CreateTempSubdirectory("gateway-credentials-").FullName;
        var directory = Path.Combine(root, "state");
        ControlCredentials.OpenOrCreate(directory, null, null, []);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => System.IO.Directory.Delete(root, recursive: true);
        var collection = X509CertificateLoader.LoadPkcs12CollectionFromFile(
            Path.Combine(directory, ControlCredentials.AdminFile), null, X509KeyStorageFlags.EphemeralKeySet);
        var certificate = collection.First(c => c.HasPrivateKey);
        return new State(directory, certificate, certificate.GetECDsaPrivateKey()!);
    });

    /// <summary>An authorizer over the shared credentials (each its own replay memory and counters).</summary>
    public static ClientAuthorizer Authorizer() =>
        new(ControlCredentials.OpenOrCreate(Shared.Value.Directory, null, null, []));

    private static readonly Lazy<(X509Certificate2 Certificate, ECDsa Key)> Viewer = new(() =>
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=viewer", key, HashAlgorithmName.SHA256).CreateSigningRequest();
        var credentials = ControlCredentials.OpenOrCreate(Shared.Value.Directory, null, null, []);
        var certificate = credentials.IssueFromSigningRequest("viewer", ClientRoles.ReadOnly, request, out var error)
            ?? throw new InvalidOperationException(error);
        return (certificate, key);
    });

    /// <summary><paramref name="request"/> signed with a read-only credential named viewer.</summary>
    public static SignedRequest ReadOnly(IArctlRequest request) =>
        RequestSigning.Sign(request, Viewer.Value.Certificate, Viewer.Value.Key);

    /// <summary><paramref name="request"/> signed with the admin credential.</summary>
    public static SignedRequest Admin(IArctlRequest request) =>
        RequestSigning.Sign(request, Shared.Value.Certificate, Shared.Value.Key);
}
