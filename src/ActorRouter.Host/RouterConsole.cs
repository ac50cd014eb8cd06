using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Hosting;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.ControlPlane.Supervision;
using ActorRouter.ControlPlane.Vnic;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ActorRouter.Host;

/// <summary>
/// What the user sees: one status line per interface once the handshakes are done, then a live
/// counter line every few seconds; at shutdown the data plane is stopped first and its GPM
/// accounting printed.
/// </summary>
public sealed class RouterConsole(
    RouterConfig config,
    RouterHostOptions options,
    HandshakeMonitor monitor,
    MemoryVnicFactory memory,
    RouterStatus status,
    ConsoleOutput output,
    ActorSystem system,
    ActorRegistry registry,
    IServiceProvider services) : BackgroundService
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);
    private readonly TextWriter _out = output.Writer;
    private ISimulationStarter? _simulation;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var supervisor = await registry.GetAsync<DataPlaneSupervisor>(stoppingToken);
        var fman = (await supervisor.Ask<ControlPlaneActors>(GetControlPlaneActors.Instance, AskTimeout, stoppingToken)).Fman;

        var finished = await Task.WhenAny(monitor.Completion, Task.Delay(HandshakeTimeout, stoppingToken));
        if (finished != monitor.Completion)
        {
            if (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            Print($"handshake: only {monitor.SoFar.Count} of {monitor.Expected?.ToString() ?? "the"} interfaces answered within {HandshakeTimeout.TotalSeconds:0} s");
        }

        // Each link change the platform notices is shown as the interface's status from FMAN.
        LinkChangeListening.Start(system, change => _ = PrintLinkChangeAsync(fman, change, stoppingToken));

        var interfaces = (await fman.Ask<InterfaceList>(GetInterfaces.Instance, AskTimeout, stoppingToken)).Interfaces;
        foreach (var i in interfaces.OrderBy(i => i.Index))
        {
            Print(StatusLine(i));
        }
        foreach (var failed in monitor.SoFar.OfType<InterfaceInitFailed>())
        {
            var osName = (monitor.Discovered ?? config.Interfaces).FirstOrDefault(c => c.Name == failed.Name)?.OsName ?? "?";
            Print($"{failed.Name} ({osName}) failed at {failed.Step}: {failed.Reason}");
        }
        Print($"router ready: {interfaces.Count} of {monitor.Expected ?? config.Interfaces.Count} interfaces up");
        var bound = ((ExtendedActorSystem)system).Provider.DefaultAddress;
        Print($"control: arctl endpoint {ControlEndpoint.GatewayPath(config.Control, bound.Port ?? config.Control.Port)}" +
              $" (mutual TLS under the router's CA; credentials in {ControlEndpoint.StateDirectory(config.Control)})");

        _simulation = services.GetService<ISimulationStarter>();
        if (_simulation is null)
        {
            Print(config.Simulation.Hosts.Count == 0
                ? "simulation: no hosts configured"
                : $"simulation: {config.Simulation.Hosts.Count} host(s) configured, but no simulation starter is registered; not started");
        }
        else
        {
            await _simulation.StartAsync(new SimulationContext(config, system, supervisor, fman, memory, interfaces), stoppingToken);
            if (config.Simulation.Hosts.Count > 0)
            {
                Print($"simulation: {config.Simulation.Hosts.Count} simulated host(s) on the far ends: " +
                      string.Join(", ", config.Simulation.Hosts.Select(h => $"{Ipv4Text.Format(h.Ipv4)} on {h.Interface}" + (h.SendTo is uint to ? $" sending {h.RatePps} pps to {Ipv4Text.Format(to)}" : ""))));
            }
        }

        await ReportCountersAsync(fman, interfaces, stoppingToken);
    }

    private async Task PrintLinkChangeAsync(IActorRef fman, ControlPlane.Platform.InterfaceLinkChanged change, CancellationToken stoppingToken)
    {
        try
        {
            var now = await fman.Ask<InterfaceList>(GetInterfaces.Instance, AskTimeout, stoppingToken);
            if (now.Interfaces.FirstOrDefault(i => i.Name == change.Name) is { } status)
            {
                Print($"link {(change.LinkUp ? "up" : "down")}: {StatusLine(status)}");
            }
        }
        catch (Exception e) when (e is AskTimeoutException or OperationCanceledException)
        {
            Print($"link {(change.LinkUp ? "up" : "down")}: {change.Name} ({change.OsName})");
        }
    }

    private async Task ReportCountersAsync(IActorRef fman, IReadOnlyList<InterfaceStatus> previous, CancellationToken stoppingToken)
    {
        var previousAt = DateTime.UtcNow;
        using var timer = new PeriodicTimer(options.StatsInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                InterfaceList now;
                try
                {
                    now = await fman.Ask<InterfaceList>(GetInterfaces.Instance, AskTimeout, stoppingToken);
                }
                catch (AskTimeoutException)
                {
                    Print("stats: FMAN did not answer (restarting?)");
                    continue;
                }
                var at = DateTime.UtcNow;
                Print(CounterLine(previous, now.Interfaces, (at - previousAt).TotalSeconds));
                previous = now.Interfaces;
                previousAt = at;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_simulation is not null)
        {
            await _simulation.StopAsync(cancellationToken);
        }
        Print("shutting down: stopping the data plane");
        try
        {
            var supervisor = await registry.GetAsync<DataPlaneSupervisor>(cancellationToken);
            var stopped = await supervisor.Ask<DataPlaneStopped>(StopDataPlane.Instance, AskTimeout, cancellationToken);
            var gpm = stopped.Accounting;
            status.CleanStop = gpm.AllFree;
            Print(gpm.AllFree
                ? $"GPM accounting: all {gpm.Total} buffers free"
                : $"GPM accounting: {gpm.Total - gpm.InPool} of {gpm.Total} buffers not returned ({gpm})");
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException or OperationCanceledException)
        {
            Print($"GPM accounting: unavailable, the data plane did not answer ({e.GetType().Name})");
        }
    }

    /// <summary><c>GigabitEthernet1 (mem0) up 192.0.2.1/24 mtu 1500 02:00:00:00:00:01</c></summary>
    public static string StatusLine(InterfaceStatus i)
    {
        var state = !i.AdminUp ? "administratively down" : i.OperUp ? "up" : "down";
        var address = i.Address?.ToString() ?? "unassigned";
        var mac = i.Mac == 0 ? "driver-mac" : MacText.Format(i.Mac);
        return $"{i.Name} ({i.OsName}) {state} {address} mtu {i.Mtu} {mac}";
    }

    /// <summary><c>stats: GigabitEthernet1 rx 100 pps tx 100 pps drops 0 | ...</c> (drops since the last line).</summary>
    public static string CounterLine(IReadOnlyList<InterfaceStatus> before, IReadOnlyList<InterfaceStatus> now, double seconds)
    {
        seconds = Math.Max(seconds, 0.001);
        var parts = now.OrderBy(i => i.Index).Select(i =>
        {
            var b = before.FirstOrDefault(x => x.Index == i.Index && x.Name == i.Name);
            var rx = (i.RxPackets - (b?.RxPackets ?? 0)) / seconds;
            var tx = (i.TxPackets - (b?.TxPackets ?? 0)) / seconds;
            var drops = i.Drops - (b?.Drops ?? 0);
            return $"{i.Name} rx {rx:0} pps tx {tx:0} pps drops {drops}";
        });
        return "stats: " + string.Join(" | ", parts);
    }

    private void Print(string line)
    {
        lock (_out)
        {
            _out.WriteLine(line);
            _out.Flush();
        }
    }
}
