using System.Text.RegularExpressions;

namespace ActorRouter.Lab.Tests;

/// <summary>
/// The namespace lab of tests/lab/lab-up.sh under names of this test's own: PREFIX-h1 (192.0.2.10),
/// PREFIX-h2 (198.51.100.10), PREFIX-h3 (203.0.113.10), each with eth0 towards router namespace
/// PREFIX-r (eth1..eth3, no kernel addresses, ip_forward=0). Dispose runs lab-down.sh, which
/// deletes the namespaces and with them every veth, also after a failed test.
/// </summary>
internal sealed partial class LabNetwork : IDisposable
{
    private static int _sequence;
    private static readonly Lazy<string?> UnavailableReason = new(Probe);

    private LabNetwork(string prefix) => Prefix = prefix;

    public string Prefix { get; }
    public string Router => Prefix + "-r";
    public string H1 => Prefix + "-h1";
    public string H2 => Prefix + "-h2";
    public string H3 => Prefix + "-h3";

    public const string H1Address = "192.0.2.10";
    public const string H2Address = "198.51.100.10";
    public const string H3Address = "203.0.113.10";

    /// <summary>Null when the lab can be built here, else why not (the skip reason).</summary>
    public static string? Unavailable => UnavailableReason.Value;

    public static LabNetwork Create()
    {
        var lab = new LabNetwork($"arlt{Environment.ProcessId % 100000}x{Interlocked.Increment(ref _sequence)}");
        var up = lab.Script("lab-up.sh");
        if (up.ExitCode != 0)
        {
            lab.Dispose();
            throw new InvalidOperationException($"lab-up.sh failed ({up.ExitCode}): {up.Output}");
        }
        return lab;
    }

    public void Dispose()
    {
        Script("lab-down.sh");
        // lab-down.sh is the teardown under test; make sure regardless.
        foreach (var ns in new[] { H1, Router, H2, H3 })
        {
            if (File.Exists($"/var/run/netns/{ns}"))
            {
                Tools.Ip("netns", "del", ns);
            }
        }
    }

    private Tools.Result Script(string name)
    {
        var info = Path.Combine(Tools.RepoRoot, "tests", "lab", name);
        return Tools.Run("/usr/bin/env", ["LAB_PREFIX=" + Prefix, "bash", info], TimeSpan.FromSeconds(30));
    }

    /// <summary>ping -c COUNT from <paramref name="ns"/>; the number of replies.</summary>
    public int Ping(string ns, string address, int count = 3, params string[] extra)
    {
        var result = Tools.InNamespace(ns, TimeSpan.FromSeconds(count + 5),
            ["ping", "-n", "-c", count.ToString(), "-i", "0.2", "-W", "1", .. extra, address]);
        var match = Received().Match(result.Stdout);
        return match.Success ? int.Parse(match.Groups[1].Value) : 0;
    }

    /// <summary>
    /// Pings once a second until one reply comes back or <paramref name="timeout"/> passes: the first
    /// packet towards an unresolved neighbour may be dropped while the router resolves it.
    /// </summary>
    public bool WaitForPing(string ns, string address, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        do
        {
            if (Ping(ns, address, count: 1) == 1)
            {
                return true;
            }
        }
        while (DateTime.UtcNow < deadline);
        return false;
    }

    [GeneratedRegex(@"(\d+) (packets )?received")]
    private static partial Regex Received();

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "the namespace lab needs Linux";
        }
        if (!Environment.IsPrivilegedProcess)
        {
            return "the namespace lab needs root (network namespaces, veth, AF_PACKET)";
        }
        foreach (var tool in new[] { "ip", "ping" })
        {
            if (Tools.Which(tool) is null)
            {
                return $"the namespace lab needs {tool} (bash .ci/run installs the lab tools)";
            }
        }
        var probe = $"arltprobe{Environment.ProcessId}";
        var add = Tools.Ip("netns", "add", probe);
        if (add.ExitCode != 0)
        {
            return $"cannot create a network namespace here: {add.Stderr.Trim()}";
        }
        Tools.Ip("netns", "del", probe);
        return null;
    }
}
