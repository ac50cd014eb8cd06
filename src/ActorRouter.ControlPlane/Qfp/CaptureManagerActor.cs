using ActorRouter.ControlPlane.Messages;
using ActorRouter.DataPlane;
using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Graph;
using Akka.Actor;
using Akka.Event;

namespace ActorRouter.ControlPlane.Qfp;

/// <summary>
/// The captures (<c>monitor capture</c>), under the QFP client: their definitions, the one running,
/// and its writer. The data plane copies frames into per-PPE rings; every <see cref="DrainInterval"/>
/// this actor moves them into the file, off the fast path, and ends the run when its packet limit is
/// used up or its duration has passed. Stopping takes the taps off the graphs, waits a moment for a
/// burst in flight, drains the last frames and closes the file before it answers.
/// </summary>
public sealed class CaptureManagerActor : ReceiveActor, IWithTimers
{
    public const string ChildName = "capture";

    public static readonly TimeSpan DrainInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>Time a PPE may still spend in a burst that picked up the taps before they were taken off.</summary>
    public static readonly TimeSpan SettleTime = TimeSpan.FromMilliseconds(50);

    private readonly QfpDataPlane _dataPlane;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly SortedDictionary<string, Entry> _captures = new(StringComparer.Ordinal);
    private Entry? _running;

    private sealed class Entry(DefineCapture definition)
    {
        public DefineCapture Definition = definition;
        public CaptureSession? Session;
        public CaptureFileWriter? Writer;
        public DateTime Deadline;
        public bool Stopping;
        public long Copied;
        public long Written;
        public long Drops;
        public long Bytes;
        public string? StopReason;
        public string State => Session is null ? (StopReason is null ? "defined" : "stopped") : "running";
    }

    private sealed record Drain
    {
        public static readonly Drain Instance = new();
    }

    private sealed record Finish(Entry Entry, string Reason, IActorRef? ReplyTo);

    public CaptureManagerActor(QfpDataPlane dataPlane)
    {
        _dataPlane = dataPlane;
        Receive<DefineCapture>(OnDefine);
        Receive<StartCapture>(OnStart);
        Receive<StopCapture>(m =>
        {
            if (!_captures.TryGetValue(m.Name, out var entry) || entry.Session is null || entry.Stopping)
            {
                Sender.Tell(new ObservationRefused(_captures.ContainsKey(m.Name) ? $"capture {m.Name} is not running" : $"no capture named {m.Name}"));
                return;
            }
            BeginStop(entry, "stopped by command", Sender);
        });
        Receive<Drain>(_ => OnDrain());
        Receive<Finish>(OnFinish);
        Receive<ReadCaptures>(_ => Sender.Tell(new CaptureList(_captures.Values.Select(Status).ToList())));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(QfpDataPlane dataPlane) => Akka.Actor.Props.Create(() => new CaptureManagerActor(dataPlane));

    private void OnDefine(DefineCapture m)
    {
        if (_captures.TryGetValue(m.Name, out var existing) && existing.Session is not null)
        {
            Sender.Tell(new ObservationRefused($"capture {m.Name} is running; stop it before changing it"));
            return;
        }
        _captures[m.Name] = new Entry(m);
        Sender.Tell(new ObservationDone($"capture {m.Name} defined: {Describe(m)}, file {m.Path}"));
    }

    private void OnStart(StartCapture m)
    {
        if (!_captures.TryGetValue(m.Name, out var entry))
        {
            Sender.Tell(new ObservationRefused($"no capture named {m.Name}; define it with 'monitor capture {m.Name} interface NAME in|out|both|drops ... file PATH'"));
            return;
        }
        if (entry.Session is not null)
        {
            Sender.Tell(new ObservationRefused($"capture {m.Name} is already running"));
            return;
        }
        if (_running is not null)
        {
            Sender.Tell(new ObservationRefused($"capture {_running.Definition.Name} is running; stop it first (one capture runs at a time)"));
            return;
        }
        var d = entry.Definition;
        var snapLength = _dataPlane.Options.BufferSize;
        var session = new CaptureSession(d.Name, d.Input, d.Output, d.Drops, d.DropReason,
            d.InterfaceIndex is int index ? _dataPlane.InterfaceSet(index) : null, d.Filter, d.LimitPackets, _dataPlane.GraphThreadCount, snapLength);
        CaptureFileWriter writer;
        try
        {
            writer = new CaptureFileWriter(d.Path, snapLength);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Sender.Tell(new ObservationRefused($"cannot write {d.Path}: {e.Message}"));
            return;
        }
        try
        {
            _dataPlane.StartCapture(session);
        }
        catch (DataPlaneCommandException e)
        {
            writer.Dispose();
            Sender.Tell(new ObservationRefused(e.Message));
            return;
        }
        entry.Session = session;
        entry.Writer = writer;
        entry.Stopping = false;
        entry.StopReason = null;
        entry.Copied = entry.Written = entry.Drops = 0;
        entry.Bytes = writer.BytesWritten;
        entry.Deadline = d.Duration is TimeSpan duration ? DateTime.UtcNow + duration : DateTime.MaxValue;
        _running = entry;
        Timers.StartPeriodicTimer("drain", Drain.Instance, DrainInterval);
        _log.Info("capture {0} started: {1}, writing {2}", d.Name, Describe(d), d.Path);
        Sender.Tell(new ObservationDone($"capture {d.Name} started, writing {d.Path}"));
    }

    private void OnDrain()
    {
        if (_running is not { Stopping: false } entry)
        {
            return;
        }
        DrainRings(entry);
        if (entry.Session!.LimitReached)
        {
            BeginStop(entry, "packet limit reached", null);
        }
        else if (DateTime.UtcNow >= entry.Deadline)
        {
            BeginStop(entry, "duration elapsed", null);
        }
    }

    private void BeginStop(Entry entry, string reason, IActorRef? replyTo)
    {
        entry.Stopping = true;
        _dataPlane.StopCapture(entry.Session!);
        Timers.StartSingleTimer("finish-" + entry.Definition.Name, new Finish(entry, reason, replyTo), SettleTime);
    }

    private void OnFinish(Finish m)
    {
        var entry = m.Entry;
        DrainRings(entry);
        entry.Writer!.Dispose();
        entry.Bytes = entry.Writer.BytesWritten;
        entry.Session = null;
        entry.Writer = null;
        entry.Stopping = false;
        entry.StopReason = m.Reason;
        if (ReferenceEquals(_running, entry))
        {
            _running = null;
            Timers.Cancel("drain");
        }
        var d = entry.Definition;
        var summary = $"capture {d.Name} stopped ({m.Reason}): {entry.Written} packets written to {d.Path}, {entry.Drops} copies dropped (capture ring full)";
        _log.Info(summary);
        m.ReplyTo?.Tell(new ObservationDone(summary));
    }

    private void DrainRings(Entry entry)
    {
        var session = entry.Session!;
        var writer = entry.Writer!;
        foreach (var ring in session.Rings)
        {
            ring.Drain((frame, bytes) =>
            {
                var comment = frame.Point == CapturePoint.Drop ? $"drop: {(DropReason)frame.DropReason} (received on {InterfaceName(frame.Interface)})" : null;
                bool? inbound = frame.Point switch
                {
                    CapturePoint.In => true,
                    CapturePoint.Out => false,
                    _ => null,
                };
                writer.Write(session.WallClock(frame.Timestamp), bytes, frame.Length, inbound, comment);
            });
        }
        writer.Flush();
        entry.Copied = session.Copied;
        entry.Drops = session.RingFullDrops;
        entry.Written = writer.Packets;
        entry.Bytes = writer.BytesWritten;
    }

    private string InterfaceName(int index) => _dataPlane.Interfaces[index]?.Name ?? $"uIDB {index}";

    private static string Direction(DefineCapture d) =>
        d.Drops ? "drops" : d.Input && d.Output ? "both" : d.Input ? "in" : "out";

    private static string Describe(DefineCapture d)
    {
        var reason = d.DropReason is byte r ? $" {(DropReason)r}" : "";
        var match = d.Filter.IsEmpty ? "" : $", match '{d.Filter.Text}'";
        var limit = d.LimitPackets > 0 ? $", limit {d.LimitPackets} packets" : "";
        var duration = d.Duration is TimeSpan t ? $", duration {t.TotalSeconds} s" : "";
        return $"interface {d.InterfaceName} {Direction(d)}{reason}{match}{limit}{duration}";
    }

    private static CaptureStatus Status(Entry e)
    {
        if (e.Session is { } session)
        {
            // Running: what the data plane copied so far, beyond what was drained.
            return new CaptureStatus(e.Definition, e.State, session.Copied, e.Written, session.RingFullDrops, e.Bytes, null);
        }
        return new CaptureStatus(e.Definition, e.State, e.Copied, e.Written, e.Drops, e.Bytes, e.StopReason);
    }

    protected override void PostStop()
    {
        if (_running is { } entry)
        {
            _dataPlane.StopCapture(entry.Session!);
            entry.Writer?.Dispose();
        }
        base.PostStop();
    }
}
