using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace ActorRouter.Control.Contracts;

// Who is asking. Every request arctl sends travels inside a SignedRequest: the client's certificate
// (issued by the router's own CA, with the client's name and role in its subject) and a signature by
// the client's private key over the request, the time it was made and a nonce. The TLS layer already
// refuses connections whose certificate does not chain to the router's CA, but Akka.Remote does not
// tell an actor which certificate a connection presented, and the sender address a peer announces in
// Akka's handshake is whatever the peer claims. The signature makes the identity a property of each
// request instead: it cannot be forged without the private key, cannot be moved onto another request,
// and cannot be replayed (the gateway remembers nonces for the whole accepted clock window).

/// <summary>A request with the proof of who sent it; the gateway answers the inner request or <see cref="NotAuthorised"/>.</summary>
/// <param name="ClientCertificate">DER of the client's certificate.</param>
/// <param name="IssuedAtUnixMilliseconds">The client's clock when it signed.</param>
/// <param name="Nonce">Random, never reused: with the time it makes every signed request unique.</param>
/// <param name="Signature">ECDSA (SHA-256, IEEE P1363 form) over <see cref="RequestSigning.BytesToSign"/>.</param>
public sealed record SignedRequest([property: System.Text.Json.Serialization.JsonConverter(typeof(NestedRequestConverter))] IArctlRequest Request, byte[] ClientCertificate, long IssuedAtUnixMilliseconds, string Nonce, byte[] Signature);

/// <summary>The router did not accept who asked, or the role does not allow the request. arctl exits with 4.</summary>
public sealed record NotAuthorised(string Reason);

/// <summary>The bytes a client signs and the gateway verifies; both ends compute them from the same records.</summary>
public static class RequestSigning
{
    private const string Domain = "actorrouter-control-request-v1";

    /// <summary><paramref name="request"/> signed with <paramref name="key"/>, the key of <paramref name="certificate"/>: the one way clients sign.</summary>
    public static SignedRequest Sign(IArctlRequest request, X509Certificate2 certificate, ECDsa key)
    {
        var issuedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var nonce = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        var signature = key.SignData(BytesToSign(request, issuedAt, nonce), HashAlgorithmName.SHA256);
        return new SignedRequest(request, certificate.RawData, issuedAt, nonce, signature);
    }

    public static byte[] BytesToSign(IArctlRequest request, long issuedAtUnixMilliseconds, string nonce)
    {
        // The codec's own encoding (source-generated, fixed table): the same bytes on both ends, and no
        // reflection-based serializer in arctl.
        var type = request.GetType();
        var json = Encoding.UTF8.GetString(ContractCodec.Encode(request));
        return Encoding.UTF8.GetBytes($"{Domain}\n{type.FullName}\n{json}\n{issuedAtUnixMilliseconds}\n{nonce}");
    }
}

/// <summary>The two roles a client credential carries: read-only may run <c>show</c>, admin anything.</summary>
public static class ClientRoles
{
    public const string ReadOnly = "read-only";
    public const string Admin = "admin";

    public static bool IsKnown(string role) => role is ReadOnly or Admin;
}

/// <summary>
/// <c>credentials issue NAME --role ROLE --out FILE</c>: arctl made the key pair and sends only a
/// certificate signing request (PKCS#10, DER); the private key never leaves the client's machine.
/// </summary>
public sealed record IssueCredentialRequest(string Name, string Role, byte[] CertificateSigningRequest) : IArctlRequest;

/// <summary>The signed certificate (DER) and the router's CA certificate (DER), which the client packs with its key.</summary>
public sealed record CredentialIssued(string Name, string Role, string SerialNumber, byte[] Certificate, byte[] CaCertificate);

/// <summary><c>credentials revoke NAME</c>: every certificate issued under NAME stops working for new connections and requests.</summary>
public sealed record RevokeCredentialRequest(string Name) : IArctlRequest;

/// <summary><c>show control clients</c>.</summary>
public sealed record ShowControlClientsRequest : IArctlRequest;

/// <param name="LastSeen">UTC, ISO 8601.</param>
/// <param name="Address">The Akka address the client's requests come from.</param>
public sealed record ControlClientView(string Name, string Role, string Address, long Requests, string LastSeen);

/// <summary>A reason a request or connection was refused, and how many times.</summary>
public sealed record RefusalCountView(string Reason, long Count);

/// <param name="Clients">Clients seen in the last <c>ActiveWindowSeconds</c>, by name.</param>
/// <param name="RecentRefusals">The last refusals, newest last: time, peer, reason.</param>
public sealed record ControlClientsView(
    IReadOnlyList<ControlClientView> Clients,
    IReadOnlyList<RefusalCountView> Refusals,
    IReadOnlyList<string> RecentRefusals,
    int ActiveWindowSeconds)
{
    public IReadOnlyList<ControlClientView> Clients { get; } = Clients.ToList();
    public IReadOnlyList<RefusalCountView> Refusals { get; } = Refusals.ToList();
    public IReadOnlyList<string> RecentRefusals { get; } = RecentRefusals.ToList();
}
