using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ActorRouter.Control.Contracts;

namespace ActorRouter.Cli;

/// <summary>The given credential file is not a credential arctl can use (exit code 2).</summary>
public sealed class CredentialUnusableException(string message) : Exception(message);

/// <summary>
/// arctl: <c>arctl [--router HOST:PORT] [--json] [--timeout SECONDS] [--cert FILE [--cert-password P]] COMMAND...</c>,
/// or with no command an interactive session. Exit codes: <see cref="ExitOk"/>, <see cref="ExitCommandFailed"/>,
/// <see cref="ExitUsage"/>, <see cref="ExitUnreachable"/>, <see cref="ExitNotAuthorised"/>.
/// </summary>
public static class ArctlApp
{
    public const int ExitOk = 0;
    /// <summary>The router refused the command (bad prefix, unknown interface, ...); nothing changed.</summary>
    public const int ExitCommandFailed = 1;
    /// <summary>arctl could not understand the command line.</summary>
    public const int ExitUsage = 2;
    /// <summary>The router is not running, not reachable, or did not answer in time.</summary>
    public const int ExitUnreachable = 3;
    /// <summary>No usable credential, or the router refused it or the command for its role; nothing changed.</summary>
    public const int ExitNotAuthorised = 4;

    public const string Usage =
        "usage: arctl [--router HOST:PORT] [--json] [--timeout SECONDS] [--count N] [--cert FILE [--cert-password PASSWORD]]\n" +
        "             [--node NAME | --fleet [--deadline SECONDS]] [COMMAND...]\n" +
        "       --node NAME: run the command on fleet member NAME, through the router arctl connects to;\n" +
        "       --fleet: run a show command on every member and merge the answers (Router column); members that do not\n" +
        "       answer within the deadline (default 5 s) are named, and arctl exits 3\n" +
        "       the router defaults to $ARCTL_ROUTER, else 127.0.0.1:4053; the credential to $ARCTL_CERT ($ARCTL_CERT_PASSWORD),\n" +
        "       else admin.p12 or read-only.p12 in the router's state directory (/var/lib/actorrouter for root,\n" +
        "       else $XDG_STATE_HOME/actorrouter or ~/.local/state/actorrouter);\n" +
        "       with no COMMAND, arctl reads commands interactively ('?' lists them)\n" +
        "exit codes: 0 done; 1 the router refused the command; 2 bad command line; 3 router not reachable or no answer;\n" +
        "            4 not authorised (no readable credential, credential refused, or the command needs the admin role)";

    /// <summary>
    /// How long arctl waits for the router's endpoint to accept and associate. A refused connection
    /// fails at once; only a silent address, or a TLS handshake on a loaded machine, takes long.
    /// </summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long arctl waits for an answer: a change waits for the data plane, which FMAN gives 10 s.</summary>
    public static readonly TimeSpan DefaultAnswerTimeout = TimeSpan.FromSeconds(15);

    private sealed record Options(RouterAddress Router, bool Json, TimeSpan ConnectTimeout, ClientCertificate? Certificate, List<string> Words)
    {
        /// <summary><c>--node NAME</c> / <c>--fleet</c>: where each command runs (null, null: on the router connected to).</summary>
        public FleetTarget? Target { get; init; }

        /// <summary><c>--count N</c>: how many refreshes a <c>monitor</c> command prints before it stops.</summary>
        public int? Count { get; init; }
    }

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, TextReader? stdin = null,
        Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        Options options;
        try
        {
            options = ParseOptions(args, environment);
        }
        catch (UsageException e)
        {
            await stderr.WriteLineAsync($"arctl: {e.Message}");
            await stderr.WriteLineAsync(Usage);
            return ExitUsage;
        }
        if (options.Words is ["help"] or ["?"] or ["--help"] or ["-h"])
        {
            await stdout.WriteLineAsync(Usage);
            foreach (var line in CommandTable.Help())
            {
                await stdout.WriteLineAsync(line);
            }
            return ExitOk;
        }
        await using var session = new Session(options.Router, options.ConnectTimeout, options.Certificate) { MonitorCount = options.Count, Target = options.Target };
        if (options.Words.Count > 0)
        {
            return await session.RunOneAsync(options.Words, options.Json, stdout, stderr);
        }
        return await RunInteractiveAsync(session, options.Json, stdout, stderr, stdin ?? Console.In, stdin is null);
    }

    private static Options ParseOptions(string[] args, Func<string, string?> environment)
    {
        var routerText = environment("ARCTL_ROUTER");
        var json = false;
        var timeout = DefaultConnectTimeout;
        var certificatePath = environment("ARCTL_CERT");
        var certificatePassword = environment("ARCTL_CERT_PASSWORD");
        var words = new List<string>();
        int? count = null;
        string? node = null;
        var fleet = false;
        TimeSpan? deadline = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Value(string option) => i + 1 < args.Length ? args[++i] : throw new UsageException($"{option} needs a value");
            switch (args[i])
            {
                case "--router":
                    routerText = Value("--router");
                    break;
                case "--json":
                    json = true;
                    break;
                case "--timeout":
                    var text = Value("--timeout");
                    if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) || seconds <= 0 || seconds > 600)
                    {
                        throw new UsageException($"--timeout needs seconds between 0 and 600, not '{text}'");
                    }
                    timeout = TimeSpan.FromSeconds(seconds);
                    break;
                case "--cert":
                    certificatePath = Value("--cert");
                    break;
                case "--cert-password":
                    certificatePassword = Value("--cert-password");
                    break;
                case "--count":
                    var countText = Value("--count");
                    if (!int.TryParse(countText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var refreshes) || refreshes < 1)
                    {
                        throw new UsageException($"--count needs a whole number of refreshes ≥ 1, not '{countText}'");
                    }
                    count = refreshes;
                    break;
                case "--node":
                    node = Value("--node");
                    break;
                case "--fleet":
                    fleet = true;
                    break;
                case "--deadline":
                    var deadlineText = Value("--deadline");
                    if (!double.TryParse(deadlineText, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var deadlineSeconds)
                        || deadlineSeconds * 1000 < FleetRequest.MinimumDeadlineMilliseconds || deadlineSeconds * 1000 > FleetRequest.MaximumDeadlineMilliseconds)
                    {
                        throw new UsageException($"--deadline needs seconds between {FleetRequest.MinimumDeadlineMilliseconds / 1000.0:0.0} and {FleetRequest.MaximumDeadlineMilliseconds / 1000}, not '{deadlineText}'");
                    }
                    deadline = TimeSpan.FromSeconds(deadlineSeconds);
                    break;
                case "--role" or "--out":
                    // Options of 'credentials issue': kept in place as words of the command.
                    words.Add(args[i]);
                    words.Add(Value(args[i]));
                    break;
                default:
                    if (args[i].StartsWith("--", StringComparison.Ordinal))
                    {
                        throw new UsageException($"unknown option '{args[i]}'");
                    }
                    words.Add(args[i]);
                    break;
            }
        }
        var router = string.IsNullOrWhiteSpace(routerText) ? RouterAddress.Default : RouterAddress.Parse(routerText);
        var certificate = string.IsNullOrEmpty(certificatePath) ? null : new ClientCertificate(certificatePath, certificatePassword);
        if (node is not null && fleet)
        {
            throw new UsageException("--node and --fleet exclude each other");
        }
        if (deadline is not null && !fleet)
        {
            throw new UsageException("--deadline goes with --fleet");
        }
        FleetTarget? target = node is not null ? new FleetTarget(node, null) : fleet ? new FleetTarget(null, deadline ?? DefaultFleetDeadline) : null;
        return new Options(router, json, timeout, certificate, words) { Count = count, Target = target };
    }

    private static async Task<int> RunInteractiveAsync(Session session, bool json, TextWriter stdout, TextWriter stderr, TextReader input, bool useConsole)
    {
        const string prompt = "router# ";
        var editor = useConsole && !Console.IsInputRedirected ? new LineEditor(prompt) : null;
        var worst = ExitOk;
        while (true)
        {
            string? line;
            if (editor is not null)
            {
                line = editor.ReadLine();
            }
            else
            {
                await stdout.WriteAsync(prompt);
                await stdout.FlushAsync();
                line = await input.ReadLineAsync();
                if (line is not null && !useConsole)
                {
                    // Echo what was read, so a transcript of redirected input reads like a session.
                    await stdout.WriteLineAsync(line);
                }
                else if (line is not null)
                {
                    await stdout.WriteLineAsync();
                }
            }
            if (line is null)
            {
                await stdout.WriteLineAsync();
                return worst;
            }
            var words = Tokenize(line);
            if (words.Count == 0)
            {
                continue;
            }
            if (words is ["exit"] or ["quit"] or ["end"])
            {
                return worst;
            }
            if (words[^1] == "?" || words is ["help"])
            {
                foreach (var help in CommandTable.Help())
                {
                    await stdout.WriteLineAsync(help);
                }
                continue;
            }
            var lineJson = json;
            if (words.Remove("--json"))
            {
                lineJson = true;
            }
            worst = Math.Max(worst, await session.RunOneAsync(words, lineJson, stdout, stderr));
        }
    }

    /// <summary>Splits on whitespace; double quotes keep a word with spaces together (a path, say).</summary>
    public static List<string> Tokenize(string line)
    {
        var words = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        var any = false;
        foreach (var c in line)
        {
            if (c == '"')
            {
                quoted = !quoted;
                any = true;
            }
            else if (char.IsWhiteSpace(c) && !quoted)
            {
                if (any)
                {
                    words.Add(current.ToString());
                    current.Clear();
                    any = false;
                }
            }
            else
            {
                current.Append(c);
                any = true;
            }
        }
        if (any)
        {
            words.Add(current.ToString());
        }
        return words;
    }

    /// <summary>How long <c>--fleet</c> waits for the members' answers unless <c>--deadline</c> says otherwise.</summary>
    public static readonly TimeSpan DefaultFleetDeadline = TimeSpan.FromSeconds(5);

    /// <summary><c>--node NAME</c> (<paramref name="Node"/>) or <c>--fleet</c> (<paramref name="Deadline"/>).</summary>
    private sealed record FleetTarget(string? Node, TimeSpan? Deadline)
    {
        /// <summary><paramref name="request"/> wrapped for its target, or a usage error when it cannot go there.</summary>
        public IArctlRequest Wrap(IArctlRequest request)
        {
            if (request is MonitorInterfacesRequest or IssueCredentialCommand)
            {
                throw new UsageException($"{(Node is null ? "--fleet" : "--node")} cannot carry this command: connect to the router itself (--router)");
            }
            if (Node is not null)
            {
                return FleetRules.WhyNotForNode(request) is { } notForNode ? throw new UsageException(notForNode) : new NodeRequest(Node, request);
            }
            return FleetRules.WhyNotForFleet(request) is { } notForFleet
                ? throw new UsageException(notForFleet)
                : new FleetRequest(request, (int)Deadline!.Value.TotalMilliseconds);
        }

        /// <summary>How long arctl waits for the answer: a change on another member waits for its data plane; --fleet for its deadline.</summary>
        public TimeSpan AnswerTimeout => Deadline is { } deadline ? deadline + TimeSpan.FromSeconds(5) : DefaultAnswerTimeout + TimeSpan.FromSeconds(10);
    }

    /// <summary>The monitor loop printed its refreshes and stopped; nothing more to print.</summary>
    private sealed record MonitorEnded;

    /// <summary>
    /// The credential to use: the one given (--cert, $ARCTL_CERT), else the first of admin.p12 and
    /// read-only.p12 in the state directories this user can read. Refusals name every file tried.
    /// </summary>
    /// <exception cref="NotAuthorisedException">None can be read (exit 4).</exception>
    /// <exception cref="CredentialUnusableException">The given file is not a usable credential (exit 2).</exception>
    internal static LoadedCredential LoadCredential(ClientCertificate? given)
    {
        if (given is not null)
        {
            try
            {
                return LoadedCredential.Load(given);
            }
            catch (UnauthorizedAccessException)
            {
                throw new NotAuthorisedException($"not authorised: cannot read the credential {given.Path} (permission denied)");
            }
            catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException)
            {
                throw new CredentialUnusableException($"cannot use the credential {given.Path}: {e.Message}");
            }
        }
        var denied = new List<string>();
        var missing = new List<string>();
        foreach (var directory in ControlStateDirectory.Searched(Environment.GetEnvironmentVariable, Environment.IsPrivilegedProcess))
        {
            foreach (var name in new[] { ControlStateDirectory.AdminCredential, ControlStateDirectory.ReadOnlyCredential })
            {
                var path = Path.Combine(directory, name);
                try
                {
                    return LoadedCredential.Load(new ClientCertificate(path, null));
                }
                catch (UnauthorizedAccessException)
                {
                    denied.Add(path);
                }
                catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
                {
                    missing.Add(path);
                }
                catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException)
                {
                    throw new CredentialUnusableException($"cannot use the credential {path}: {e.Message}");
                }
            }
        }
        var why = denied.Count > 0
            ? $"cannot read the credential {string.Join(" or ", denied)} (permission denied)"
            : $"no credential found (looked for {string.Join(", ", missing)})";
        throw new NotAuthorisedException(
            $"not authorised: {why}; run arctl as the router's user (sudo arctl ...), or use a credential an admin issued for you (arctl credentials issue NAME --role read-only --out FILE) with --cert FILE or $ARCTL_CERT");
    }

    /// <summary>One connection for the life of the process, opened on the first command that needs the router.</summary>
    private sealed class Session(RouterAddress router, TimeSpan connectTimeout, ClientCertificate? certificate) : IAsyncDisposable
    {
        private RouterConnection? _connection;
        private LoadedCredential? _credential;

        public int? MonitorCount { get; init; }

        public FleetTarget? Target { get; init; }

        public async Task<int> RunOneAsync(IReadOnlyList<string> words, bool json, TextWriter stdout, TextWriter stderr)
        {
            IArctlRequest request;
            IArctlRequest? carried = null;
            try
            {
                request = CommandTable.Parse(words);
                if (Target is not null)
                {
                    carried = request;
                    request = Target.Wrap(request);
                }
            }
            catch (UsageException e)
            {
                await stderr.WriteLineAsync($"arctl: {e.Message}");
                return ExitUsage;
            }
            object reply;
            ECDsa? issuedKey = null;
            var issue = request as IssueCredentialCommand;
            if (issue is not null && (File.Exists(issue.OutFile) || Directory.Exists(issue.OutFile)))
            {
                await stderr.WriteLineAsync($"arctl: {issue.OutFile} exists; credentials issue writes a new file only");
                return ExitUsage;
            }
            try
            {
                PhaseTiming.Mark("parse");
                _credential ??= LoadCredential(certificate);
                PhaseTiming.Mark("credential");
                _connection ??= await RouterConnection.ConnectAsync(router, connectTimeout, _credential);
                if (issue is not null)
                {
                    // The key pair is made here; only the public key, in a signing request, goes to the router.
                    issuedKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
                    var signingRequest = new CertificateRequest($"CN={issue.Name}", issuedKey, HashAlgorithmName.SHA256).CreateSigningRequest();
                    request = new IssueCredentialRequest(issue.Name, issue.Role, signingRequest);
                }
                reply = request is MonitorInterfacesRequest monitor
                    ? await MonitorAsync(monitor, json, stdout)
                    : await _connection.AskAsync(request, Target?.AnswerTimeout ?? DefaultAnswerTimeout, router);
            }
            catch (RouterUnreachableException e)
            {
                issuedKey?.Dispose();
                await stderr.WriteLineAsync($"arctl: {e.Message}");
                return ExitUnreachable;
            }
            catch (NotAuthorisedException e)
            {
                await stderr.WriteLineAsync($"arctl: {e.Message}");
                return ExitNotAuthorised;
            }
            catch (CredentialUnusableException e)
            {
                await stderr.WriteLineAsync($"arctl: {e.Message}");
                return ExitUsage;
            }
            if (reply is NotAuthorised notAuthorised)
            {
                issuedKey?.Dispose();
                if (json)
                {
                    await stdout.WriteLineAsync(ReplyFormatter.Json(notAuthorised));
                }
                await stderr.WriteLineAsync($"% {notAuthorised.Reason}");
                return ExitNotAuthorised;
            }
            if (reply is CredentialIssued issued && issuedKey is not null && issue is not null)
            {
                using (issuedKey)
                {
                    return await WriteCredentialAsync(issued, issuedKey, issue.OutFile, json, stdout, stderr);
                }
            }
            issuedKey?.Dispose();
            if (reply is CommandRefused refused)
            {
                if (json)
                {
                    await stdout.WriteLineAsync(ReplyFormatter.Json(refused));
                }
                await stderr.WriteLineAsync($"% {refused.Reason}");
                return ExitCommandFailed;
            }
            if (reply is MonitorEnded)
            {
                return ExitOk;
            }
            if (reply is FleetAnswersView answers)
            {
                await stdout.WriteLineAsync(json ? ReplyFormatter.FleetJson(answers) : ReplyFormatter.FleetText(answers, carried));
                return ReplyFormatter.FleetExitCode(answers);
            }
            var text = json
                ? ReplyFormatter.Json(reply)
                : ReplyFormatter.Text((carried ?? request) is ShowIpInterfaceBriefRequest && reply is InterfacesView view ? new ReplyFormatter.IpInterfaceBrief(view) : reply);
            await stdout.WriteLineAsync(text);
            PhaseTiming.Mark("print");
            return ExitOk;
        }

        /// <summary>The monitor loop; Ctrl-C ends it (and only it, in an interactive session).</summary>
        private async Task<object> MonitorAsync(MonitorInterfacesRequest monitor, bool json, TextWriter stdout)
        {
            using var stop = new CancellationTokenSource();
            ConsoleCancelEventHandler onCtrlC = (_, e) =>
            {
                e.Cancel = true;
                stop.Cancel();
            };
            Console.CancelKeyPress += onCtrlC;
            try
            {
                var clearScreen = !json && ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected;
                var refused = await InterfaceMonitor.RunAsync(monitor, request => _connection!.AskAsync(request, DefaultAnswerTimeout, router),
                    json, MonitorCount, stdout, clearScreen, stop.Token);
                return (object?)refused ?? new MonitorEnded();
            }
            finally
            {
                Console.CancelKeyPress -= onCtrlC;
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_connection is not null)
            {
                await _connection.DisposeAsync();
            }
            _credential?.Dispose();
        }

        /// <summary>The issued certificate with the key made here and the router's CA, as an unencrypted PKCS#12 only its owner reads (0600).</summary>
        private static async Task<int> WriteCredentialAsync(CredentialIssued issued, ECDsa key, string outFile, bool json, TextWriter stdout, TextWriter stderr)
        {
            using var certificate = X509CertificateLoader.LoadCertificate(issued.Certificate).CopyWithPrivateKey(key);
            using var ca = X509CertificateLoader.LoadCertificate(issued.CaCertificate);
            var bytes = new X509Certificate2Collection { certificate, ca }.Export(X509ContentType.Pkcs12)!;
            try
            {
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }
                await using var stream = new FileStream(outFile, options);
                await stream.WriteAsync(bytes);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await stderr.WriteLineAsync($"arctl: the router issued credential '{issued.Name}' (serial {issued.SerialNumber}) but it cannot be written to {outFile}: {e.Message}; revoke it (arctl credentials revoke {issued.Name}) and issue again");
                return ExitCommandFailed;
            }
            var message = $"issued credential '{issued.Name}' (role {issued.Role}, serial {issued.SerialNumber}) to {outFile}";
            await stdout.WriteLineAsync(json ? ReplyFormatter.Json(new CommandDone(message)) : message);
            return ExitOk;
        }
    }
}
