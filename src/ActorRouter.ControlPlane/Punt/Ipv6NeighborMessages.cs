namespace ActorRouter.ControlPlane.Punt;

/// <summary>
/// A valid neighbour solicitation for one of the router's addresses came from <paramref name="Source"/> with its
/// source link-layer address (RFC 4861 §7.2.3): the sender's entry is created or updated STALE.
/// </summary>
public sealed record Ipv6SolicitationReceived(int InterfaceIndex, UInt128 Source, ulong SourceMac);

/// <summary>
/// A valid neighbour advertisement for <paramref name="Target"/> (RFC 4861 §7.2.5); <paramref name="TargetMac"/> null
/// when it carried no target link-layer address option.
/// </summary>
public sealed record Ipv6AdvertisementReceived(int InterfaceIndex, UInt128 Target, ulong? TargetMac, bool Solicited, bool Override, bool Router);

/// <summary>The data plane gleaned: a packet went to <paramref name="Address"/> (a host on a connected prefix or a static route's next hop) with no neighbour entry.</summary>
public sealed record ResolveIpv6Neighbor(int InterfaceIndex, UInt128 Address);

/// <summary>RFC 4861 §7.3.2's states, plus the router's own addresses for <c>show ipv6 neighbors</c>.</summary>
public enum Ipv6NeighborState
{
    /// <summary>Being resolved: multicast solicitations sent, no answer yet.</summary>
    Incomplete,
    /// <summary>Confirmed within the reachable time (a solicited advertisement).</summary>
    Reachable,
    /// <summary>Not confirmed lately; still used for forwarding; probed when used.</summary>
    Stale,
    /// <summary>Used while stale: waiting <c>DelayFirstProbeTime</c> for an upper-layer confirmation before probing.</summary>
    Delay,
    /// <summary>Being probed by unicast solicitations; removed when none is answered.</summary>
    Probe,
}

/// <summary>One line of <c>show ipv6 neighbors</c>: <see cref="Mac"/> is 0 while incomplete; <see cref="Age"/> is since the last state change.</summary>
public sealed record Ipv6NeighborEntry(string Interface, int InterfaceIndex, UInt128 Address, ulong Mac, TimeSpan Age, Ipv6NeighborState State);

public sealed record Ipv6NeighborTable(IReadOnlyList<Ipv6NeighborEntry> Entries);

/// <summary>Asks the IPv6 neighbour actor for its cache; answered with <see cref="Ipv6NeighborTable"/>.</summary>
public sealed record GetIpv6NeighborTable
{
    public static readonly GetIpv6NeighborTable Instance = new();
}

/// <summary>Asks the IPv6 neighbour actor for its counters; answered with <see cref="Ipv6NeighborCounters"/>.</summary>
public sealed record GetIpv6NeighborCounters
{
    public static readonly GetIpv6NeighborCounters Instance = new();
}

/// <summary>
/// What the IPv6 neighbour actor did: solicitations sent (multicast resolution and unicast probes), neighbours whose
/// link-layer address became known or changed, resolutions given up after the last multicast solicitation, entries
/// removed after the last unanswered probe, gleans for entries that exist, gleans refused (too many resolutions
/// outstanding or the table full), new entries refused at the table's limits, entries evicted (incomplete or stale) to
/// make room, solicitations not sent because the interface's rate was used up, and frames the data plane refused.
/// </summary>
public sealed record Ipv6NeighborCounters(
    long SolicitationsSent,
    long Resolved,
    long ResolutionFailures,
    long Unreachable,
    long GleansDeduplicated,
    long GleansRefused,
    long EntriesRefused,
    long EntriesEvicted,
    long SolicitationsRateLimited,
    long InjectFailures);

/// <summary>
/// Neighbour discovery's timing (RFC 4861 §10: REACHABLE_TIME 30 s, RETRANS_TIMER 1 s, DELAY_FIRST_PROBE_TIME 5 s,
/// MAX_MULTICAST_SOLICIT and MAX_UNICAST_SOLICIT 3) and the cache's limits, as the ARP table's. The reachable time is
/// drawn between (1 − <see cref="ReachableTimeJitter"/>) and (1 + jitter) times <see cref="ReachableTime"/> for each
/// confirmation (RFC 4861 §6.3.2 uses 0.5). <see cref="UseScanInterval"/>: how often stale entries are checked for use.
/// </summary>
public sealed record Ipv6NeighborSettings(
    TimeSpan ReachableTime,
    TimeSpan RetransTimer,
    TimeSpan DelayFirstProbeTime,
    int MaxMulticastSolicit,
    int MaxUnicastSolicit,
    double ReachableTimeJitter = 0.5,
    TimeSpan? UseScanInterval = null,
    int MaxEntries = 4096,
    int MaxEntriesPerInterface = 1024,
    int MaxIncomplete = 256,
    int SolicitationsPerSecondPerInterface = 100)
{
    public static readonly Ipv6NeighborSettings Default = new(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), 3, 3);

    public TimeSpan EffectiveUseScanInterval => UseScanInterval ?? TimeSpan.FromSeconds(1);

    public void Validate()
    {
        if (ReachableTime <= TimeSpan.Zero || RetransTimer <= TimeSpan.Zero || DelayFirstProbeTime <= TimeSpan.Zero || EffectiveUseScanInterval <= TimeSpan.Zero
            || MaxMulticastSolicit < 1 || MaxUnicastSolicit < 1 || ReachableTimeJitter is < 0 or >= 1
            || MaxEntries < 1 || MaxEntriesPerInterface < 1 || MaxIncomplete < 1 || SolicitationsPerSecondPerInterface < 1)
        {
            throw new ArgumentException($"IPv6 neighbour settings need positive times and limits and a jitter in [0, 1), got {this}");
        }
    }
}
