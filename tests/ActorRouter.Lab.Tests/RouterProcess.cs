using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ActorRouter.Lab.Tests;

/// <summary>
/// The built router host (<c>dotnet ActorRouter.Host.dll --config FILE</c>) running inside a
/// network namespace through <c>ip netns exec</c>, which execs in place: the process started here is
/// the router itself. Dispose stops exactly that PID: SIGTERM, a bounded wait, then SIGKILL.
/// </summary>
internal sealed partial class RouterProcess : IDisposable
{
    private const int SigTerm = 15;
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly string _configPath;

    private RouterProcess(Process process, string configPath)
    {
        _process = process;
        _configPath = configPath;
    }

    public int Id => _process.Id;

    /// <summary>The router's control credentials (its own temporary state directory, never the machine's).</summary>
    public string StateDirectory => _configPath + ".state";

    /// <summary>The admin credential the router created on start, for arctl's --cert.</summary>
    public string AdminCredential => Path.Combine(StateDirectory, "admin.p12");

    /// <summary>Everything the router printed so far, stdout and stderr interleaved.</summary>
    public IReadOnlyList<string> Lines => _lines.ToList();

    public string Transcript => string.Join('\n', _lines);

    /// <param name="prepareStateDirectory">Called with the (created, owner-only) state directory before the router starts: to put a CA in it.</param>
    public static RouterProcess Start(string ns, string configText, Action<string>? prepareStateDirectory = null)
    {
        var configPath = Path.Combine(Path.GetTempPath(), $"actorrouter-lab-{Environment.ProcessId}-{Guid.NewGuid():N}.conf");
        File.WriteAllText(configPath, configText);
        if (prepareStateDirectory is not null)
        {
            if (OperatingSystem.IsLinux())
            {
                Directory.CreateDirectory(configPath + ".state", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            prepareStateDirectory(configPath + ".state");
        }
        var info = new ProcessStartInfo("ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "netns", "exec", ns, "dotnet", HostDll, "--config", configPath, "--stats-interval", "60", "--state-directory", configPath + ".state" })
        {
            info.ArgumentList.Add(arg);
        }
        var process = new Process { StartInfo = info };
        var router = new RouterProcess(process, configPath);
        process.OutputDataReceived += (_, e) => router.Collect(e.Data);
        process.ErrorDataReceived += (_, e) => router.Collect(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return router;
    }

    private void Collect(string? line)
    {
        if (line is not null)
        {
            _lines.Enqueue(line);
        }
    }

    /// <summary>Waits until some line satisfies <paramref name="match"/>; false when the time runs out or the router exits.</summary>
    public bool WaitForLine(Func<string, bool> match, TimeSpan timeout, int skip = 0)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_lines.Skip(skip).Any(match))
            {
                return true;
            }
            if (_process.HasExited)
            {
                Thread.Sleep(200);
                return _lines.Skip(skip).Any(match);
            }
            Thread.Sleep(50);
        }
        return false;
    }

    /// <summary>Waits for "router ready: N of N interfaces up".</summary>
    public void WaitUntilReady(int interfaces)
    {
        var ready = $"router ready: {interfaces} of {interfaces} interfaces up";
        Assert.True(WaitForLine(l => l.Contains(ready), TimeSpan.FromSeconds(45)),
            $"the router did not report '{ready}'. Output:\n{Transcript}");
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                Kill(_process.Id, SigTerm);
                if (!_process.WaitForExit(StopTimeout))
                {
                    _process.Kill();
                    _process.WaitForExit(5000);
                }
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
        _process.Dispose();
        File.Delete(_configPath);
        if (Directory.Exists(StateDirectory))
        {
            Directory.Delete(StateDirectory, recursive: true);
        }
    }

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary><c>kill -9</c> of this router's PID (and nothing else), then waits for it to be gone.</summary>
    public void KillHard()
    {
        if (!_process.HasExited)
        {
            Kill(_process.Id, SigKill);
            _process.WaitForExit(10_000);
        }
    }

    private const int SigKill = 9;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    /// <summary>The host's dll as the build left it: src/ActorRouter.Host/bin/&lt;Configuration&gt;/net10.0.</summary>
    public static string HostDll
    {
        get
        {
            // This assembly sits in tests/ActorRouter.Lab.Tests/bin/<Configuration>/net10.0/.
            var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var dll = Path.Combine(Tools.RepoRoot, "src", "ActorRouter.Host", "bin", testBin.Parent!.Name, testBin.Name, "ActorRouter.Host.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException("the host is not built", dll);
        }
    }

    /// <summary>config/lab.conf, optionally with <paramref name="edit"/> applied to its text.</summary>
    public static string LabConfig(Func<string, string>? edit = null)
    {
        var text = File.ReadAllText(Path.Combine(Tools.RepoRoot, "config", "lab.conf"));
        // Port 0: tests may run next to a router that holds the lab's fixed port.
        text = text.Replace("port = 4054", "port = 0");
        return edit is null ? text : edit(text);
    }
}
