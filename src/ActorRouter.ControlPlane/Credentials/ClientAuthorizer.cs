using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ActorRouter.Control.Contracts;

namespace ActorRouter.ControlPlane.Credentials;

/// <summary>
/// Decides who may do what on the control endpoint, and keeps the record of it. Two checks:
/// <list type="number">
/// <item>at TLS connection time (<see cref="AcceptConnection"/>): the client certificate chains to the
/// router's CA and is not revoked — anything else never gets an Akka association;</item>
/// <item>per request (<see cref="Admit"/>): the request is signed by the key of a certificate that
/// passes the same test, within the clock window and with a nonce not seen before; the role in the
/// certificate allows the request (<c>show</c> needs read-only, everything else admin).</item>
/// </list>
/// The second check is what gives the gateway an identity: Akka.Remote does not say which certificate
/// a connection presented, and the sender address a peer announces is its own claim. Every refusal is
/// counted by reason and kept with the peer's address. Thread-safe: the TLS callback runs on the
/// transport's threads, the gateway on its own.
/// </summary>
public sealed class ClientAuthorizer
{
    /// <summary>How far a request's signing time may be from the router's clock, either way.</summary>
    public static readonly TimeSpan ClockWindow = TimeSpan.FromMinutes(5);

    /// <summary>A client counts as connected while its association lasts; without association events, this long after its last request.</summary>
    public static readonly TimeSpan ActiveWindow = TimeSpan.FromMinutes(10);

    private const int RecentRefusalsKept = 20;

    private readonly ControlCredentials _credentials;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _refusals = new(StringComparer.Ordinal);
    private readonly Queue<string> _recentRefusals = new();
    private readonly HashSet<string> _nonces = new(StringComparer.Ordinal);
    private readonly Queue<(DateTimeOffset Expires, string Nonce)> _nonceExpiry = new();
    private readonly Dictionary<(string Name, string Address), ClientRecord> _clients = new();

    private sealed class ClientRecord(ClientIdentity identity)
    {
        public ClientIdentity Identity { get; } = identity;
        public long Requests;
        public DateTimeOffset LastSeen;
    }

    public ClientAuthorizer(ControlCredentials credentials, TimeProvider? time = null)
    {
        _credentials = credentials;
        _time = time ?? TimeProvider.System;
    }

    public ControlCredentials Credentials => _credentials;

    /// <summary>Fired for every refusal (reason, peer) so that the host can log it.</summary>
    public event Action<string, string>? Refused;

    /// <summary>The TLS layer's check of a client certificate at connection time.</summary>
    public bool AcceptConnection(X509Certificate2? certificate, string peer)
    {
        if (_credentials.Verify(certificate, out var reason) is not null)
        {
            return true;
        }
        CountRefusal($"connection: {reason}", peer);
        return false;
    }

    /// <summary>
    /// The identity behind <paramref name="signed"/> when it is authentic and its role allows the request;
    /// otherwise null and the reason to tell the client (already counted).
    /// </summary>
    public ClientIdentity? Admit(SignedRequest signed, string peer, out string? refusal)
    {
        var identity = Authenticate(signed, out refusal);
        if (identity is null)
        {
            CountRefusal(refusal!, peer);
            return null;
        }
        if (WhyNotAllowed(identity, signed.Request) is string denied)
        {
            refusal = denied;
            CountRefusal($"role {identity.Role} may not {Describe(signed.Request)}", peer, identity.Name);
            return null;
        }
        lock (_gate)
        {
            var key = (identity.Name, peer);
            if (!_clients.TryGetValue(key, out var record))
            {
                _clients[key] = record = new ClientRecord(identity);
            }
            record.Requests++;
            record.LastSeen = _time.GetUtcNow();
        }
        return identity;
    }

    /// <summary>A request that came without a signature: never answered.</summary>
    public void RefuseUnsigned(IArctlRequest request, string peer) => CountRefusal("unsigned request", peer);

    private ClientIdentity? Authenticate(SignedRequest signed, out string? reason)
    {
        // Fields a hostile peer left out arrive as null despite the record's types.
        if (signed.Request is null || signed.ClientCertificate is null || signed.Nonce is null || signed.Signature is null)
        {
            reason = "malformed signed request";
            return null;
        }
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadCertificate(signed.ClientCertificate);
        }
        catch (CryptographicException)
        {
            reason = "malformed client certificate";
            return null;
        }
        using (certificate)
        {
            var identity = _credentials.Verify(certificate, out reason);
            if (identity is null)
            {
                return null;
            }
            var now = _time.GetUtcNow();
            var issuedAt = DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(signed.IssuedAtUnixMilliseconds, 0, 253402300799999));
            if ((now - issuedAt).Duration() > ClockWindow)
            {
                reason = $"request signed at {issuedAt:O}, outside the router's clock window of ±{ClockWindow.TotalMinutes:0} min (router time {now:O})";
                return null;
            }
            using var key = certificate.GetECDsaPublicKey();
            if (key is null || signed.Nonce.Length is < 16 or > 64
                || !key.VerifyData(RequestSigning.BytesToSign(signed.Request, signed.IssuedAtUnixMilliseconds, signed.Nonce), signed.Signature, HashAlgorithmName.SHA256))
            {
                reason = "bad request signature";
                return null;
            }
            lock (_gate)
            {
                while (_nonceExpiry.Count > 0 && _nonceExpiry.Peek().Expires < now)
                {
                    _nonces.Remove(_nonceExpiry.Dequeue().Nonce);
                }
                if (!_nonces.Add(signed.Nonce))
                {
                    reason = "replayed request";
                    return null;
                }
                // Remembered for as long as its time stamp would be accepted, so a replay is always caught.
                _nonceExpiry.Enqueue((issuedAt + ClockWindow, signed.Nonce));
            }
            return identity;
        }
    }

    /// <summary>The role check: <c>show</c> needs read-only; every change, <c>clear</c>, <c>write memory</c>, <c>debug</c> and <c>credentials</c> need admin.</summary>
    public static string? WhyNotAllowed(ClientIdentity identity, IArctlRequest request)
    {
        if (identity.IsAdmin || IsReadOnly(request))
        {
            return null;
        }
        return $"not authorised: credential '{identity.Name}' has role {identity.Role}, and {Describe(request)} needs role {ClientRoles.Admin}";
    }

    /// <summary>Requests that only look: every <c>Show…</c> request, also when carried to another fleet member (<c>--node</c>, <c>--fleet</c>).</summary>
    public static bool IsReadOnly(IArctlRequest request) => request switch
    {
        NodeRequest node => node.Request is not null && IsReadOnly(node.Request),
        FleetRequest fleet => fleet.Request is not null && IsReadOnly(fleet.Request),
        _ => request.GetType().Name.StartsWith("Show", StringComparison.Ordinal),
    };

    private static string Describe(IArctlRequest request) => request switch
    {
        NodeRequest { Request: { } inner } => Describe(inner),
        FleetRequest { Request: { } inner } => Describe(inner),
        _ => request.GetType().Name.Replace("Request", "", StringComparison.Ordinal),
    };

    /// <summary>The client at <paramref name="address"/> went away.</summary>
    public void Disconnected(string address)
    {
        lock (_gate)
        {
            foreach (var key in _clients.Keys.Where(k => k.Address == address).ToList())
            {
                _clients.Remove(key);
            }
        }
    }

    private void CountRefusal(string reason, string peer, string? name = null)
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            // Counted by the kind of refusal; the details (times, names) stay in the recent list and the log.
            var kind = reason.StartsWith("request signed at", StringComparison.Ordinal) ? "request outside the clock window" : reason;
            _refusals[kind] = _refusals.GetValueOrDefault(kind) + 1;
            _recentRefusals.Enqueue($"{now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)} {peer}{(name is null ? "" : $" ({name})")}: {kind}");
            while (_recentRefusals.Count > RecentRefusalsKept)
            {
                _recentRefusals.Dequeue();
            }
        }
        Refused?.Invoke(reason, peer);
    }

    public long RefusalCount(string reason)
    {
        lock (_gate)
        {
            return _refusals.GetValueOrDefault(reason);
        }
    }

    public ControlClientsView View()
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            var clients = _clients.Values
                .Where(c => now - c.LastSeen <= ActiveWindow)
                .Select(c => new ControlClientView(c.Identity.Name, c.Identity.Role,
                    _clients.First(kv => kv.Value == c).Key.Address, c.Requests,
                    c.LastSeen.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)))
                .OrderBy(c => c.Name, StringComparer.Ordinal).ThenBy(c => c.Address, StringComparer.Ordinal)
                .ToList();
            var refusals = _refusals.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => new RefusalCountView(r.Key, r.Value)).ToList();
            return new ControlClientsView(clients, refusals, _recentRefusals.ToList(), (int)ActiveWindow.TotalSeconds);
        }
    }
}
