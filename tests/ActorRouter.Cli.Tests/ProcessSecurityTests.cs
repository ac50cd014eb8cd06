using System.Diagnostics;
using System.Text;
using ActorRouter.ControlPlane.Configuration;

namespace ActorRouter.Cli.Tests;

/// <summary>
/// The built host and the built arctl as separate processes, run as root and as the unprivileged user
/// nobody (through setpriv): who gets an answer and who gets exit code 4.
/// </summary>
public sealed class ProcessSecurityTests : IDisposable
{
    /// <summary>arctl's own limit to find the router, and the test's limit for one arctl process: both hold on a loaded 2-core machine.</summary>
    private const string ConnectTimeout = "20";
    private static readonly TimeSpan ProcessLimit = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StartupLimit = TimeSpan.FromSeconds(90);

    private readonly string _directory;
    private readonly string _arctlDirectory;

    public ProcessSecurityTests()
    {
        _directory = Directory.CreateTempSubdirectory("arctl-proc-").FullName;
        // nobody must reach the state directory's parent (the directory itself is what keeps it out) and run arctl.
        File.SetUnixFileMode(_directory, (UnixFileMode)0b111_101_101);
        _arctlDirectory = Path.Combine(_directory, "arctl");
        CopyDirectory(Path.GetDirectoryName(ArctlDll)!, _arctlDirectory);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string RepoFile(params string[] parts)
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = testBin.Parent!.Name;
        var repo = testBin.Parent.Parent!.Parent!.Parent!.Parent!.FullName;
        return Path.Combine([repo, "src", .. parts[..^1], "bin", configuration, "net10.0", parts[^1]]);
    }

    private static string ArctlDll => RepoFile("ActorRouter.Cli", "arctl.dll");

    private static string HostDll => RepoFile("ActorRouter.Host", "ActorRouter.Host.dll");

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        File.SetUnixFileMode(to, (UnixFileMode)0b111_101_101);
        foreach (var file in Directory.GetFiles(from))
        {
            var target = Path.Combine(to, Path.GetFileName(file));
            File.Copy(file, target);
            File.SetUnixFileMode(target, (UnixFileMode)0b110_100_100);
        }
        foreach (var directory in Directory.GetDirectories(from))
        {
            CopyDirectory(directory, Path.Combine(to, Path.GetFileName(directory)));
        }
    }

    private sealed record Run(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
    }

    /// <summary>The copied arctl; as nobody (uid and gid 65534, no other groups) when <paramref name="asNobody"/>.</summary>
    private Run Arctl(bool asNobody, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo(asNobody ? "setpriv" : "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (asNobody)
        {
            foreach (var a in new[] { "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", "dotnet" })
            {
                info.ArgumentList.Add(a);
            }
            info.Environment["HOME"] = _directory;
        }
        info.ArgumentList.Add(Path.Combine(_arctlDirectory, "arctl.dll"));
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        info.ArgumentList.Add("--timeout");
        info.ArgumentList.Add(ConnectTimeout);
        info.Environment.Remove("ARCTL_ROUTER");
        info.Environment.Remove("ARCTL_CERT");
        info.Environment.Remove("XDG_STATE_HOME");
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(ProcessLimit))
        {
            process.Kill();
            throw new TimeoutException($"arctl {string.Join(' ', args)} did not exit within {ProcessLimit}");
        }
        return new Run(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>The built host on the embedded default plus <paramref name="controlExtra"/>, with its state directory in this test's directory.</summary>
    private sealed class HostRun : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        public HostRun(string configPath, string stateDirectory)
        {
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { HostDll, "--config", configPath, "--control-port", "0", "--state-directory", stateDirectory })
            {
                info.ArgumentList.Add(a);
            }
            _process = new Process { StartInfo = info };
            _process.OutputDataReceived += (_, e) => Append(e.Data);
            _process.ErrorDataReceived += (_, e) => Append(e.Data);
            _process.Start();
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_output)
                {
                    _output.AppendLine(line);
                }
            }
        }

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        /// <summary>The control port, once the host says it is ready.</summary>
        public int WaitForEndpoint(TimeSpan limit)
        {
            var deadline = DateTime.UtcNow + limit;
            while (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                var match = System.Text.RegularExpressions.Regex.Match(Output, @"control: arctl endpoint akka\.ssl\.tcp://actorrouter@127\.0\.0\.1:(\d+)/");
                if (match.Success && Output.Contains("simulation:", StringComparison.Ordinal))
                {
                    return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                }
                Thread.Sleep(100);
            }
            throw new TimeoutException("the host did not become ready:\n" + Output);
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
            _process.Dispose();
        }
    }

    [SkippableFact]
    public void Nobody_is_refused_with_exit_4_root_succeeds_read_only_shows_but_cannot_change_and_revoked_or_foreign_credentials_are_refused()
    {
        Skip.IfNot(Environment.IsPrivilegedProcess, "running arctl as nobody needs root");
        Skip.IfNot(File.Exists("/usr/bin/setpriv"), "setpriv is not installed");
        Assert.True(File.Exists(HostDll), $"{HostDll} is not built");
        var state = Path.Combine(_directory, "state");
        var config = Path.Combine(_directory, "router.conf");
        // nogroup may read the read-only credential.
        File.WriteAllText(config, RouterConfigLoader.ReadEmbeddedDefaultText() + "\nactorrouter.control.read-only-group = \"nogroup\"\n");
        using var host = new HostRun(config, state);
        var port = host.WaitForEndpoint(StartupLimit);
        var router = $"127.0.0.1:{port}";
        var admin = Path.Combine(state, "admin.p12");
        var readOnly = Path.Combine(state, "read-only.p12");

        // nobody with the admin credential named: the file is not readable to it.
        var nobodyAdmin = Arctl(true, new Dictionary<string, string> { ["ARCTL_CERT"] = admin }, "show", "ip", "route", "--router", router);
        // nobody with nothing named: the default places hold nothing it can read.
        var nobodyDefault = Arctl(true, null, "show", "ip", "route", "--router", router);
        var rootAdmin = Arctl(false, null, "show", "ip", "interface", "brief", "--router", router, "--cert", admin);

        Assert.True(nobodyAdmin.ExitCode == 4, nobodyAdmin.ToString());
        Assert.Equal("", nobodyAdmin.Stdout);
        Assert.Equal($"arctl: not authorised: cannot read the credential {admin} (permission denied)", nobodyAdmin.Stderr.TrimEnd());
        Assert.True(nobodyDefault.ExitCode == 4, nobodyDefault.ToString());
        Assert.StartsWith("arctl: not authorised: ", nobodyDefault.Stderr);
        Assert.True(rootAdmin.ExitCode == 0, rootAdmin.ToString());
        Assert.Equal("GigabitEthernet1       192.0.2.1       YES manual up                    up", rootAdmin.Stdout.Split('\n')[1]);

        // nobody is in nogroup: the read-only credential is readable to it, and it can look but not change.
        var nobodyShow = Arctl(true, new Dictionary<string, string> { ["ARCTL_CERT"] = readOnly }, "show", "ip", "interface", "brief", "--router", router);
        var nobodyShutdown = Arctl(true, new Dictionary<string, string> { ["ARCTL_CERT"] = readOnly }, "interface", "gi1", "shutdown", "--router", router);
        Assert.True(nobodyShow.ExitCode == 0, nobodyShow.ToString());
        Assert.Equal(rootAdmin.Stdout, nobodyShow.Stdout);
        Assert.True(nobodyShutdown.ExitCode == 4, nobodyShutdown.ToString());
        Assert.Equal("% not authorised: credential 'read-only' has role read-only, and SetShutdown needs role admin", nobodyShutdown.Stderr.TrimEnd());
        Assert.Equal(rootAdmin.Stdout, Arctl(false, null, "show", "ip", "interface", "brief", "--router", router, "--cert", admin).Stdout);

        // A credential issued over the wire (the key made by arctl), then revoked.
        var ops = Path.Combine(_directory, "ops.p12");
        var issue = Arctl(false, null, "credentials", "issue", "ops", "--role", "admin", "--out", ops, "--router", router, "--cert", admin);
        Assert.True(issue.ExitCode == 0, issue.ToString());
        Assert.True(Arctl(false, null, "show", "actors", "--router", router, "--cert", ops).ExitCode == 0);
        Assert.True(Arctl(false, null, "credentials", "revoke", "ops", "--router", router, "--cert", admin).ExitCode == 0);
        var revoked = Arctl(false, null, "show", "actors", "--router", router, "--cert", ops);
        Assert.True(revoked.ExitCode == 4, revoked.ToString());
        Assert.Equal($"arctl: not authorised: the router at {router} refused the credential {ops} (not issued by its CA, revoked, or expired)", revoked.Stderr.TrimEnd());

        var foreign = Arctl(false, null, "show", "actors", "--router", router, "--cert", TestCredentials.ForeignAdmin);
        Assert.True(foreign.ExitCode == 4, foreign.ToString());

        var clients = Arctl(false, null, "show", "control", "clients", "--router", router, "--cert", admin);
        Assert.True(clients.ExitCode == 0, clients.ToString());
        Assert.Contains("         1  role read-only may not SetShutdown", clients.Stdout.Split('\n'));
        Assert.Contains(clients.Stdout.Split('\n'), l => l.EndsWith("  connection: certificate revoked", StringComparison.Ordinal));
        Assert.Contains("control: refused ", host.Output);
    }
}
