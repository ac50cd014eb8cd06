using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using ActorRouter.Control.Contracts;

namespace ActorRouter.Cli;

/// <summary>The router could not be reached or did not answer in time (exit code 3).</summary>
public sealed class RouterUnreachableException(string message) : Exception(message);

/// <summary>A client certificate for a router whose control endpoint uses TLS.</summary>
public sealed record ClientCertificate(string Path, string? Password);

/// <summary>
/// One connection to the router's control endpoint, speaking Akka.Remote's classic TCP protocol
/// directly (length-prefixed protobuf frames: associate, then envelopes to the command gateway
/// whose payload is the <see cref="ContractCodec"/>), so that a one-shot arctl does not start an
/// actor system: starting one costs most of a command's time. The router sees an ordinary remote
/// system named <c>arctl</c>; its replies come back on this connection, addressed to a temporary
/// path per request. Heartbeats keep a long interactive session associated. With a client
/// certificate the connection is TLS, and the router must present that same certificate.
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
    private readonly X509Certificate2? _certificate;
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

    private RouterConnection(TcpClient tcp, Stream stream, TcpListener listener, X509Certificate2? certificate, string origin, string gatewayPath, RouterAddress router)
    {
        _tcp = tcp;
        _stream = stream;
        _listener = listener;
        _certificate = certificate;
        _origin = origin;
        _gatewayPath = gatewayPath;
        _router = router;
        _reader = Task.WhenAll(Task.Run(() => ReadLoopAsync(_stream)), Task.Run(AcceptLoopAsync));
        _heartbeat = new Timer(_ => _ = SendControlAsync(CommandHeartbeat), null, HeartbeatInterval, HeartbeatInterval);
    }

    public static async Task<RouterConnection> ConnectAsync(RouterAddress router, TimeSpan timeout, ClientCertificate? certificate)
    {
        var unreachable = $"router at {router} is not reachable: its control endpoint did not answer (waited up to {timeout.TotalSeconds:0.#} s; is it running? is the address right? set it with --router HOST:PORT or ARCTL_ROUTER)";
        // The certificate is read first: a bad file is a usage error, not an unreachable router.
        var x509 = certificate is null ? null
            : X509CertificateLoader.LoadPkcs12FromFile(certificate.Path, certificate.Password, X509KeyStorageFlags.EphemeralKeySet);
        var tcp = new TcpClient { NoDelay = true };
        TcpListener? listener = null;
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await tcp.ConnectAsync(router.Host, router.Port, limit.Token);
            Stream stream = tcp.GetStream();
            if (x509 is not null)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                var pinned = x509.Thumbprint;
                await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = router.Host,
                    ClientCertificates = [x509],
                    // The router presents the same certificate; pinning its thumbprint is what authenticates the router.
                    RemoteCertificateValidationCallback = (_, presented, _, _) =>
                        presented is not null && string.Equals(presented.GetCertHashString(), pinned, StringComparison.OrdinalIgnoreCase),
                }, limit.Token);
                stream = ssl;
            }
            // Akka.Remote sends its replies over a connection of its own to the address the client
            // announces, so arctl listens (on the address it reaches the router from) for that one.
            var local = (IPEndPoint)tcp.Client.LocalEndPoint!;
            var localAddress = local.Address.IsIPv4MappedToIPv6 ? local.Address.MapToIPv4() : local.Address;
            listener = new TcpListener(localAddress, 0);
            listener.Start();
            var listenPort = ((IPEndPoint)listener.LocalEndpoint).Port;
            var localHost = localAddress.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{localAddress}]" : localAddress.ToString();
            var protocol = x509 is null ? "akka.tcp" : "akka.ssl.tcp";
            var origin = $"{protocol}://arctl@{localHost}:{listenPort}";
            var associate = Associate(protocol, localHost, listenPort);
            await WriteFrameAsync(stream, associate, limit.Token);
            await AwaitAssociateAsync(stream, limit.Token);
            var gatewayPath = CommandGatewayAddress.PathFor(router.Host, router.Port, x509 is not null);
            return new RouterConnection(tcp, stream, listener, x509, origin, gatewayPath, router) { _associate = associate };
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or AuthenticationException)
        {
            listener?.Stop();
            tcp.Dispose();
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
            var envelope = new ProtobufWriter()
                .Message(1, new ProtobufWriter().String(1, _gatewayPath))
                .Message(2, new ProtobufWriter()
                    .Bytes(1, ContractCodec.Encode(request))
                    .UInt(2, ContractCodec.SerializerId)
                    .String(3, ContractCodec.Manifest(request)))
                .Message(4, new ProtobufWriter().String(1, _origin + temporary))
                .Fixed64(5, SeqUndefined);
            var frame = new ProtobufWriter().Bytes(1, new ProtobufWriter().Message(2, envelope).ToArray()).ToArray();
            await WriteAsync(frame);
            var first = await Task.WhenAny(answer.Task, Task.Delay(timeout));
            if (first != answer.Task)
            {
                throw new RouterUnreachableException($"router at {router} did not answer within {timeout.TotalSeconds:0.#} s");
            }
            return await answer.Task;
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
            Stream stream = client.GetStream();
            if (_certificate is { } certificate)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                var pinned = certificate.Thumbprint;
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = certificate,
                    ClientCertificateRequired = true,
                    RemoteCertificateValidationCallback = (_, presented, _, _) =>
                        presented is not null && string.Equals(presented.GetCertHashString(), pinned, StringComparison.OrdinalIgnoreCase),
                }, _closing.Token);
                stream = ssl;
            }
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
