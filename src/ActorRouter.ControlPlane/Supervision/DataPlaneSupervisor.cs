using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Fman;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.ControlPlane.Platform;
using ActorRouter.ControlPlane.Qfp;
using ActorRouter.ControlPlane.Vnic;
using ActorRouter.DataPlane;
using ActorRouter.DataPlane.Ports;
using ActorRouter.DataPlane.Threads;
using ActorRouter.IO.Crypto;
using Akka.Actor;
using Akka.Event;

namespace ActorRouter.ControlPlane.Supervision;

/// <summary>
/// Owns the data plane (the QFP process) and the control-plane actors that drive it: it creates and
/// starts the data plane, restarts any of its threads that dies, watches their heartbeats, and is
/// the parent of the QFP client, FMAN and the platform. Those children are restarted on any failure
/// while the data plane, which lives here and not in them, keeps forwarding on its last tables.
/// When it stops, the data plane stops with every buffer back in GPM.
/// <para>
/// Supervision has no gap where something stays down: a thread whose heartbeat stood still for
/// <see cref="SupervisionTimings.HangAfter"/> is fenced (it can be neither killed nor trusted, so it is
/// disowned: see <see cref="DataPlaneWorker.Fence"/>) and restarted like a crashed one, its buffers
/// reclaimed. A thread that keeps failing past <see cref="SupervisionTimings.ThreadRestartLimit"/> gets the
/// data plane reloaded (every thread stopped or fenced, every ring and queue emptied into GPM, every thread
/// started again on the tables the control plane published); a control-plane child past
/// <see cref="SupervisionTimings.ChildRestartLimit"/> gets all children restarted
/// (<see cref="EscalatingChildStrategy"/>). Each escalation is logged as an error and counted in the health
/// (<c>show platform threads</c>).
/// </para>
/// </summary>
public sealed class DataPlaneSupervisor : ReceiveActor, IWithTimers
{
    public const string QfpClientName = "qfp-client";
    public const string FmanName = "fman";
    public const string PlatformName = "platform";

    private readonly RouterConfig _config;
    private readonly IVnicFactory _vnics;
    private readonly IReadOnlyList<ControlPlaneChild> _extraChildren;
    private readonly SupervisionTimings _timings;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, WorkerWatch> _watches = new(StringComparer.OrdinalIgnoreCase);
    private readonly QfpDataPlane _dataPlane;
    private readonly Action<WorkerFault> _onWorkerFault;
    private readonly SupervisorStrategy _childStrategy;
    private bool _stopped;
    private ControlPlaneActors? _actors;
    private int _dataPlaneReloads;
    private int _childEscalations;
    private string? _lastEscalation;

    /// <param name="processIsRouter">The process is this router and nothing else (the console host): the data plane may
    /// keep the process's other threads off its cores (<c>data-plane.isolate-workers</c>).</param>
    public DataPlaneSupervisor(RouterConfig config, IVnicFactory vnics, IReadOnlyList<ControlPlaneChild>? extraChildren = null, SupervisionTimings? timings = null,
        bool processIsRouter = false)
    {
        _config = config;
        _vnics = vnics;
        _extraChildren = extraChildren ?? [];
        _timings = timings ?? SupervisionTimings.From(config.Supervision);
        _dataPlane = new QfpDataPlane(DataPlaneOptionsMapper.FromConfig(config, processIsRouter));

        // Runs on the dying thread: post and return, never block it.
        var self = Self;
        _onWorkerFault = fault => self.Tell(new DataPlaneThreadFaulted(fault.Worker, $"{fault.Exception.GetType().Name}: {fault.Exception.Message}"));

        _childStrategy = new EscalatingChildStrategy(_timings.ChildRestartLimit, _timings.ChildRestartWindow, OnChildEscalated);

        Receive<DataPlaneThreadFaulted>(OnThreadFaulted);
        Receive<ReloadDataPlane>(OnReloadDataPlane);
        Receive<RestartDataPlaneThread>(OnRestartThread);
        Receive<CheckHeartbeats>(_ => CheckHeartbeatsNow());
        Receive<InjectFault>(OnInjectFault);
        Receive<GetDataPlaneHealth>(_ => Sender.Tell(Health()));
        Receive<GetControlPlaneActors>(_ => Sender.Tell(_actors));
        // The fleet system's link-state actor is started before FMAN exists; it sends its routes here.
        Receive<Fleet.LinkState.FleetRoutesComputed>(m => _actors?.Fman.Forward(m));
        // Tests only (internal): the raw data plane, to look at what the actors made of it.
        Receive<GetDataPlane>(_ => Sender.Tell(new DataPlaneReference(_dataPlane)));
        Receive<StopDataPlane>(_ => Sender.Tell(new DataPlaneStopped(StopNow())));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(RouterConfig config, IVnicFactory vnics, IReadOnlyList<ControlPlaneChild>? extraChildren = null, SupervisionTimings? timings = null,
        bool processIsRouter = false) =>
        Akka.Actor.Props.Create(() => new DataPlaneSupervisor(config, vnics, extraChildren, timings, processIsRouter));

    private sealed record CheckHeartbeats
    {
        public static readonly CheckHeartbeats Instance = new();
    }

    private sealed class WorkerWatch(ISupervisedThread worker)
    {
        public ISupervisedThread Worker { get; } = worker;
        public long LastHeartbeat { get; set; } = -1;
        public DateTime LastMove { get; set; } = DateTime.UtcNow;
        public bool HangReported { get; set; }
        public int Hangs { get; set; }
        public int RecentFaults { get; set; }
        public DateTime LastFaultAt { get; set; } = DateTime.MinValue;
        public bool RestartScheduled { get; set; }
        public string? LastFault { get; set; }
    }

    private sealed record ReloadDataPlane(string Reason);

    // A control-plane actor that fails (or is killed for a test) is restarted and resyncs; the data plane does
    // not depend on it to forward. It is never stopped: past its limit every child is restarted (escalation).
    protected override SupervisorStrategy SupervisorStrategy() => _childStrategy;

    /// <summary>Runs inside the strategy, on this actor's thread, while it handles the child's failure.</summary>
    private void OnChildEscalated(IActorRef child, int failures, Exception cause)
    {
        _childEscalations++;
        _lastEscalation = $"{DateTime.UtcNow:HH:mm:ss} {child.Path.Name} failed {failures} times within {_timings.ChildRestartWindow.TotalSeconds:0} s: restarted every control-plane child";
        _log.Error("escalation: control-plane actor {0} failed {1} times within {2:0} s ({3}: {4}); restarting every control-plane child (FMAN resyncs from the data plane)",
            child.Path.Name, failures, _timings.ChildRestartWindow.TotalSeconds, cause.GetType().Name, cause.Message);
    }

    protected override void PreStart()
    {
        foreach (var worker in _dataPlane.Threads)
        {
            _watches[worker.Name] = new WorkerWatch(worker);
            worker.Faulted += _onWorkerFault;
        }
        _dataPlane.Start();
        _log.Info("data plane started: {0}; GPM {1} x {2} bytes",
            _dataPlane.Plan.Layout == DataPlaneLayout.Split ? $"split layout: rx, {_dataPlane.Options.PpeThreads} PPE thread(s), hqf" : $"layout {_dataPlane.Plan}",
            _dataPlane.Options.BufferCount, _dataPlane.Options.BufferSize);
        if (_dataPlane.IsolationNote is { } isolation)
        {
            _log.Info("data plane: {0}", isolation);
        }
        if (NativeAesGcmEngine.WhyNotNative is { } whyNot)
        {
            _log.Warning("ESP AES-GCM: .NET AesGcm (slower; a forged packet costs an exception) because the native engine is unavailable: {0}", whyNot);
        }
        else
        {
            _log.Info("ESP AES-GCM: {0}", _dataPlane.Options.AesGcm.Name);
        }
        Timers.StartPeriodicTimer(nameof(CheckHeartbeats), CheckHeartbeats.Instance, _timings.HeartbeatInterval);

        var qfpClient = Context.ActorOf(QfpClientActor.Props(_dataPlane, _vnics), QfpClientName);
        var fman = Context.ActorOf(FmanActor.Props(qfpClient, _config, new FmanStateStore(_config)), FmanName);
        var platform = Context.ActorOf(PlatformActor.Props(_config, fman), PlatformName);
        _actors = new ControlPlaneActors(fman, qfpClient, platform);
        var context = new ControlPlaneContext(_config, fman, qfpClient, platform);
        foreach (var child in _extraChildren)
        {
            Context.ActorOf(child.CreateProps(context), child.Name);
        }
        platform.Tell(DiscoverInterfaces.Instance);
    }

    protected override void PostStop()
    {
        foreach (var worker in _dataPlane.Threads)
        {
            worker.Faulted -= _onWorkerFault;
        }
        if (!_stopped)
        {
            StopNow();
        }
        foreach (var osName in _dataPlane.RegisteredPortNames())
        {
            _vnics.Close(osName);
        }
        _dataPlane.Dispose();
    }

    private ActorRouter.DataPlane.Memory.GpmAccounting StopNow()
    {
        _stopped = true;
        Timers.CancelAll();
        _dataPlane.Stop();
        var accounting = _dataPlane.ReadGpmAccounting();
        if (accounting.AllFree)
        {
            _log.Info("data plane stopped; GPM accounting whole: {0}", accounting);
        }
        else
        {
            _log.Error("data plane stopped; GPM buffers missing: {0}", accounting);
        }
        return accounting;
    }

    // ---- thread faults -----------------------------------------------------------------------

    private void OnThreadFaulted(DataPlaneThreadFaulted m)
    {
        if (!_watches.TryGetValue(m.Name, out var watch))
        {
            return;
        }
        var now = DateTime.UtcNow;
        watch.LastFault = m.Reason;
        watch.RecentFaults = now - watch.LastFaultAt > _timings.FaultMemory ? 1 : watch.RecentFaults + 1;
        watch.LastFaultAt = now;
        if (_stopped || watch.RestartScheduled)
        {
            return;
        }
        if (watch.RecentFaults > _timings.ThreadRestartLimit)
        {
            Self.Tell(new ReloadDataPlane($"data-plane thread {m.Name} failed {watch.RecentFaults} times within {_timings.FaultMemory.TotalSeconds:0} s (last: {m.Reason})"));
            watch.RestartScheduled = true;
            return;
        }
        // The first fault is restarted at once; a thread that keeps failing waits longer each time, up to the cap.
        var delay = watch.RecentFaults <= 1
            ? TimeSpan.Zero
            : TimeSpan.FromTicks(Math.Min(_timings.RestartBackoffCap.Ticks,
                _timings.RestartBackoffBase.Ticks << Math.Min(20, watch.RecentFaults - 2)));
        _log.Error("data-plane thread {0} failed ({1}); restarting it {2}", m.Name, m.Reason,
            delay == TimeSpan.Zero ? "now" : $"in {delay.TotalMilliseconds:0} ms");
        watch.RestartScheduled = true;
        if (delay == TimeSpan.Zero)
        {
            Self.Tell(new RestartDataPlaneThread(m.Name));
        }
        else
        {
            Timers.StartSingleTimer("restart-" + m.Name, new RestartDataPlaneThread(m.Name), delay);
        }
    }

    private void OnRestartThread(RestartDataPlaneThread m)
    {
        if (!_watches.TryGetValue(m.Name, out var watch))
        {
            return;
        }
        watch.RestartScheduled = false;
        if (_stopped || watch.Worker.State != WorkerState.Faulted)
        {
            return;
        }
        try
        {
            watch.Worker.Restart();
        }
        catch (Exception e)
        {
            // Never let a failed restart take the supervisor (and with it the whole data plane) down.
            _log.Error(e, "data-plane thread {0} could not be restarted", m.Name);
            return;
        }
        watch.LastMove = DateTime.UtcNow;
        watch.HangReported = false;
        _log.Warning("data-plane thread {0} restarted (restart {1})", m.Name, watch.Worker.Restarts);
    }

    /// <summary>
    /// The escalation for data-plane threads: stop every thread (one that will not stop is fenced), empty
    /// every ring, queue and thread cache into GPM, and start every thread again. The tables the threads
    /// read (uIDBs, FIB and adjacencies, policies) are the ones the control plane published; they stay.
    /// </summary>
    private void OnReloadDataPlane(ReloadDataPlane m)
    {
        if (_stopped)
        {
            return;
        }
        _dataPlaneReloads++;
        _lastEscalation = $"{DateTime.UtcNow:HH:mm:ss} {m.Reason}: reloaded the data plane";
        _log.Error("escalation: {0}; reloading the data plane (every thread restarted on emptied rings, tables kept)", m.Reason);
        foreach (var watch in _watches.Values)
        {
            Timers.Cancel("restart-" + watch.Worker.Name);
        }
        try
        {
            _dataPlane.Stop();
            var accounting = _dataPlane.ReadGpmAccounting();
            _dataPlane.Start();
            _log.Warning("data plane reloaded (reload {0}); GPM after the stop: {1}", _dataPlaneReloads, accounting);
        }
        catch (Exception e)
        {
            _log.Error(e, "data plane reload failed");
        }
        var now = DateTime.UtcNow;
        foreach (var watch in _watches.Values)
        {
            watch.RecentFaults = 0;
            watch.RestartScheduled = false;
            watch.LastMove = now;
            watch.HangReported = false;
        }
    }

    private void CheckHeartbeatsNow()
    {
        var now = DateTime.UtcNow;
        foreach (var watch in _watches.Values)
        {
            if (watch.Worker.State != WorkerState.Running)
            {
                continue;
            }
            var beat = watch.Worker.Heartbeat;
            if (beat != watch.LastHeartbeat)
            {
                watch.LastHeartbeat = beat;
                watch.LastMove = now;
                watch.HangReported = false;
                continue;
            }
            if (!watch.HangReported && now - watch.LastMove >= _timings.HangAfter)
            {
                watch.HangReported = true;
                watch.Hangs++;
                var stood = (now - watch.LastMove).TotalSeconds;
                _log.Error("data-plane thread {0} hung: heartbeat {1} has not moved for {2:0.0} s; fencing it off and restarting it",
                    watch.Worker.Name, beat, stood);
                if (watch.Worker.Fence($"heartbeat stood still for {stood:0.0} s", _timings.FenceGrace))
                {
                    // From here on as a crashed thread: restarted (with backoff, up to the escalation) with its buffers reclaimed.
                    Self.Tell(new DataPlaneThreadFaulted(watch.Worker.Name, $"hung: heartbeat {beat} stood still for {stood:0.0} s"));
                }
            }
        }
    }

    private DataPlaneHealth Health() => new(_dataPlane.Threads.Select(w =>
    {
        var watch = _watches[w.Name];
        return new WorkerHealth(w.Name, w.State.ToString(), w.Heartbeat, w.Restarts, watch.Hangs, watch.LastFault, w.Core, w.PinnedToCore, w.OsThreadId)
        {
            Fences = w.Fences,
            AbandonedThreads = w.AbandonedThreads,
        };
    }).ToList())
    {
        DataPlaneReloads = _dataPlaneReloads,
        ControlPlaneEscalations = _childEscalations,
        LastEscalation = _lastEscalation,
    };

    private ISupervisedThread? FindThread(string name)
    {
        foreach (var thread in _dataPlane.Threads)
        {
            if (string.Equals(thread.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return thread;
            }
        }
        return null;
    }

    // ---- fault injection ---------------------------------------------------------------------

    private void OnInjectFault(InjectFault m)
    {
        if (!_config.FaultInjection.Enabled)
        {
            Sender.Tell(new FaultInjectionRefused(m.Target, "fault injection is disabled (set actorrouter.fault-injection.enabled = true)"));
            return;
        }
        if (FindThread(m.Target) is { } worker)
        {
            if (m.Stall is { } stall)
            {
                _log.Warning("fault injection: hanging data-plane thread {0} for {1:0.###} s", worker.Name, stall.TotalSeconds);
                worker.InjectStall(stall);
            }
            else
            {
                _log.Warning("fault injection: crashing data-plane thread {0}", worker.Name);
                worker.InjectFault();
            }
            Sender.Tell(new FaultInjected(m.Target));
            return;
        }
        if (m.Stall is not null)
        {
            Sender.Tell(new FaultInjectionRefused(m.Target, $"only a data-plane thread can be hung ({string.Join(", ", _dataPlane.Threads.Select(w => w.Name))})"));
            return;
        }
        var child = Context.Child(m.Target);
        if (child.IsNobody())
        {
            var targets = string.Join(", ", _dataPlane.Threads.Select(w => w.Name).Concat(Context.GetChildren().Select(c => c.Path.Name).Order(StringComparer.Ordinal)));
            Sender.Tell(new FaultInjectionRefused(m.Target, $"no thread or actor named '{m.Target}' (targets: {targets})"));
            return;
        }
        // Kill makes the actor throw ActorKilledException inside itself; the strategy above restarts it.
        _log.Warning("fault injection: crashing actor {0}", m.Target);
        child.Tell(Kill.Instance);
        Sender.Tell(new FaultInjected(m.Target));
    }
}
