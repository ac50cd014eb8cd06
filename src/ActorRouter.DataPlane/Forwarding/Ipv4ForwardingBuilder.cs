using ActorRouter.DataPlane.Fib;

namespace ActorRouter.DataPlane.Forwarding;

/// <summary>An interface as the route builder sees it.</summary>
/// <param name="Tunnel">A tunnel interface: its subnet, and every next hop on it, is reached by encrypting into the tunnel (no ARP).</param>
public readonly record struct ConnectedInterface(int Index, uint Address, int PrefixLength, bool Up, bool Tunnel = false);

/// <summary>A static route: prefix via a next-hop address (0 with <see cref="Discard"/> = null route).</summary>
public readonly record struct StaticRoute(uint Prefix, int PrefixLength, uint NextHop, bool Discard = false);

/// <summary>A resolved neighbor (ARP entry).</summary>
public readonly record struct Neighbor(int Interface, uint Address, ulong Mac);

/// <summary>What a forwarding change left installed.</summary>
/// <param name="RouteCount">Routes in the FIB.</param>
/// <param name="UnresolvedStaticRoutes">Static routes whose next hop is on no connected subnet of an up interface.</param>
public sealed record ForwardingUpdate(int RouteCount, IReadOnlyList<StaticRoute> UnresolvedStaticRoutes);

/// <summary>
/// Keeps a FIB and its adjacency table equal to what interfaces, static routes and neighbors ask for, the way CEF
/// does: connected subnets glean, the router's own addresses and subnet broadcasts are receive entries, every
/// neighbor on a connected subnet gets a /32, and a static route's next hop resolves recursively to a connected
/// interface (resolved or incomplete adjacency). Runs on the control plane, never per packet, one caller at a time.
/// </summary>
/// <remarks>
/// A change is applied as the difference it makes, never as a rebuild: the desired routes are compared with the
/// installed ones and only the differing ones are added to or removed from the FIB. A neighbor's adjacency is one
/// entry shared by its /32 and every static route through it, so a neighbor's new MAC, or its loss, is one
/// adjacency rewrite in place (plus the add or delete of its /32 when it appears or disappears) — the FIB is not
/// touched for a MAC change. Adjacencies are reference-counted by the routes naming them and freed (reused after
/// the grace period) when the last route goes.
/// </remarks>
public sealed class Ipv4ForwardingProgrammer
{
    /// <summary>What an adjacency stands for; its content follows from the key and the neighbor table.</summary>
    private readonly record struct AdjacencyKey(AdjacencyKind Kind, int Interface, uint Address)
    {
        public static readonly AdjacencyKey Receive = new(AdjacencyKind.Receive, 0, 0);
        public static readonly AdjacencyKey Drop = new(AdjacencyKind.Drop, 0, 0);
        public static AdjacencyKey Glean(int index) => new(AdjacencyKind.Glean, index, 0);
        public static AdjacencyKey Tunnel(int index) => new(AdjacencyKind.Tunnel, index, 0);

        /// <summary>A neighbor's adjacency: resolved while the neighbor is known, incomplete otherwise.</summary>
        public static AdjacencyKey Neighbor(int index, uint address) => new(AdjacencyKind.Resolved, index, address);
    }

    private sealed class AdjacencyUse(uint id)
    {
        public uint Id { get; } = id;
        public int Routes { get; set; }
    }

    private readonly Ipv4Fib _fib;
    private readonly AdjacencyTable _adjacencies;
    private readonly Dictionary<(int Interface, uint Address), ulong> _neighbors = new();
    private readonly Dictionary<ulong, AdjacencyKey> _installed = new();
    private readonly Dictionary<AdjacencyKey, AdjacencyUse> _uses = new();
    private List<ConnectedInterface> _up = new();
    private List<StaticRoute> _statics = new();
    private List<StaticRoute> _unresolved = new();

    /// <param name="fib">The FIB to program; it and <paramref name="adjacencies"/> should share one grace period.</param>
    public Ipv4ForwardingProgrammer(Ipv4Fib fib, AdjacencyTable adjacencies)
    {
        _fib = fib;
        _adjacencies = adjacencies;
    }

    public Ipv4Fib Fib => _fib;

    public AdjacencyTable Adjacencies => _adjacencies;

    /// <summary>Routes installed in the FIB.</summary>
    public int RouteCount => _installed.Count;

    /// <summary>Static routes not installed because their next hop is on no up connected subnet.</summary>
    public IReadOnlyList<StaticRoute> UnresolvedStaticRoutes => _unresolved;

    /// <summary>FIB route adds, replacements and deletes made so far.</summary>
    public long RouteWrites { get; private set; }

    /// <summary>Adjacencies rewritten in place so far (neighbor MAC learned, changed or lost).</summary>
    public long AdjacencyRewrites { get; private set; }

    /// <summary>The current state as a result for the caller.</summary>
    public ForwardingUpdate Update => new(_installed.Count, _unresolved.ToArray());

    /// <summary>Makes the tables match these interfaces, static routes and neighbors, changing only what differs.</summary>
    public ForwardingUpdate Replace(IReadOnlyList<ConnectedInterface> interfaces, IReadOnlyList<StaticRoute> staticRoutes, IReadOnlyList<Neighbor> neighbors)
    {
        var next = new Dictionary<(int, uint), ulong>(neighbors.Count);
        foreach (var n in neighbors)
        {
            next[(n.Interface, n.Address)] = n.Mac;
        }
        foreach (var (key, _) in _neighbors)
        {
            if (!next.ContainsKey(key))
            {
                RewriteNeighborAdjacency(key.Interface, key.Address, null);
            }
        }
        _neighbors.Clear();
        foreach (var (key, mac) in next)
        {
            _neighbors[key] = mac;
            RewriteNeighborAdjacency(key.Item1, key.Item2, mac);
        }
        var up = new List<ConnectedInterface>();
        foreach (var i in interfaces)
        {
            if (i.Up && i.Address != 0 && i.PrefixLength is > 0 and <= 32)
            {
                up.Add(i);
            }
        }
        _up = up;
        _statics = new List<StaticRoute>(staticRoutes);
        Reconcile();
        _fib.Grace.Seal();
        return Update;
    }

    /// <summary>
    /// A neighbor learned or changed: its adjacency is rewritten in place, and its /32 installed if it is new and on
    /// a connected subnet. Nothing else changes.
    /// </summary>
    public ForwardingUpdate SetNeighbor(Neighbor neighbor)
    {
        var key = (neighbor.Interface, neighbor.Address);
        if (_neighbors.TryGetValue(key, out ulong mac) && mac == neighbor.Mac)
        {
            return Update;
        }
        _neighbors[key] = neighbor.Mac;
        RewriteNeighborAdjacency(neighbor.Interface, neighbor.Address, neighbor.Mac);
        Apply(RouteKey(neighbor.Address, 32), DesiredHostRoute(neighbor.Address));
        _fib.Grace.Seal();
        return Update;
    }

    /// <summary>A neighbor lost: its adjacency turns incomplete in place (static routes through it stay) and its /32 goes.</summary>
    public ForwardingUpdate RemoveNeighbor(int interfaceIndex, uint address)
    {
        if (!_neighbors.Remove((interfaceIndex, address)))
        {
            return Update;
        }
        RewriteNeighborAdjacency(interfaceIndex, address, null);
        Apply(RouteKey(address, 32), DesiredHostRoute(address));
        _fib.Grace.Seal();
        return Update;
    }

    private void RewriteNeighborAdjacency(int interfaceIndex, uint address, ulong? mac)
    {
        if (!_uses.TryGetValue(AdjacencyKey.Neighbor(interfaceIndex, address), out var use))
        {
            return;
        }
        var current = _adjacencies[use.Id];
        var kind = mac is null ? AdjacencyKind.Incomplete : AdjacencyKind.Resolved;
        if (current.Kind == kind && current.Mac == (mac ?? 0))
        {
            return;
        }
        _adjacencies.Rewrite(use.Id, kind, (ushort)interfaceIndex, mac ?? 0);
        AdjacencyRewrites++;
    }

    // ---- desired state ---------------------------------------------------------------------

    /// <summary>
    /// Every route the inputs ask for. Later kinds win over earlier ones for the same prefix: connected glean,
    /// neighbor /32s, static routes, then the router's own addresses and directed broadcasts.
    /// </summary>
    private Dictionary<ulong, AdjacencyKey> DesiredRoutes(List<StaticRoute> unresolved)
    {
        var desired = new Dictionary<ulong, AdjacencyKey>(_installed.Count + 16);
        foreach (var i in _up)
        {
            if (i.PrefixLength < 32)
            {
                desired[RouteKey(i.Address & Mask(i.PrefixLength), i.PrefixLength)] = i.Tunnel ? AdjacencyKey.Tunnel(i.Index) : AdjacencyKey.Glean(i.Index);
            }
        }
        foreach (var ((index, address), _) in _neighbors)
        {
            if (OnConnectedSubnet(index, address))
            {
                var key = RouteKey(address, 32);
                // The same address on two interfaces: the lower index wins, as DesiredHostRoute decides.
                if (!desired.TryGetValue(key, out var other) || other.Interface > index)
                {
                    desired[key] = AdjacencyKey.Neighbor(index, address);
                }
            }
        }
        foreach (var r in _statics)
        {
            if (StaticAdjacency(r) is AdjacencyKey adjacency)
            {
                desired[RouteKey(r.Prefix & Mask(r.PrefixLength), r.PrefixLength)] = adjacency;
            }
            else
            {
                unresolved.Add(r);
            }
        }
        foreach (var i in _up)
        {
            desired[RouteKey(i.Address, 32)] = AdjacencyKey.Receive;
            if (i.PrefixLength < 31)
            {
                desired[RouteKey(i.Address | ~Mask(i.PrefixLength), 32)] = AdjacencyKey.Receive;
            }
        }
        return desired;
    }

    /// <summary>What <see cref="DesiredRoutes"/> gives for the /32 of <paramref name="address"/> alone, without building it all.</summary>
    private AdjacencyKey? DesiredHostRoute(uint address)
    {
        AdjacencyKey? desired = null;
        foreach (var i in _up)
        {
            if (address == i.Address || (i.PrefixLength < 31 && address == (i.Address | ~Mask(i.PrefixLength))))
            {
                return AdjacencyKey.Receive;
            }
        }
        foreach (var r in _statics)
        {
            if (r.PrefixLength == 32 && r.Prefix == address && StaticAdjacency(r) is AdjacencyKey adjacency)
            {
                desired = adjacency;
            }
        }
        if (desired is not null)
        {
            return desired;
        }
        foreach (var i in _up)
        {
            if (_neighbors.ContainsKey((i.Index, address)) && OnConnectedSubnet(i.Index, address) &&
                (desired is null || desired.Value.Interface > i.Index))
            {
                desired = AdjacencyKey.Neighbor(i.Index, address);
            }
        }
        return desired;
    }

    /// <summary>The adjacency a static route resolves to, or null when its next hop is on no up connected subnet.</summary>
    private AdjacencyKey? StaticAdjacency(StaticRoute r)
    {
        if (r.Discard)
        {
            return AdjacencyKey.Drop;
        }
        ConnectedInterface? via = null;
        foreach (var i in _up)
        {
            var mask = Mask(i.PrefixLength);
            if ((r.NextHop & mask) == (i.Address & mask) && (via is null || i.PrefixLength > via.Value.PrefixLength))
            {
                via = i;
            }
        }
        if (via is not ConnectedInterface c || r.NextHop == c.Address)
        {
            return null;
        }
        return c.Tunnel ? AdjacencyKey.Tunnel(c.Index) : AdjacencyKey.Neighbor(c.Index, r.NextHop);
    }

    private bool OnConnectedSubnet(int index, uint address)
    {
        foreach (var i in _up)
        {
            if (i.Index == index && (address & Mask(i.PrefixLength)) == (i.Address & Mask(i.PrefixLength)))
            {
                return true;
            }
        }
        return false;
    }

    // ---- applying differences --------------------------------------------------------------

    private void Reconcile()
    {
        var unresolved = new List<StaticRoute>();
        var desired = DesiredRoutes(unresolved);
        _unresolved = unresolved;
        foreach (var (route, adjacency) in desired)
        {
            Apply(route, adjacency);
        }
        List<ulong>? stale = null;
        foreach (var (route, _) in _installed)
        {
            if (!desired.ContainsKey(route))
            {
                (stale ??= new List<ulong>()).Add(route);
            }
        }
        if (stale is not null)
        {
            foreach (var route in stale)
            {
                Apply(route, null);
            }
        }
    }

    /// <summary>Installs, replaces or removes one route so it names <paramref name="wanted"/> (null: no route).</summary>
    private void Apply(ulong route, AdjacencyKey? wanted)
    {
        bool installed = _installed.TryGetValue(route, out var current);
        if (wanted is not AdjacencyKey adjacency)
        {
            if (installed)
            {
                _fib.Remove(RoutePrefix(route), RouteLength(route));
                _installed.Remove(route);
                Release(current);
                RouteWrites++;
            }
            return;
        }
        if (installed && current == adjacency)
        {
            return;
        }
        uint id = Acquire(adjacency);
        _fib.Add(RoutePrefix(route), RouteLength(route), id);
        _installed[route] = adjacency;
        if (installed)
        {
            // Released only after the FIB names the new adjacency, so the old id is unreferenced when freed.
            Release(current);
        }
        RouteWrites++;
    }

    private uint Acquire(AdjacencyKey key)
    {
        if (!_uses.TryGetValue(key, out var use))
        {
            use = new AdjacencyUse(_adjacencies.Allocate(Content(key)));
            _uses[key] = use;
        }
        use.Routes++;
        return use.Id;
    }

    private void Release(AdjacencyKey key)
    {
        var use = _uses[key];
        if (--use.Routes == 0)
        {
            _uses.Remove(key);
            _adjacencies.Free(use.Id);
        }
    }

    private Adjacency Content(AdjacencyKey key) => key.Kind switch
    {
        AdjacencyKind.Resolved => _neighbors.TryGetValue((key.Interface, key.Address), out ulong mac)
            ? new Adjacency(AdjacencyKind.Resolved, (ushort)key.Interface, mac, key.Address)
            : new Adjacency(AdjacencyKind.Incomplete, (ushort)key.Interface, 0, key.Address),
        AdjacencyKind.Glean => new Adjacency(AdjacencyKind.Glean, (ushort)key.Interface, 0, 0),
        AdjacencyKind.Tunnel => new Adjacency(AdjacencyKind.Tunnel, (ushort)key.Interface, 0, 0),
        _ => new Adjacency(key.Kind, 0, 0, 0),
    };

    private static ulong RouteKey(uint prefix, int length) => ((ulong)prefix << 8) | (uint)length;

    private static uint RoutePrefix(ulong key) => (uint)(key >> 8);

    private static int RouteLength(ulong key) => (int)(key & 0xFF);

    public static uint Mask(int length) => length == 0 ? 0u : uint.MaxValue << (32 - length);
}
