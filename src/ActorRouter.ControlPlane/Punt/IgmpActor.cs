using System.Buffers.Binary;
using System.Diagnostics;
using ActorRouter.Control.Contracts.Rules;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Fman;
using ActorRouter.DataPlane.Interfaces;
using ActorRouter.DataPlane.Ports;
using ActorRouter.Packets;
using Akka.Actor;
using Akka.Event;

namespace ActorRouter.ControlPlane.Punt;

/// <summary>
/// IGMP on the interfaces multicast routing runs on: the router side of IGMPv2 (RFC 2236) and IGMPv3 (RFC 3376),
/// learning which groups have members on which interface. Per interface it elects the querier (the lowest address
/// wins: a query from a lower address silences the router until the other-querier-present interval passes without
/// one), sends general queries (startup queries at a quarter of the query interval, then at the interval), and keeps
/// a timer per group: a report (v1, v2, or a v3 record that asks for traffic: IS_EX, TO_EX, IS_IN/TO_IN/ALLOW with
/// sources) sets it to the group membership interval; a v2 leave or a v3 TO_IN({}) makes the querier send
/// last-member queries and lowers it to the last-member query time; a group whose timer runs out is gone. Sources are
/// not tracked: membership is per group, which is what a (*,G) route needs. After every change of the set of groups
/// FMAN is told the whole set (<see cref="IgmpGroupsLearned"/>), which it adds to the (*,G) routes' outgoing lists.
/// </summary>
public sealed class IgmpActor : ReceiveActor, IWithTimers
{
    private readonly IPuntPort _port;
    private readonly IActorRef _fman;
    private readonly IgmpConfig _config;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Dictionary<int, IgmpInterface> _interfaces = new();
    private readonly Dictionary<(int Interface, uint Group), Membership> _groups = new();
    private int _generalQueriesSent;
    private long _queriesSent;
    private long _reportsReceived;
    private long _leavesReceived;
    private long _malformed;
    private long _injectFailures;

    public IgmpActor(IPuntPort port, IActorRef fman, IgmpConfig config)
    {
        _port = port;
        _fman = fman;
        _config = config;
        Receive<IgmpPacketReceived>(OnPacket);
        Receive<GeneralQueryTick>(_ => OnGeneralQueryTick());
        Receive<OtherQuerierExpired>(OnOtherQuerierExpired);
        Receive<GroupExpired>(OnGroupExpired);
        Receive<LastMemberQueryTick>(OnLastMemberQueryTick);
        Receive<GetIgmpGroups>(_ => Sender.Tell(Snapshot()));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IPuntPort port, IActorRef fman, IgmpConfig config)
        => Akka.Actor.Props.Create(() => new IgmpActor(port, fman, config));

    protected override void PreStart() => Self.Tell(GeneralQueryTick.Instance);

    private TimeSpan Now => _clock.Elapsed;

    // ---- interfaces and the querier --------------------------------------------------------------

    /// <summary>The interfaces IGMP runs on now: the configured ones, or every Ethernet interface with an IPv4 address; up, with an address.</summary>
    private void RefreshInterfaces()
    {
        var table = _port.Interfaces;
        var present = new HashSet<int>();
        foreach (var uidb in table.All)
        {
            if (!Runs(uidb))
            {
                continue;
            }
            present.Add(uidb.Index);
            if (!_interfaces.TryGetValue(uidb.Index, out var known) || known.Address != uidb.Ipv4Address || known.Name != uidb.Name)
            {
                _interfaces[uidb.Index] = new IgmpInterface(uidb.Index, uidb.Name, uidb.Ipv4Address, uidb.Mac);
            }
        }
        foreach (var gone in _interfaces.Keys.Where(i => !present.Contains(i)).ToList())
        {
            _interfaces.Remove(gone);
            Timers.Cancel(OtherQuerierKey(gone));
            var groups = _groups.Keys.Where(k => k.Interface == gone).ToList();
            foreach (var key in groups)
            {
                RemoveGroup(key);
            }
            if (groups.Count > 0)
            {
                TellFman();
            }
        }
    }

    private bool Runs(Uidb uidb)
    {
        if (uidb.IsTunnel || uidb.Ipv4Address == 0 || !uidb.AdminUp)
        {
            return false;
        }
        return _config.Interfaces.Count == 0 || _config.Interfaces.Contains(uidb.Name, StringComparer.OrdinalIgnoreCase);
    }

    private IgmpInterface? InterfaceOf(int index)
    {
        if (!_interfaces.ContainsKey(index))
        {
            RefreshInterfaces();
        }
        return _interfaces.GetValueOrDefault(index);
    }

    private void OnGeneralQueryTick()
    {
        RefreshInterfaces();
        foreach (var itf in _interfaces.Values.OrderBy(i => i.Index))
        {
            if (itf.OtherQuerier == 0)
            {
                SendQuery(itf, 0, _config.QueryResponseInterval);
            }
        }
        _generalQueriesSent++;
        // RFC 3376 §8.6, §8.7: robustness startup queries a quarter of the query interval apart, then the interval.
        var next = _generalQueriesSent < _config.Robustness ? _config.StartupQueryInterval : _config.QueryInterval;
        Timers.StartSingleTimer(nameof(GeneralQueryTick), GeneralQueryTick.Instance, next);
    }

    private void OnQuery(IgmpInterface itf, uint source, uint group)
    {
        if (source != 0 && source < itf.Address)
        {
            if (itf.OtherQuerier != source)
            {
                _log.Info("{0}: querier is now {1} (lower than {2})", itf.Name, Ipv4Text.Format(source), Ipv4Text.Format(itf.Address));
            }
            itf.OtherQuerier = source;
            Timers.StartSingleTimer(OtherQuerierKey(itf.Index), new OtherQuerierExpired(itf.Index), _config.OtherQuerierPresentInterval);
        }
        if (group != 0 && _groups.ContainsKey((itf.Index, group)) && itf.OtherQuerier != 0)
        {
            // RFC 3376 §6.4.1: a non-querier hearing the querier's group-specific query lowers the group's timer as the querier did.
            StartGroupTimer((itf.Index, group), LastMemberQueryTime);
        }
    }

    private void OnOtherQuerierExpired(OtherQuerierExpired m)
    {
        if (_interfaces.TryGetValue(m.Interface, out var itf) && itf.OtherQuerier != 0)
        {
            _log.Info("{0}: no query from {1} for the other-querier-present interval; the router is the querier again", itf.Name, Ipv4Text.Format(itf.OtherQuerier));
            itf.OtherQuerier = 0;
            SendQuery(itf, 0, _config.QueryResponseInterval);
        }
    }

    private void SendQuery(IgmpInterface itf, uint group, TimeSpan maxResponse)
    {
        var frame = IgmpPackets.Query(_config.Version, itf.Mac, itf.Address, group, maxResponse, _config.Robustness, _config.QueryInterval);
        if (_port.Inject(itf.Index, frame))
        {
            _queriesSent++;
        }
        else
        {
            _injectFailures++;
        }
    }

    // ---- reports and leaves ----------------------------------------------------------------------

    private void OnPacket(IgmpPacketReceived m)
    {
        var itf = InterfaceOf(m.Interface);
        var ip = m.Packet;
        if (itf is null)
        {
            return;
        }
        if (ip.Length < 20 || (ip[0] >> 4) != 4 || (ip[0] & 0x0F) * 4 > ip.Length)
        {
            _malformed++;
            return;
        }
        var headerLength = (ip[0] & 0x0F) * 4;
        var totalLength = Math.Min(BinaryPrimitives.ReadUInt16BigEndian(ip.AsSpan(2)), ip.Length);
        var source = BinaryPrimitives.ReadUInt32BigEndian(ip.AsSpan(12));
        if (totalLength - headerLength < 8)
        {
            _malformed++;
            return;
        }
        var igmp = ip.AsSpan(headerLength, totalLength - headerLength);
        if (InternetChecksum.Compute(igmp) != 0)
        {
            _malformed++;
            return;
        }
        var group = BinaryPrimitives.ReadUInt32BigEndian(igmp[4..]);
        switch (igmp[0])
        {
            case IgmpTypes.MembershipQuery:
                OnQuery(itf, source, group);
                break;
            case IgmpTypes.V1MembershipReport:
                _reportsReceived++;
                Join(itf, group, source, 1);
                break;
            case IgmpTypes.V2MembershipReport:
                _reportsReceived++;
                Join(itf, group, source, 2);
                break;
            case IgmpTypes.V2LeaveGroup:
                _leavesReceived++;
                Leave(itf, group);
                break;
            case IgmpTypes.V3MembershipReport:
                _reportsReceived++;
                OnV3Report(itf, source, igmp);
                break;
        }
    }

    /// <summary>RFC 3376 §4.2: the group records, each taken as a join or a leave of its group (sources are not tracked).</summary>
    private void OnV3Report(IgmpInterface itf, uint source, ReadOnlySpan<byte> igmp)
    {
        var records = BinaryPrimitives.ReadUInt16BigEndian(igmp[6..]);
        var at = 8;
        for (var r = 0; r < records; r++)
        {
            if (at + 8 > igmp.Length)
            {
                _malformed++;
                return;
            }
            var type = (IgmpRecordType)igmp[at];
            var auxWords = igmp[at + 1];
            var sources = BinaryPrimitives.ReadUInt16BigEndian(igmp[(at + 2)..]);
            var group = BinaryPrimitives.ReadUInt32BigEndian(igmp[(at + 4)..]);
            at += 8 + 4 * sources + 4 * auxWords;
            if (at > igmp.Length)
            {
                _malformed++;
                return;
            }
            switch (type)
            {
                case IgmpRecordType.ModeIsExclude or IgmpRecordType.ChangeToExclude:
                    Join(itf, group, source, 3);
                    break;
                case IgmpRecordType.ModeIsInclude or IgmpRecordType.AllowNewSources when sources > 0:
                    Join(itf, group, source, 3);
                    break;
                case IgmpRecordType.ChangeToInclude when sources > 0:
                    Join(itf, group, source, 3);
                    break;
                case IgmpRecordType.ChangeToInclude:
                    Leave(itf, group);
                    break;
            }
        }
    }

    private static bool Learnable(uint group) => group >> 28 == 0xE && (group & 0xFFFFFF00u) != 0xE0000000u;

    private void Join(IgmpInterface itf, uint group, uint reporter, int version)
    {
        if (!Learnable(group))
        {
            return;
        }
        var key = (itf.Index, group);
        var added = !_groups.TryGetValue(key, out var membership);
        if (added)
        {
            membership = new Membership(Now);
            _groups[key] = membership;
            _log.Info("{0}: {1} joined {2} (IGMPv{3})", itf.Name, Ipv4Text.Format(reporter), Ipv4Text.Format(group), version);
        }
        membership!.LastReporter = reporter;
        membership.Version = version;
        membership.LastMemberQueriesLeft = 0;
        Timers.Cancel(LastMemberKey(key));
        StartGroupTimer(key, _config.GroupMembershipInterval);
        if (added)
        {
            TellFman();
        }
    }

    /// <summary>RFC 2236 §3, RFC 3376 §6.4.2: the querier asks the group's remaining members (robustness queries, last-member interval apart).</summary>
    private void Leave(IgmpInterface itf, uint group)
    {
        var key = (itf.Index, group);
        if (!_groups.TryGetValue(key, out var membership) || itf.OtherQuerier != 0)
        {
            // A non-querier leaves the asking to the querier, whose group-specific queries it then hears.
            return;
        }
        StartGroupTimer(key, LastMemberQueryTime);
        membership.LastMemberQueriesLeft = _config.Robustness;
        OnLastMemberQueryTick(new LastMemberQueryTick(itf.Index, group));
    }

    private void OnLastMemberQueryTick(LastMemberQueryTick m)
    {
        var key = (m.Interface, m.Group);
        if (!_groups.TryGetValue(key, out var membership) || membership.LastMemberQueriesLeft <= 0 || !_interfaces.TryGetValue(m.Interface, out var itf))
        {
            return;
        }
        SendQuery(itf, m.Group, _config.LastMemberQueryInterval);
        membership.LastMemberQueriesLeft--;
        if (membership.LastMemberQueriesLeft > 0)
        {
            Timers.StartSingleTimer(LastMemberKey(key), m, _config.LastMemberQueryInterval);
        }
    }

    private TimeSpan LastMemberQueryTime => _config.LastMemberQueryInterval * _config.Robustness;

    private void StartGroupTimer((int Interface, uint Group) key, TimeSpan after)
    {
        _groups[key].Expires = Now + after;
        Timers.StartSingleTimer(GroupKey(key), new GroupExpired(key.Interface, key.Group), after);
    }

    private void OnGroupExpired(GroupExpired m)
    {
        var key = (m.Interface, m.Group);
        if (!_groups.ContainsKey(key))
        {
            return;
        }
        _log.Info("{0}: no member of {1} left", _interfaces.GetValueOrDefault(m.Interface)?.Name ?? m.Interface.ToString(), Ipv4Text.Format(m.Group));
        RemoveGroup(key);
        TellFman();
    }

    private void RemoveGroup((int Interface, uint Group) key)
    {
        _groups.Remove(key);
        Timers.Cancel(GroupKey(key));
        Timers.Cancel(LastMemberKey(key));
    }

    private void TellFman()
    {
        var groups = _groups.Keys
            .GroupBy(k => k.Group)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(k => _interfaces.GetValueOrDefault(k.Interface)?.Name).OfType<string>().Order(StringComparer.Ordinal).ToList());
        _fman.Tell(new IgmpGroupsLearned(groups));
    }

    private IgmpGroupsSnapshot Snapshot()
    {
        RefreshInterfaces();
        var now = Now;
        return new IgmpGroupsSnapshot(
            _interfaces.Values.OrderBy(i => i.Index).Select(i => new IgmpInterfaceState(i.Name, i.Address, i.OtherQuerier == 0 ? i.Address : i.OtherQuerier, i.OtherQuerier == 0)).ToList(),
            _groups.OrderBy(g => g.Key.Interface).ThenBy(g => g.Key.Group)
                .Select(g => new IgmpGroupState(g.Key.Group, _interfaces.GetValueOrDefault(g.Key.Interface)?.Name ?? "?", g.Value.LastReporter, g.Value.Version,
                    now - g.Value.Since, g.Value.Expires - now))
                .ToList(),
            new IgmpCounters(_queriesSent, _reportsReceived, _leavesReceived, _malformed, _injectFailures));
    }

    private static string OtherQuerierKey(int index) => $"other-querier:{index}";
    private static string GroupKey((int Interface, uint Group) key) => $"group:{key.Interface}:{key.Group}";
    private static string LastMemberKey((int Interface, uint Group) key) => $"last-member:{key.Interface}:{key.Group}";

    private sealed class IgmpInterface(int index, string name, uint address, ulong mac)
    {
        public int Index { get; } = index;
        public string Name { get; } = name;
        public uint Address { get; } = address;
        public ulong Mac { get; } = mac;
        /// <summary>The querier's address when it is another router's (lower) address; 0 while the router is the querier.</summary>
        public uint OtherQuerier { get; set; }
    }

    private sealed class Membership(TimeSpan since)
    {
        public TimeSpan Since { get; } = since;
        public TimeSpan Expires { get; set; }
        public uint LastReporter { get; set; }
        public int Version { get; set; }
        public int LastMemberQueriesLeft { get; set; }
    }

    private sealed record GeneralQueryTick
    {
        public static readonly GeneralQueryTick Instance = new();
    }

    private sealed record OtherQuerierExpired(int Interface);

    private sealed record GroupExpired(int Interface, uint Group);

    private sealed record LastMemberQueryTick(int Interface, uint Group);
}

/// <summary>Punt reader → IGMP actor: an IGMP packet (from its IPv4 header on) received on uIDB <paramref name="Interface"/>.</summary>
public sealed record IgmpPacketReceived(int Interface, byte[] Packet);

/// <summary>Asks the IGMP actor for its interfaces, groups and counters; answered with an <see cref="IgmpGroupsSnapshot"/>.</summary>
public sealed record GetIgmpGroups
{
    public static readonly GetIgmpGroups Instance = new();
}

public sealed record IgmpInterfaceState(string Interface, uint Address, uint Querier, bool RouterIsQuerier);

public sealed record IgmpGroupState(uint Group, string Interface, uint LastReporter, int Version, TimeSpan Uptime, TimeSpan ExpiresIn);

public sealed record IgmpCounters(long QueriesSent, long ReportsReceived, long LeavesReceived, long Malformed, long InjectFailures);

public sealed record IgmpGroupsSnapshot(IReadOnlyList<IgmpInterfaceState> Interfaces, IReadOnlyList<IgmpGroupState> Groups, IgmpCounters Counters);

/// <summary>Hands punted IGMP packets (any group: v2 reports go to the group itself) from the punt reader thread to the IGMP actor.</summary>
public sealed class IgmpResponder(IActorRef igmp)
{
    private const int EthernetLength = 14;

    /// <summary>True when the frame is IPv4 carrying IGMP (it went to the IGMP actor); false, touching nothing, otherwise.</summary>
    public bool TryHandle(int rxInterface, Span<byte> frame)
    {
        if (frame.Length < EthernetLength + 20 || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != EtherTypes.Ipv4
            || frame[EthernetLength + 9] != IpProtocols.Igmp)
        {
            return false;
        }
        igmp.Tell(new IgmpPacketReceived(rxInterface, frame[EthernetLength..].ToArray()), ActorRefs.NoSender);
        return true;
    }
}
