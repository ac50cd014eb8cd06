using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ActorRouter.Host.Tests;

/// <summary>The built host run as a child process, its output collected line by line.</summary>
public sealed partial class HostProcess : IDisposable
{
    private const int SigTerm = 15;
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly SemaphoreSlim _lineArrived = new(0);

    private readonly string? _stateDirectory;

    private HostProcess(Process process, string? stateDirectory)
    {
        _process = process;
        _stateDirectory = stateDirectory;
    }

    public int Id => _process.Id;

    /// <summary>The admin credential the router made in this run's own state directory; null when the caller gave one.</summary>
    public string? AdminCredential => _stateDirectory is null ? null : Path.Combine(_stateDirectory, "state", "admin.p12");
    public IReadOnlyList<string> Stdout => _stdout.ToList();
    public IReadOnlyList<string> Stderr => _stderr.ToList();

    public static HostProcess Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(HostDll);
        if (!args.Contains("--control-port"))
        {
            // Any free port, so that a host test never collides with a router on the default 4053.
            info.ArgumentList.Add("--control-port");
            info.ArgumentList.Add("0");
        }
        string? stateDirectory = null;
        if (!args.Contains("--state-directory"))
        {
            // The control credentials of this run only, never the machine's /var/lib/actorrouter.
            stateDirectory = Directory.CreateTempSubdirectory("actorrouter-state-").FullName;
            info.ArgumentList.Add("--state-directory");
            info.ArgumentList.Add(Path.Combine(stateDirectory, "state"));
        }
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        var process = new Process { StartInfo = info };
        var host = new HostProcess(process, stateDirectory);
        process.OutputDataReceived += (_, e) => host.Collect(host._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => host.Collect(host._stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    private void Collect(ConcurrentQueue<string> lines, string? line)
    {
        if (line is not null)
        {
            lines.Enqueue(line);
            _lineArrived.Release();
        }
    }

    /// <summary>The host's dll as the build left it: src/ActorRouter.Host/bin/&lt;Configuration&gt;/net10.0.</summary>
    public static string HostDll
    {
        get
        {
            // This assembly sits in tests/ActorRouter.Host.Tests/bin/<Configuration>/net10.0/.
            var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = testBin.Parent!.Name;
            var root = testBin;
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "ActorRouter.sln")))
            {
                root = root.Parent;
            }
            if (root is null)
            {
                throw new InvalidOperationException($"no ActorRouter.sln above {AppContext.BaseDirectory}");
            }
            var dll = Path.Combine(root.FullName, "src", "ActorRouter.Host", "bin", configuration, testBin.Name, "ActorRouter.Host.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException("the host is not built", dll);
        }
    }

    /// <summary>Waits until every predicate has matched some stdout line; false when <paramref name="timeout"/> passes first.</summary>
    public bool WaitForLines(TimeSpan timeout, params Func<string, bool>[] predicates)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var lines = Stdout;
            if (predicates.All(p => lines.Any(p)))
            {
                return true;
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || _process.HasExited && !_lineArrived.Wait(100))
            {
                return predicates.All(p => Stdout.Any(p));
            }
            _lineArrived.Wait(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>SIGTERM to this process only, as a service manager stops it.</summary>
    public void Terminate()
    {
        if (Kill(_process.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            return false;
        }
        _process.WaitForExit(); // drains the redirected streams
        return true;
    }

    public int ExitCode => _process.ExitCode;

    public string Transcript => "stdout:\n" + string.Join('\n', Stdout) + "\nstderr:\n" + string.Join('\n', Stderr);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
        _process.Dispose();
        _lineArrived.Dispose();
        if (_stateDirectory is not null)
        {
            Directory.Delete(_stateDirectory, recursive: true);
        }
    }
}
