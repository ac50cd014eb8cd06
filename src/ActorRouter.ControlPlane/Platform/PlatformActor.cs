using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Messages;
using Akka.Actor;
using Akka.Event;

namespace ActorRouter.ControlPlane.Platform;

/// <summary>
/// The platform: discovers the OS interfaces, maps each OS name to its router name with its state,
/// MTU, ring size and MAC, and hands each to FMAN (step 1 of the handshake). With the memory
/// driver the interfaces are exactly those in the configuration. It hears back InterfaceUp or
/// InterfaceInitFailed per interface.
/// </summary>
public sealed class PlatformActor : ReceiveActor
{
    private readonly IReadOnlyList<InterfaceConfig> _interfaces;
    private readonly IActorRef _fman;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public PlatformActor(IReadOnlyList<InterfaceConfig> interfaces, IActorRef fman)
    {
        _interfaces = interfaces;
        _fman = fman;
        Receive<DiscoverInterfaces>(_ => Discover());
        Receive<InterfaceUp>(m => _log.Info("{0} ({1}) is up at uIDB {2}", m.Name, m.OsName, m.Index));
        Receive<InterfaceInitFailed>(m => _log.Error("{0} did not come up: {1} failed: {2}", m.Name, m.Step, m.Reason));
    }

    public static Props Props(IReadOnlyList<InterfaceConfig> interfaces, IActorRef fman) =>
        Akka.Actor.Props.Create(() => new PlatformActor(interfaces, fman));

    private void Discover()
    {
        foreach (var config in _interfaces)
        {
            var driver = config.Driver == InterfaceDriver.Memory ? "memory" : "af-packet";
            var state = config.Shutdown ? "administratively down" : "up";
            var mac = config.Mac is ulong m ? MacText.Format(m) : "the driver's";
            _log.Info($"discovered {config.OsName} ({driver} driver) as {config.Name}: {state}, mtu {config.Mtu}, ring {config.RingSize}, mac {mac}");
            _fman.Tell(new InterfaceDiscovered(config));
        }
    }
}
