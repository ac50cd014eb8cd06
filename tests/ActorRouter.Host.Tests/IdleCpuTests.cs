using System.Globalization;
using Xunit.Abstractions;

namespace ActorRouter.Host.Tests;

[CollectionDefinition(nameof(IdleCpuTests), DisableParallelization = true)]
public sealed class IdleCpuCollection;

/// <summary>
/// A figure of the product: the built host on the embedded default with every interface up and no
/// traffic (the simulated hosts left out) uses under 1 % of one core. Measured from the process's
/// own user and system time in /proc, so other load on the machine does not count against it; a
/// busy machine (load average above 3) still makes each wake-up dearer, so the test then skips.
/// </summary>
[Collection(nameof(IdleCpuTests))]
public sealed class IdleCpuTests(ITestOutputHelper output)
{
    private const double LoadLimit = 3.0;
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    [SkippableFact]
    public void An_idle_router_with_every_interface_up_uses_under_one_percent_of_a_core()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "reads /proc");
        Skip.If(LoadAverage() > LoadLimit, $"load average {LoadAverage():F1} is above {LoadLimit}: other work on this machine would decide the figure");
        var config = Path.Combine(Path.GetTempPath(), $"actorrouter-idle-{Guid.NewGuid():N}.conf");
        // The embedded default, without the simulated hosts' traffic (a later HOCON value replaces an earlier one).
        File.WriteAllText(config, File.ReadAllText(Path.Combine(RepoRoot(), "config", "router.conf")) + "\nactorrouter.simulation.hosts = []\n");
        try
        {
            using var host = HostProcess.Start("--config", config);
            Assert.True(host.WaitForLines(TimeSpan.FromSeconds(60), l => l == "router ready: 2 of 2 interfaces up"), host.Transcript);
            // Start-up work (JIT tiering, the first statistics) is over before the window opens.
            Thread.Sleep(Warmup);
            var before = ReadCpu(host.Id);
            var threadsBefore = ReadThreads(host.Id);
            Thread.Sleep(Window);
            var after = ReadCpu(host.Id);
            var threadsAfter = ReadThreads(host.Id);
            var load = LoadAverage();

            var ticksPerSecond = 100.0; // USER_HZ on Linux
            var share = (after.Ticks - before.Ticks) / ticksPerSecond / (after.At - before.At).TotalSeconds;
            var breakdown = string.Join(", ", threadsAfter
                .Where(t => threadsBefore.ContainsKey(t.Key))
                .Select(t => (t.Value.Name, Ticks: t.Value.Ticks - threadsBefore[t.Key].Ticks))
                .Where(t => t.Ticks > 0)
                .OrderByDescending(t => t.Ticks)
                .Select(t => $"{t.Name} {t.Ticks}"));
            output.WriteLine($"idle: {share * 100:F2} % of one core over {(after.At - before.At).TotalSeconds:F1} s (load average {load:F1}); ticks by thread: {breakdown}");
            Skip.If(load > LoadLimit, $"load average rose to {load:F1} during the measurement ({share * 100:F2} % of one core)");
            Assert.True(share < 0.01, $"idle router used {share * 100:F2} % of one core; ticks by thread: {breakdown}");
        }
        finally
        {
            File.Delete(config);
        }
    }

    private static double LoadAverage() => double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);

    /// <summary>utime + stime of the whole process (fields 14 and 15 of /proc/PID/stat), in clock ticks.</summary>
    private static (long Ticks, DateTime At) ReadCpu(int pid) => (StatTicks(File.ReadAllText($"/proc/{pid}/stat")), DateTime.UtcNow);

    private static Dictionary<string, (string Name, long Ticks)> ReadThreads(int pid)
    {
        var threads = new Dictionary<string, (string, long)>();
        foreach (var task in Directory.GetDirectories($"/proc/{pid}/task"))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                var name = stat[(stat.IndexOf('(') + 1)..stat.LastIndexOf(')')];
                threads[Path.GetFileName(task)] = (name, StatTicks(stat));
            }
            catch (IOException)
            {
                // The thread ended between listing and reading.
            }
        }
        return threads;
    }

    private static long StatTicks(string stat)
    {
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }

    private static string RepoRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "ActorRouter.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException($"no ActorRouter.sln above {AppContext.BaseDirectory}");
    }
}
