using ActorRouter.ControlPlane.Messages;
using ActorRouter.DataPlane.Ports;
using Akka.Actor;

namespace ActorRouter.ControlPlane.Punt;

/// <summary>
/// The IPv6 neighbour cache with RFC 4861 §7.3's state machine. The punt thread's <see cref="Icmpv6Responder"/> tells it
/// what solicitations and advertisements said and what the data plane gleaned; the actor resolves (multicast
/// solicitations every RetransTimer, given up after MaxMulticastSolicit), confirms (a solicited advertisement:
/// REACHABLE for the reachable time, then STALE), probes stale entries that are used (the data plane's use mark on the
/// neighbour's adjacency, read every scan interval: DELAY for DelayFirstProbeTime, then PROBE with unicast
/// solicitations) and removes a neighbour that answers no probe. FMAN is told when a neighbour's link-layer address
/// becomes known or changes (<see cref="Ipv6NeighborLearned"/>) and when its entry goes
/// (<see cref="Ipv6NeighborExpired"/>); the adjacency it feeds is the one static entries feed. All timing is on Akka
/// timers, so tests drive it with a test scheduler.
/// </summary>
/// <remarks>
/// Hardening as the ARP table's: bounded in total and per interface; a glean never evicts, a solicitation's sender may
/// evict the oldest incomplete then the oldest stale entry, never a reachable, delayed or probed one; a bounded number
/// of resolutions outstanding; a solicitation budget per interface per second; an advertisement never creates an entry.
/// </remarks>
public sealed class Ipv6NeighborActor : ReceiveActor, IWithTimers
{
    private const string UseScanTimer = "use-scan";
    private readonly IPuntPort _port;
    private readonly IActorRef _fman;
    private readonly Ipv6NeighborSettings _settings;
    private readonly Func<double> _random;
    private readonly Func<TimeSpan>? _clock;
    private readonly Dictionary<(int Interface, UInt128 Address), Entry> _entries = [];
    private readonly Dictionary<int, int> _perInterface = [];
    private readonly Dictionary<int, (double Tokens, TimeSpan At)> _budgets = [];
    private int _incomplete;
    private long _solicitationsSent;
    private long _resolved;
    private long _resolutionFailures;
    private long _unreachable;
    private long _gleansDeduplicated;
    private long _gleansRefused;
    private long _entriesRefused;
    private long _entriesEvicted;
    private long _rateLimited;
    private long _injectFailures;

    /// <param name="random">A number in [0, 1) for the reachable time's jitter (tests pass a fixed one).</param>
    /// <param name="clock">Monotonic time for ages and budgets; null: the scheduler's (tests pass their test scheduler's).</param>
    public Ipv6NeighborActor(IPuntPort port, IActorRef fman, Ipv6NeighborSettings settings, Func<double>? random = null, Func<TimeSpan>? clock = null)
    {
        settings.Validate();
        _port = port;
        _fman = fman;
        _settings = settings;
        _random = random ?? Random.Shared.NextDouble;
        _clock = clock;
        Receive<ResolveIpv6Neighbor>(OnResolve);
        Receive<Ipv6SolicitationReceived>(OnSolicitation);
        Receive<Ipv6AdvertisementReceived>(OnAdvertisement);
        Receive<Tick>(OnTick);
        Receive<UseScan>(_ => OnUseScan());
        Receive<GetIpv6NeighborTable>(_ => Sender.Tell(BuildTable()));
        Receive<GetIpv6NeighborCounters>(_ => Sender.Tell(new Ipv6NeighborCounters(_solicitationsSent, _resolved, _resolutionFailures, _unreachable,
            _gleansDeduplicated, _gleansRefused, _entriesRefused, _entriesEvicted, _rateLimited, _injectFailures)));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IPuntPort port, IActorRef fman, Ipv6NeighborSettings? settings = null, Func<double>? random = null, Func<TimeSpan>? clock = null)
        => Akka.Actor.Props.Create(() => new Ipv6NeighborActor(port, fman, settings ?? Ipv6NeighborSettings.Default, random, clock));

    protected override void PreStart()
        => Timers.StartPeriodicTimer(UseScanTimer, UseScan.Instance, _settings.EffectiveUseScanInterval);

    private TimeSpan Now => _clock?.Invoke() ?? Context.System.Scheduler.MonotonicClock;

    private void OnResolve(ResolveIpv6Neighbor m)
    {
        var key = (m.InterfaceIndex, m.Address);
        if (_entries.TryGetValue(key, out var existing))
        {
            // A glean for a known neighbour: FMAN has not republished yet, or lost it (a restart) — say it again, at
            // most once per RetransTimer, so the data plane does not glean forever.
            if (existing.State != Ipv6NeighborState.Incomplete && Now - existing.Announced >= _settings.RetransTimer)
            {
                Announce(existing);
                return;
            }
            _gleansDeduplicated++;
            return;
        }
        if (_incomplete >= _settings.MaxIncomplete || !HasRoom(m.InterfaceIndex, evict: false))
        {
            _gleansRefused++;
            return;
        }
        var entry = new Entry(m.InterfaceIndex, m.Address);
        Add(entry, Ipv6NeighborState.Incomplete);
        Solicit(entry, unicast: false);
        Arm(entry, _settings.RetransTimer);
    }

    /// <summary>RFC 4861 §7.2.3: the sender of a solicitation is STALE with its new link-layer address.</summary>
    private void OnSolicitation(Ipv6SolicitationReceived m)
    {
        var key = (m.InterfaceIndex, m.Source);
        if (!_entries.TryGetValue(key, out var entry))
        {
            if (!HasRoom(m.InterfaceIndex, evict: true))
            {
                _entriesRefused++;
                return;
            }
            entry = new Entry(m.InterfaceIndex, m.Source) { Mac = m.SourceMac };
            Add(entry, Ipv6NeighborState.Stale);
            _resolved++;
            Announce(entry);
            return;
        }
        if (entry.State == Ipv6NeighborState.Incomplete || entry.Mac != m.SourceMac)
        {
            entry.Mac = m.SourceMac;
            SetState(entry, Ipv6NeighborState.Stale);
            _resolved++;
            Announce(entry);
        }
    }

    /// <summary>RFC 4861 §7.2.5: an advertisement completes, confirms or (with Override) changes an entry; it never creates one.</summary>
    private void OnAdvertisement(Ipv6AdvertisementReceived m)
    {
        if (!_entries.TryGetValue((m.InterfaceIndex, m.Target), out var entry))
        {
            return;
        }
        if (entry.State == Ipv6NeighborState.Incomplete)
        {
            if (m.TargetMac is not { } mac)
            {
                return;
            }
            entry.Mac = mac;
            SetState(entry, m.Solicited ? Ipv6NeighborState.Reachable : Ipv6NeighborState.Stale);
            _resolved++;
            Announce(entry);
            return;
        }
        var different = m.TargetMac is { } given && given != entry.Mac;
        if (!m.Override && different)
        {
            // Not allowed to change the address: only the doubt is recorded.
            if (entry.State == Ipv6NeighborState.Reachable)
            {
                SetState(entry, Ipv6NeighborState.Stale);
            }
            return;
        }
        if (different)
        {
            entry.Mac = m.TargetMac!.Value;
            _resolved++;
            Announce(entry);
        }
        if (m.Solicited)
        {
            SetState(entry, Ipv6NeighborState.Reachable);
        }
        else if (different)
        {
            SetState(entry, Ipv6NeighborState.Stale);
        }
    }

    private void OnTick(Tick tick)
    {
        if (!_entries.TryGetValue(tick.Key, out var entry) || tick.Generation != entry.Generation)
        {
            return;
        }
        switch (entry.State)
        {
            case Ipv6NeighborState.Incomplete:
                if (entry.Solicitations >= _settings.MaxMulticastSolicit)
                {
                    Remove(entry);
                    _resolutionFailures++;
                    return;
                }
                Solicit(entry, unicast: false);
                Arm(entry, _settings.RetransTimer);
                return;
            case Ipv6NeighborState.Reachable:
                SetState(entry, Ipv6NeighborState.Stale);
                return;
            case Ipv6NeighborState.Delay:
                SetState(entry, Ipv6NeighborState.Probe);
                return;
            case Ipv6NeighborState.Probe:
                if (entry.Solicitations >= _settings.MaxUnicastSolicit)
                {
                    Remove(entry);
                    _unreachable++;
                    _fman.Tell(new Ipv6NeighborExpired(entry.Interface, entry.Address));
                    return;
                }
                Solicit(entry, unicast: true);
                Arm(entry, _settings.RetransTimer);
                return;
        }
    }

    /// <summary>RFC 4861 §7.3.3: a STALE entry that packets went through goes to DELAY.</summary>
    private void OnUseScan()
    {
        foreach (var entry in _entries.Values)
        {
            if (entry.State == Ipv6NeighborState.Stale && _port.TakeIpv6NeighborUsed(entry.Interface, entry.Address))
            {
                SetState(entry, Ipv6NeighborState.Delay);
            }
        }
    }

    /// <summary>Enters <paramref name="state"/>: the age restarts and the state's own timer (if any) replaces the last one.</summary>
    private void SetState(Entry entry, Ipv6NeighborState state)
    {
        if (entry.State == Ipv6NeighborState.Incomplete && state != Ipv6NeighborState.Incomplete)
        {
            _incomplete--;
        }
        entry.State = state;
        entry.Since = Now;
        entry.Solicitations = 0;
        entry.Generation++;
        switch (state)
        {
            case Ipv6NeighborState.Reachable:
                var jitter = _settings.ReachableTimeJitter;
                Arm(entry, _settings.ReachableTime * (1 - jitter + 2 * jitter * _random()));
                break;
            case Ipv6NeighborState.Stale:
                // Uses while it was reachable say nothing about now.
                _port.TakeIpv6NeighborUsed(entry.Interface, entry.Address);
                Timers.Cancel(entry.Key);
                break;
            case Ipv6NeighborState.Delay:
                Arm(entry, _settings.DelayFirstProbeTime);
                break;
            case Ipv6NeighborState.Probe:
                Solicit(entry, unicast: true);
                Arm(entry, _settings.RetransTimer);
                break;
        }
    }

    private void Arm(Entry entry, TimeSpan after) => Timers.StartSingleTimer(entry.Key, new Tick(entry.Key, entry.Generation), after);

    private void Announce(Entry entry)
    {
        entry.Announced = Now;
        _fman.Tell(new Ipv6NeighborLearned(entry.Interface, entry.Address, entry.Mac));
    }

    private void Solicit(Entry entry, bool unicast)
    {
        // The attempt counts even when not sent, so a resolution still ends after its last turn.
        entry.Solicitations++;
        if (!TakeBudget(entry.Interface))
        {
            _rateLimited++;
            return;
        }
        var egress = _port.Interfaces[entry.Interface];
        if (egress is null)
        {
            _injectFailures++;
            return;
        }
        var frame = NeighborDiscoveryFrames.Solicitation(egress, entry.Address, unicast ? entry.Mac : null);
        if (_port.Inject(entry.Interface, frame))
        {
            _solicitationsSent++;
        }
        else
        {
            _injectFailures++;
        }
    }

    /// <summary>A token bucket per interface: <c>SolicitationsPerSecondPerInterface</c> a second, as many at once.</summary>
    private bool TakeBudget(int interfaceIndex)
    {
        var rate = _settings.SolicitationsPerSecondPerInterface;
        var now = Now;
        var (tokens, at) = _budgets.TryGetValue(interfaceIndex, out var b) ? b : (rate, now);
        tokens = Math.Min(rate, tokens + (now - at).TotalSeconds * rate);
        if (tokens < 1)
        {
            _budgets[interfaceIndex] = (tokens, now);
            return false;
        }
        _budgets[interfaceIndex] = (tokens - 1, now);
        return true;
    }

    private bool HasRoom(int interfaceIndex, bool evict)
    {
        while (_entries.Count >= _settings.MaxEntries || _perInterface.GetValueOrDefault(interfaceIndex) >= _settings.MaxEntriesPerInterface)
        {
            var onInterfaceOnly = _entries.Count < _settings.MaxEntries;
            if (!evict || FindEvictable(onInterfaceOnly ? interfaceIndex : null) is not { } victim)
            {
                return false;
            }
            Remove(victim);
            _entriesEvicted++;
            if (victim.State != Ipv6NeighborState.Incomplete)
            {
                _fman.Tell(new Ipv6NeighborExpired(victim.Interface, victim.Address));
            }
        }
        return true;
    }

    private Entry? FindEvictable(int? interfaceIndex)
    {
        Entry? best = null;
        foreach (var e in _entries.Values)
        {
            if ((interfaceIndex is int i && e.Interface != i) || e.State is not (Ipv6NeighborState.Incomplete or Ipv6NeighborState.Stale))
            {
                continue;
            }
            if (best is null || Rank(e) < Rank(best) || (Rank(e) == Rank(best) && e.Since < best.Since))
            {
                best = e;
            }
        }
        return best;

        static int Rank(Entry e) => e.State == Ipv6NeighborState.Incomplete ? 0 : 1;
    }

    private void Add(Entry entry, Ipv6NeighborState state)
    {
        _entries[entry.Key] = entry;
        _perInterface[entry.Interface] = _perInterface.GetValueOrDefault(entry.Interface) + 1;
        entry.State = state;
        entry.Since = Now;
        if (state == Ipv6NeighborState.Incomplete)
        {
            _incomplete++;
        }
        else
        {
            SetState(entry, state);
        }
    }

    private void Remove(Entry entry)
    {
        if (!_entries.Remove(entry.Key))
        {
            return;
        }
        Timers.Cancel(entry.Key);
        _perInterface[entry.Interface] = _perInterface.GetValueOrDefault(entry.Interface) - 1;
        if (entry.State == Ipv6NeighborState.Incomplete)
        {
            _incomplete--;
        }
    }

    private Ipv6NeighborTable BuildTable()
    {
        var now = Now;
        var interfaces = _port.Interfaces;
        var rows = new List<Ipv6NeighborEntry>(_entries.Count);
        foreach (var e in _entries.Values)
        {
            rows.Add(new Ipv6NeighborEntry(interfaces[e.Interface]?.Name ?? $"#{e.Interface}", e.Interface, e.Address, e.Mac, now - e.Since, e.State));
        }
        rows.Sort((a, b) => a.Address != b.Address ? a.Address.CompareTo(b.Address) : a.InterfaceIndex.CompareTo(b.InterfaceIndex));
        return new Ipv6NeighborTable(rows);
    }

    private sealed class Entry(int interfaceIndex, UInt128 address)
    {
        public (int Interface, UInt128 Address) Key { get; } = (interfaceIndex, address);
        public int Interface => Key.Interface;
        public UInt128 Address => Key.Address;
        public ulong Mac { get; set; }
        public Ipv6NeighborState State { get; set; }
        /// <summary>When the entry entered its state.</summary>
        public TimeSpan Since { get; set; }
        public TimeSpan Announced { get; set; }
        /// <summary>Solicitations sent in the current resolution or probe.</summary>
        public int Solicitations { get; set; }
        /// <summary>Bumped on each state change: a timer armed in an earlier state is ignored.</summary>
        public int Generation { get; set; }
    }

    private sealed record Tick((int Interface, UInt128 Address) Key, int Generation);

    private sealed record UseScan
    {
        public static readonly UseScan Instance = new();
    }
}
