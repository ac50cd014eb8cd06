using ActorRouter.ControlPlane.Configuration;
using ActorRouter.DataPlane.Interfaces;
using ActorRouter.DataPlane.Ports;
using Akka.Actor;

namespace ActorRouter.ControlPlane.Punt;

/// <summary>A valid router solicitation (RFC 4861 §6.1.1) arrived on <paramref name="InterfaceIndex"/>.</summary>
public sealed record RouterSolicitationReceived(int InterfaceIndex);

/// <summary>Asks the router advertiser for its counters; answered with <see cref="Ipv6RaCounters"/>.</summary>
public sealed record GetIpv6RaCounters
{
    public static readonly GetIpv6RaCounters Instance = new();
}

/// <summary>Advertisements sent on the interval, sent in answer to solicitations, and solicitations on interfaces without advertisements.</summary>
public sealed record Ipv6RaCounters(long Unsolicited, long Solicited, long SolicitationsIgnored, long InjectFailures);

/// <summary>
/// Sends router advertisements (RFC 4861 §6.2) on the interfaces configured with <c>ipv6-ra</c>: once an interface is up
/// with an IPv6 address (looked for every <see cref="ScanInterval"/>), an advertisement at once, then the first
/// MAX_INITIAL_RTR_ADVERTISEMENTS (3) at most MAX_INITIAL_RTR_ADVERT_INTERVAL (16 s) apart, then each at a random time
/// between a third of the interval and the interval (§6.2.4). A router solicitation is answered with an advertisement
/// to all-nodes, at once or, when one went out less than MIN_DELAY_BETWEEN_RAS (3 s) ago, that long after the last one
/// (§6.2.6; the random delay up to 0.5 s is left out: one router answers, there is nothing to desynchronise).
/// </summary>
public sealed class Ipv6RouterAdvertiser : ReceiveActor, IWithTimers
{
    public static readonly TimeSpan ScanInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxInitialInterval = TimeSpan.FromSeconds(16);
    public static readonly TimeSpan MinDelayBetweenAdvertisements = TimeSpan.FromSeconds(3);
    public const int MaxInitialAdvertisements = 3;
    private const string ScanTimer = "scan";
    private readonly IPuntPort _port;
    private readonly IReadOnlyDictionary<string, Ipv6RaConfig> _configured;
    private readonly Func<double> _random;
    private readonly Func<TimeSpan>? _clock;
    private readonly Dictionary<int, Advertising> _advertising = [];
    private long _unsolicited;
    private long _solicited;
    private long _ignored;
    private long _injectFailures;

    /// <param name="configured">The interfaces (by name) with router advertisements enabled, and their settings.</param>
    /// <param name="random">A number in [0, 1) for the intervals (tests pass a fixed one).</param>
    /// <param name="clock">Monotonic time; null: the scheduler's.</param>
    public Ipv6RouterAdvertiser(IPuntPort port, IReadOnlyDictionary<string, Ipv6RaConfig> configured, Func<double>? random = null, Func<TimeSpan>? clock = null)
    {
        _port = port;
        _configured = configured;
        _random = random ?? Random.Shared.NextDouble;
        _clock = clock;
        Receive<Scan>(_ => OnScan());
        Receive<Advertise>(OnAdvertise);
        Receive<RouterSolicitationReceived>(OnSolicitation);
        Receive<GetIpv6RaCounters>(_ => Sender.Tell(new Ipv6RaCounters(_unsolicited, _solicited, _ignored, _injectFailures)));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IPuntPort port, IReadOnlyDictionary<string, Ipv6RaConfig> configured, Func<double>? random = null, Func<TimeSpan>? clock = null)
        => Akka.Actor.Props.Create(() => new Ipv6RouterAdvertiser(port, configured, random, clock));

    /// <summary>The enabled <c>ipv6-ra</c> settings of a configuration's interfaces, by name.</summary>
    public static IReadOnlyDictionary<string, Ipv6RaConfig> From(RouterConfig config)
    {
        var result = new Dictionary<string, Ipv6RaConfig>(StringComparer.Ordinal);
        foreach (var i in config.Interfaces)
        {
            if (i.Ipv6Ra is { Enabled: true } ra)
            {
                result[i.Name] = ra;
            }
        }
        return result;
    }

    protected override void PreStart()
    {
        if (_configured.Count > 0)
        {
            OnScan();
            Timers.StartPeriodicTimer(ScanTimer, Scan.Instance, ScanInterval);
        }
    }

    private TimeSpan Now => _clock?.Invoke() ?? Context.System.Scheduler.MonotonicClock;

    private void OnScan()
    {
        var interfaces = _port.Interfaces;
        foreach (var index in _advertising.Keys.ToList())
        {
            if (Eligible(interfaces[index]) is null)
            {
                // Down or without IPv6 now: when it is back it starts again with its initial advertisements.
                _advertising.Remove(index);
                Timers.Cancel(index);
            }
        }
        foreach (var uidb in interfaces.All)
        {
            if (!_advertising.ContainsKey(uidb.Index) && Eligible(uidb) is { } config)
            {
                var state = new Advertising(config);
                _advertising[uidb.Index] = state;
                Send(uidb.Index, state, ref _unsolicited);
                ScheduleNext(uidb.Index, state);
            }
        }
    }

    private Ipv6RaConfig? Eligible(Uidb? uidb)
        => uidb is { AdminUp: true, Registered: true, Ipv6Addresses.Count: > 0 } && _configured.TryGetValue(uidb.Name, out var config) ? config : null;

    private void OnAdvertise(Advertise m)
    {
        if (!_advertising.TryGetValue(m.Interface, out var state) || state.Generation != m.Generation)
        {
            return;
        }
        if (m.Solicited)
        {
            state.SolicitedPending = false;
            Send(m.Interface, state, ref _solicited);
        }
        else
        {
            Send(m.Interface, state, ref _unsolicited);
        }
        ScheduleNext(m.Interface, state);
    }

    private void OnSolicitation(RouterSolicitationReceived m)
    {
        if (!_advertising.TryGetValue(m.InterfaceIndex, out var state))
        {
            _ignored++;
            return;
        }
        if (state.SolicitedPending)
        {
            return; // the answer already scheduled answers this one too
        }
        var since = Now - state.LastSent;
        if (since >= MinDelayBetweenAdvertisements)
        {
            Send(m.InterfaceIndex, state, ref _solicited);
            ScheduleNext(m.InterfaceIndex, state);
            return;
        }
        state.SolicitedPending = true;
        state.Generation++;
        Timers.StartSingleTimer(m.InterfaceIndex, new Advertise(m.InterfaceIndex, state.Generation, Solicited: true), MinDelayBetweenAdvertisements - since);
    }

    /// <summary>RFC 4861 §6.2.4: uniformly between MinRtrAdvInterval (a third of the interval) and MaxRtrAdvInterval; at most 16 s for the first ones.</summary>
    private void ScheduleNext(int index, Advertising state)
    {
        var max = state.Config.Interval;
        var min = max / 3;
        var next = min + (max - min) * _random();
        if (state.Sent < MaxInitialAdvertisements && next > MaxInitialInterval)
        {
            next = MaxInitialInterval;
        }
        state.Generation++;
        Timers.StartSingleTimer(index, new Advertise(index, state.Generation, Solicited: false), next);
    }

    private void Send(int index, Advertising state, ref long counter)
    {
        state.Sent++;
        state.LastSent = Now;
        if (_port.Interfaces[index] is not { } uidb)
        {
            _injectFailures++;
            return;
        }
        if (_port.Inject(index, NeighborDiscoveryFrames.RouterAdvertisement(uidb, state.Config.Lifetime)))
        {
            counter++;
        }
        else
        {
            _injectFailures++;
        }
    }

    private sealed class Advertising(Ipv6RaConfig config)
    {
        public Ipv6RaConfig Config { get; } = config;
        public int Sent { get; set; }
        public TimeSpan LastSent { get; set; }
        public bool SolicitedPending { get; set; }
        /// <summary>Bumped whenever the next advertisement is rescheduled: an older timer is ignored.</summary>
        public int Generation { get; set; }
    }

    private sealed record Scan
    {
        public static readonly Scan Instance = new();
    }

    private sealed record Advertise(int Interface, int Generation, bool Solicited);
}
