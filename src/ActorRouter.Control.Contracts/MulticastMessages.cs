namespace ActorRouter.Control.Contracts;

/// <summary><c>show ip mroute</c>: the multicast routing table, static entries with the interfaces IGMP added.</summary>
public sealed record ShowIpMrouteRequest : IArctlRequest;

/// <summary>
/// One outgoing interface of a multicast route; <paramref name="Origin"/> says why it is there: <c>static</c> (configured),
/// <c>igmp</c> (members learned on it) or <c>static+igmp</c>.
/// </summary>
public sealed record MrouteOutgoingView(string Interface, string Origin);

/// <summary>
/// One (S,G) or (*,G) entry: <paramref name="Source"/> is an address or <c>*</c>; <paramref name="Incoming"/> is the RPF
/// interface; <paramref name="Programmed"/> is false while one of its interfaces is not up in the data plane yet.
/// </summary>
public sealed record MrouteView(string Source, string Group, string Incoming, IReadOnlyList<MrouteOutgoingView> Outgoing, bool Programmed)
{
    public IReadOnlyList<MrouteOutgoingView> Outgoing { get; } = Outgoing.ToList();
}

/// <summary>
/// The table: <paramref name="Routing"/> is <c>ip multicast-routing</c>; the counters are the data plane's multicast drops
/// (RPF failures, no route, link-local groups, TTL scope, no receivers), summed over its threads.
/// </summary>
public sealed record MrouteTableView(bool Routing, IReadOnlyList<MrouteView> Routes, long RpfFailures, long NoRoute, long LinkLocal, long TtlScope, long NoReceivers)
{
    public IReadOnlyList<MrouteView> Routes { get; } = Routes.ToList();
}

/// <summary><c>show ip igmp groups</c>: the groups hosts joined, per interface, and each interface's querier.</summary>
public sealed record ShowIpIgmpGroupsRequest : IArctlRequest;

/// <summary>
/// One group learned on one interface: the host that reported it last, the IGMP version of that report, how long it has
/// been a member and when it expires unless reported again (seconds).
/// </summary>
public sealed record IgmpGroupView(string Group, string Interface, string LastReporter, int Version, double UptimeSeconds, double ExpiresSeconds);

/// <summary>One interface IGMP runs on: its address, the querier's address, and whether the router is the querier (RFC 3376 §6.6.2).</summary>
public sealed record IgmpInterfaceView(string Interface, string Address, string Querier, bool RouterIsQuerier);

public sealed record IgmpGroupsView(IReadOnlyList<IgmpInterfaceView> Interfaces, IReadOnlyList<IgmpGroupView> Groups)
{
    public IReadOnlyList<IgmpInterfaceView> Interfaces { get; } = Interfaces.ToList();
    public IReadOnlyList<IgmpGroupView> Groups { get; } = Groups.ToList();
}
