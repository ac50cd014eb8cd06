using ActorRouter.ControlPlane.Messages;
using ActorRouter.ControlPlane.Observability;
using ActorRouter.ControlPlane.Punt;
using ActorRouter.DataPlane.Ports;
using Akka.Actor;

namespace ActorRouter.Host.Metrics;

/// <summary>Everything one scrape reports, read at one moment. Parts a busy or restarting actor did not give are null.</summary>
public sealed record RouterSnapshot(
    IReadOnlyList<InterfaceStatus> Interfaces,
    DataPlaneStatistics Statistics,
    InterfaceRates? Rates,
    DataPlaneHealth? Health,
    PuntCounterSnapshot? Punt);

/// <summary>
/// Reads a <see cref="RouterSnapshot"/> through the same doors arctl's <c>show</c> commands use (FMAN
/// for the interfaces, the QFP client for the data-plane statistics, the supervisor for thread
/// health), at most once per <see cref="MaxAge"/>: the instruments of one scrape share one reading,
/// so the numbers of a scrape agree with each other.
/// </summary>
public sealed class RouterSnapshotSource(Func<Task<IActorRef>> supervisor)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(3);
    private readonly Lock _gate = new();
    private RouterSnapshot? _last;
    private long _lastAt;

    /// <summary>The latest snapshot, read now when the last one is older than <see cref="MaxAge"/>; null when the router did not answer.</summary>
    /// <remarks>Called by the exporter's scrape thread (never an actor's), which may wait for the answer.</remarks>
    public RouterSnapshot? Current()
    {
        lock (_gate)
        {
            if (_last is not null && System.Diagnostics.Stopwatch.GetElapsedTime(_lastAt) < MaxAge)
            {
                return _last;
            }
            try
            {
                _last = ReadAsync().GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException or ActorNotFoundException or InvalidOperationException)
            {
                _last = null;
            }
            _lastAt = System.Diagnostics.Stopwatch.GetTimestamp();
            return _last;
        }
    }

    public async Task<RouterSnapshot?> ReadAsync()
    {
        var router = await supervisor();
        var actors = await router.Ask<ControlPlaneActors>(GetControlPlaneActors.Instance, AskTimeout);
        if (actors is null)
        {
            return null;
        }
        var interfaces = actors.Fman.Ask<InterfaceList>(GetInterfaces.Instance, AskTimeout);
        var statistics = actors.QfpClient.Ask<DataPlaneStatistics>(ReadDataPlaneStatistics.Instance, AskTimeout);
        var health = Optional<DataPlaneHealth>(router.Ask<DataPlaneHealth?>(GetDataPlaneHealth.Instance, AskTimeout));
        var rates = Optional<InterfaceRates>(AskChildAsync<InterfaceRates>(router, InterfaceRateSampler.ChildName, GetInterfaceRates.Instance));
        var punt = Optional<PuntCounterSnapshot>(AskChildAsync<PuntCounterSnapshot>(router, PuntServiceActor.ChildName, GetPuntCounters.Instance));
        return new RouterSnapshot((await interfaces).Interfaces, await statistics, await rates, await health, await punt);
    }

    private static async Task<T?> AskChildAsync<T>(IActorRef router, string child, object question) where T : class
    {
        var identity = await new ActorSelection(router, child).Ask<ActorIdentity>(new Identify(null), AskTimeout);
        return identity.Subject is null ? null : await identity.Subject.Ask<T>(question, AskTimeout);
    }

    private static async Task<T?> Optional<T>(Task<T?> ask) where T : class
    {
        try
        {
            return await ask;
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return null;
        }
    }
}
