using System.Diagnostics;
using ActorRouter.DataPlane;
using ActorRouter.DataPlane.Forwarding;
using ActorRouter.DataPlane.Vnic;
using ActorRouter.IO.AfPacket;
using ActorRouter.IO.AfXdp;
using ActorRouter.IO.Tests.AfPacket;
using ActorRouter.Packets;

namespace ActorRouter.IO.Tests.Lab;

/// <summary>
/// Three namespaces made for one test and deleted after it: host h1 (192.0.2.10/24) — router r —
/// host h2 (198.51.100.10/24), joined by veth pairs. The router namespace has no IP addresses of its
/// own, so the kernel there forwards nothing and answers nothing: every packet crossing it goes
/// through the data plane on AF_PACKET ports. Neighbors are static on both sides (the data plane's
/// ARP lives in the control plane), so this exercises the data plane alone with real clients.
/// </summary>
internal sealed class RouterLab : IDisposable
{
    private static int _sequence;
    public static readonly uint[] RouterAddresses = [Ipv4Address.Parse("192.0.2.1"), Ipv4Address.Parse("198.51.100.1")];
    public static readonly string[] HostAddresses = ["192.0.2.10", "198.51.100.10"];

    private RouterLab(string prefix)
    {
        Host1 = prefix + "-h1";
        Router = prefix + "-r";
        Host2 = prefix + "-h2";
    }

    public string Host1 { get; }
    public string Router { get; }
    public string Host2 { get; }
    public QfpDataPlane DataPlane { get; private set; } = null!;
    public IVnicPort[] Ports { get; } = new IVnicPort[2];

    /// <summary>Why the lab cannot run here, or null.</summary>
    public static string? Unavailable
    {
        get
        {
            if (VethLab.Unavailable is { } reason)
            {
                return reason;
            }
            return Which("ping") is null ? "the lab tests need ping (Debian: iputils-ping; bash .ci/run installs it)" : null;
        }
    }

    public static string? Which(string tool) =>
        new[] { "/usr/bin/", "/bin/", "/usr/sbin/", "/sbin/" }.Select(d => d + tool).FirstOrDefault(File.Exists);

    /// <param name="driver">af-packet (the default) or af-xdp: which driver the router's two ports use.</param>
    public static RouterLab Create(int[]? mtus = null, string driver = "af-packet")
    {
        mtus ??= [1500, 1500];
        var lab = new RouterLab($"arnl{Environment.ProcessId % 100000}-{Interlocked.Increment(ref _sequence)}");
        try
        {
            foreach (var ns in new[] { lab.Host1, lab.Router, lab.Host2 })
            {
                VethLab.Ip($"netns add {ns}");
                VethLab.Ip($"netns exec {ns} sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1");
                VethLab.Ip($"-n {ns} link set lo up");
            }
            string[] hosts = [lab.Host1, lab.Host2];
            for (var i = 0; i < 2; i++)
            {
                VethLab.Ip($"-n {lab.Router} link add r{i + 1} mtu {mtus[i]} type veth peer name eth0 netns {hosts[i]}");
                VethLab.Ip($"-n {hosts[i]} link set eth0 mtu {mtus[i]} up");
                VethLab.Ip($"-n {lab.Router} link set r{i + 1} up");
                VethLab.Ip($"-n {hosts[i]} addr add {HostAddresses[i]}/24 dev eth0");
                VethLab.Ip($"-n {hosts[i]} route add default via {Ipv4Address.Format(RouterAddresses[i])}");
                // The data plane reads frames whole, as a wire carries them: no segmentation offload towards it,
                // and no checksum offload either — a veth hands a frame over with its TCP/UDP checksum left
                // to "hardware" that is not there, and a driver that reads raw frames (AF_XDP) forwards it
                // unfinished, so the far host drops it (ICMP, checksummed by the stack itself, got through).
                Run("ip", $"netns exec {hosts[i]} ethtool -K eth0 tso off gso off tx off", throwOnFailure: false);
            }

            lab.DataPlane = new QfpDataPlane(new DataPlaneOptions { BufferCount = 4096, PpeThreads = 1, PuntRatePerSecond = 1000 });
            var neighbors = new List<Neighbor>();
            for (var i = 0; i < 2; i++)
            {
                IVnicPort port = driver == "af-xdp"
                    ? new AfXdpVnicPort($"r{i + 1}", lab.DataPlane.Gpm, 256, routerName: $"GigabitEthernet{i + 1}", networkNamespace: lab.Router)
                    : new AfPacketVnicPort($"r{i + 1}", 256, AfPacketMode.Latency, 2048, $"GigabitEthernet{i + 1}", lab.Router);
                lab.Ports[i] = port;
                var uidb = lab.DataPlane.CreateUidb($"GigabitEthernet{i + 1}", $"r{i + 1}", mtus[i], port.Mac);
                lab.DataPlane.RegisterPort(uidb.Index, port);
                lab.DataPlane.SetIpv4Address(uidb.Index, RouterAddresses[i], 24);
                lab.DataPlane.SetAdminState(uidb.Index, true);
                var hostMac = MacAddress.Parse(VethLab.Ip($"-n {hosts[i]} -br link show eth0").Split(' ', StringSplitOptions.RemoveEmptyEntries)[2]);
                neighbors.Add(new Neighbor(uidb.Index, Ipv4Address.Parse(HostAddresses[i]), hostMac.Value));
                VethLab.Ip($"-n {hosts[i]} neigh replace {Ipv4Address.Format(RouterAddresses[i])} lladdr {new MacAddress(port.Mac)} dev eth0 nud permanent");
            }
            lab.DataPlane.PublishRoutes([], neighbors);
            // The kernel reports carrier on a new veth up to a second late (link watch); until then
            // the HQF rightly drops what it would send there as interface-down.
            var deadline = Environment.TickCount64 + 5000;
            while (!(lab.Ports[0].LinkUp && lab.Ports[1].LinkUp) && Environment.TickCount64 < deadline)
            {
                Thread.Sleep(20);
            }
            lab.DataPlane.Start();
        }
        catch
        {
            lab.Dispose();
            throw;
        }
        return lab;
    }

    /// <summary>Runs a command in a namespace with a bounded wait; returns exit code and output.</summary>
    public (int ExitCode, string Output) Exec(string ns, string command, int timeoutMs = 20_000)
        => Run("ip", $"netns exec {ns} {command}", timeoutMs: timeoutMs, throwOnFailure: false);

    /// <summary>Why the lab cannot run with <paramref name="driver"/> here, or null.</summary>
    public static string? UnavailableFor(string driver) =>
        Unavailable ?? (driver == "af-xdp" && ActorRouter.IO.Native.NativeShim.XskSupported() == 0
            ? "the native shim was built without libxdp/libbpf (install libxdp-dev libbpf-dev pkg-config)"
            : null);

    public static (int ExitCode, string Output) Run(string file, string arguments, int timeoutMs = 20_000, bool throwOnFailure = true)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutMs))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
            throw new TimeoutException($"{file} {arguments} did not finish in {timeoutMs} ms");
        }
        var output = stdout.Result + stderr.Result;
        if (process.ExitCode != 0 && throwOnFailure)
        {
            throw new InvalidOperationException($"{file} {arguments} failed ({process.ExitCode}): {output.Trim()}");
        }
        return (process.ExitCode, output);
    }

    /// <summary>Counters in one line, for assertion messages.</summary>
    public string Describe()
    {
        var parts = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            foreach (var c in Enum.GetValues<ActorRouter.DataPlane.Counters.InterfaceCounter>())
            {
                parts.Add($"if{i}.{c}={DataPlane.ReadInterfaceCounter(i, c)}");
            }
        }
        foreach (var r in Enum.GetValues<ActorRouter.DataPlane.Counters.DropReason>())
        {
            var n = DataPlane.ReadDrops(r);
            if (n > 0)
            {
                parts.Add($"{r}={n}");
            }
        }
        foreach (var c in DataPlane.Counters)
        {
            parts.Add($"{c.ThreadName}:down0={c.ReadDrops(0, ActorRouter.DataPlane.Counters.DropReason.InterfaceDown)}");
        }
        parts.Add($"link={Ports[0].LinkUp},{Ports[1].LinkUp} up={DataPlane.Interfaces.Up[0]},{DataPlane.Interfaces.Up[1]} ports={DataPlane.Interfaces.Ports[0]?.OsName},{DataPlane.Interfaces.Ports[1]?.OsName}");
        parts.Add($"icmp-sent={DataPlane.Ppes[0].Counters.IcmpErrorsSent} suppressed={DataPlane.Ppes[0].Counters.IcmpErrorsSuppressed}");
        return string.Join(' ', parts);
    }

    public void Dispose()
    {
        DataPlane?.Dispose();
        foreach (var port in Ports)
        {
            port?.Dispose();
        }
        foreach (var ns in new[] { Host1, Router, Host2 })
        {
            VethLab.Ip($"netns del {ns}", throwOnFailure: false);
        }
    }
}
