using System.Diagnostics.Metrics;

namespace ActorRouter.ControlPlane.Observability;

/// <summary>
/// The control plane's own measurements, recorded where they happen (an arctl request answered, a
/// interface handshake ended). The data plane's counters are not here: the host's exporter reads them
/// from the statistics snapshot when it is scraped. Recording costs nothing while no exporter listens.
/// </summary>
public static class ControlPlaneMeter
{
    public const string Name = "ActorRouter.ControlPlane";

    private static readonly Meter Meter = new(Name);

    /// <summary>Seconds from a millisecond to ten: arctl answers and handshakes take that long, not the default buckets' minutes.</summary>
    private static readonly InstrumentAdvice<double> SecondsBuckets = new()
    {
        HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    };

    private static readonly Counter<long> ArctlRequests = Meter.CreateCounter<long>(
        "actorrouter.arctl.requests", unit: "{request}", description: "arctl requests the command gateway answered, by request and outcome");

    private static readonly Histogram<double> ArctlDuration = Meter.CreateHistogram<double>(
        "actorrouter.arctl.request.duration", unit: "s", description: "How long the command gateway took to answer an arctl request", tags: null, advice: SecondsBuckets);

    private static readonly Counter<long> HandshakeOutcomes = Meter.CreateCounter<long>(
        "actorrouter.handshake.interfaces", unit: "{interface}", description: "Interface initialization handshakes that ended, by outcome and (for failures) the step that failed");

    private static readonly Histogram<double> HandshakeDuration = Meter.CreateHistogram<double>(
        "actorrouter.handshake.duration", unit: "s", description: "Time from the platform's discovery of the interfaces to an interface's handshake ending", tags: null, advice: SecondsBuckets);

    /// <param name="request">The request's type name without "Request", e.g. "ShowInterfaces".</param>
    /// <param name="outcome">"done" (a show answered or a change applied) or "refused".</param>
    public static void ArctlRequestAnswered(string request, string outcome, TimeSpan took)
    {
        var requestTag = new KeyValuePair<string, object?>("request", request);
        ArctlRequests.Add(1, requestTag, new KeyValuePair<string, object?>("outcome", outcome));
        ArctlDuration.Record(took.TotalSeconds, requestTag);
    }

    /// <param name="outcome">"up" or "failed".</param>
    /// <param name="step">The handshake step that failed ("CreateUidb", "OpenPort", ...), or "complete".</param>
    public static void HandshakeEnded(string outcome, string step, TimeSpan took)
    {
        var outcomeTag = new KeyValuePair<string, object?>("outcome", outcome);
        HandshakeOutcomes.Add(1, outcomeTag, new KeyValuePair<string, object?>("step", step));
        HandshakeDuration.Record(took.TotalSeconds, outcomeTag);
    }
}
