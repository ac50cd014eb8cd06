using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using ActorRouter.Control.Contracts;

namespace ActorRouter.Cli;

/// <summary>The router could not be reached or did not answer in time (exit code 3).</summary>
public sealed class RouterUnreachableException(string message) : Exception(message);

/// <summary>The credential cannot be read, or the router (or arctl, of the router) refused it (exit code 4).</summary>
public sealed class NotAuthorisedException(string message) : Exception(message);

/// <summary>Where arctl's client credential is: a PKCS#12 file with the client certificate, its key and the router's CA certificate.</summary>
public sealed record ClientCertificate(string Path, string? Password);

/// <summary>A client credential in memory: the certificate with its ECDSA key, and the CA that must have issued the router's certificate.</summary>
public sealed class LoadedCredential : IDisposable
{
    private LoadedCredential(string path, X509Certificate2 certificate, ECDsa key, X509Certificate2 ca)
    {
        Path = path;
        Certificate = certificate;
        Key = key;
        Ca = ca;
    }

    public string Path { get; }
    public X509Certificate2 Certificate { get; }
    public ECDsa Key { get; }
    public X509Certificate2 Ca { get; }

    /// <summary>
    /// The certificate as both of arctl's TLS roles present it. Its chain is built against the CA in the
    /// credential only: the default would load the whole system trust store to look for intermediates
    /// there are none of, and in a one-shot arctl that was the largest part of the handshake.
    /// </summary>
    public SslStreamCertificateContext CertificateContext => _certificateContext ??= SslStreamCertificateContext.Create(
        Certificate, [Ca], offline: true, SslCertificateTrust.CreateForX509Collection([Ca], sendTrustInHandshake: false));

    private SslStreamCertificateContext? _certificateContext;

    /// <exception cref="UnauthorizedAccessException">The file is not readable by this user.</exception>
    /// <exception cref="IOException">It does not exist or cannot be read.</exception>
    /// <exception cref="CryptographicException">It is not a credential arctl can use; the message says why.</exception>
    public static LoadedCredential Load(ClientCertificate file)
    {
        // Read first: the loader reports a file it may not read as a cryptographic error, and that is a different answer (exit 4).
        var bytes = File.ReadAllBytes(file.Path);
        var collection = X509CertificateLoader.LoadPkcs12Collection(bytes, file.Password, X509KeyStorageFlags.EphemeralKeySet);
        var certificate = collection.FirstOrDefault(c => c.HasPrivateKey)
            ?? throw new CryptographicException("it holds no certificate with a private key");
        var key = certificate.GetECDsaPrivateKey()
            ?? throw new CryptographicException("its key is not an ECDSA key (credentials come from the router's state directory or 'arctl credentials issue')");
        var ca = collection.FirstOrDefault(c => !c.HasPrivateKey && c.SubjectName.RawData.AsSpan().SequenceEqual(c.IssuerName.RawData))
            ?? throw new CryptographicException("it holds no CA certificate to check the router with (credentials come from the router's state directory or 'arctl credentials issue')");
        return new LoadedCredential(file.Path, certificate, key, ca);
    }

    /// <summary><paramref name="request"/> signed with this credential's key (see <see cref="SignedRequest"/>).</summary>
    public SignedRequest Sign(IArctlRequest request) => RequestSigning.Sign(request, Certificate, Key);

    public void Dispose()
    {
        Key.Dispose();
        Certificate.Dispose();
        Ca.Dispose();
    }
}


/// <summary>
/// One connection to the router's control endpoint, speaking Akka.Remote's classic TCP protocol
/// directly (length-prefixed protobuf frames: associate, then envelopes to the command gateway
/// whose payload is the <see cref="ContractCodec"/>), so that a one-shot arctl does not start an
/// actor system: starting one costs most of a command's time. The router sees an ordinary remote
/// system named <c>arctl</c>; its replies come back on this connection, addressed to a temporary
/// path per request. Heartbeats keep a long interactive session associated. Both connections are
/// mutual TLS under the router's CA: arctl presents its credential's certificate (as the client on its
/// own connection, as the server on the one the router opens back for replies) and accepts only a
/// certificate with the control-endpoint role issued by the CA packed in the credential. Every
/// request travels signed (<see cref="LoadedCredential.Sign"/>).
/// </summary>
public sealed class RouterConnection : IAsyncDisposable
{
    /// <summary>What the router expects between heartbeats (Akka's transport failure detector sends one every 4 s).</summary>
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(4);

    private const ulong SeqUndefined = ulong.MaxValue;
    private const int CommandAssociate = 1;
    private const int CommandDisassociate = 2;
    private const int CommandHeartbeat = 3;
    private const int CommandDisassociateShuttingDown = 4;
    private const int CommandDisassociateQuarantined = 5;

    private readonly TcpClient _tcp;
    private readonly Stream _stream;
    private readonly TcpListener _listener;
    private readonly LoadedCredential _credential;
    private readonly List<Stream> _replyStreams = new();
    private readonly string _origin;
    private readonly string _gatewayPath;
    private readonly RouterAddress _router;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Dictionary<string, TaskCompletionSource<object>> _pending = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _closing = new();
    private readonly Task _reader;
    private readonly Timer _heartbeat;
    private long _nextRequest;
    private volatile string? _closedReason;

    private RouterConnection(TcpClient tcp, Stream stream, TcpListener listener, LoadedCredential credential, string origin, string gatewayPath, RouterAddress router)
    {
        _tcp = tcp;
        _stream = stream;
        _listener = listener;
        _credential = credential;
        _origin = origin;
        _gatewayPath = gatewayPath;
        _router = router;
        _reader = Task.WhenAll(Task.Run(() => ReadLoopAsync(_stream)), Task.Run(AcceptLoopAsync));
        _heartbeat = new Timer(_ => _ = SendControlAsync(CommandHeartbeat), null, HeartbeatInterval, HeartbeatInterval);
    }

    /// <summary>
    /// True when <paramref name="presented"/> is the router's: issued by <paramref name="ca"/> (only that CA
    /// is trusted) with the control-endpoint role. A client credential of the same CA is not the router.
    /// </summary>
    internal static bool IsRouterCertificate(X509Certificate? presented, X509Certificate2 ca) =>
        presented is X509Certificate2 x509 && CertificateChecks.ChainsTo(x509, ca)
        && CertificateChecks.NameAndRole(x509).Role == CertificateChecks.EndpointRole;

    /// <summary>A chain of the router's certificate is built against <paramref name="ca"/> alone: no system store, no downloads, no revocation lookups.</summary>
    internal static X509ChainPolicy RouterChainPolicy(X509Certificate2 ca)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
        };
        policy.CustomTrustStore.Add(ca);
        return policy;
    }

    /// <exception cref="RouterUnreachableException">Nothing answered in time (exit 3).</exception>
    /// <exception cref="NotAuthorisedException">The endpoint is not this credential's router, or the router refused the credential (exit 4).</exception>
    public static async Task<RouterConnection> ConnectAsync(RouterAddress router, TimeSpan timeout, LoadedCredential credential)
    {
        var unreachable = $"router at {router} is not reachable: its control endpoint did not answer (waited up to {timeout.TotalSeconds:0.#} s; is it running? is the address right? set it with --router HOST:PORT or ARCTL_ROUTER)";
        var tcp = new TcpClient { NoDelay = true };
        TcpListener? listener = null;
        using var limit = new CancellationTokenSource(timeout);
        var routerChecked = false;
        var routerIsOurs = false;
        try
        {
            await tcp.ConnectAsync(router.Host, router.Port, limit.Token);
            PhaseTiming.Mark("tcp");
            var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = router.Host,
                ClientCertificateContext = credential.CertificateContext,
                // TLS 1.2: the router's TLS layer (DotNetty under Akka.Remote) offers nothing newer. The
                // router also finishes its side of the handshake (and its client-certificate check) before
                // arctl writes the associate, so a refused credential fails the handshake itself.
                EnabledSslProtocols = SslProtocols.Tls12,
                // The router's certificate is checked against the CA in the credential only: no system trust
                // store to load (in a fresh process that is most of a handshake's cost) and no revocation
                // lookups. The callback then also requires the control-endpoint role.
                CertificateChainPolicy = RouterChainPolicy(credential.Ca),
                RemoteCertificateValidationCallback = (_, presented, _, _) =>
                {
                    routerIsOurs = IsRouterCertificate(presented, credential.Ca);
                    routerChecked = true;
                    return routerIsOurs;
                },
            }, limit.Token);
            PhaseTiming.Mark("tls");
            Stream stream = ssl;
            // Akka.Remote sends its replies over a connection of its own to the address the client
            // announces, so arctl listens (on the address it reaches the router from) for that one.
            var local = (IPEndPoint)tcp.Client.LocalEndPoint!;
            var localAddress = local.Address.IsIPv4MappedToIPv6 ? local.Address.MapToIPv4() : local.Address;
            listener = new TcpListener(localAddress, 0);
            listener.Start();
            var listenPort = ((IPEndPoint)listener.LocalEndpoint).Port;
            var localHost = localAddress.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{localAddress}]" : localAddress.ToString();
            const string protocol = "akka.ssl.tcp";
            var origin = $"{protocol}://arctl@{localHost}:{listenPort}";
            var associate = Associate(protocol, localHost, listenPort);
            await WriteFrameAsync(stream, associate, limit.Token);
            await AwaitAssociateAsync(stream, limit.Token);
            PhaseTiming.Mark("associate");
            var gatewayPath = CommandGatewayAddress.PathFor(router.Host, router.Port, tls: true);
            return new RouterConnection(tcp, stream, listener, credential, origin, gatewayPath, router) { _associate = associate };
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or AuthenticationException)
        {
            listener?.Stop();
            tcp.Dispose();
            if (routerChecked && !routerIsOurs)
            {
                throw new NotAuthorisedException(
                    $"not authorised: the endpoint at {router} presented a certificate that was not issued by the CA in {credential.Path}: it is not the router this credential belongs to");
            }
            // A router that checks the client certificate after arctl considers the handshake done says no
            // by closing the connection before Akka's associate: our router, gone at once.
            if (routerIsOurs && e is IOException or AuthenticationException)
            {
                throw new NotAuthorisedException(
                    $"not authorised: the router at {router} refused the credential {credential.Path} (not issued by its CA, revoked, or expired)");
            }
            throw new RouterUnreachableException(unreachable);
        }
        catch
        {
            listener?.Stop();
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>The gateway's answer to <paramref name="request"/>.</summary>
    public async Task<object> AskAsync(IArctlRequest request, TimeSpan timeout, RouterAddress router)
    {
        var temporary = $"/temp/arctl{Interlocked.Increment(ref _nextRequest)}";
        var answer = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_pending)
        {
            if (_closedReason is { } reason)
            {
                throw new RouterUnreachableException($"router at {router}: {reason}");
            }
            _pending[temporary] = answer;
        }
        try
        {
            var signed = _credential.Sign(request);
            PhaseTiming.Mark("sign");
            var envelope = new ProtobufWriter()
                .Message(1, new ProtobufWriter().String(1, _gatewayPath))
                .Message(2, new ProtobufWriter()
                    .Bytes(1, ContractCodec.Encode(signed))
                    .UInt(2, ContractCodec.SerializerId)
                    .String(3, ContractCodec.Manifest(signed)))
                .Message(4, new ProtobufWriter().String(1, _origin + temporary))
                .Fixed64(5, SeqUndefined);
            var frame = new ProtobufWriter().Bytes(1, new ProtobufWriter().Message(2, envelope).ToArray()).ToArray();
            await WriteAsync(frame);
            PhaseTiming.Mark("send");
            var first = await Task.WhenAny(answer.Task, Task.Delay(timeout));
            if (first != answer.Task)
            {
                throw new RouterUnreachableException($"router at {router} did not answer within {timeout.TotalSeconds:0.#} s");
            }
            var reply = await answer.Task;
            PhaseTiming.Mark("answer");
            return reply;
        }
        catch (IOException)
        {
            throw new RouterUnreachableException($"router at {router}: {_closedReason ?? "the connection was lost"}");
        }
        finally
        {
            lock (_pending)
            {
                _pending.Remove(temporary);
            }
        }
    }

    /// <summary>Says goodbye (so the router logs an orderly leave) and closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await _heartbeat.DisposeAsync();
        try
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await SendControlAsync(CommandDisassociateShuttingDown, limit.Token);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
        _closing.Cancel();
        _listener.Stop();
        lock (_replyStreams)
        {
            foreach (var stream in _replyStreams)
            {
                stream.Dispose();
            }
        }
        _tcp.Dispose();
        try
        {
            await _reader;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private static byte[] Associate(string protocol, string host, int port)
    {
        var address = new ProtobufWriter()
            .String(1, "arctl")
            .String(2, host)
            .UInt(3, (ulong)port)
            .String(4, protocol);
        var handshake = new ProtobufWriter().Message(1, address).Fixed64(2, (ulong)Random.Shared.NextInt64(1, long.MaxValue));
        return new ProtobufWriter().Message(2, new ProtobufWriter().UInt(1, CommandAssociate).Message(2, handshake)).ToArray();
    }

    /// <summary>Reads frames until the router's own associate; a disassociate means it refused.</summary>
    private static async Task AwaitAssociateAsync(Stream stream, CancellationToken cancel)
    {
        while (true)
        {
            var frame = await ReadFrameAsync(stream, cancel) ?? throw new IOException("the router closed the connection");
            if (ControlCommand(frame) is int command)
            {
                if (command == CommandAssociate)
                {
                    return;
                }
                if (command is CommandDisassociate or CommandDisassociateShuttingDown or CommandDisassociateQuarantined)
                {
                    throw new IOException("the router refused the association");
                }
            }
        }
    }

    /// <summary>The command type of a control frame, or null for a payload frame.</summary>
    private static int? ControlCommand(byte[] frame)
    {
        if (!ProtobufWire.TryFindBytes(frame, 2, out var instruction, out var present) || !present)
        {
            return null;
        }
        return ProtobufWire.TryFindVarint(instruction, 1, out var command) ? (int)command : 0;
    }

    /// <summary>Takes the router's connections for replies: each associates (the router speaks first), then carries envelopes.</summary>
    private async Task AcceptLoopAsync()
    {
        try
        {
            while (!_closing.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_closing.Token);
                client.NoDelay = true;
                _ = Task.Run(() => ServeReplyConnectionAsync(client));
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private async Task ServeReplyConnectionAsync(TcpClient client)
    {
        try
        {
            // Here arctl is the TLS server: it presents its credential's certificate and accepts only
            // the router's certificate under the credential's CA, so no one else can inject answers.
            var ssl = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
            var ca = _credential.Ca;
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = _credential.CertificateContext,
                ClientCertificateRequired = true,
                CertificateChainPolicy = RouterChainPolicy(ca),
                RemoteCertificateValidationCallback = (_, presented, _, _) => IsRouterCertificate(presented, ca),
            }, _closing.Token);
            Stream stream = ssl;
            lock (_replyStreams)
            {
                _replyStreams.Add(stream);
            }
            await ReadLoopAsync(stream, answerAssociate: true);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException or AuthenticationException)
        {
        }
        finally
        {
            client.Dispose();
        }
    }

    private byte[] _associate = [];

    private async Task ReadLoopAsync(Stream stream, bool answerAssociate = false)
    {
        var reason = "the router closed the connection";
        try
        {
            while (await ReadFrameAsync(stream, _closing.Token) is { } frame)
            {
                if (ControlCommand(frame) is int command)
                {
                    if (command == CommandAssociate && answerAssociate)
                    {
                        await WriteAsync(stream, _associate, _closing.Token);
                    }
                    if (command is CommandDisassociate or CommandDisassociateShuttingDown or CommandDisassociateQuarantined)
                    {
                        reason = "the router ended the connection";
                        break;
                    }
                    continue;
                }
                Deliver(frame);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
        if (answerAssociate)
        {
            // A reply connection may come and go; the request connection is what the session stands on.
            lock (_replyStreams)
            {
                _replyStreams.Remove(stream);
            }
            return;
        }
        lock (_pending)
        {
            _closedReason = reason;
            foreach (var pending in _pending.Values)
            {
                pending.TrySetException(new RouterUnreachableException($"router at {_router}: {reason}"));
            }
        }
    }

    /// <summary>A reply: an envelope to one of this connection's temporary paths, in the contract codec.</summary>
    private void Deliver(byte[] frame)
    {
        if (!ProtobufWire.TryFindBytes(frame, 1, out var payload, out var present) || !present
            || !ProtobufWire.TryFindBytes(payload, 2, out var envelope, out present) || !present
            || !ProtobufWire.TryFindBytes(envelope, 1, out var recipientData, out _)
            || !ProtobufWire.TryFindBytes(recipientData, 1, out var recipientBytes, out _)
            || !ProtobufWire.TryFindBytes(envelope, 2, out var message, out _)
            || !ProtobufWire.TryFindVarint(message, 2, out var serializerId) || serializerId != ContractCodec.SerializerId
            || !ProtobufWire.TryFindBytes(message, 3, out var manifest, out _)
            || !ProtobufWire.TryFindBytes(message, 1, out var body, out _))
        {
            return;
        }
        var recipient = Encoding.UTF8.GetString(recipientBytes);
        var slash = recipient.IndexOf("/temp/", StringComparison.Ordinal);
        if (slash < 0)
        {
            return;
        }
        var temporary = recipient[slash..];
        var hash = temporary.IndexOf('#');
        if (hash >= 0)
        {
            temporary = temporary[..hash];
        }
        TaskCompletionSource<object>? answer;
        lock (_pending)
        {
            _pending.TryGetValue(temporary, out answer);
        }
        if (answer is null)
        {
            return;
        }
        try
        {
            answer.TrySetResult(ContractCodec.Decode(body, Encoding.UTF8.GetString(manifest)));
        }
        catch (System.Runtime.Serialization.SerializationException e)
        {
            answer.TrySetResult(new CommandRefused($"the router's answer could not be read: {e.Message}"));
        }
    }

    private async Task SendControlAsync(int command, CancellationToken cancel = default)
    {
        var frame = new ProtobufWriter().Message(2, new ProtobufWriter().UInt(1, (ulong)command)).ToArray();
        List<Stream> streams;
        lock (_replyStreams)
        {
            streams = [.. _replyStreams];
        }
        foreach (var stream in streams)
        {
            try
            {
                await WriteAsync(stream, frame, cancel);
            }
            catch (IOException)
            {
            }
        }
        await WriteAsync(_stream, frame, cancel);
    }

    private Task WriteAsync(byte[] frame, CancellationToken cancel = default) => WriteAsync(_stream, frame, cancel);

    private async Task WriteAsync(Stream stream, byte[] frame, CancellationToken cancel)
    {
        await _writeLock.WaitAsync(cancel);
        try
        {
            await WriteFrameAsync(stream, frame, cancel);
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
            throw new IOException("the connection is closed", e);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Akka.Remote's framing: a 4-byte little-endian length, then the frame.</summary>
    private static async Task WriteFrameAsync(Stream stream, byte[] frame, CancellationToken cancel)
    {
        if (frame.Length > CommandGatewayAddress.MaximumFrameSize)
        {
            throw new RouterUnreachableException(
                $"the request is {frame.Length} bytes; the control endpoint accepts at most {CommandGatewayAddress.MaximumFrameSize}");
        }
        var buffer = new byte[4 + frame.Length];
        BinaryPrimitives.WriteInt32LittleEndian(buffer, frame.Length);
        frame.CopyTo(buffer, 4);
        await stream.WriteAsync(buffer, cancel);
        await stream.FlushAsync(cancel);
    }

    /// <returns>The next frame, or null at the end of the stream.</returns>
    private static async Task<byte[]?> ReadFrameAsync(Stream stream, CancellationToken cancel)
    {
        var header = new byte[4];
        if (!await ReadExactlyOrEndAsync(stream, header, cancel))
        {
            return null;
        }
        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length < 0 || length > CommandGatewayAddress.MaximumFrameSize)
        {
            throw new IOException($"the router sent a frame of {length} bytes");
        }
        var frame = new byte[length];
        return await ReadExactlyOrEndAsync(stream, frame, cancel) ? frame : null;
    }

    private static async Task<bool> ReadExactlyOrEndAsync(Stream stream, byte[] buffer, CancellationToken cancel)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), cancel);
            if (n == 0)
            {
                return false;
            }
            read += n;
        }
        return true;
    }
}

/// <summary><c>HOST:PORT</c> of a router's control endpoint.</summary>
public sealed record RouterAddress(string Host, int Port)
{
    public static readonly RouterAddress Default = new("127.0.0.1", CommandGatewayAddress.DefaultPort);

    public static RouterAddress Parse(string text)
    {
        var colon = text.LastIndexOf(':');
        var host = colon < 0 ? text : text[..colon];
        var port = CommandGatewayAddress.DefaultPort;
        if (colon >= 0 && (!int.TryParse(text[(colon + 1)..], out port) || port is < 1 or > 65535))
        {
            throw new UsageException($"'{text}' is not a router address HOST:PORT (port 1..65535)");
        }
        if (string.IsNullOrWhiteSpace(host))
        {
            throw new UsageException($"'{text}' is not a router address HOST:PORT");
        }
        host = host.Trim('[', ']');
        // Akka.Remote drops messages addressed to any other name than the one the router bound, and
        // the router binds loopback as 127.0.0.1 by default.
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            host = "127.0.0.1";
        }
        return new RouterAddress(host, port);
    }

    public override string ToString() => $"{Host}:{Port}";
}
