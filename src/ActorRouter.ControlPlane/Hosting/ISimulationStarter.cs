using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.ControlPlane.Vnic;
using Akka.Actor;

namespace ActorRouter.ControlPlane.Hosting;

/// <summary>What simulated hosts need once the router's interfaces are ready.</summary>
/// <param name="Memory">The memory driver: <see cref="MemoryVnicFactory.TryGetWire"/> gives each interface's far end.</param>
/// <param name="Interfaces">The interfaces as they came up (index, address, MAC).</param>
public sealed record SimulationContext(
    RouterConfig Config,
    ActorSystem System,
    IActorRef Supervisor,
    IActorRef Fman,
    MemoryVnicFactory Memory,
    IReadOnlyList<InterfaceStatus> Interfaces);

/// <summary>
/// Starts the simulated hosts of <c>actorrouter.simulation</c> after every interface has finished
/// its handshake, and stops them before the data plane stops. The host resolves it from dependency
/// injection and skips simulation when none is registered.
/// </summary>
public interface ISimulationStarter
{
    Task StartAsync(SimulationContext context, CancellationToken cancellationToken);

    Task StopAsync(CancellationToken cancellationToken);
}
