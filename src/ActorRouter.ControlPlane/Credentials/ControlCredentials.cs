using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using ActorRouter.Control.Contracts;

namespace ActorRouter.ControlPlane.Credentials;

/// <summary>Who a verified certificate belongs to: the name and role the router's CA signed into its subject.</summary>
public sealed record ClientIdentity(string Name, string Role, string SerialNumber)
{
    public bool IsAdmin => Role == ClientRoles.Admin;
}

/// <summary>
/// The control endpoint's credentials, kept in the state directory (created mode 0700, every file 0600):
/// <list type="bullet">
/// <item><c>ca.p12</c>: the router's private CA (ECDSA P-256, self-signed, ten years);</item>
/// <item><c>endpoint.p12</c>: the endpoint's TLS certificate, issued by the CA (subject OU=control-endpoint);</item>
/// <item><c>admin.p12</c>: the admin client credential arctl uses by default (CN=admin, OU=admin), with the CA certificate packed in;</item>
/// <item><c>read-only.p12</c>: only with a read-only group: CN=read-only, OU=read-only, file 0640 owned by that group (the directory becomes 0750);</item>
/// <item><c>issued.tsv</c>: every certificate the CA issued (serial, name, role, time), so that a name can be revoked;</item>
/// <item><c>revoked.tsv</c>: the revoked serial numbers.</item>
/// </list>
/// Client credentials are unencrypted PKCS#12: the file mode is what protects them, as for an ssh key,
/// so that <c>sudo arctl</c> works without a password prompt. The CA and endpoint keys may be encrypted
/// with a password kept outside the configuration (a file or an environment variable).
/// Existing files are reused; only missing ones are created.
/// </summary>
public sealed partial class ControlCredentials
{
    public const string CaFile = "ca.p12";
    public const string EndpointFile = "endpoint.p12";
    public const string AdminFile = "admin.p12";
    public const string ReadOnlyFile = "read-only.p12";
    public const string IssuedFile = "issued.tsv";
    public const string RevokedFile = "revoked.tsv";
    public const string EndpointRole = CertificateChecks.EndpointRole;

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerAndGroupRead = OwnerOnly | UnixFileMode.GroupRead;
    private const UnixFileMode DirectoryOwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode DirectoryGroupList = DirectoryOwnerOnly | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;

    private static readonly TimeSpan CaLifetime = TimeSpan.FromDays(3650);
    private static readonly TimeSpan CertificateLifetime = TimeSpan.FromDays(825);

    private readonly Lock _gate = new();
    private readonly X509Certificate2 _ca;
    private readonly HashSet<string> _revokedSerials;
    private readonly List<IssuedEntry> _issued;

    private sealed record IssuedEntry(string Serial, string Name, string Role, string Issued);

    private ControlCredentials(string directory, X509Certificate2 ca, List<IssuedEntry> issued, HashSet<string> revoked)
    {
        Directory = directory;
        _ca = ca;
        _issued = issued;
        _revokedSerials = revoked;
    }

    public string Directory { get; }

    /// <summary>The CA certificate without its key.</summary>
    public X509Certificate2 CaCertificate => X509CertificateLoader.LoadCertificate(_ca.RawData);

    /// <summary>The endpoint's certificate with its private key, for the TLS layer.</summary>
    public X509Certificate2 EndpointCertificate { get; private set; } = null!;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex NamePattern();

    public static bool IsValidName(string name) => NamePattern().IsMatch(name);

    /// <summary>
    /// Opens the state directory, creating what is missing. <paramref name="readOnlyGroup"/>: also a
    /// read-only credential readable by that group. <paramref name="hostnames"/>: names and addresses the
    /// endpoint certificate is issued for (clients check the CA, not the name, but tools that look show it).
    /// </summary>
    /// <exception cref="CredentialException">A file cannot be read or created; the message says which and why.</exception>
    public static ControlCredentials OpenOrCreate(string directory, string? readOnlyGroup, string? keyPassword, IEnumerable<string> hostnames)
    {
        try
        {
            return Open(Path.GetFullPath(directory), readOnlyGroup, keyPassword, hostnames);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new CredentialException($"control credentials in {directory}: {e.Message}", e);
        }
    }

    private static ControlCredentials Open(string directory, string? readOnlyGroup, string? keyPassword, IEnumerable<string> hostnames)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the router runs on Linux");
        }
        var directoryMode = readOnlyGroup is null ? DirectoryOwnerOnly : DirectoryGroupList;
        if (!System.IO.Directory.Exists(directory))
        {
            System.IO.Directory.CreateDirectory(directory, directoryMode);
        }
        // Tightened also when it existed: the directory guards every key in it.
        File.SetUnixFileMode(directory, directoryMode);
        int? groupId = null;
        if (readOnlyGroup is not null)
        {
            groupId = UnixAccounts.GroupId(readOnlyGroup) ?? throw new CredentialException($"control.read-only-group: no group named '{readOnlyGroup}' on this machine");
            UnixAccounts.SetGroup(directory, groupId.Value);
        }

        var issued = ReadIssued(Path.Combine(directory, IssuedFile));
        var revoked = ReadRevoked(Path.Combine(directory, RevokedFile));

        var caPath = Path.Combine(directory, CaFile);
        X509Certificate2 ca;
        if (File.Exists(caPath))
        {
            ca = LoadWithKey(caPath, keyPassword);
        }
        else
        {
            ca = CreateCa();
            WritePrivate(caPath, ca.Export(X509ContentType.Pkcs12, keyPassword), OwnerOnly, null);
        }

        var credentials = new ControlCredentials(directory, ca, issued, revoked);
        var endpointPath = Path.Combine(directory, EndpointFile);
        X509Certificate2 endpoint;
        if (File.Exists(endpointPath))
        {
            endpoint = LoadWithKey(endpointPath, keyPassword);
        }
        else
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            endpoint = credentials.Issue("router", EndpointRole, new PublicKey(key), serverAuthentication: true, hostnames).CopyWithPrivateKey(key);
            WritePrivate(endpointPath, endpoint.Export(X509ContentType.Pkcs12, keyPassword), OwnerOnly, null);
        }
        credentials.EndpointCertificate = endpoint;
        var ready = credentials;

        var adminPath = Path.Combine(directory, AdminFile);
        if (!File.Exists(adminPath))
        {
            WritePrivate(adminPath, ready.CreateClientCredential("admin", ClientRoles.Admin), OwnerOnly, null);
        }
        var readOnlyPath = Path.Combine(directory, ReadOnlyFile);
        if (groupId is int gid)
        {
            if (!File.Exists(readOnlyPath))
            {
                WritePrivate(readOnlyPath, ready.CreateClientCredential("read-only", ClientRoles.ReadOnly), OwnerAndGroupRead, gid);
            }
            else
            {
                File.SetUnixFileMode(readOnlyPath, OwnerAndGroupRead);
                UnixAccounts.SetGroup(readOnlyPath, gid);
            }
        }
        else if (File.Exists(readOnlyPath))
        {
            // The group setting was removed: nobody but the owner reads the credential any more.
            File.SetUnixFileMode(readOnlyPath, OwnerOnly);
        }
        return ready;
    }

    /// <summary>A client credential made here (key included): PKCS#12 with the client certificate, its key and the CA certificate.</summary>
    private byte[] CreateClientCredential(string name, string role)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = Issue(name, role, new PublicKey(key), serverAuthentication: false, []);
        using var withKey = certificate.CopyWithPrivateKey(key);
        using var ca = CaCertificate;
        return new X509Certificate2Collection { withKey, ca }.Export(X509ContentType.Pkcs12)!;
    }

    /// <summary>
    /// Signs a client's certificate signing request. The request's own subject is ignored: the CA writes
    /// the name and role it was asked for by an admin. The request's signature proves the client holds the key.
    /// </summary>
    /// <returns>The certificate, or null with <paramref name="error"/> set.</returns>
    public X509Certificate2? IssueFromSigningRequest(string name, string role, byte[] signingRequest, out string? error)
    {
        error = null;
        if (!IsValidName(name))
        {
            error = $"'{name}' is not a credential name (letters, digits, '.', '_', '-'; at most 64; starts with a letter or digit)";
            return null;
        }
        if (!ClientRoles.IsKnown(role))
        {
            error = $"'{role}' is not a role ({ClientRoles.ReadOnly} or {ClientRoles.Admin})";
            return null;
        }
        CertificateRequest request;
        try
        {
            request = CertificateRequest.LoadSigningRequest(signingRequest, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default);
        }
        catch (CryptographicException e)
        {
            error = $"the certificate signing request is not valid: {e.Message}";
            return null;
        }
        return Issue(name, role, request.PublicKey, serverAuthentication: false, []);
    }

    /// <param name="alsoClientAuthentication">Both usages (a fleet member is the server of the connections it accepts and the client of those it opens).</param>
    private X509Certificate2 Issue(string name, string role, PublicKey publicKey, bool serverAuthentication, IEnumerable<string> hostnames, bool alsoClientAuthentication = false)
    {
        var subject = new X500DistinguishedName($"CN={name}, OU={role}, O=ActorRouter control");
        var request = new CertificateRequest(subject, publicKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            alsoClientAuthentication
                ? [Oid.FromOidValue("1.3.6.1.5.5.7.3.1", OidGroup.EnhancedKeyUsage), Oid.FromOidValue("1.3.6.1.5.5.7.3.2", OidGroup.EnhancedKeyUsage)]
                : serverAuthentication ? [Oid.FromOidValue("1.3.6.1.5.5.7.3.1", OidGroup.EnhancedKeyUsage)] : [Oid.FromOidValue("1.3.6.1.5.5.7.3.2", OidGroup.EnhancedKeyUsage)],
            false));
        if (serverAuthentication)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(System.Net.IPAddress.Loopback);
            names.AddIpAddress(System.Net.IPAddress.IPv6Loopback);
            foreach (var host in hostnames)
            {
                if (System.Net.IPAddress.TryParse(host, out var address))
                {
                    names.AddIpAddress(address);
                }
                else if (host.Length > 0)
                {
                    names.AddDnsName(host);
                }
            }
            request.CertificateExtensions.Add(names.Build());
        }
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        var now = DateTimeOffset.UtcNow;
        using var caKey = _ca.GetECDsaPrivateKey() ?? throw new CryptographicException("the CA certificate has no ECDSA private key");
        var certificate = request.Create(_ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), now.AddMinutes(-5), now + CertificateLifetime, serial);
        Record(new IssuedEntry(certificate.SerialNumber, name, role, now.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)));
        return certificate;
    }

    private static X509Certificate2 CreateCa()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=ActorRouter control CA {Environment.MachineName}, O=ActorRouter control", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now + CaLifetime);
    }

    // ---- verification ------------------------------------------------------------------------

    /// <summary>
    /// The identity of a client certificate: it must chain to this router's CA, be in its validity
    /// period, not be revoked, and carry a known role. Null with <paramref name="reason"/> otherwise.
    /// </summary>
    public ClientIdentity? Verify(X509Certificate2? certificate, out string? reason)
    {
        if (certificate is null)
        {
            reason = "no client certificate";
            return null;
        }
        if (!CertificateChecks.ChainsTo(certificate, _ca))
        {
            reason = "certificate not issued by this router's CA";
            return null;
        }
        if (IsRevoked(certificate.SerialNumber))
        {
            reason = "certificate revoked";
            return null;
        }
        var (name, role) = CertificateChecks.NameAndRole(certificate);
        if (name is null || role is null || !ClientRoles.IsKnown(role))
        {
            reason = "certificate carries no client role";
            return null;
        }
        reason = null;
        return new ClientIdentity(name, role, certificate.SerialNumber);
    }

    public bool IsRevoked(string serial)
    {
        lock (_gate)
        {
            return _revokedSerials.Contains(serial);
        }
    }

    /// <summary>Revokes every certificate issued under <paramref name="name"/>; returns how many, persisted before it returns.</summary>
    public int Revoke(string name)
    {
        lock (_gate)
        {
            var serials = _issued.Where(e => e.Name == name && !_revokedSerials.Contains(e.Serial)).Select(e => e.Serial).ToList();
            if (serials.Count == 0)
            {
                return 0;
            }
            var now = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture);
            var lines = _revokedSerials.Count == 0 ? [] : File.ReadAllLines(Path.Combine(Directory, RevokedFile)).ToList();
            lines.AddRange(serials.Select(s => $"{s}\t{name}\t{now}"));
            WritePrivate(Path.Combine(Directory, RevokedFile), System.Text.Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n"), OwnerOnly, null);
            _revokedSerials.UnionWith(serials);
            return serials.Count;
        }
    }

    /// <summary>Whether any certificate was issued under <paramref name="name"/>.</summary>
    public bool WasIssued(string name)
    {
        lock (_gate)
        {
            return _issued.Any(e => e.Name == name);
        }
    }

    private void Record(IssuedEntry entry)
    {
        lock (_gate)
        {
            _issued.Add(entry);
            var text = string.Concat(_issued.Select(e => $"{e.Serial}\t{e.Name}\t{e.Role}\t{e.Issued}\n"));
            WritePrivate(Path.Combine(Directory, IssuedFile), System.Text.Encoding.UTF8.GetBytes(text), OwnerOnly, null);
        }
    }

    private static List<IssuedEntry> ReadIssued(string path) =>
        !File.Exists(path)
            ? []
            : File.ReadAllLines(path).Select(l => l.Split('\t')).Where(p => p.Length == 4).Select(p => new IssuedEntry(p[0], p[1], p[2], p[3])).ToList();

    private static HashSet<string> ReadRevoked(string path) =>
        !File.Exists(path)
            ? []
            : File.ReadAllLines(path).Select(l => l.Split('\t')[0]).Where(s => s.Length > 0).ToHashSet(StringComparer.Ordinal);

    private static X509Certificate2 LoadWithKey(string path, string? password)
    {
        var certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.EphemeralKeySet);
        if (!certificate.HasPrivateKey)
        {
            throw new CryptographicException($"{path} has no private key");
        }
        return certificate;
    }

    /// <summary>
    /// Writes a file that is never readable by anyone else, not even for a moment: the temporary file is
    /// created with its final mode (and group) and then renamed over the target.
    /// </summary>
    private static void WritePrivate(string path, byte[] bytes, UnixFileMode mode, int? groupId)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the router runs on Linux");
        }
        var temp = path + ".tmp";
        File.Delete(temp);
        using (var stream = new FileStream(temp, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerOnly }))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        if (groupId is int gid)
        {
            UnixAccounts.SetGroup(temp, gid);
        }
        File.SetUnixFileMode(temp, mode);
        File.Move(temp, path, overwrite: true);
    }
}

/// <summary>The state directory or a credential in it cannot be used.</summary>
public sealed class CredentialException(string message, Exception? inner = null) : Exception(message, inner);
