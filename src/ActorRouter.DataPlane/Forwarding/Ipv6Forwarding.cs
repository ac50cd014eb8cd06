using ActorRouter.DataPlane.Fib;

namespace ActorRouter.DataPlane.Forwarding;

/// <summary>One IPv6 address of an interface with its prefix length (host-order 128-bit number).</summary>
public readonly record struct Ipv6InterfaceAddress(UInt128 Address, int PrefixLength)
{
    private static readonly UInt128 LinkLocalPrefix = (UInt128)0xFE80UL << 112;

    /// <summary>fe80::/10, the link-local unicast range.</summary>
    public static bool IsLinkLocal(UInt128 address) => (address >> 118) == 0x3FA;

    /// <summary>fe80::/64 with the modified EUI-64 interface identifier of <paramref name="mac"/> (RFC 4291 §2.5.1, appendix A).</summary>
    public static UInt128 LinkLocalFromMac(ulong mac)
    {
        ulong high = mac >> 24;          // the first three bytes
        ulong low = mac & 0xFFFFFF;      // the last three
        ulong identifier = ((high ^ 0x020000) << 40) | (0xFFFEUL << 24) | low;
        return LinkLocalPrefix | identifier;
    }

    public override string ToString() => $"{Ipv6Route.Format(Address)}/{PrefixLength}";
}

/// <summary>An interface's IPv6 state as the route programmer needs it.</summary>
public readonly record struct Ipv6ConnectedInterface(int Index, IReadOnlyList<Ipv6InterfaceAddress> Addresses, bool Up);

/// <summary>
/// An IPv6 static route: to <see cref="NextHop"/> (a link-local next hop names its <see cref="Interface"/>, else -1 and
/// the next hop must be on a connected prefix), or a discard route.
/// </summary>
public readonly record struct Ipv6StaticRoute(UInt128 Prefix, int PrefixLength, UInt128 NextHop, int Interface = -1, bool Discard = false);

/// <summary>A neighbour whose MAC is known: a static entry of the configuration or one neighbour discovery learned.</summary>
public readonly record struct Ipv6Neighbor(int Interface, UInt128 Address, ulong Mac);

/// <summary>The outcome of programming the IPv6 routes: how many are installed, and which static routes could not be.</summary>
public sealed record Ipv6ForwardingUpdate(int RouteCount, IReadOnlyList<Ipv6StaticRoute> UnresolvedStaticRoutes);

/// <summary>One installed IPv6 route as <c>show ipv6 route</c> lists it.</summary>
public sealed record Ipv6RouteEntry(UInt128 Prefix, int PrefixLength, string Source, AdjacencyKind Kind, int Interface, UInt128 NextHop, ulong Mac);

/// <summary>
/// The IPv6 forwarding state a PPE reads: the FIB (prefix → next-hop id) and its own adjacency table (next-hop id →
/// what to do). Changed in place by <see cref="Ipv6ForwardingProgrammer"/>, safe against concurrent readers as the
/// IPv4 pair is.
/// </summary>
public sealed class Ipv6Forwarding(Ipv6Fib fib, AdjacencyTable adjacencies)
{
    public Ipv6Fib Fib { get; } = fib;

    public AdjacencyTable Adjacencies { get; } = adjacencies;
}

/// <summary>
/// Turns the interfaces' IPv6 addresses, the IPv6 static routes and the neighbour entries into FIB routes and
/// adjacencies, changing only what differs from what is installed (as <see cref="Ipv4ForwardingProgrammer"/>):
/// each connected prefix → glean on its interface (the control plane solicits the host; the packet counts as no adjacency),
/// each own address /128 → receive, each neighbour on a connected prefix /128 → its resolved adjacency, each static
/// route → the neighbour adjacency of its next hop (incomplete while the neighbour is unknown) or discard.
/// The neighbour entries (static and learned) are the adjacency source. One writer.
/// </summary>
public sealed class Ipv6ForwardingProgrammer
{
    private readonly record struct AdjacencyKey(AdjacencyKind Kind, int Interface, UInt128 Address)
    {
        public static readonly AdjacencyKey Receive = new(AdjacencyKind.Receive, 0, UInt128.Zero);
        public static readonly AdjacencyKey Drop = new(AdjacencyKind.Drop, 0, UInt128.Zero);
        public static AdjacencyKey Glean(int index) => new(AdjacencyKind.Glean, index, UInt128.Zero);
        public static AdjacencyKey Neighbor(int index, UInt128 address) => new(AdjacencyKind.Resolved, index, address);
    }

    private readonly record struct RouteKey(UInt128 Prefix, int Length);

    private sealed class AdjacencyUse(uint id)
    {
        public uint Id { get; } = id;
        public int Routes { get; set; }
    }

    private readonly Ipv6Fib _fib;
    private readonly AdjacencyTable _adjacencies;
    private readonly Dictionary<(int Interface, UInt128 Address), ulong> _neighbors = new();
    private readonly Dictionary<RouteKey, (AdjacencyKey Adjacency, string Source)> _installed = new();
    private readonly Dictionary<AdjacencyKey, AdjacencyUse> _uses = new();
    private List<Ipv6StaticRoute> _unresolved = new();

    public Ipv6ForwardingProgrammer(Ipv6Forwarding forwarding)
    {
        Forwarding = forwarding;
        _fib = forwarding.Fib;
        _adjacencies = forwarding.Adjacencies;
    }

    public Ipv6Forwarding Forwarding { get; }

    public Ipv6ForwardingUpdate Update => new(_installed.Count, _unresolved.ToArray());

    /// <summary>Makes the installed state match these interfaces, static routes and neighbours.</summary>
    public Ipv6ForwardingUpdate Replace(IReadOnlyList<Ipv6ConnectedInterface> interfaces, IReadOnlyList<Ipv6StaticRoute> staticRoutes,
        IReadOnlyList<Ipv6Neighbor> neighbors)
    {
        var nextNeighbors = new Dictionary<(int, UInt128), ulong>();
        foreach (var n in neighbors)
        {
            nextNeighbors[(n.Interface, n.Address)] = n.Mac;
        }
        _neighbors.Clear();
        foreach (var (key, mac) in nextNeighbors)
        {
            _neighbors[key] = mac;
        }
        // Adjacencies already in use follow their neighbour (resolved, new MAC, or incomplete) in place.
        foreach (var (key, use) in _uses)
        {
            if (key.Kind == AdjacencyKind.Resolved)
            {
                var content = Content(key);
                var current = _adjacencies[use.Id];
                if (current.Kind != content.Kind || current.Mac != content.Mac)
                {
                    _adjacencies.Rewrite(use.Id, content.Kind, content.Interface, content.Mac);
                }
            }
        }

        var up = new List<Ipv6ConnectedInterface>();
        foreach (var i in interfaces)
        {
            if (i.Up && i.Addresses.Count > 0)
            {
                up.Add(i);
            }
        }
        var unresolved = new List<Ipv6StaticRoute>();
        var desired = new Dictionary<RouteKey, (AdjacencyKey, string)>();
        foreach (var i in up)
        {
            foreach (var a in i.Addresses)
            {
                if (a.PrefixLength < 128)
                {
                    desired[new RouteKey(a.Address & Ipv6Route.Mask(a.PrefixLength), a.PrefixLength)] = (AdjacencyKey.Glean(i.Index), "connected");
                }
            }
        }
        foreach (var ((index, address), _) in _neighbors)
        {
            if (OnConnectedPrefix(up, index, address) && !desired.ContainsKey(new RouteKey(address, 128)))
            {
                desired[new RouteKey(address, 128)] = (AdjacencyKey.Neighbor(index, address), "neighbor");
            }
        }
        foreach (var r in staticRoutes)
        {
            var adjacency = StaticAdjacency(up, r);
            if (adjacency is AdjacencyKey key)
            {
                desired[new RouteKey(r.Prefix & Ipv6Route.Mask(r.PrefixLength), r.PrefixLength)] = (key, "static");
            }
            else
            {
                unresolved.Add(r);
            }
        }
        foreach (var i in up)
        {
            foreach (var a in i.Addresses)
            {
                desired[new RouteKey(a.Address, 128)] = (AdjacencyKey.Receive, "local");
            }
        }
        _unresolved = unresolved;

        foreach (var (route, (adjacency, source)) in desired)
        {
            Apply(route, adjacency, source);
        }
        var stale = new List<RouteKey>();
        foreach (var (route, _) in _installed)
        {
            if (!desired.ContainsKey(route))
            {
                stale.Add(route);
            }
        }
        foreach (var route in stale)
        {
            var (current, _) = _installed[route];
            _fib.Remove(route.Prefix, route.Length);
            _installed.Remove(route);
            Release(current);
        }
        _fib.Grace.Seal();
        _adjacencies.Grace.Seal();
        return Update;
    }

    /// <summary>The neighbour (interface, address) an adjacency id stands for, when it is a neighbour's (resolved or incomplete).</summary>
    public bool TryFindNeighbor(uint adjacencyId, out int interfaceIndex, out UInt128 address)
    {
        foreach (var (key, use) in _uses)
        {
            if (use.Id == adjacencyId && key.Kind == AdjacencyKind.Resolved)
            {
                interfaceIndex = key.Interface;
                address = key.Address;
                return true;
            }
        }
        interfaceIndex = -1;
        address = UInt128.Zero;
        return false;
    }

    /// <summary>Whether a PPE forwarded through the neighbour's adjacency since the last call (the mark is cleared).</summary>
    public bool TakeNeighborUsed(int interfaceIndex, UInt128 address)
        => _uses.TryGetValue(AdjacencyKey.Neighbor(interfaceIndex, address), out var use) && _adjacencies.TakeUsed(use.Id);

    /// <summary>The installed routes, by prefix length then prefix.</summary>
    public IReadOnlyList<Ipv6RouteEntry> Routes()
    {
        var result = new List<Ipv6RouteEntry>(_installed.Count);
        foreach (var (route, (adjacency, source)) in _installed)
        {
            var content = _adjacencies[_uses[adjacency].Id];
            result.Add(new Ipv6RouteEntry(route.Prefix, route.Length, source, content.Kind, adjacency.Interface, adjacency.Address, content.Mac));
        }
        result.Sort((a, b) => a.Prefix != b.Prefix ? a.Prefix.CompareTo(b.Prefix) : a.PrefixLength.CompareTo(b.PrefixLength));
        return result;
    }

    private void Apply(RouteKey route, AdjacencyKey adjacency, string source)
    {
        bool installed = _installed.TryGetValue(route, out var current);
        if (installed && current.Adjacency == adjacency)
        {
            _installed[route] = (adjacency, source);
            return;
        }
        uint id = Acquire(adjacency);
        _fib.Add(route.Prefix, route.Length, id);
        _installed[route] = (adjacency, source);
        if (installed)
        {
            // Released only after the FIB names the new adjacency, so the old id is unreferenced when freed.
            Release(current.Adjacency);
        }
    }

    private static bool OnConnectedPrefix(List<Ipv6ConnectedInterface> up, int index, UInt128 address)
    {
        foreach (var i in up)
        {
            if (i.Index != index)
            {
                continue;
            }
            foreach (var a in i.Addresses)
            {
                var mask = Ipv6Route.Mask(a.PrefixLength);
                if ((address & mask) == (a.Address & mask))
                {
                    return true;
                }
            }
        }
        return false;
    }

    private static AdjacencyKey? StaticAdjacency(List<Ipv6ConnectedInterface> up, Ipv6StaticRoute r)
    {
        if (r.Discard)
        {
            return AdjacencyKey.Drop;
        }
        if (Ipv6InterfaceAddress.IsLinkLocal(r.NextHop))
        {
            // A link-local next hop is only meaningful with its interface, which must be up with IPv6.
            foreach (var i in up)
            {
                if (i.Index == r.Interface)
                {
                    return AdjacencyKey.Neighbor(i.Index, r.NextHop);
                }
            }
            return null;
        }
        int via = -1, viaLength = -1;
        foreach (var i in up)
        {
            if (r.Interface >= 0 && i.Index != r.Interface)
            {
                continue;
            }
            foreach (var a in i.Addresses)
            {
                var mask = Ipv6Route.Mask(a.PrefixLength);
                if (a.Address == r.NextHop)
                {
                    return null; // the next hop is the router itself
                }
                if ((r.NextHop & mask) == (a.Address & mask) && a.PrefixLength > viaLength)
                {
                    via = i.Index;
                    viaLength = a.PrefixLength;
                }
            }
        }
        return via < 0 ? null : AdjacencyKey.Neighbor(via, r.NextHop);
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

    // The adjacency's IPv4 next-hop field is unused for IPv6: the next hop is the key's address.
    private Adjacency Content(AdjacencyKey key) => key.Kind switch
    {
        AdjacencyKind.Resolved => _neighbors.TryGetValue((key.Interface, key.Address), out ulong mac)
            ? new Adjacency(AdjacencyKind.Resolved, (ushort)key.Interface, mac, 0)
            : new Adjacency(AdjacencyKind.Incomplete, (ushort)key.Interface, 0, 0),
        AdjacencyKind.Glean => new Adjacency(AdjacencyKind.Glean, (ushort)key.Interface, 0, 0),
        _ => new Adjacency(key.Kind, 0, 0, 0),
    };
}
