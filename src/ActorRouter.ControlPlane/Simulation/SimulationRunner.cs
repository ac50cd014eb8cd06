using System.Diagnostics;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.DataPlane.Vnic;
using ActorRouter.IO.Memory;

namespace ActorRouter.ControlPlane.Simulation;

/// <summary>
/// Runs the configured simulated hosts on one background thread: each turn services every host,
/// then sleeps until the next host has a datagram due or a frame arrives on any far end (the
/// runner's wake signal is attached to the far ends' RX and TX sides). Stop is bounded: the thread
/// is joined with a timeout.
/// </summary>
public sealed class SimulationRunner : IDisposable
{
    private static readonly TimeSpan MaxSleep = TimeSpan.FromMilliseconds(100);
    private readonly WakeSignal _signal = new();
    private SimulatedHost[] _hosts = [];
    private Thread? _thread;
    private volatile bool _stopRequested;
    private bool _disposed;

    public IReadOnlyList<SimulatedHost> Hosts => _hosts;

    public bool IsRunning => _thread is { IsAlive: true };

    /// <summary>The exception that ended the thread, if one did.</summary>
    public Exception? Fault { get; private set; }

    public void Start(IReadOnlyList<(SimulatedHostConfig config, MemoryVnicPort farEnd)> hosts)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_thread is not null)
        {
            throw new InvalidOperationException("the simulation is already running");
        }
        _hosts = hosts.Select(h => new SimulatedHost(h.config, h.farEnd)).ToArray();
        foreach (var host in _hosts)
        {
            host.Port.AttachRxSignal(_signal);
            host.Port.AttachTxSignal(_signal);
        }
        _stopRequested = false;
        _thread = new Thread(Run) { IsBackground = true, Name = "simulated-hosts" };
        _thread.Start();
    }

    /// <summary>Stops the thread; true when it ended within <paramref name="timeout"/> (default 5 s).</summary>
    public bool Stop(TimeSpan? timeout = null)
    {
        var thread = _thread;
        if (thread is null)
        {
            return true;
        }
        _stopRequested = true;
        _signal.Wake();
        if (!thread.Join(timeout ?? TimeSpan.FromSeconds(5)))
        {
            return false;
        }
        foreach (var host in _hosts)
        {
            host.Port.AttachRxSignal(null);
            host.Port.AttachTxSignal(null);
        }
        _thread = null;
        return true;
    }

    public IReadOnlyList<SimulatedHostCounters> Snapshot() => _hosts.Select(h => h.Snapshot()).ToArray();

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        if (Stop())
        {
            _signal.Dispose();
        }
        _disposed = true;
    }

    private void Run()
    {
        try
        {
            while (!_stopRequested)
            {
                var wait = MaxSleep;
                var now = Stopwatch.GetTimestamp();
                foreach (var host in _hosts)
                {
                    var next = host.Service(now);
                    if (next < wait)
                    {
                        wait = next;
                    }
                }
                _signal.PrepareToSleep();
                if (_stopRequested || AnyReceived())
                {
                    _signal.CancelSleep();
                    continue;
                }
                // Millisecond sleeps: a due datagram waits at most a millisecond; faster rates go out in bursts.
                _signal.Sleep(Math.Max(1, (int)Math.Ceiling(wait.TotalMilliseconds)));
            }
        }
        catch (Exception e)
        {
            Fault = e;
        }
    }

    private bool AnyReceived()
    {
        foreach (var host in _hosts)
        {
            if (host.Port.RxPending > 0)
            {
                return true;
            }
        }
        return false;
    }
}
