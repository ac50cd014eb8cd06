using System.Diagnostics;

namespace ActorRouter.Lab.Tests;

/// <summary>Runs the lab's command-line tools with bounded waits.</summary>
internal static class Tools
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string Output => Stdout + Stderr;
    }

    /// <summary>
    /// Whether the machine had a core to spare for each runnable thread over the last minute (load average at most the
    /// core count): rates that depend on the router's threads getting a core are checked from below only then.
    /// </summary>
    public static bool MachineNotOverloaded() => LoadAverage() <= Environment.ProcessorCount;

    /// <summary>The one-minute load average (0 when /proc/loadavg cannot be read).</summary>
    public static double LoadAverage()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    public static string? Which(string tool) =>
        new[] { "/usr/sbin/", "/usr/bin/", "/sbin/", "/bin/" }.Select(d => d + tool).FirstOrDefault(File.Exists);

    /// <summary>Runs <paramref name="file"/>; a run that outlives <paramref name="timeout"/> is killed (it is ours) and reported.</summary>
    public static Result Run(string file, IEnumerable<string> args, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
            return new Result(-1, stdout.IsCompleted ? stdout.Result : "", $"{file} {string.Join(' ', args)}: killed after {timeout.TotalSeconds:0} s");
        }
        process.WaitForExit();
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>
    /// A tool left running while the test does something else (an iperf3 server). Its PID is kept:
    /// if it overstays, that process and nothing else is killed.
    /// </summary>
    public sealed class Background : IDisposable
    {
        private readonly Process _process;
        private readonly Task<string> _stdout;
        private readonly Task<string> _stderr;
        private readonly string _command;

        internal Background(Process process, string command)
        {
            _process = process;
            _command = command;
            _stdout = process.StandardOutput.ReadToEndAsync();
            _stderr = process.StandardError.ReadToEndAsync();
        }

        public int Pid => _process.Id;

        /// <summary>Waits up to <paramref name="timeout"/> for it to end by itself; kills it (only it) otherwise.</summary>
        public Result Finish(TimeSpan timeout)
        {
            if (!_process.WaitForExit(timeout))
            {
                KillIfRunning();
                return new Result(-1, _stdout.IsCompleted ? _stdout.Result : "", $"{_command} (PID {Pid}): killed after {timeout.TotalSeconds:0} s");
            }
            _process.WaitForExit();
            return new Result(_process.ExitCode, _stdout.Result, _stderr.Result);
        }

        private void KillIfRunning()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: false);
                    _process.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
                // Already reaped.
            }
        }

        public void Dispose()
        {
            KillIfRunning();
            _process.Dispose();
        }
    }

    /// <summary>
    /// Starts a command inside <paramref name="ns"/> without waiting for it. <c>ip netns exec</c>
    /// execs in place, so the PID kept is the tool's own.
    /// </summary>
    public static Background StartInNamespace(string ns, params string[] command)
    {
        var info = new ProcessStartInfo("ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "netns", "exec", ns }.Concat(command))
        {
            info.ArgumentList.Add(arg);
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {string.Join(' ', command)}");
        return new Background(process, string.Join(' ', command));
    }

    /// <summary>Runs a command inside network namespace <paramref name="ns"/>.</summary>
    public static Result InNamespace(string ns, TimeSpan timeout, params string[] command) =>
        Run("ip", new[] { "netns", "exec", ns }.Concat(command), timeout);

    public static Result Ip(params string[] args) => Run("ip", args, TimeSpan.FromSeconds(10));

    /// <summary>
    /// The bytes an iperf3 TCP client's JSON report (<c>-J</c>) says were sent and received. A report without them
    /// (iperf3 answers some failures with exit code 0 and an "error" member) fails the test with the report itself.
    /// </summary>
    public static (long Sent, long Received) IperfTcpBytes(Result client)
    {
        try
        {
            using var report = System.Text.Json.JsonDocument.Parse(client.Stdout);
            if (report.RootElement.TryGetProperty("end", out var end)
                && end.TryGetProperty("sum_sent", out var sent) && sent.TryGetProperty("bytes", out var sentBytes)
                && end.TryGetProperty("sum_received", out var received) && received.TryGetProperty("bytes", out var receivedBytes))
            {
                return (sentBytes.GetInt64(), receivedBytes.GetInt64());
            }
        }
        catch (System.Text.Json.JsonException)
        {
        }
        throw new Xunit.Sdk.XunitException($"iperf3 (exit code {client.ExitCode}) reported no TCP totals:\n{client.Output}");
    }

    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ActorRouter.sln")))
            {
                dir = dir.Parent;
            }
            return dir?.FullName ?? throw new InvalidOperationException($"no ActorRouter.sln above {AppContext.BaseDirectory}");
        }
    }
}
