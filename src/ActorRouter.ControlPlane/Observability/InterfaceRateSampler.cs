using System.Diagnostics;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.ControlPlane.Supervision;
using ActorRouter.DataPlane.Ports;
using Akka.Actor;
using Akka.Event;

namespace ActorRouter.ControlPlane.Observability;

/// <summary>Asks the sampler for the interfaces' decayed rates; it answers <see cref="InterfaceRates"/>.</summary>
public sealed record GetInterfaceRates
{
    public static readonly GetInterfaceRates Instance = new();
}

/// <summary>The decayed rates by interface index, over <paramref name="LoadInterval"/>.</summary>
public sealed record InterfaceRates(TimeSpan LoadInterval, IReadOnlyDictionary<int, InterfaceRate> ByIndex);

/// <summary>
/// Takes a statistics snapshot from the QFP client every sample interval (not per packet: one ask
/// every few seconds) and keeps each interface's input and output rates, decayed over the load
/// interval as IOS does. It reads nothing of the data plane but the snapshot; a restart starts the
/// rates again from zero.
/// </summary>
public sealed class InterfaceRateSampler : ReceiveActor, IWithTimers
{
    public const string ChildName = "rates";

    private readonly IActorRef _qfpClient;
    private readonly TimeSpan _sampleInterval;
    private readonly InterfaceRateTracker _tracker;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _asking;

    public InterfaceRateSampler(IActorRef qfpClient, TimeSpan loadInterval, TimeSpan sampleInterval)
    {
        _qfpClient = qfpClient;
        _sampleInterval = sampleInterval;
        _tracker = new InterfaceRateTracker(loadInterval);
        Receive<TakeSample>(_ => AskForSnapshot());
        Receive<Snapshot>(OnSnapshot);
        Receive<Status.Failure>(failure =>
        {
            _asking = false;
            _log.Debug("rate sample skipped: the QFP client did not answer ({0})", failure.Cause.GetType().Name);
        });
        Receive<GetInterfaceRates>(_ => Sender.Tell(new InterfaceRates(_tracker.LoadInterval, _tracker.Rates)));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef qfpClient, TimeSpan loadInterval, TimeSpan sampleInterval) =>
        Akka.Actor.Props.Create(() => new InterfaceRateSampler(qfpClient, loadInterval, sampleInterval));

    /// <summary>The sampler as a child of the data-plane supervisor, with the configured intervals.</summary>
    public static ControlPlaneChild Child() =>
        new(ChildName, context => Props(context.QfpClient, context.Config.Metrics.LoadInterval, context.Config.Metrics.SampleInterval));

    private sealed record TakeSample
    {
        public static readonly TakeSample Instance = new();
    }

    private sealed record Snapshot(DataPlaneStatistics Statistics, TimeSpan At);

    protected override void PreStart()
    {
        Self.Tell(TakeSample.Instance);
        Timers.StartPeriodicTimer(nameof(TakeSample), TakeSample.Instance, _sampleInterval);
    }

    private void AskForSnapshot()
    {
        if (_asking)
        {
            return;
        }
        _asking = true;
        // The time is taken when the answer arrives: the snapshot was read just before it was sent.
        _qfpClient.Ask<DataPlaneStatistics>(ReadDataPlaneStatistics.Instance, _sampleInterval)
            .PipeTo(Self, success: statistics => new Snapshot(statistics, Stopwatch.GetElapsedTime(0)));
    }

    private void OnSnapshot(Snapshot snapshot)
    {
        _asking = false;
        _tracker.Sample(
            snapshot.Statistics.Interfaces.Select(i => (i.Index, new InterfaceRateTracker.Counters(i.RxPackets, i.RxBytes, i.TxPackets, i.TxBytes))),
            snapshot.At);
    }
}
