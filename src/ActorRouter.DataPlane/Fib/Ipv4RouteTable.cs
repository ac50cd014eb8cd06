using System.Collections;

namespace ActorRouter.DataPlane.Fib;

/// <summary>
/// The mutable set of IPv4 routes the control plane edits; <see cref="Ipv4Fib.Build(Ipv4RouteTable)"/> turns it
/// into an immutable lookup snapshot. Not thread-safe and not for the packet path.
/// </summary>
public sealed class Ipv4RouteTable : IEnumerable<Ipv4Route>
{
    // Keyed by prefix and length together, so 10.0.0.0/8 and 10.0.0.0/16 are different routes.
    private readonly Dictionary<ulong, uint> _nextHops;

    public Ipv4RouteTable(int capacity = 0) => _nextHops = new Dictionary<ulong, uint>(capacity);

    /// <summary>Number of distinct (prefix, length) routes.</summary>
    public int Count => _nextHops.Count;

    /// <summary>
    /// Adds a route or replaces the next hop of an existing one. <paramref name="prefix"/> is in host order and
    /// must have no bits set beyond <paramref name="length"/>; <paramref name="nextHopId"/> is 1..0xFFFFFF.
    /// </summary>
    /// <returns>true when the route is new, false when it replaced an existing next hop.</returns>
    /// <exception cref="ArgumentException">The length, prefix or next-hop id is invalid.</exception>
    public bool Add(uint prefix, int length, uint nextHopId)
    {
        Ipv4Route.Validate(prefix, length, nextHopId);
        ref uint slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(
            _nextHops, Key(prefix, length), out bool exists);
        slot = nextHopId;
        return !exists;
    }

    /// <summary>Adds or replaces <paramref name="route"/>; see <see cref="Add(uint, int, uint)"/>.</summary>
    public bool Add(Ipv4Route route) => Add(route.Prefix, route.Length, route.NextHopId);

    /// <summary>Removes the route for exactly this prefix and length.</summary>
    /// <returns>false when there was no such route.</returns>
    /// <exception cref="ArgumentException">The length is outside 0..32 or the prefix has host bits set.</exception>
    public bool Remove(uint prefix, int length)
    {
        Ipv4Route.Validate(prefix, length, 1);
        return _nextHops.Remove(Key(prefix, length));
    }

    /// <summary>The next hop of the route for exactly this prefix and length (not a longest-prefix match).</summary>
    public bool TryGetNextHop(uint prefix, int length, out uint nextHopId)
    {
        Ipv4Route.Validate(prefix, length, 1);
        return _nextHops.TryGetValue(Key(prefix, length), out nextHopId);
    }

    public void Clear() => _nextHops.Clear();

    /// <summary>Copies the routes, in no particular order.</summary>
    public Ipv4Route[] ToArray()
    {
        var routes = new Ipv4Route[_nextHops.Count];
        int i = 0;
        foreach (var (key, nextHop) in _nextHops)
        {
            routes[i++] = FromKey(key, nextHop);
        }
        return routes;
    }

    /// <summary>Enumerates the routes in no particular order.</summary>
    public IEnumerator<Ipv4Route> GetEnumerator()
    {
        foreach (var (key, nextHop) in _nextHops)
        {
            yield return FromKey(key, nextHop);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static ulong Key(uint prefix, int length) => ((ulong)prefix << 8) | (uint)length;

    private static Ipv4Route FromKey(ulong key, uint nextHop) => new((uint)(key >> 8), (int)(key & 0xFF), nextHop);
}
