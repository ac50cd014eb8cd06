namespace ActorRouter.ControlPlane.Punt;

/// <summary>
/// An ARP packet arrived on <paramref name="InterfaceIndex"/> from a neighbor on its subnet.
/// <paramref name="TargetIsUs"/>: the packet's target address is the interface's address, which
/// under RFC 826's merge rule lets a new entry be added rather than only an existing one updated.
/// </summary>
public sealed record ArpPacketReceived(int InterfaceIndex, uint SenderAddress, ulong SenderMac, bool TargetIsUs);

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
/// </summary>
public sealed record ArpCounters(
    long RequestsSent,
    long Resolved,
    long ResolutionFailures,
    long Expired,
    long GleansDeduplicated,
    long InjectFailures,
    long Reannounced);

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
public sealed record ArpSettings(TimeSpan EntryTimeout, TimeSpan RetryInterval, int MaxRequests)
{
    public static readonly ArpSettings Default = new(TimeSpan.FromHours(4), TimeSpan.FromSeconds(1), 3);

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
    }
}
