using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ActorRouter.Control.Contracts;

namespace ActorRouter.ControlPlane.Credentials;

/// <summary>
/// The fleet member certificate. The routers of a fleet share one CA (the same <c>ca.p12</c> in every
/// router's state directory); each router's membership certificate is issued by it with the role
/// <see cref="FleetMemberRole"/>, which no client credential carries, so an arctl credential cannot
/// join the cluster and a member certificate cannot drive arctl commands.
/// </summary>
public sealed partial class ControlCredentials
{
    public const string FleetMemberFile = "fleet-member.p12";
    public const string FleetMemberRole = "fleet-member";

    /// <summary>
    /// The member certificate for <paramref name="routerName"/> (with its key): read from
    /// <see cref="FleetMemberFile"/>, or issued now when the file is missing, was issued under another
    /// name, was revoked, or by another CA (the CA file was replaced with the fleet's).
    /// </summary>
    /// <exception cref="CredentialException">The file cannot be read or written.</exception>
    public X509Certificate2 FleetMemberCertificate(string routerName, string? keyPassword, IEnumerable<string> hostnames)
    {
        var path = Path.Combine(Directory, FleetMemberFile);
        try
        {
            if (File.Exists(path))
            {
                var existing = LoadWithKey(path, keyPassword);
                if (VerifyFleetMember(existing, out _) == routerName)
                {
                    return existing;
                }
                existing.Dispose();
            }
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            using var issued = Issue(routerName, FleetMemberRole, new PublicKey(key), serverAuthentication: true, hostnames, alsoClientAuthentication: true);
            var member = issued.CopyWithPrivateKey(key);
            WritePrivate(path, member.Export(X509ContentType.Pkcs12, keyPassword), OwnerOnly, null);
            return member;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new CredentialException($"fleet member certificate in {path}: {e.Message}", e);
        }
    }

    /// <summary>
    /// The router name of a fleet member's certificate: it must chain to this router's CA (the fleet's),
    /// be valid now, not be revoked, and carry the member role. Null with <paramref name="reason"/> otherwise.
    /// </summary>
    public string? VerifyFleetMember(X509Certificate2? certificate, out string? reason)
    {
        if (certificate is null)
        {
            reason = "no certificate";
            return null;
        }
        if (!CertificateChecks.ChainsTo(certificate, _ca))
        {
            reason = "certificate not issued by this fleet's CA";
            return null;
        }
        if (IsRevoked(certificate.SerialNumber))
        {
            reason = "certificate revoked";
            return null;
        }
        var (name, role) = CertificateChecks.NameAndRole(certificate);
        if (name is null || role != FleetMemberRole)
        {
            reason = $"certificate is not a fleet member's (role {role ?? "none"})";
            return null;
        }
        reason = null;
        return name;
    }
}
