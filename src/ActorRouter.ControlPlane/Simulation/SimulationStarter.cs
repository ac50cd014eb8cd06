using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Hosting;
using ActorRouter.IO.Memory;

namespace ActorRouter.ControlPlane.Simulation;

/// <summary>
/// Starts the configured simulated hosts on the far ends of their memory interfaces once the router
/// is up, and stops them (bounded) before the data plane stops. Hosts whose interface did not come
/// up, or is not a memory interface, are skipped and named in <see cref="Skipped"/>.
/// </summary>
public sealed class SimulationStarter : ISimulationStarter, IDisposable
{
    private readonly SimulationRunner _runner = new();
    private readonly List<string> _skipped = new();

    public SimulationRunner Runner => _runner;
    public IReadOnlyList<string> Skipped => _skipped;

    public Task StartAsync(SimulationContext context, CancellationToken cancellationToken)
    {
        var hosts = new List<(SimulatedHostConfig, MemoryVnicPort)>();
        foreach (var host in context.Config.Simulation.Hosts)
        {
            var iface = context.Config.Interfaces.FirstOrDefault(i => string.Equals(i.Name, host.Interface, StringComparison.OrdinalIgnoreCase));
            if (iface is null || !context.Memory.TryGetWire(iface.OsName, out var wire))
            {
                _skipped.Add($"{Ipv4Text.Format(host.Ipv4)} on {host.Interface}: interface not up on a memory wire");
                continue;
            }
            hosts.Add((host, wire.B));
        }
        if (hosts.Count > 0)
        {
            _runner.Start(hosts);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _runner.Stop(TimeSpan.FromSeconds(5));
        return Task.CompletedTask;
    }

    public void Dispose() => _runner.Dispose();
}
