namespace ActorRouter.ControlPlane.Configuration;

/// <summary>The whole router configuration: everything under <c>actorrouter { }</c>.</summary>
public sealed partial record RouterConfig(
    DataPlaneConfig DataPlane,
    PuntConfig Punt,
    IcmpConfig Icmp,
    EquatableList<InterfaceConfig> Interfaces,
    EquatableList<StaticRouteConfig> StaticRoutes,
    ControlConfig Control,
    FaultInjectionConfig FaultInjection,
    SimulationConfig Simulation);

/// <summary>GPM: the one native block of fixed-size packet buffers.</summary>
public sealed record GpmConfig(int BufferSize, int BufferCount, int Headroom)
{
    public static readonly GpmConfig Default = new(BufferSize: 2048, BufferCount: 16384, Headroom: 128);
}

/// <summary>Cores the data-plane threads are pinned to; <see cref="Unpinned"/> leaves a thread to the OS scheduler.</summary>
public sealed record CoreAssignment(int Rx, EquatableList<int> Ppe, int Hqf)
{
    public const int Unpinned = -1;

    /// <summary>Collapsed layout: core per worker; an empty list leaves them unpinned (auto pins one per core itself).</summary>
    public EquatableList<int> Workers { get; init; } = EquatableList<int>.Empty;

    /// <summary>An empty <see cref="Ppe"/> list leaves every PPE thread unpinned.</summary>
    public static readonly CoreAssignment Default = new(Unpinned, EquatableList<int>.Empty, Unpinned);
}

public sealed record DataPlaneConfig(GpmConfig Gpm, int PpeThreads, int BurstSize, int RingSize, CoreAssignment Cores)
{
    /// <summary>split, collapsed or auto: see config/README.md, "data-plane.layout".</summary>
    public ActorRouter.DataPlane.DataPlaneLayout Layout { get; init; } = ActorRouter.DataPlane.DataPlaneLayout.Auto;

    /// <summary>Collapsed layout: how many workers; 0 = one per core.</summary>
    public int Workers { get; init; }

    /// <summary>The console host keeps its other threads off the cores of pinned data-plane threads (see config/README.md).</summary>
    public bool IsolateWorkers { get; init; } = true;

    /// <summary>Receive coalescing of collapsed workers: the sleep after a pass with a small batch in a stream, in µs (see config/README.md).</summary>
    public int CoalesceMicroseconds { get; init; } = 30;

    /// <summary>Frames per pass below which a batch is small (receive coalescing).</summary>
    public int CoalesceBatch { get; init; } = 16;

    /// <summary>How long after its last work an idle data-plane thread keeps its sleeps short, in ms (see config/README.md).</summary>
    public int LingerMilliseconds { get; init; } = 1000;

    public static readonly DataPlaneConfig Default = new(GpmConfig.Default, PpeThreads: 2, BurstSize: 32, RingSize: 1024, CoreAssignment.Default);
}

/// <summary>
/// The bounded ring that carries packets for the router itself to the control plane, policed by class
/// (<see cref="PuntClassConfig"/> per class; see PuntConfig.cs).
/// </summary>
public sealed partial record PuntConfig(int RingSize);

/// <summary>Rate limit on ICMP errors the router generates (unreachable, time exceeded, ...).</summary>
public sealed record IcmpConfig(int ErrorRateLimitPps, int Burst)
{
    public static readonly IcmpConfig Default = new(ErrorRateLimitPps: 100, Burst: 10);
}

public enum InterfaceDriver
{
    /// <summary>In-memory vNIC: the embedded default and tests.</summary>
    Memory,

    /// <summary>A real Linux interface through AF_PACKET mmap rings.</summary>
    AfPacket,

    /// <summary>A real Linux interface through AF_XDP sockets, GPM registered as the UMEM (no copy).</summary>
    AfXdp,

    /// <summary>A real Linux interface: af-xdp when it opens, else af-packet.</summary>
    Auto,
}

/// <param name="OsName">The OS-side name (Linux interface name, or the memory vNIC's name).</param>
/// <param name="Name">The router-side name, e.g. GigabitEthernet1.</param>
/// <param name="Mac">Null: the driver's own MAC address is used.</param>
public sealed partial record InterfaceConfig(
    string OsName,
    string Name,
    InterfaceDriver Driver,
    Ipv4Cidr? Ipv4,
    int Mtu,
    int RingSize,
    ulong? Mac,
    bool Shutdown)
{
    public const InterfaceDriver DefaultDriver = InterfaceDriver.Memory;
    public const int DefaultMtu = 1500;
    public const int DefaultRingSize = 512;
}

/// <param name="Interface">Null: the egress interface is resolved from the next hop.</param>
public sealed record StaticRouteConfig(Ipv4Cidr Prefix, uint NextHop, string? Interface)
{
    /// <summary>Published into the fleet's link-state database (<c>share = true</c>): the other members route the prefix to this router.</summary>
    public bool Share { get; init; }
}

/// <summary>
/// Where a secret is kept — never the secret itself, so that <c>show running-config</c> and
/// <c>write memory</c> carry only the reference. Exactly one of the two is set.
/// </summary>
/// <param name="File">A file whose content (one trailing newline removed) is the secret.</param>
/// <param name="EnvironmentVariable">An environment variable of the router's process holding it.</param>
public sealed record SecretReference(string? File, string? EnvironmentVariable)
{
    /// <summary>The secret, or null with <paramref name="error"/> set.</summary>
    public string? Read(out string? error)
    {
        error = null;
        if (EnvironmentVariable is not null)
        {
            var value = Environment.GetEnvironmentVariable(EnvironmentVariable);
            if (value is null)
            {
                error = $"environment variable {EnvironmentVariable} is not set";
            }
            return value;
        }
        try
        {
            var text = System.IO.File.ReadAllText(File!);
            return text.EndsWith('\n') ? text[..^1] : text;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"cannot read {File}: {e.Message}";
            return null;
        }
    }
}

/// <summary>Where the control endpoint (Akka.Remote over mutual TLS, used by arctl) listens, and where its credentials live.</summary>
/// <param name="Port">0 lets the OS pick a free port.</param>
/// <param name="StateDirectory">The router's CA, endpoint certificate and client credentials; null: the platform default (see <c>ControlStateDirectory</c>).</param>
/// <param name="ReadOnlyGroup">A Unix group that may read the read-only credential; null: none is created.</param>
/// <param name="ConfigDirectory">Where <c>write memory PATH</c> may write; null: the directory of the start file.</param>
/// <param name="KeyPassword">Encrypts the CA and endpoint keys in the state directory; null: the file mode alone protects them.</param>
/// <param name="CaptureDirectory">Where <c>monitor capture ... file PATH</c> may write; null: captures to a file are refused.</param>
public sealed record ControlConfig(string Hostname, int Port, string? StateDirectory = null, string? ReadOnlyGroup = null,
    string? ConfigDirectory = null, SecretReference? KeyPassword = null, string? CaptureDirectory = null)
{
    public static readonly ControlConfig Default = new(Hostname: "127.0.0.1", Port: 4053);
}

public sealed record FaultInjectionConfig(bool Enabled)
{
    public static readonly FaultInjectionConfig Default = new(Enabled: false);
}

/// <summary>A simulated host on the far end of a memory vNIC.</summary>
/// <param name="Interface">The router-side name of the interface the host is attached to.</param>
/// <param name="SendTo">Null: the host only answers, it originates no traffic.</param>
public sealed record SimulatedHostConfig(
    string Interface,
    uint Ipv4,
    ulong Mac,
    uint Gateway,
    uint? SendTo,
    int RatePps,
    int PayloadBytes)
{
    public const int DefaultRatePps = 100;
    public const int DefaultPayloadBytes = 64;

    /// <summary>
    /// The MAC a host gets when none is configured: locally administered 02:00 followed by its IPv4
    /// address, so that distinct hosts get distinct MACs without the author inventing them.
    /// </summary>
    public static ulong DefaultMacFor(uint ipv4) => 0x0200_0000_0000UL | ipv4;
}

public sealed record SimulationConfig(EquatableList<SimulatedHostConfig> Hosts)
{
    public static readonly SimulationConfig Default = new(EquatableList<SimulatedHostConfig>.Empty);
}

/// <summary>The <c>data-plane.layout</c> key's words.</summary>
public static class DataPlaneLayouts
{
    public static string Text(ActorRouter.DataPlane.DataPlaneLayout layout) => layout switch
    {
        ActorRouter.DataPlane.DataPlaneLayout.Split => "split",
        ActorRouter.DataPlane.DataPlaneLayout.Collapsed => "collapsed",
        _ => "auto",
    };

    public static ActorRouter.DataPlane.DataPlaneLayout? Parse(string text) => text switch
    {
        "split" => ActorRouter.DataPlane.DataPlaneLayout.Split,
        "collapsed" => ActorRouter.DataPlane.DataPlaneLayout.Collapsed,
        "auto" => ActorRouter.DataPlane.DataPlaneLayout.Auto,
        _ => null,
    };
}

/// <summary>The <c>driver</c> key's words, and which drivers open a real Linux interface.</summary>
public static class InterfaceDrivers
{
    public static string Text(InterfaceDriver driver) => driver switch
    {
        InterfaceDriver.AfPacket => "af-packet",
        InterfaceDriver.AfXdp => "af-xdp",
        InterfaceDriver.Auto => "auto",
        _ => "memory",
    };

    /// <summary>True for the drivers that open a Linux interface (everything but memory).</summary>
    public static bool IsLinux(InterfaceDriver driver) => driver != InterfaceDriver.Memory;
}
