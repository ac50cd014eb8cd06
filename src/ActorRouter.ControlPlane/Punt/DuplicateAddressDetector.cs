using System.Collections.Concurrent;
using ActorRouter.Control.Contracts.Rules;
using ActorRouter.DataPlane.Interfaces;
using ActorRouter.DataPlane.Ports;
using Akka.Actor;
using Akka.Event;

namespace ActorRouter.ControlPlane.Punt;

/// <summary>
/// The router's own IPv6 addresses that must not be answered for: tentative (duplicate address detection under way) or
/// found duplicated. Written by the <see cref="DuplicateAddressDetector"/>, read by the punt thread's responder.
/// </summary>
public sealed class Ipv6AddressStates
{
    private readonly ConcurrentDictionary<(int Interface, UInt128 Address), bool> _unusable = new();

    /// <summary>True while the address is tentative or after it was found duplicated.</summary>
    public bool IsUnusable(int interfaceIndex, UInt128 address) => !_unusable.IsEmpty && _unusable.ContainsKey((interfaceIndex, address));

    internal void SetTentative(int interfaceIndex, UInt128 address) => _unusable[(interfaceIndex, address)] = false;

    internal void SetDuplicated(int interfaceIndex, UInt128 address) => _unusable[(interfaceIndex, address)] = true;

    internal void SetPreferred(int interfaceIndex, UInt128 address) => _unusable.TryRemove((interfaceIndex, address), out _);
}

/// <summary>
/// An advertisement claimed one of the router's addresses, or (<paramref name="FromSolicitation"/>) another node's
/// duplicate address detection solicited it (RFC 4862 §5.4.3, §5.4.4).
/// </summary>
public sealed record Ipv6AddressClaimed(int InterfaceIndex, UInt128 Address, bool FromSolicitation);

/// <summary>Tells the QFP client an IPv6 address of an interface is duplicated: it takes it off the interface (RFC 4862 §5.4.5).</summary>
public sealed record Ipv6AddressDuplicated(int InterfaceIndex, UInt128 Address);

/// <summary>Asks the detector for its counters; answered with <see cref="Ipv6DadCounters"/>.</summary>
public sealed record GetIpv6DadCounters
{
    public static readonly GetIpv6DadCounters Instance = new();
}

/// <summary>Solicitations sent for duplicate address detection, addresses found duplicated, claims on preferred addresses, reports sent, frames refused.</summary>
public sealed record Ipv6DadCounters(long Solicitations, long Duplicates, long LateClaims, long Reports, long InjectFailures);

/// <summary>
/// Duplicate address detection for the router's own addresses (RFC 4862 §5.4) and MLDv2 reports for its groups
/// (RFC 3810, RFC 4861 §7.2.1). When an interface comes up with IPv6 (looked for every <see cref="ScanInterval"/>) it
/// reports its groups — all-routers (ff02::2) and the solicited-node group of each of its addresses — then each
/// address (the link-local one included) is tentative: one solicitation from the unspecified address to its
/// solicited-node group (DupAddrDetectTransmits 1), and RetransTimer later it is preferred unless an advertisement for
/// it, or another node's detection solicitation, came meanwhile. A duplicated configured address is taken off the
/// interface (the QFP client withdraws its routes) and shown as such; a duplicated link-local one can only be logged
/// (it comes from the MAC). The responder neither answers for tentative nor for duplicated addresses.
/// </summary>
public sealed class DuplicateAddressDetector : ReceiveActor, IWithTimers
{
    public static readonly TimeSpan ScanInterval = TimeSpan.FromSeconds(1);
    private const string ScanTimer = "scan";
    private readonly IPuntPort _port;
    private readonly IActorRef _qfpClient;
    private readonly Ipv6AddressStates _states;
    private readonly TimeSpan _retransTimer;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    /// <summary>Interfaces seen up with IPv6: their addresses' detection started.</summary>
    private readonly HashSet<int> _up = [];
    private readonly Dictionary<(int Interface, UInt128 Address), bool> _tentative = [];
    private readonly HashSet<(int Interface, UInt128 Address)> _duplicated = [];
    private long _solicitations;
    private long _duplicates;
    private long _lateClaims;
    private long _reports;
    private long _injectFailures;

    public DuplicateAddressDetector(IPuntPort port, IActorRef qfpClient, Ipv6AddressStates states, TimeSpan? retransTimer = null)
    {
        _port = port;
        _qfpClient = qfpClient;
        _states = states;
        _retransTimer = retransTimer ?? TimeSpan.FromSeconds(1);
        Receive<Scan>(_ => OnScan());
        Receive<DetectionDone>(OnDone);
        Receive<Ipv6AddressClaimed>(OnClaimed);
        Receive<GetIpv6DadCounters>(_ => Sender.Tell(new Ipv6DadCounters(_solicitations, _duplicates, _lateClaims, _reports, _injectFailures)));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IPuntPort port, IActorRef qfpClient, Ipv6AddressStates states, TimeSpan? retransTimer = null)
        => Akka.Actor.Props.Create(() => new DuplicateAddressDetector(port, qfpClient, states, retransTimer));

    protected override void PreStart()
    {
        OnScan();
        Timers.StartPeriodicTimer(ScanTimer, Scan.Instance, ScanInterval);
    }

    private static bool HasIpv6Up(Uidb? uidb) => uidb is { AdminUp: true, Registered: true, Ipv6Addresses.Count: > 0 };

    private void OnScan()
    {
        var interfaces = _port.Interfaces;
        foreach (var index in _up.ToList())
        {
            if (!HasIpv6Up(interfaces[index]))
            {
                // Down: the next time it comes up its addresses are checked again (RFC 4862 §5.4).
                _up.Remove(index);
                foreach (var key in _tentative.Keys.Where(k => k.Interface == index).ToList())
                {
                    _tentative.Remove(key);
                    _states.SetPreferred(key.Interface, key.Address);
                    Timers.Cancel(key);
                }
            }
        }
        foreach (var uidb in interfaces.All)
        {
            if (_up.Contains(uidb.Index) || !HasIpv6Up(uidb))
            {
                continue;
            }
            _up.Add(uidb.Index);
            var addresses = new List<UInt128> { uidb.Ipv6LinkLocal };
            foreach (var a in uidb.Ipv6Addresses)
            {
                addresses.Add(a.Address);
            }
            // Join first (RFC 4862 §5.4.2): all-routers and the solicited-node groups, once each.
            var groups = new List<UInt128> { NeighborDiscoveryFrames.AllRouters };
            foreach (var address in addresses)
            {
                var group = NeighborDiscoveryFrames.SolicitedNodeGroup(address);
                if (!groups.Contains(group))
                {
                    groups.Add(group);
                }
            }
            Inject(uidb.Index, NeighborDiscoveryFrames.MulticastListenerReport(uidb, groups), ref _reports);
            foreach (var address in addresses)
            {
                var key = (uidb.Index, address);
                if (_duplicated.Contains(key))
                {
                    continue;
                }
                _tentative[key] = true;
                _states.SetTentative(uidb.Index, address);
                Inject(uidb.Index, NeighborDiscoveryFrames.Solicitation(uidb, address, fromUnspecified: true), ref _solicitations);
                Timers.StartSingleTimer(key, new DetectionDone(key), _retransTimer);
            }
        }
    }

    private void OnDone(DetectionDone m)
    {
        if (_tentative.Remove(m.Key))
        {
            _states.SetPreferred(m.Key.Interface, m.Key.Address);
        }
    }

    private void OnClaimed(Ipv6AddressClaimed m)
    {
        var key = (m.InterfaceIndex, m.Address);
        if (!_tentative.Remove(key))
        {
            if (!m.FromSolicitation && !_duplicated.Contains(key))
            {
                // After detection the address stays (RFC 4862 §5.4.4 leaves it to the node); someone is misconfigured.
                _lateClaims++;
                _log.Warning("IPv6: another node on interface {0} advertises the router's address {1}", m.InterfaceIndex, Ipv6Rules.Format(m.Address));
            }
            return;
        }
        Timers.Cancel(key);
        _duplicated.Add(key);
        _duplicates++;
        _states.SetDuplicated(m.InterfaceIndex, m.Address);
        _log.Warning("IPv6: duplicate address {0} on interface {1}: not used", Ipv6Rules.Format(m.Address), m.InterfaceIndex);
        _qfpClient.Tell(new Ipv6AddressDuplicated(m.InterfaceIndex, m.Address));
    }

    private void Inject(int index, byte[] frame, ref long counter)
    {
        if (_port.Inject(index, frame))
        {
            counter++;
        }
        else
        {
            _injectFailures++;
        }
    }

    private sealed record Scan
    {
        public static readonly Scan Instance = new();
    }

    private sealed record DetectionDone((int Interface, UInt128 Address) Key);
}
