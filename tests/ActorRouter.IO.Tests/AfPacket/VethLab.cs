using System.Diagnostics;

namespace ActorRouter.IO.Tests.AfPacket;

/// <summary>
/// A fresh network namespace holding one veth pair, <see cref="EndA"/> — <see cref="EndB"/>, both up,
/// IPv6 off so the kernel sends nothing of its own on them. Nothing is ever created in the root
/// namespace; deleting the namespace (Dispose) deletes the pair with it.
/// </summary>
internal sealed class VethLab : IDisposable
{
    public const string EndA = "arn-a";
    public const string EndB = "arn-b";
    private static int _sequence;
    private static readonly Lazy<string?> UnavailableReason = new(ProbeUnavailable);

    private VethLab(string name) => Namespace = name;

    public string Namespace { get; }

    /// <summary>Null when labs can be made here, else why not (shown as the skip reason).</summary>
    public static string? Unavailable => UnavailableReason.Value;

    /// <summary>Creates the lab; the caller has checked <see cref="Unavailable"/>.</summary>
    public static VethLab Create()
    {
        var lab = new VethLab($"arnt-{Environment.ProcessId}-{Interlocked.Increment(ref _sequence)}");
        try
        {
            Ip($"netns add {lab.Namespace}");
            Ip($"netns exec {lab.Namespace} sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1");
            Ip($"-n {lab.Namespace} link add {EndA} type veth peer name {EndB}");
            Ip($"-n {lab.Namespace} link set {EndA} up");
            Ip($"-n {lab.Namespace} link set {EndB} up");
        }
        catch
        {
            lab.Dispose();
            throw;
        }
        return lab;
    }

    public void SetLink(string end, bool up) => Ip($"-n {Namespace} link set {end} {(up ? "up" : "down")}");

    public void Dispose() => Ip($"netns del {Namespace}", throwOnFailure: false);

    /// <summary>Runs ip(8) with a bounded wait; returns its output.</summary>
    public static string Ip(string arguments, bool throwOnFailure = true)
    {
        var start = new ProcessStartInfo(IpPath ?? "ip", arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start ip");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(10_000))
        {
            process.Kill();
            throw new TimeoutException($"ip {arguments} did not finish in 10 s");
        }
        if (process.ExitCode != 0 && throwOnFailure)
        {
            throw new InvalidOperationException($"ip {arguments} failed ({process.ExitCode}): {stderr.Result.Trim()}");
        }
        return stdout.Result;
    }

    private static string? IpPath =>
        new[] { "/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip" }.FirstOrDefault(File.Exists);

    private static string? ProbeUnavailable()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return "AF_PACKET tests need root (CAP_NET_RAW, CAP_SYS_ADMIN for network namespaces)";
        }
        if (IpPath is null)
        {
            return "AF_PACKET tests need ip(8) from iproute2 to make namespaces and veth pairs";
        }
        try
        {
            using var probe = Create();
        }
        catch (Exception e)
        {
            return $"cannot make a network namespace with a veth pair here: {e.Message}";
        }
        return null;
    }
}
