using ActorRouter.DataPlane.Fib;
using ActorRouter.DataPlane.Forwarding;
using ActorRouter.DataPlane.Interfaces;

namespace ActorRouter.DataPlane;

/// <summary>The data plane's IPv6 commands: interface addresses, static routes and neighbours, and the route listing.</summary>
public sealed partial class QfpDataPlane
{
    /// <summary>One IPv6 FIB and adjacency table for the data plane's life, changed in place under the PPEs' grace period.</summary>
    private readonly Ipv6ForwardingProgrammer _routes6;
    private IReadOnlyList<Ipv6StaticRoute> _ipv6StaticRoutes = [];
    private IReadOnlyList<Ipv6Neighbor> _ipv6Neighbors = [];

    private static Ipv6ForwardingProgrammer CreateIpv6Forwarding(GracePeriod grace)
        => new(new Ipv6Forwarding(new Ipv6Fib { Grace = grace }, new AdjacencyTable(grace)));

    /// <summary>The IPv6 forwarding state the PPEs read.</summary>
    public Ipv6Forwarding Ipv6 => _routes6.Forwarding;

    /// <summary>
    /// Sets the interface's IPv6 addresses (its link-local one is derived from its MAC and not listed) and reprograms
    /// the IPv6 routes (connected prefixes and own addresses follow the addresses).
    /// </summary>
    public Uidb SetIpv6Addresses(int index, IReadOnlyList<Ipv6InterfaceAddress> addresses)
    {
        lock (_commandLock)
        {
            foreach (var a in addresses)
            {
                if (a.PrefixLength is < 1 or > 128)
                {
                    throw new DataPlaneCommandException($"IPv6 prefix length {a.PrefixLength} of {a} is not 1..128");
                }
            }
            var uidb = Replace(Require(index) with { Ipv6Addresses = addresses.ToArray() });
            ReprogramIpv6();
            return uidb;
        }
    }

    /// <summary>
    /// Makes the IPv6 forwarding state match the uIDBs, these static routes and these neighbour entries, changing only
    /// what differs. The neighbour entries (static and learned by neighbour discovery) are the adjacency source.
    /// </summary>
    public Ipv6ForwardingUpdate PublishIpv6Routes(IReadOnlyList<Ipv6StaticRoute> staticRoutes, IReadOnlyList<Ipv6Neighbor> neighbors)
    {
        lock (_commandLock)
        {
            _ipv6StaticRoutes = staticRoutes.ToArray();
            _ipv6Neighbors = neighbors.ToArray();
            return ReprogramIpv6();
        }
    }

    /// <summary>The installed IPv6 routes (for <c>show ipv6 route</c>).</summary>
    public IReadOnlyList<Ipv6RouteEntry> ReadIpv6Routes()
    {
        lock (_commandLock)
        {
            return _routes6.Routes();
        }
    }

    /// <summary>The neighbour an IPv6 adjacency id stands for (an incomplete next hop's glean names only the id).</summary>
    public bool TryFindIpv6Neighbor(uint adjacencyId, out int interfaceIndex, out UInt128 address)
    {
        lock (_commandLock)
        {
            return _routes6.TryFindNeighbor(adjacencyId, out interfaceIndex, out address);
        }
    }

    /// <summary>Whether packets went to this IPv6 neighbour since the last call (neighbour discovery's use hint).</summary>
    public bool TakeIpv6NeighborUsed(int interfaceIndex, UInt128 address)
    {
        lock (_commandLock)
        {
            return _routes6.TakeNeighborUsed(interfaceIndex, address);
        }
    }

    /// <summary>The static routes last published that could not be installed (next hop not on a connected prefix).</summary>
    public IReadOnlyList<Ipv6StaticRoute> UnresolvedIpv6StaticRoutes
    {
        get
        {
            lock (_commandLock)
            {
                return _routes6.Update.UnresolvedStaticRoutes;
            }
        }
    }

    private Ipv6ForwardingUpdate ReprogramIpv6()
    {
        var interfaces = new List<Ipv6ConnectedInterface>();
        foreach (var u in _interfaces.All)
        {
            interfaces.Add(new Ipv6ConnectedInterface(u.Index, u.Ipv6Addresses, u.AdminUp && u.Registered));
        }
        var update = _routes6.Replace(interfaces, _ipv6StaticRoutes, _ipv6Neighbors);
        ReclaimRetiredTables();
        return update;
    }
}
