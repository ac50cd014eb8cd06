using ActorRouter.ControlPlane.Configuration;

namespace ActorRouter.ControlPlane.Messages;

// Changes after the handshake (what the CLI sends to FMAN). FMAN validates each against its
// state, has the QFP client apply it to the data plane, republishes routes, and answers with
// CommandSucceeded or CommandFailed; a refused change leaves everything as it was.

/// <summary>"shutdown" (<paramref name="Up"/> false) / "no shutdown" (true).</summary>
public sealed record SetInterfaceAdminState(string Name, bool Up);

public sealed record SetInterfaceMtu(string Name, int Mtu);

/// <summary>Sets (or with null removes) the interface's IPv4 address and subnet.</summary>
public sealed record SetInterfaceAddress(string Name, Ipv4Cidr? Address);

/// <summary>
/// Creates an 802.1Q subinterface (<c>interface PARENT.N encapsulation dot1q VLAN</c>). FMAN answers as the
/// handshake does: <see cref="InterfaceUp"/> once it is up, <see cref="InterfaceInitFailed"/> (or
/// <see cref="CommandFailed"/> for a request that breaks a rule) otherwise; an existing subinterface with
/// the same VLAN is answered with <see cref="CommandSucceeded"/>.
/// </summary>
public sealed record CreateSubinterface(string Name, int Vlan);

/// <summary>Removes a subinterface: its uIDB, its connected route and its neighbours.</summary>
public sealed record RemoveSubinterface(string Name);

public sealed record AddStaticRoute(StaticRouteConfig Route);

public sealed record RemoveStaticRoute(Ipv4Cidr Prefix, uint NextHop);

/// <summary>Adds (or with <paramref name="Remove"/> removes) one of the interface's IPv6 addresses.</summary>
public sealed record ChangeInterfaceIpv6Address(string Name, Ipv6Cidr Address, bool Remove);

public sealed record AddIpv6StaticRoute(Ipv6StaticRouteConfig Route);

public sealed record RemoveIpv6StaticRoute(Ipv6Cidr Prefix, UInt128 NextHop);

/// <summary>Adds or replaces a static IPv6 neighbour entry (address and interface name it).</summary>
public sealed record SetIpv6StaticNeighbor(Ipv6NeighborConfig Neighbor);

public sealed record RemoveIpv6StaticNeighbor(UInt128 Address, string Interface);

public sealed record CommandSucceeded(string Description);

public sealed record CommandFailed(string Reason);

// Queries FMAN answers.

public sealed record GetInterfaces
{
    public static readonly GetInterfaces Instance = new();
}

/// <summary>
/// One interface as "show interfaces" reports it; counters summed over the data-plane threads, driver drops (the
/// kernel's ring counters) from the interface's port.
/// </summary>
public sealed record InterfaceStatus(
    string Name,
    string OsName,
    int Index,
    bool AdminUp,
    bool OperUp,
    int Mtu,
    ulong Mac,
    Ipv4Cidr? Address,
    long RxPackets,
    long RxBytes,
    long TxPackets,
    long TxBytes,
    long Drops,
    long InputDrops = 0,
    long OutputDrops = 0);

public sealed record InterfaceList(IReadOnlyList<InterfaceStatus> Interfaces);

public sealed record GetRoutes
{
    public static readonly GetRoutes Instance = new();
}

public enum RouteKind
{
    Connected,
    Static,

    /// <summary>Computed from the fleet's link-state database (code F).</summary>
    Fleet,
}

/// <param name="NextHop">0 for connected routes.</param>
/// <param name="Interface">The egress interface when known (connected: its own; static: the one the next hop resolves through).</param>
/// <param name="Active">In the forwarding table: the interface is up, or the static route's next hop resolves.</param>
public sealed record RouteStatus(RouteKind Kind, Ipv4Cidr Prefix, uint NextHop, string? Interface, bool Active)
{
    /// <summary>The path cost of a fleet route; 0 for connected and static routes.</summary>
    public int Metric { get; init; }
}

public sealed record RouteList(IReadOnlyList<RouteStatus> Routes);

public sealed record GetRunningConfig
{
    public static readonly GetRunningConfig Instance = new();
}

/// <summary>The configuration as it is now, with every accepted change, and its canonical HOCON text.</summary>
public sealed record RunningConfig(RouterConfig Config, string Text);
