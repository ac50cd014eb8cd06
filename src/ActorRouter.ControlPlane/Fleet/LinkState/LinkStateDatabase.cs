using ActorRouter.ControlPlane.Configuration;

namespace ActorRouter.ControlPlane.Fleet.LinkState;

/// <summary>
/// One adjacency a router announces: <paramref name="Neighbor"/> (another member's router name) is reachable at
/// <paramref name="NeighborAddress"/> on a subnet both share, at <paramref name="Cost"/> (≥ 1).
/// </summary>
public sealed record LinkStateAdjacency(string Neighbor, uint NeighborAddress, int Cost = 1);

/// <summary>
/// What one router publishes into the fleet's link-state database: its connected prefixes, its adjacencies,
/// the static routes it marks to share, and a sequence number that only grows (a newer entry replaces an older one).
/// </summary>
public sealed record LinkStateEntry(
    string Router,
    long Sequence,
    IReadOnlyList<Ipv4Cidr> Connected,
    IReadOnlyList<LinkStateAdjacency> Adjacencies,
    IReadOnlyList<Ipv4Cidr> SharedStaticRoutes)
{
    /// <summary>Prefixes this router originates: connected ones first, then the shared static routes.</summary>
    public IEnumerable<Ipv4Cidr> OriginatedPrefixes()
    {
        foreach (var prefix in Connected)
        {
            yield return prefix;
        }
        foreach (var prefix in SharedStaticRoutes)
        {
            yield return prefix;
        }
    }
}

/// <summary>How a database entry was taken.</summary>
public enum LinkStateApplyResult
{
    /// <summary>The router had no entry; this one is now its state.</summary>
    Added,

    /// <summary>A newer sequence replaced the router's entry.</summary>
    Replaced,

    /// <summary>The entry's sequence is not newer than the one held: ignored (a late or repeated copy).</summary>
    Stale,
}

/// <summary>The size of a database: entries, announced adjacencies and prefixes, and an estimate of its encoded bytes.</summary>
public readonly record struct LinkStateDatabaseSize(int Routers, int Adjacencies, int Prefixes, long EncodedBytes);

/// <summary>
/// The fleet's link-state database as one router holds it: the newest entry of every router. Pure: no actor,
/// no clock; replication and withdrawal decisions come from outside (the cluster's membership, probes).
/// </summary>
public sealed class LinkStateDatabase
{
    // Per-field encoding estimate for the size figure: a name of up to 16 bytes with its length, a sequence,
    // 5 bytes per prefix (address + length), 4 + 4 bytes per adjacency plus the neighbour's name.
    private const int NameBytes = 17;

    private readonly Dictionary<string, LinkStateEntry> _entries = new(StringComparer.Ordinal);

    public int Count => _entries.Count;

    public IEnumerable<LinkStateEntry> Entries => _entries.Values;

    public bool TryGet(string router, out LinkStateEntry entry) => _entries.TryGetValue(router, out entry!);

    /// <summary>Takes <paramref name="entry"/> when its router has none or an older sequence.</summary>
    public LinkStateApplyResult Apply(LinkStateEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (_entries.TryGetValue(entry.Router, out var held))
        {
            if (entry.Sequence <= held.Sequence)
            {
                return LinkStateApplyResult.Stale;
            }
            _entries[entry.Router] = entry;
            return LinkStateApplyResult.Replaced;
        }
        _entries.Add(entry.Router, entry);
        return LinkStateApplyResult.Added;
    }

    /// <summary>Removes <paramref name="router"/>'s state (a member the cluster removed, or one that stopped answering probes); false when none was held.</summary>
    public bool Withdraw(string router) => _entries.Remove(router);

    public LinkStateDatabaseSize Size()
    {
        int adjacencies = 0;
        int prefixes = 0;
        long bytes = 0;
        foreach (var entry in _entries.Values)
        {
            adjacencies += entry.Adjacencies.Count;
            prefixes += entry.Connected.Count + entry.SharedStaticRoutes.Count;
            bytes += NameBytes + sizeof(long)
                + 5L * (entry.Connected.Count + entry.SharedStaticRoutes.Count)
                + (long)(NameBytes + 8) * entry.Adjacencies.Count;
        }
        return new LinkStateDatabaseSize(_entries.Count, adjacencies, prefixes, bytes);
    }
}
