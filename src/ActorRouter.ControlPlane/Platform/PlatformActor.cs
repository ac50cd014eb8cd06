using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Messages;
using Akka.Actor;
using Akka.Event;

namespace ActorRouter.ControlPlane.Platform;

/// <summary>
/// The platform: discovers the OS interfaces (from the configuration, or from the Linux namespace
/// it runs in; see <see cref="DiscoveryPlan"/>), maps each OS name to its router name with its
/// state, MTU, ring size and MAC, sets the OS MTU of af-packet interfaces to the router's, and
/// hands each to FMAN (step 1 of the handshake). It hears back InterfaceUp or InterfaceInitFailed
/// per interface. Afterwards it watches the link of every af-packet interface that came up,
/// reading it every <c>platform.poll-interval</c>, and tells FMAN of each change.
/// </summary>
public sealed class PlatformActor : ReceiveActor, IWithTimers
{
    private readonly RouterConfig _config;
    private readonly IActorRef _fman;
    private readonly INetDevices _devices;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, InterfaceConfig> _discovered = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, WatchedLink> _watched = new(StringComparer.OrdinalIgnoreCase);

    private sealed class WatchedLink(InterfaceConfig config, bool linkUp)
    {
        public InterfaceConfig Config { get; } = config;
        public bool LinkUp { get; set; } = linkUp;
    }

    private sealed record PollLinks
    {
        public static readonly PollLinks Instance = new();
    }

    public PlatformActor(RouterConfig config, IActorRef fman, INetDevices devices)
    {
        _config = config;
        _fman = fman;
        _devices = devices;
        Receive<DiscoverInterfaces>(_ => Discover());
        Receive<InterfaceUp>(OnInterfaceUp);
        Receive<InterfaceInitFailed>(m => _log.Error("{0} did not come up: {1} failed: {2}", m.Name, m.Step, m.Reason));
        Receive<PollLinks>(_ => Poll());
        Receive<CommandSucceeded>(m => _log.Debug("FMAN applied {0}", m.Description));
        Receive<CommandFailed>(m => _log.Warning("FMAN refused a link change: {0}", m.Reason));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(RouterConfig config, IActorRef fman, INetDevices? devices = null) =>
        Akka.Actor.Props.Create(() => new PlatformActor(config, fman, devices ?? LinuxNetDevices.Instance));

    /// <summary>Config discovery of exactly <paramref name="interfaces"/>, with default platform settings.</summary>
    public static Props Props(IReadOnlyList<InterfaceConfig> interfaces, IActorRef fman) =>
        Props(RouterConfigLoader.LoadEmbeddedDefault() with { Interfaces = interfaces.ToEquatableList() }, fman);

    private void Discover()
    {
        IReadOnlyList<NetDevice> devices = [];
        if (_config.Platform.Discovery == PlatformDiscovery.Linux)
        {
            try
            {
                devices = _devices.List();
            }
            catch (IOException e)
            {
                _log.Error("linux discovery failed: {0}", e.Message);
            }
            _log.Info("linux discovery: {0}", devices.Count == 0 ? "no interfaces"
                : string.Join(", ", devices.Select(d => $"{d.Name} (ifindex {d.IfIndex}{(d.Loopback ? ", loopback" : d.Ethernet ? "" : ", not Ethernet")}{(_config.Platform.Exclude.Contains(d.Name) ? ", excluded" : "")})")));
        }
        var plan = DiscoveryPlan.Resolve(_config, devices);
        foreach (var note in plan.Notes)
        {
            _log.Warning(note);
        }
        Context.System.EventStream.Publish(new InterfacesDiscovered(plan.Interfaces, plan.Failures.Count));
        foreach (var failure in plan.Failures)
        {
            _log.Error("{0} did not come up: {1} failed: {2}", failure.Name, failure.Step, failure.Reason);
            Context.System.EventStream.Publish(failure);
        }
        foreach (var config in plan.Interfaces)
        {
            if (InterfaceDrivers.IsLinux(config.Driver) && !config.IsSubinterface)
            {
                MatchOsMtu(config);
            }
            _discovered[config.Name] = config;
            var driver = InterfaceDrivers.Text(config.Driver);
            var state = config.Shutdown ? "administratively down" : "up";
            var mac = config.Mac is ulong m ? MacText.Format(m) : "the driver's";
            _log.Info($"discovered {config.OsName} ({driver} driver) as {config.Name}: {state}, mtu {config.Mtu}, ring {config.RingSize}, mac {mac}");
            _fman.Tell(new InterfaceDiscovered(config));
        }
    }

    /// <summary>
    /// The kernel refuses to send a frame longer than the interface's MTU, and the router decides
    /// fragmentation by its own: the two are kept equal. A failure is logged, not fatal (a larger
    /// OS MTU is harmless; a smaller one shows as TX errors).
    /// </summary>
    private void MatchOsMtu(InterfaceConfig config)
    {
        var device = _devices.Read(config.OsName);
        if (device is null || device.Mtu == config.Mtu)
        {
            return;
        }
        if (_devices.SetMtu(config.OsName, config.Mtu) is string reason)
        {
            _log.Warning("{0}: cannot set the OS MTU of {1} from {2} to {3}: {4}", config.Name, config.OsName, device.Mtu, config.Mtu, reason);
            return;
        }
        _log.Info("{0}: OS MTU of {1} set from {2} to {3}", config.Name, config.OsName, device.Mtu, config.Mtu);
    }

    private void OnInterfaceUp(InterfaceUp m)
    {
        _log.Info("{0} ({1}) is up at uIDB {2}", m.Name, m.OsName, m.Index);
        if (!_discovered.TryGetValue(m.Name, out var config) || !InterfaceDrivers.IsLinux(config.Driver) || config.IsSubinterface)
        {
            // A subinterface has no link of its own: it follows its parent's.
            return;
        }
        // Watched from its first state on: a link that is down already is reported at once.
        _watched[m.Name] = new WatchedLink(config, linkUp: true);
        Check(_watched[m.Name]);
        if (!Timers.IsTimerActive(nameof(PollLinks)))
        {
            Timers.StartPeriodicTimer(nameof(PollLinks), PollLinks.Instance, _config.Platform.PollInterval);
        }
    }

    private void Poll()
    {
        foreach (var link in _watched.Values)
        {
            Check(link);
        }
    }

    private void Check(WatchedLink link)
    {
        var device = _devices.Read(link.Config.OsName);
        var up = device?.LinkUp ?? false;
        if (up == link.LinkUp)
        {
            return;
        }
        link.LinkUp = up;
        var why = device is null ? "the OS interface is gone" : !device.AdminUp ? "the OS interface is set down" : up ? "carrier" : "no carrier";
        if (up)
        {
            _log.Info("{0} ({1}): link up ({2})", link.Config.Name, link.Config.OsName, why);
        }
        else
        {
            _log.Warning("{0} ({1}): link down ({2})", link.Config.Name, link.Config.OsName, why);
        }
        // FMAN first: whoever reacts to the event and asks FMAN then finds the change applied.
        var change = new InterfaceLinkChanged(link.Config.Name, link.Config.OsName, up);
        _fman.Tell(change);
        Context.System.EventStream.Publish(change);
    }
}
