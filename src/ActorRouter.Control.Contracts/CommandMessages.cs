namespace ActorRouter.Control.Contracts;

// What arctl sends to the host's command gateway and what comes back. Each request gets exactly one
// reply: a view record for a "show", CommandDone or CommandRefused for a change. Interface names are
// sent as the user typed them (any case, IOS abbreviations); the gateway resolves them. Addresses and
// prefixes travel as text and are parsed and validated by the router, so that a CLI and a config file
// are held to the same rules.

/// <summary>Marker for every request arctl sends; the gateway answers each with one reply.</summary>
public interface IArctlRequest;

public sealed record ShowInterfacesRequest(string? Interface) : IArctlRequest;

public sealed record ShowIpInterfaceBriefRequest : IArctlRequest;

public sealed record ShowIpRouteRequest : IArctlRequest;

public sealed record ShowIpArpRequest : IArctlRequest;

/// <summary><c>show ipv6 interface brief</c>: each interface's state, link-local and configured IPv6 addresses.</summary>
public sealed record ShowIpv6InterfaceBriefRequest : IArctlRequest;

/// <summary><c>show ipv6 route</c>: the IPv6 routing table as the data plane holds it.</summary>
public sealed record ShowIpv6RouteRequest : IArctlRequest;

/// <summary><c>show ipv6 neighbors</c>: the IPv6 neighbour cache (learned entries with their RFC 4861 state, and static ones).</summary>
public sealed record ShowIpv6NeighborsRequest : IArctlRequest;

/// <summary><c>interface NAME service-policy output POLICY</c>, or with a null policy <c>no service-policy output</c>.</summary>
public sealed record SetServicePolicyRequest(string Interface, string? PolicyName) : IArctlRequest;

/// <summary>
/// <c>qos define FILE</c>: class maps and policy maps in HOCON (the body of <c>actorrouter.qos</c>, as in the
/// configuration file), read by arctl and sent as text; the router defines or replaces each map.
/// </summary>
/// <param name="Source">Where the text came from, for error messages.</param>
public sealed record DefineQosRequest(string Source, string Hocon) : IArctlRequest;

/// <summary><c>show policy-map interface NAME</c>: the interface's output service policy and its per-class counters.</summary>
public sealed record ShowPolicyMapRequest(string Interface) : IArctlRequest;

public sealed record ShowQfpStatisticsRequest : IArctlRequest;

public sealed record ShowThreadsRequest : IArctlRequest;

public sealed record ShowActorsRequest : IArctlRequest;

public sealed record ShowRunningConfigRequest : IArctlRequest;

/// <summary><c>interface NAME shutdown</c> (<paramref name="Shutdown"/> true) / <c>no shutdown</c>.</summary>
public sealed record SetShutdownRequest(string Interface, bool Shutdown) : IArctlRequest;

/// <summary><c>interface NAME ip address A/L</c>; <paramref name="Address"/> null is <c>no ip address</c>.</summary>
public sealed record SetIpAddressRequest(string Interface, string? Address) : IArctlRequest;

public sealed record SetMtuRequest(string Interface, int Mtu) : IArctlRequest;

/// <summary><c>interface PARENT.NUMBER encapsulation dot1q VLAN</c>: creates an 802.1Q subinterface of PARENT.</summary>
public sealed record CreateSubinterfaceRequest(string Interface, int Vlan) : IArctlRequest;

/// <summary><c>no interface PARENT.NUMBER</c>: removes a subinterface (physical interfaces cannot be removed).</summary>
public sealed record RemoveSubinterfaceRequest(string Interface) : IArctlRequest;

/// <summary><c>ip route PREFIX NEXTHOP</c>.</summary>
public sealed record AddRouteRequest(string Prefix, string NextHop) : IArctlRequest;

/// <summary><c>no ip route PREFIX NEXTHOP</c>.</summary>
public sealed record RemoveRouteRequest(string Prefix, string NextHop) : IArctlRequest;

/// <summary>
/// <c>interface NAME ipv6 address X:X::X/LEN</c>: adds an IPv6 address (an interface may have several, beside its
/// link-local one); with <paramref name="Remove"/>, <c>interface NAME no ipv6 address X:X::X/LEN</c> removes it.
/// </summary>
public sealed record SetIpv6AddressRequest(string Interface, string Address, bool Remove) : IArctlRequest;

/// <summary><c>ipv6 route PREFIX NEXT-HOP [INTERFACE]</c> (the interface is required for a link-local next hop).</summary>
public sealed record AddIpv6RouteRequest(string Prefix, string NextHop, string? Interface) : IArctlRequest;

/// <summary><c>no ipv6 route PREFIX NEXT-HOP</c>.</summary>
public sealed record RemoveIpv6RouteRequest(string Prefix, string NextHop) : IArctlRequest;

/// <summary><c>ipv6 neighbor ADDRESS INTERFACE MAC</c>: a static neighbour entry, outranking a learned one.</summary>
public sealed record SetIpv6NeighborRequest(string Address, string Interface, string Mac) : IArctlRequest;

/// <summary><c>no ipv6 neighbor ADDRESS INTERFACE</c>.</summary>
public sealed record RemoveIpv6NeighborRequest(string Address, string Interface) : IArctlRequest;

/// <summary><c>clear counters [NAME]</c>; null clears every interface and the per-thread counters.</summary>
public sealed record ClearCountersRequest(string? Interface) : IArctlRequest;

/// <summary><c>write memory [PATH]</c>; null writes to the file the router was started from.</summary>
public sealed record WriteMemoryRequest(string? Path) : IArctlRequest;

/// <summary>
/// <c>debug fault TARGET</c>: crash a data-plane thread or a control-plane actor; <c>debug fault TARGET stall SECONDS</c>:
/// hang a data-plane thread for that long (only with fault injection enabled).
/// </summary>
public sealed record DebugFaultRequest(string Target, double? StallSeconds = null) : IArctlRequest;

// ---- replies ----------------------------------------------------------------------------------
//
// Every list is copied into a List<T> on construction, so that a reply holds its own copy whatever
// collection it was built from. Each type here must also be listed in ContractCodec's table and
// JSON context (ContractSerializer.cs): the wire carries only those.

/// <summary>A change was applied; <paramref name="Message"/> says what.</summary>
public sealed record CommandDone(string Message);

/// <summary>The router refused the request; nothing was changed. <paramref name="Reason"/> says why.</summary>
public sealed record CommandRefused(string Reason);

/// <param name="Mac">"02:00:00:00:00:01".</param>
/// <param name="Address">"192.0.2.1/24", or null when unassigned.</param>
/// <param name="Rate">The decayed input and output rates; null when the router keeps none (no rate sampler).</param>
public sealed record InterfaceView(
    string Name,
    string OsName,
    int Index,
    bool AdminUp,
    bool OperUp,
    int Mtu,
    string Mac,
    string? Address,
    long RxPackets,
    long RxBytes,
    long TxPackets,
    long TxBytes,
    long Drops,
    long Punted,
    InterfaceRateView? Rate = null,
    long InputDrops = 0,
    long OutputDrops = 0);

public sealed record InterfacesView(IReadOnlyList<InterfaceView> Interfaces)
{
    public IReadOnlyList<InterfaceView> Interfaces { get; } = Interfaces.ToList();
}

/// <param name="Code">IOS route codes: "L" local (the router's own address, /32), "C" connected, "S" static.</param>
/// <param name="NextHop">Null for connected and local routes.</param>
/// <param name="Active">In the forwarding table: the interface is up, or the static route's next hop resolves.</param>
public sealed record RouteView(string Code, string Prefix, string? NextHop, string? Interface, bool Active)
{
    /// <summary>The path cost of a fleet route (code F); null, and left out of the JSON, for the others.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public int? Metric { get; init; }
}

public sealed record RoutesView(IReadOnlyList<RouteView> Routes)
{
    public IReadOnlyList<RouteView> Routes { get; } = Routes.ToList();
}

/// <param name="LinkLocal">The interface's link-local address (fe80::/64 from its MAC).</param>
/// <param name="Addresses">The configured IPv6 addresses with their prefix lengths, in configuration order.</param>
public sealed record Ipv6InterfaceView(string Name, bool AdminUp, bool OperUp, string LinkLocal, IReadOnlyList<string> Addresses)
{
    public IReadOnlyList<string> Addresses { get; } = Addresses.ToList();

    /// <summary>Configured addresses that duplicate address detection found in use by another node: not used (IOS marks them [DUP]).</summary>
    public IReadOnlyList<string> Duplicated { get; init; } = [];
}

public sealed record Ipv6InterfacesView(IReadOnlyList<Ipv6InterfaceView> Interfaces)
{
    public IReadOnlyList<Ipv6InterfaceView> Interfaces { get; } = Interfaces.ToList();
}

/// <param name="Code">IOS IPv6 route codes: "L" local (the router's own address, /128), "C" connected, "S" static.</param>
/// <param name="NextHop">The static route's next hop; null for connected and local routes.</param>
/// <param name="Interface">The egress interface; null for local routes.</param>
/// <param name="State">What the data plane does with the route's packets: "forward" (next hop resolved), "incomplete"
/// (next hop without a neighbour entry), "glean" (connected prefix: hosts resolved per neighbour entry), "receive" (for the
/// router), "unresolved" (a static route whose next hop is on no connected prefix: not installed).</param>
public sealed record Ipv6RouteView(string Code, string Prefix, string? NextHop, string? Interface, string State);

public sealed record Ipv6RoutesView(IReadOnlyList<Ipv6RouteView> Routes)
{
    public IReadOnlyList<Ipv6RouteView> Routes { get; } = Routes.ToList();
}

/// <param name="AgeMinutes">Minutes in the entry's state; null for static entries (IOS prints "-").</param>
/// <param name="Mac">Null while the entry is incomplete.</param>
/// <param name="State">IOS's names: INCMP, REACH, STALE, DELAY, PROBE; a static entry is REACH.</param>
/// <param name="Static">A configured entry (<c>actorrouter.ipv6.neighbors</c>), never aged.</param>
public sealed record Ipv6NeighborView(string Address, int? AgeMinutes, string? Mac, string State, string Interface, bool Static);

public sealed record Ipv6NeighborsView(IReadOnlyList<Ipv6NeighborView> Neighbors)
{
    public IReadOnlyList<Ipv6NeighborView> Neighbors { get; } = Neighbors.ToList();
}

/// <param name="Mac">Null while the entry is incomplete.</param>
/// <param name="AgeMinutes">Since the last confirmation; null for the router's own addresses (IOS prints "-").</param>
/// <param name="State">Interface, Incomplete, Reachable or Refreshing.</param>
public sealed record ArpEntryView(string Address, int? AgeMinutes, string? Mac, string Interface, string State);

public sealed record ArpView(IReadOnlyList<ArpEntryView> Entries)
{
    public IReadOnlyList<ArpEntryView> Entries { get; } = Entries.ToList();
}

/// <summary>
/// One data-plane thread's work counters (rx, ppe0.., hqf or worker0.., and "control" for frames the control plane
/// injected); Naps are receive coalescing's short sleeps between passes, LateWakes the naps and sleeps that ended a
/// millisecond or more late (0 from a router that counts neither).
/// </summary>
public sealed record ThreadStatisticsView(string Thread, long Packets, long Bursts, long Sleeps, long Naps = 0, long LateWakes = 0);

/// <summary>A drop reason with a non-zero count, summed over threads and interfaces.</summary>
public sealed record DropCountView(string Reason, long Count);

/// <summary>GPM buffers held by one owner (Free, Rx, Ppe, Hqf, ...).</summary>
public sealed record GpmOwnerView(string Owner, int Buffers);

/// <summary>How many entries a ring between data-plane threads holds now, of its capacity.</summary>
public sealed record RingDepthView(string Ring, int Depth, int Capacity);

public sealed record EgressQueueView(string Interface, int Depth);

public sealed record QfpStatisticsView(
    IReadOnlyList<ThreadStatisticsView> Threads,
    IReadOnlyList<DropCountView> Drops,
    int GpmTotal,
    int GpmInPool,
    IReadOnlyList<GpmOwnerView> GpmByOwner,
    IReadOnlyList<RingDepthView> Rings,
    IReadOnlyList<EgressQueueView> EgressQueues)
{
    public IReadOnlyList<ThreadStatisticsView> Threads { get; } = Threads.ToList();
    public IReadOnlyList<DropCountView> Drops { get; } = Drops.ToList();
    public IReadOnlyList<GpmOwnerView> GpmByOwner { get; } = GpmByOwner.ToList();
    public IReadOnlyList<RingDepthView> Rings { get; } = Rings.ToList();
    public IReadOnlyList<EgressQueueView> EgressQueues { get; } = EgressQueues.ToList();
}

/// <param name="Core">-1 when not pinned to a core.</param>
/// <param name="OsThreadId">The Linux thread id (0 before the thread started).</param>
public sealed record ThreadView(string Name, int Core, bool Pinned, string State, long Heartbeat, int Restarts, int Hangs, int OsThreadId, string? LastFault)
{
    /// <summary>Times a hung thread was fenced off (disowned) and replaced by a new one.</summary>
    public int Fences { get; init; }
}

public sealed record ThreadsView(IReadOnlyList<ThreadView> Threads)
{
    public IReadOnlyList<ThreadView> Threads { get; } = Threads.ToList();

    /// <summary>Escalations past a data-plane thread's restart limit: the data plane reloaded.</summary>
    public int DataPlaneReloads { get; init; }

    /// <summary>Escalations past a control-plane actor's restart limit: every control-plane actor restarted.</summary>
    public int ControlPlaneEscalations { get; init; }

    /// <summary>The last escalation (UTC time, cause, action); null when none.</summary>
    public string? LastEscalation { get; init; }
}

/// <param name="Paths">Every actor under /user, e.g. "/user/router/fman", sorted so that children follow their parent.</param>
public sealed record ActorsView(IReadOnlyList<string> Paths)
{
    public IReadOnlyList<string> Paths { get; } = Paths.ToList();
}

/// <param name="Source">The file the router was started from, or "(embedded default)".</param>
public sealed record RunningConfigView(string Source, string Text);

/// <summary>Where the gateway lives in the host's actor system.</summary>
public static class CommandGatewayAddress
{
    public const string SystemName = "actorrouter";
    public const string ActorName = "cli-gateway";

    /// <summary>The gateway's path in the host: under a parent that restarts it whatever happens to it.</summary>
    public const string ActorPath = "/user/control/" + ActorName;
    public const int DefaultPort = 4053;

    /// <summary>The largest remoting frame either side accepts, in bytes; a larger one closes the connection that sent it.</summary>
    public const int MaximumFrameSize = 1024 * 1024;

    /// <param name="tls">Akka.Remote names a TLS endpoint's protocol akka.ssl.tcp; both ends must agree.</param>
    public static string PathFor(string host, int port, bool tls) =>
        $"{(tls ? "akka.ssl.tcp" : "akka.tcp")}://{SystemName}@{host}:{port}{ActorPath}";
}

/// <summary>One class of an interface's output policy and what happened to its packets.</summary>
public sealed record PolicyClassView(
    string Class,
    long OfferedPackets,
    long EnqueuedPackets,
    long EnqueuedBytes,
    long TransmittedPackets,
    long TransmittedBytes,
    long TailDropPackets,
    long RandomDropPackets,
    long PolicerDropPackets,
    long Depth,
    long PeakDepth);

/// <summary>
/// <c>show policy-map interface</c>: the IOS-style text the router renders, and the same numbers per
/// class for <c>--json</c>. <paramref name="PolicyName"/> is null when the interface has no policy.
/// </summary>
public sealed record PolicyMapView(string Interface, string? PolicyName, string Text, IReadOnlyList<PolicyClassView> Classes)
{
    public IReadOnlyList<PolicyClassView> Classes { get; } = Classes.ToList();
}

/// <summary><c>show control endpoint</c>: what the control endpoint admitted, throttled and dropped.</summary>
public sealed record ShowControlEndpointRequest : IArctlRequest;

/// <param name="Listen">"akka.tcp://actorrouter@127.0.0.1:4053".</param>
/// <param name="MaximumFrameSize">Bytes; a larger frame closes the connection that sent it.</param>
/// <param name="Dropped">Remote messages dropped before reaching any actor, by reason (zero counts included).</param>
/// <param name="Requests">Requests admitted to the gateway, answered, and refused because the client's queue was full.</param>
public sealed record ControlEndpointView(
    string Listen,
    long MaximumFrameSize,
    int QueueCapacityPerClient,
    long RequestsAdmitted,
    long RequestsThrottled,
    int ClientsWithRequestsInFlight,
    IReadOnlyList<DropCountView> Dropped)
{
    public IReadOnlyList<DropCountView> Dropped { get; } = Dropped.ToList();
}

/// <summary><c>arp ADDRESS MAC</c>: adds or replaces a static ARP entry (never aged, never overwritten by a packet).</summary>
/// <param name="Mac">Colon form, "02:00:00:00:00:20".</param>
public sealed record SetStaticArpRequest(string Address, string Mac) : IArctlRequest;

/// <summary><c>no arp ADDRESS</c>: removes a static ARP entry.</summary>
public sealed record RemoveStaticArpRequest(string Address) : IArctlRequest;

/// <summary><c>clear ip arp [ADDRESS]</c>: forgets every dynamic ARP entry, or the one for ADDRESS; static entries stay.</summary>
public sealed record ClearIpArpRequest(string? Address) : IArctlRequest;

/// <summary><c>show platform punt</c>: the punt path's policers and ring shares per class, and what each class met.</summary>
public sealed record ShowPlatformPuntRequest : IArctlRequest;

/// <summary>
/// One punt class (arp, glean, icmp-for-us, other-for-us, icmp-error, broadcast), summed over the PPEs.
/// <paramref name="Received"/> reached the class's policer; <paramref name="Policed"/> were over its rate;
/// <paramref name="Queued"/> went on the punt ring (for icmp-error: errors sent); <paramref name="Dropped"/>
/// found the class's share of the punt ring full (for icmp-error: no buffer for the error).
/// <paramref name="Waiting"/> is how many of the class's packets are on the ring now.
/// </summary>
/// <param name="RingShare">Packets of each PPE's punt ring the class may hold at once; 0 for icmp-error, which the data plane sends itself.</param>
public sealed record PuntClassView(string Class, double Rate, double Burst, int RingShare, long Received, long Policed, long Queued, long Dropped, long Waiting);

public sealed record PuntView(IReadOnlyList<PuntClassView> Classes)
{
    public IReadOnlyList<PuntClassView> Classes { get; } = Classes.ToList();
}
