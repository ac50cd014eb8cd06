using System.Diagnostics;

namespace ActorRouter.Benchmarks;

/// <summary>
/// A network namespace of the benchmark's own holding one veth pair, <see cref="EndA"/> — <see cref="EndB"/>,
/// both up and with IPv6 off so the kernel sends nothing of its own. Dispose deletes the namespace,
/// and the pair with it.
/// </summary>
internal sealed class VethNamespace : IDisposable
{
    public const string EndA = "arn-tx";
    public const string EndB = "arn-rx";

    private VethNamespace(string name) => Name = name;

    public string Name { get; }

    /// <summary>Creates the namespace (named <paramref name="prefix"/>-PID); on failure nothing is left behind.</summary>
    public static VethNamespace Create(string prefix)
    {
        var lab = new VethNamespace($"{prefix}-{Environment.ProcessId}");
        try
        {
            Ip($"netns add {lab.Name}");
            Ip($"netns exec {lab.Name} sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1");
            Ip($"-n {lab.Name} link add {EndA} type veth peer name {EndB}");
            Ip($"-n {lab.Name} link set {EndA} up");
            Ip($"-n {lab.Name} link set {EndB} up");
        }
        catch
        {
            lab.Dispose();
            throw;
        }
        return lab;
    }

    public void Dispose() => Ip($"netns del {Name}", throwOnFailure: false);

    /// <summary>Runs ip(8) with a bounded wait.</summary>
    private static void Ip(string arguments, bool throwOnFailure = true)
    {
        var start = new ProcessStartInfo("ip", arguments) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start ip(8)");
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(10_000))
        {
            process.Kill();
            throw new InvalidOperationException($"ip {arguments} did not finish in 10 s");
        }
        if (process.ExitCode != 0 && throwOnFailure)
        {
            throw new InvalidOperationException($"ip {arguments} failed: {stderr.Result.Trim()}");
        }
    }
}
