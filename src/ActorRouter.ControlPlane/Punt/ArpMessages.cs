namespace ActorRouter.ControlPlane.Punt;

/// <summary>
/// An ARP packet arrived on <paramref name="InterfaceIndex"/> from a neighbor on its subnet.
/// <paramref name="RequestForUs"/>: a request whose target address is the interface's address —
/// under RFC 826's merge rule the only unsolicited packet that may add a new entry (a reply may only
/// complete a resolution the router started, or update an entry it has).
/// </summary>
public sealed record ArpPacketReceived(int InterfaceIndex, uint SenderAddress, ulong SenderMac, bool RequestForUs);

/// <summary>The data plane gleaned: a packet went to <paramref name="Address"/> on a connected subnet whose MAC is unknown.</summary>
public sealed record ResolveNeighbor(int InterfaceIndex, uint Address);

/// <summary>Asks the ARP actor for its table (<c>show ip arp</c>); answered with <see cref="ArpTable"/>.</summary>
public sealed record GetArpTable
{
    public static readonly GetArpTable Instance = new();
}

public enum ArpEntryState
{
    /// <summary>One of the router's own interface addresses (never ages).</summary>
    Interface,
    /// <summary>Being resolved: requests sent, no answer yet.</summary>
    Incomplete,
    /// <summary>Resolved and in use.</summary>
    Reachable,
    /// <summary>Resolved, near expiry, being confirmed by refresh requests; still in use.</summary>
    Refreshing,
    /// <summary>Configured (<c>arp ADDRESS MAC</c>): never ages, never changed by a packet.</summary>
    Static,
}

/// <summary>One line of <c>show ip arp</c>. <see cref="Mac"/> is 0 while incomplete; <see cref="Age"/> is since the last confirmation.</summary>
public sealed record ArpEntry(string Interface, int InterfaceIndex, uint Address, ulong Mac, TimeSpan Age, ArpEntryState State);

public sealed record ArpTable(IReadOnlyList<ArpEntry> Entries);

/// <summary>Asks the ARP actor for its counters; answered with <see cref="ArpCounters"/>.</summary>
public sealed record GetArpCounters
{
    public static readonly GetArpCounters Instance = new();
}

/// <summary>
/// What the ARP actor did: requests it sent (resolution and refresh), neighbors it resolved,
/// resolutions it gave up after the last retry, entries that expired, glean requests it ignored
/// because the address was already resolved or being resolved, frames the data plane refused, and
/// resolved neighbors announced to FMAN again because the data plane still gleaned for them.
/// The hardening counters: gleans refused because too many resolutions were outstanding, requests
/// not sent because the interface's request rate was used up, new entries refused at the table's
/// limits, entries evicted (incomplete or refreshing) to make room, MAC changes accepted and
/// refused (too soon after the last one), and packets that tried to change a static entry.
/// </summary>
public sealed record ArpCounters(
    long RequestsSent,
    long Resolved,
    long ResolutionFailures,
    long Expired,
    long GleansDeduplicated,
    long InjectFailures,
    long Reannounced,
    long GleansRefused = 0,
    long RequestsRateLimited = 0,
    long EntriesRefused = 0,
    long EntriesEvicted = 0,
    long MacChanges = 0,
    long MacChangesRefused = 0,
    long StaticOverridesRefused = 0);

/// <summary>
/// The ARP table's limits (Linux's gc_thresh, IOS's arp entry limits): entries in total and per
/// interface (incomplete ones included), resolutions outstanding at once, requests per interface
/// per second, and the shortest time between two MAC changes of one entry.
/// </summary>
public sealed record ArpLimits(int MaxEntries, int MaxEntriesPerInterface, int MaxIncomplete, int RequestsPerSecondPerInterface, TimeSpan MacChangeInterval)
{
    public static readonly ArpLimits Default = new(4096, 1024, 256, 100, TimeSpan.FromSeconds(5));
}

/// <summary>
/// Adds or replaces a static entry (<c>arp ADDRESS MAC</c>): never aged, never overwritten by a packet.
/// It lives on the interface whose connected subnet holds the address; until one does (interfaces still
/// coming up) it waits and is placed as soon as one is.
/// </summary>
public sealed record SetStaticArpEntry(uint Address, ulong Mac);

/// <summary>Removes a static entry; answered like <see cref="SetStaticArpEntry"/> with <see cref="ArpChangeDone"/>.</summary>
public sealed record RemoveStaticArpEntry(uint Address);

/// <summary><c>clear ip arp</c>: forgets every dynamic entry (FMAN is told each is gone); static entries stay.</summary>
public sealed record ClearArpTable
{
    public static readonly ClearArpTable Instance = new();
}

/// <summary><c>clear ip arp ADDRESS</c>: forgets the dynamic entry for one address (on whichever interface); a static one stays.</summary>
public sealed record ClearArpEntry(uint Address);

/// <param name="Cleared">Dynamic entries removed (for <see cref="ClearArpTable"/>), else 0.</param>
public sealed record ArpChangeDone(int Cleared);

/// <summary>Asks the ARP actor for every resolved neighbor (FMAN's resync after a restart); answered with <see cref="ResolvedNeighbors"/>.</summary>
public sealed record GetResolvedNeighbors
{
    public static readonly GetResolvedNeighbors Instance = new();
}

public sealed record ResolvedNeighbors(IReadOnlyList<ActorRouter.ControlPlane.Messages.NeighborResolved> Neighbors);

/// <summary>
/// ARP timing. <see cref="EntryTimeout"/>: how long an entry lives without confirmation (IOS: 4 h).
/// <see cref="RetryInterval"/> and <see cref="MaxRequests"/>: how often and how many times a
/// request is sent before giving up, both when resolving and when refreshing an entry near expiry.
/// An unconfirmed entry starts its refresh <see cref="RefreshWindow"/> before the timeout and
/// expires <see cref="MaxRequests"/> × <see cref="RetryInterval"/> after that when no reply came.
/// </summary>
public sealed record ArpSettings(TimeSpan EntryTimeout, TimeSpan RetryInterval, int MaxRequests, ArpLimits? Limits = null)
{
    public static readonly ArpSettings Default = new(TimeSpan.FromHours(4), TimeSpan.FromSeconds(1), 3);

    /// <summary>The limits in force (the defaults when none were given).</summary>
    public ArpLimits EffectiveLimits => Limits ?? ArpLimits.Default;

    /// <summary>
    /// How long before expiry the refresh starts: room for every refresh request, but never more
    /// than half the entry's life, so a short timeout still leaves the entry mostly unrefreshed.
    /// </summary>
    public TimeSpan RefreshWindow
    {
        get
        {
            var all = RetryInterval * MaxRequests;
            var half = EntryTimeout / 2;
            return all < half ? all : half;
        }
    }

    public void Validate()
    {
        if (EntryTimeout <= TimeSpan.Zero || RetryInterval <= TimeSpan.Zero || MaxRequests < 1)
        {
            throw new ArgumentException($"ARP settings need a positive timeout and retry interval and at least one request, got {this}");
        }
        var limits = EffectiveLimits;
        if (limits.MaxEntries < 1 || limits.MaxEntriesPerInterface < 1 || limits.MaxIncomplete < 1 || limits.RequestsPerSecondPerInterface < 1 || limits.MacChangeInterval < TimeSpan.Zero)
        {
            throw new ArgumentException($"ARP limits must be positive, got {limits}");
        }
    }
}
