using ActorRouter.ControlPlane.Messages;
using ActorRouter.DataPlane;
using ActorRouter.DataPlane.Ports;
using ActorRouter.Packets;
using Akka.Actor;
using Akka.Event;

namespace ActorRouter.ControlPlane.Punt;

/// <summary>
/// Owns the ARP table (RFC 826). The punt thread's <see cref="ArpResponder"/> answers requests
/// for the router's addresses itself and tells this actor what it learned and what the data plane
/// gleaned; the actor resolves (broadcast request, retries, give-up), ages entries (refresh
/// requests before expiry, expiry when unanswered) and tells FMAN when a neighbor appears, changes
/// MAC or disappears. All timing is on Akka timers.
/// </summary>
/// <remarks>
/// What an on-link attacker cannot do to it: a new entry comes only from a reply to a resolution the
/// router started or from a request for the router's own address (RFC 826's merge rule; an unsolicited
/// reply adds nothing); the table is bounded in total and per interface, incomplete and refreshing
/// entries giving way first and resolved ones never; one resolution per next hop, a bounded number
/// outstanding, and a request budget per interface per second; a MAC change is counted, logged and
/// accepted at most once per <see cref="ArpLimits.MacChangeInterval"/> per entry; static entries
/// never change.
/// </remarks>
public sealed class ArpActor : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(1);
    private readonly IPuntPort _port;
    private readonly IActorRef _fman;
    private readonly ArpSettings _settings;
    private readonly ArpLimits _limits;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<(int Interface, uint Address), Entry> _entries = new();
    private readonly Dictionary<int, int> _entriesPerInterface = new();
    private readonly Dictionary<int, RequestBudget> _budgets = new();
    /// <summary>Static entries as configured (address → MAC), placed or waiting for their interface.</summary>
    private readonly Dictionary<uint, ulong> _statics = new();
    private int _incomplete;
    private long _requestsSent;
    private long _resolved;
    private long _resolutionFailures;
    private long _expired;
    private long _gleansDeduplicated;
    private long _injectFailures;
    private long _reannounced;
    private long _gleansRefused;
    private long _requestsRateLimited;
    private long _entriesRefused;
    private long _entriesEvicted;
    private long _macChanges;
    private long _macChangesRefused;
    private long _staticOverridesRefused;
    private TimeSpan? _lastLog;
    private int _logsSuppressed;

    public ArpActor(IPuntPort port, IActorRef fman, ArpSettings settings)
    {
        settings.Validate();
        _port = port;
        _fman = fman;
        _settings = settings;
        _limits = settings.EffectiveLimits;
        Receive<ResolveNeighbor>(OnResolve);
        Receive<ArpPacketReceived>(OnArpPacket);
        Receive<ResolutionTick>(OnResolutionTick);
        Receive<AgingTick>(OnAgingTick);
        Receive<SetStaticArpEntry>(OnSetStatic);
        Receive<RemoveStaticArpEntry>(OnRemoveStatic);
        Receive<PlaceStaticEntries>(_ => PlaceStatics());
        Receive<ClearArpTable>(_ => Sender.Tell(new ArpChangeDone(ClearDynamic(null))));
        Receive<ClearArpEntry>(m => Sender.Tell(new ArpChangeDone(ClearDynamic(m.Address))));
        Receive<GetArpTable>(_ => Sender.Tell(BuildTable()));
        Receive<GetArpCounters>(_ => Sender.Tell(new ArpCounters(_requestsSent, _resolved, _resolutionFailures, _expired, _gleansDeduplicated, _injectFailures, _reannounced,
            _gleansRefused, _requestsRateLimited, _entriesRefused, _entriesEvicted, _macChanges, _macChangesRefused, _staticOverridesRefused)));
        Receive<GetResolvedNeighbors>(_ => Sender.Tell(new ResolvedNeighbors(_entries.Values
            .Where(e => e.State != ArpEntryState.Incomplete)
            .Select(e => new NeighborResolved(e.Interface, e.Address, e.Mac))
            .ToArray())));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IPuntPort port, IActorRef fman, ArpSettings? settings = null)
        => Akka.Actor.Props.Create(() => new ArpActor(port, fman, settings ?? ArpSettings.Default));

    private TimeSpan Now => Context.System.Scheduler.MonotonicClock;

    private void OnResolve(ResolveNeighbor message)
    {
        var key = (message.InterfaceIndex, message.Address);
        if (_entries.TryGetValue(key, out var existing))
        {
            // A glean for a resolved neighbor: normally FMAN has simply not republished yet, but if it
            // lost the neighbor (restart) the data plane would glean forever, so say it again, at
            // most once per retry interval. Otherwise: one request stream per address.
            var now = Now;
            if (existing.State != ArpEntryState.Incomplete && now - existing.Announced >= _settings.RetryInterval)
            {
                Announce(existing);
                _reannounced++;
                return;
            }
            _gleansDeduplicated++;
            return;
        }
        // A glean spray towards unused addresses must not grow the table without bound, nor push out
        // what is resolved: past the outstanding limit gleans are refused, never evicting anything.
        if (_incomplete >= _limits.MaxIncomplete || !HasRoom(message.InterfaceIndex, evict: false))
        {
            _gleansRefused++;
            return;
        }
        var entry = new Entry(message.InterfaceIndex, message.Address) { State = ArpEntryState.Incomplete, Since = Now };
        Add(entry);
        SendRequest(entry, unicast: false);
        Timers.StartSingleTimer(key, new ResolutionTick(key), _settings.RetryInterval);
    }

    private void Announce(Entry entry)
    {
        entry.Announced = Now;
        _fman.Tell(new NeighborResolved(entry.Interface, entry.Address, entry.Mac));
    }

    private void OnResolutionTick(ResolutionTick tick)
    {
        if (!_entries.TryGetValue(tick.Key, out var entry) || entry.State != ArpEntryState.Incomplete)
        {
            return;
        }
        if (entry.RequestsSent >= _settings.MaxRequests)
        {
            Remove(entry);
            _resolutionFailures++;
            return;
        }
        SendRequest(entry, unicast: false);
        Timers.StartSingleTimer(tick.Key, tick, _settings.RetryInterval);
    }

    private void OnArpPacket(ArpPacketReceived message)
    {
        var key = (message.InterfaceIndex, message.SenderAddress);
        if (_entries.TryGetValue(key, out var entry))
        {
            if (entry.State == ArpEntryState.Static)
            {
                if (entry.Mac != message.SenderMac)
                {
                    _staticOverridesRefused++;
                    LogLimited("ARP: {0} on interface {1} claims MAC {2}, but its static entry says {3}; ignored",
                        Ipv4Text(entry.Address), entry.Interface, MacText(message.SenderMac), MacText(entry.Mac));
                }
                return;
            }
            // RFC 826 merge: an existing entry is updated whoever the packet was for.
            var wasIncomplete = entry.State == ArpEntryState.Incomplete;
            var changed = !wasIncomplete && entry.Mac != message.SenderMac;
            if (changed)
            {
                var now = Now;
                if (entry.MacChangedAt is { } last && now - last < _limits.MacChangeInterval)
                {
                    _macChangesRefused++;
                    LogLimited("ARP: {0} on interface {1} changes MAC again ({2} -> {3}) within {4}; refused",
                        Ipv4Text(entry.Address), entry.Interface, MacText(entry.Mac), MacText(message.SenderMac), _limits.MacChangeInterval);
                    return;
                }
                _macChanges++;
                entry.MacChangedAt = now;
                LogLimited("ARP: {0} on interface {1} moved from MAC {2} to {3}",
                    Ipv4Text(entry.Address), entry.Interface, MacText(entry.Mac), MacText(message.SenderMac));
            }
            if (wasIncomplete)
            {
                _incomplete--;
                entry.MacChangedAt = Now;
            }
            Confirm(entry, message.SenderMac);
            if (wasIncomplete || changed)
            {
                _resolved++;
                Announce(entry);
            }
            return;
        }
        if (!message.RequestForUs)
        {
            return;
        }
        if (!HasRoom(message.InterfaceIndex, evict: true))
        {
            _entriesRefused++;
            return;
        }
        entry = new Entry(message.InterfaceIndex, message.SenderAddress) { State = ArpEntryState.Reachable, MacChangedAt = Now };
        Add(entry);
        Confirm(entry, message.SenderMac);
        _resolved++;
        Announce(entry);
    }

    private void Confirm(Entry entry, ulong mac)
    {
        entry.Mac = mac;
        entry.State = ArpEntryState.Reachable;
        entry.Since = Now;
        entry.RequestsSent = 0;
        var key = (entry.Interface, entry.Address);
        Timers.StartSingleTimer(key, new AgingTick(key), _settings.EntryTimeout - _settings.RefreshWindow);
    }

    private void OnAgingTick(AgingTick tick)
    {
        if (!_entries.TryGetValue(tick.Key, out var entry) || entry.State is ArpEntryState.Incomplete or ArpEntryState.Static)
        {
            return;
        }
        if (entry.RequestsSent >= _settings.MaxRequests)
        {
            // Every refresh request went out and the last one had its full retry interval: gone.
            Remove(entry);
            _expired++;
            _fman.Tell(new NeighborExpired(entry.Interface, entry.Address));
            return;
        }
        // The first refresh asks the known MAC directly; if it has gone quiet, later ones ask the whole link.
        // Counting requests rather than reading the clock keeps a late timer from skipping any of them.
        entry.State = ArpEntryState.Refreshing;
        SendRequest(entry, unicast: entry.RequestsSent == 0);
        Timers.StartSingleTimer(tick.Key, tick, _settings.RetryInterval);
    }

    private void OnSetStatic(SetStaticArpEntry m)
    {
        RemoveStatic(m.Address);
        _statics[m.Address] = m.Mac;
        PlaceStatics();
        Sender.Tell(new ArpChangeDone(0));
    }

    private void OnRemoveStatic(RemoveStaticArpEntry m)
    {
        RemoveStatic(m.Address);
        _statics.Remove(m.Address);
        PlaceStatics();
        Sender.Tell(new ArpChangeDone(0));
    }

    private void RemoveStatic(uint address)
    {
        foreach (var entry in _entries.Values.Where(e => e.Address == address && e.State == ArpEntryState.Static).ToList())
        {
            Remove(entry);
            _fman.Tell(new NeighborExpired(entry.Interface, entry.Address));
        }
    }

    /// <summary>
    /// Puts every configured static entry on the interface whose subnet holds it (a dynamic entry for the
    /// address gives way); looks again every second while one is still waiting for its interface.
    /// </summary>
    private void PlaceStatics()
    {
        var waiting = false;
        foreach (var (address, mac) in _statics)
        {
            var index = ConnectedSubnets.FindInterface(_port.Interfaces, address);
            if (index < 0)
            {
                waiting = true;
                continue;
            }
            var key = (index, address);
            if (_entries.TryGetValue(key, out var existing))
            {
                if (existing.State == ArpEntryState.Static && existing.Mac == mac)
                {
                    continue;
                }
                Remove(existing);
            }
            // Static entries are configuration: they are never refused for room.
            var entry = new Entry(index, address) { State = ArpEntryState.Static, Mac = mac, Since = Now };
            Add(entry);
            Announce(entry);
        }
        if (waiting)
        {
            Timers.StartSingleTimer(nameof(PlaceStaticEntries), PlaceStaticEntries.Instance, TimeSpan.FromSeconds(1));
        }
    }

    /// <param name="address">Only this address's entries; null: every dynamic entry.</param>
    private int ClearDynamic(uint? address)
    {
        var cleared = 0;
        foreach (var entry in _entries.Values.Where(e => e.State != ArpEntryState.Static && (address is null || e.Address == address)).ToList())
        {
            Remove(entry);
            if (entry.State != ArpEntryState.Incomplete)
            {
                _fman.Tell(new NeighborExpired(entry.Interface, entry.Address));
            }
            cleared++;
        }
        return cleared;
    }

    /// <summary>
    /// Whether one more entry fits on <paramref name="interfaceIndex"/> and in total; with
    /// <paramref name="evict"/>, makes room by evicting the oldest incomplete, then the oldest
    /// refreshing entry — never a reachable or static one.
    /// </summary>
    private bool HasRoom(int interfaceIndex, bool evict)
    {
        while (_entries.Count >= _limits.MaxEntries || PerInterface(interfaceIndex) >= _limits.MaxEntriesPerInterface)
        {
            var onInterfaceOnly = _entries.Count < _limits.MaxEntries;
            if (!evict || FindEvictable(onInterfaceOnly ? interfaceIndex : null) is not { } victim)
            {
                return false;
            }
            Remove(victim);
            _entriesEvicted++;
            if (victim.State == ArpEntryState.Refreshing)
            {
                _fman.Tell(new NeighborExpired(victim.Interface, victim.Address));
            }
        }
        return true;
    }

    private Entry? FindEvictable(int? interfaceIndex)
    {
        Entry? best = null;
        foreach (var e in _entries.Values)
        {
            if ((interfaceIndex is int i && e.Interface != i) || e.State is not (ArpEntryState.Incomplete or ArpEntryState.Refreshing))
            {
                continue;
            }
            // Incomplete before refreshing; within a state, the oldest first.
            if (best is null || Rank(e) < Rank(best) || (Rank(e) == Rank(best) && e.Since < best.Since))
            {
                best = e;
            }
        }
        return best;

        static int Rank(Entry e) => e.State == ArpEntryState.Incomplete ? 0 : 1;
    }

    private int PerInterface(int interfaceIndex) => _entriesPerInterface.GetValueOrDefault(interfaceIndex);

    private void Add(Entry entry)
    {
        _entries[(entry.Interface, entry.Address)] = entry;
        _entriesPerInterface[entry.Interface] = PerInterface(entry.Interface) + 1;
        if (entry.State == ArpEntryState.Incomplete)
        {
            _incomplete++;
        }
    }

    private void Remove(Entry entry)
    {
        var key = (entry.Interface, entry.Address);
        if (!_entries.Remove(key))
        {
            return;
        }
        Timers.Cancel(key);
        _entriesPerInterface[entry.Interface] = PerInterface(entry.Interface) - 1;
        if (entry.State == ArpEntryState.Incomplete)
        {
            _incomplete--;
        }
    }

    private void SendRequest(Entry entry, bool unicast)
    {
        // The attempt counts even when the budget is used up, so a resolution still ends after MaxRequests turns.
        entry.RequestsSent++;
        if (!Budget(entry.Interface).TryTake(Now, _limits.RequestsPerSecondPerInterface))
        {
            _requestsRateLimited++;
            return;
        }
        var uidb = _port.Interfaces[entry.Interface];
        if (uidb is null || uidb.Ipv4Address == 0)
        {
            _injectFailures++;
            return;
        }
        var destination = unicast ? new MacAddress(entry.Mac) : MacAddress.Broadcast;
        var frame = PacketBuilder.Arp(destination, ArpOperation.Request, new MacAddress(uidb.Mac), uidb.Ipv4Address, MacAddress.Zero, entry.Address);
        if (_port.Inject(entry.Interface, frame))
        {
            _requestsSent++;
        }
        else
        {
            _injectFailures++;
        }
    }

    private RequestBudget Budget(int interfaceIndex)
    {
        if (!_budgets.TryGetValue(interfaceIndex, out var budget))
        {
            budget = new RequestBudget(_limits.RequestsPerSecondPerInterface, Now);
            _budgets[interfaceIndex] = budget;
        }
        return budget;
    }

    /// <summary>Logs at most one line a second; the lines left out are counted into the next one.</summary>
    private void LogLimited(string format, params object[] args)
    {
        var now = Now;
        if (_lastLog is { } last && now - last < LogInterval)
        {
            _logsSuppressed++;
            return;
        }
        _lastLog = now;
        var suppressed = _logsSuppressed;
        _logsSuppressed = 0;
        _log.Warning(suppressed == 0 ? format : format + $" ({suppressed} similar line(s) suppressed)", args);
    }

    private static string Ipv4Text(uint address) => $"{address >> 24}.{(address >> 16) & 0xFF}.{(address >> 8) & 0xFF}.{address & 0xFF}";

    private static string MacText(ulong mac) => new MacAddress(mac).ToString();

    private ArpTable BuildTable()
    {
        var now = Now;
        var interfaces = _port.Interfaces;
        var rows = new List<ArpEntry>();
        foreach (var uidb in interfaces.All)
        {
            if (uidb.Ipv4Address != 0)
            {
                rows.Add(new ArpEntry(uidb.Name, uidb.Index, uidb.Ipv4Address, uidb.Mac, TimeSpan.Zero, ArpEntryState.Interface));
            }
        }
        foreach (var entry in _entries.Values)
        {
            var name = interfaces[entry.Interface]?.Name ?? $"#{entry.Interface}";
            rows.Add(new ArpEntry(name, entry.Interface, entry.Address, entry.Mac, entry.State == ArpEntryState.Static ? TimeSpan.Zero : now - entry.Since, entry.State));
        }
        rows.Sort((a, b) => a.Address.CompareTo(b.Address));
        return new ArpTable(rows);
    }

    private sealed class Entry(int interfaceIndex, uint address)
    {
        public int Interface { get; } = interfaceIndex;
        public uint Address { get; } = address;
        public ulong Mac { get; set; }
        public ArpEntryState State { get; set; }
        /// <summary>When the entry was created (incomplete) or last confirmed (resolved).</summary>
        public TimeSpan Since { get; set; }
        /// <summary>When FMAN was last told about the entry.</summary>
        public TimeSpan Announced { get; set; }
        /// <summary>Requests sent in the current resolution or refresh.</summary>
        public int RequestsSent { get; set; }
        /// <summary>When the entry's MAC last changed (or it was learned).</summary>
        public TimeSpan? MacChangedAt { get; set; }
    }

    /// <summary>A token bucket of requests for one interface: <c>rate</c> a second, at most <c>rate</c> at once.</summary>
    private sealed class RequestBudget(int rate, TimeSpan now)
    {
        private double _tokens = rate;
        private TimeSpan _last = now;

        public bool TryTake(TimeSpan now, int ratePerSecond)
        {
            _tokens = Math.Min(ratePerSecond, _tokens + (now - _last).TotalSeconds * ratePerSecond);
            _last = now;
            if (_tokens < 1)
            {
                return false;
            }
            _tokens -= 1;
            return true;
        }
    }

    private sealed record PlaceStaticEntries
    {
        public static readonly PlaceStaticEntries Instance = new();
    }

    private sealed record ResolutionTick((int Interface, uint Address) Key);

    private sealed record AgingTick((int Interface, uint Address) Key);
}
