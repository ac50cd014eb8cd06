using ActorRouter.ControlPlane.Messages;
using ActorRouter.DataPlane;
using ActorRouter.DataPlane.Ports;
using ActorRouter.Packets;
using Akka.Actor;

namespace ActorRouter.ControlPlane.Punt;

/// <summary>
/// Owns the ARP table (RFC 826). The punt thread's <see cref="ArpResponder"/> answers requests
/// for the router's addresses itself and tells this actor what it learned and what the data plane
/// gleaned; the actor resolves (broadcast request, retries, give-up), ages entries (refresh
/// requests before expiry, expiry when unanswered) and tells FMAN when a neighbor appears, changes
/// MAC or disappears. All timing is on Akka timers.
/// </summary>
public sealed class ArpActor : ReceiveActor, IWithTimers
{
    private readonly IPuntPort _port;
    private readonly IActorRef _fman;
    private readonly ArpSettings _settings;
    private readonly Dictionary<(int Interface, uint Address), Entry> _entries = new();
    private long _requestsSent;
    private long _resolved;
    private long _resolutionFailures;
    private long _expired;
    private long _gleansDeduplicated;
    private long _injectFailures;
    private long _reannounced;

    public ArpActor(IPuntPort port, IActorRef fman, ArpSettings settings)
    {
        settings.Validate();
        _port = port;
        _fman = fman;
        _settings = settings;
        Receive<ResolveNeighbor>(OnResolve);
        Receive<ArpPacketReceived>(OnArpPacket);
        Receive<ResolutionTick>(OnResolutionTick);
        Receive<AgingTick>(OnAgingTick);
        Receive<GetArpTable>(_ => Sender.Tell(BuildTable()));
        Receive<GetArpCounters>(_ => Sender.Tell(new ArpCounters(_requestsSent, _resolved, _resolutionFailures, _expired, _gleansDeduplicated, _injectFailures, _reannounced)));
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
        var entry = new Entry(message.InterfaceIndex, message.Address) { State = ArpEntryState.Incomplete, Since = Now };
        _entries[key] = entry;
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
            _entries.Remove(tick.Key);
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
            // RFC 826 merge: an existing entry is updated whoever the packet was for.
            var announce = entry.State == ArpEntryState.Incomplete || entry.Mac != message.SenderMac;
            Confirm(entry, message.SenderMac);
            if (announce)
            {
                _resolved++;
                Announce(entry);
            }
            return;
        }
        if (!message.TargetIsUs)
        {
            return;
        }
        entry = new Entry(message.InterfaceIndex, message.SenderAddress);
        _entries[key] = entry;
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
        if (!_entries.TryGetValue(tick.Key, out var entry) || entry.State == ArpEntryState.Incomplete)
        {
            return;
        }
        if (entry.RequestsSent >= _settings.MaxRequests)
        {
            // Every refresh request went out and the last one had its full retry interval: gone.
            _entries.Remove(tick.Key);
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

    private void SendRequest(Entry entry, bool unicast)
    {
        entry.RequestsSent++;
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
            rows.Add(new ArpEntry(name, entry.Interface, entry.Address, entry.Mac, now - entry.Since, entry.State));
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
    }

    private sealed record ResolutionTick((int Interface, uint Address) Key);

    private sealed record AgingTick((int Interface, uint Address) Key);
}
