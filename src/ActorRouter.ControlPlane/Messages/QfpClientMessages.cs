using ActorRouter.DataPlane.Forwarding;
using ActorRouter.DataPlane.Ports;

namespace ActorRouter.ControlPlane.Messages;

// What FMAN asks of the QFP client besides the handshake. The QFP client is the only actor that
// calls the data plane; it keeps no state of its own.

/// <summary>
/// A data-plane command FMAN (or the gateway) sends the QFP client. Each carries a correlation id the
/// answer echoes (<see cref="DataPlaneCommandApplied"/>, <see cref="DataPlaneCommandRefused"/>), so an
/// answer that arrives after its command timed out is recognised as such instead of being taken as
/// the answer to the next command.
/// </summary>
public interface IDataPlaneCommand
{
    long CorrelationId { get; }

    IDataPlaneCommand WithCorrelationId(long correlationId);
}

public sealed record ApplyAdminState(int Index, bool Up, long CorrelationId = 0) : IDataPlaneCommand
{
    public IDataPlaneCommand WithCorrelationId(long correlationId) => this with { CorrelationId = correlationId };
}

public sealed record ApplyMtu(int Index, int Mtu, long CorrelationId = 0) : IDataPlaneCommand
{
    public IDataPlaneCommand WithCorrelationId(long correlationId) => this with { CorrelationId = correlationId };
}

/// <summary>"clear counters": zeroes one interface's counters, or (null) every interface's and thread's; answered with <see cref="DataPlaneCommandApplied"/>.</summary>
public sealed record ClearDataPlaneCounters(int? Index, long CorrelationId = 0) : IDataPlaneCommand
{
    public IDataPlaneCommand WithCorrelationId(long correlationId) => this with { CorrelationId = correlationId };
}

/// <summary>Address 0 with prefix length 0 removes the address.</summary>
/// <summary>The interface's IPv6 addresses, all of them (the link-local one is derived and not listed).</summary>
public sealed record ApplyIpv6Addresses(int Index, IReadOnlyList<Configuration.Ipv6Cidr> Addresses, long CorrelationId = 0) : IDataPlaneCommand
{
    public IDataPlaneCommand WithCorrelationId(long correlationId) => this with { CorrelationId = correlationId };
}

public sealed record ApplyAddress(int Index, uint Address, int PrefixLength, long CorrelationId = 0) : IDataPlaneCommand
{
    public IDataPlaneCommand WithCorrelationId(long correlationId) => this with { CorrelationId = correlationId };
}

public sealed record DataPlaneCommandApplied(long CorrelationId);

public sealed record DataPlaneCommandRefused(long CorrelationId, string Reason);

/// <summary>
/// Published on the event stream (and counted by FMAN) when a data-plane answer arrives for a command
/// that had already timed out; FMAN then reconciles the data plane with its running state.
/// </summary>
public sealed record LateDataPlaneAnswer(long CorrelationId, string Description, bool Applied, long LateAnswersSoFar);

/// <summary>
/// Makes the forwarding state match the uIDBs, these static routes and neighbors; the data plane applies only the
/// routes that differ from what it has installed. Answered with <see cref="RoutesPublished"/>.
/// </summary>
/// <param name="Generation">Echoed in <see cref="RoutesPublished"/> so FMAN knows which publish was answered.</param>
public sealed record PublishRoutes(long Generation, IReadOnlyList<StaticRoute> StaticRoutes, IReadOnlyList<Neighbor> Neighbors)
{
    /// <summary>The IPv6 static routes, by interface index, to publish with the IPv4 state.</summary>
    public IReadOnlyList<Ipv6StaticRoute> Ipv6StaticRoutes { get; init; } = [];

    /// <summary>The IPv6 neighbours (static entries and those neighbour discovery learned), by interface index.</summary>
    public IReadOnlyList<Ipv6Neighbor> Ipv6Neighbors { get; init; } = [];
}

/// <summary>
/// A neighbor learned or changed (ARP): the data plane rewrites its one adjacency in place and adds its /32 when
/// it is new, without touching other routes. Answered with <see cref="RoutesPublished"/>.
/// </summary>
public sealed record PublishNeighbor(long Generation, Neighbor Neighbor);

/// <summary>A neighbor expired: its adjacency turns incomplete and its /32 goes. Answered with <see cref="RoutesPublished"/>.</summary>
public sealed record WithdrawNeighbor(long Generation, int Interface, uint Address);

public sealed record RoutesPublished(long Generation, int RouteCount, IReadOnlyList<StaticRoute> UnresolvedStaticRoutes);

/// <summary>Fills in operational state and counters and sends the <see cref="InterfaceList"/> straight to <paramref name="ReplyTo"/>.</summary>
public sealed record ReadInterfaceStatus(IReadOnlyList<InterfaceStatus> Interfaces, Akka.Actor.IActorRef ReplyTo);

/// <summary>Asks for the data plane's uIDB table (FMAN's resync after a restart).</summary>
public sealed record ReadUidbTable
{
    public static readonly ReadUidbTable Instance = new();
}

/// <summary>One uIDB as the data plane holds it.</summary>
public sealed record UidbEntry(int Index, string Name, string OsName, int Mtu, ulong Mac, bool AdminUp, uint Ipv4Address, int Ipv4PrefixLength, bool Registered)
{
    /// <summary>The 802.1Q VLAN of a subinterface's uIDB; 0 for a physical interface.</summary>
    public int Vlan { get; init; }
}

public sealed record UidbTableSnapshot(IReadOnlyList<UidbEntry> Entries);

/// <summary>The punt service asks the QFP client for the data plane's punt/inject port; answered with <see cref="PuntPortLent"/>.</summary>
public sealed record LendPuntPort
{
    public static readonly LendPuntPort Instance = new();
}

/// <summary>The punt/inject port, lent by the QFP client: all the punt service may touch of the data plane.</summary>
public sealed record PuntPortLent(IPuntPort Port);

/// <summary>Asks the QFP client for a statistics snapshot of the data plane; answered with a <see cref="DataPlaneStatistics"/>.</summary>
public sealed record ReadDataPlaneStatistics
{
    public static readonly ReadDataPlaneStatistics Instance = new();
}

/// <summary>Asks for the data plane's IPv6 state (interfaces' addresses, installed routes); answered with <see cref="Ipv6State"/>.</summary>
public sealed record ReadIpv6State
{
    public static readonly ReadIpv6State Instance = new();
}

/// <summary>One uIDB's IPv6 view: its link-local address (from its MAC) and its configured addresses.</summary>
public sealed record Ipv6InterfaceState(int Index, string Name, bool AdminUp, bool Registered, UInt128 LinkLocal,
    IReadOnlyList<ActorRouter.ControlPlane.Configuration.Ipv6Cidr> Addresses)
{
    /// <summary>Configured addresses duplicate address detection found in use elsewhere: not on the interface.</summary>
    public IReadOnlyList<ActorRouter.ControlPlane.Configuration.Ipv6Cidr> Duplicated { get; init; } = [];
}

/// <summary>The data plane's IPv6 state for <c>show ipv6 interface brief</c> and <c>show ipv6 route</c>.</summary>
public sealed record Ipv6State(IReadOnlyList<Ipv6InterfaceState> Interfaces, IReadOnlyList<Ipv6RouteEntry> Routes,
    IReadOnlyList<Ipv6StaticRoute> UnresolvedStaticRoutes);
