using System.Diagnostics.Metrics;

namespace ActorRouter.ControlPlane.Observability;

/// <summary>
/// The control plane's own measurements, recorded where they happen (an arctl request answered, a
/// handshake step taken). The data plane's counters are not here: the host's exporter reads them
/// from the statistics snapshot when it is scraped. Recording costs nothing while no exporter listens.
/// </summary>
public static class ControlPlaneMeter
{
    public const string Name = "ActorRouter.ControlPlane";

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> ArctlRequests = Meter.CreateCounter<long>(
        "actorrouter.arctl.requests", unit: "{request}", description: "arctl requests the command gateway answered, by request and outcome");

    private static readonly Histogram<double> ArctlDuration = Meter.CreateHistogram<double>(
        "actorrouter.arctl.request.duration", unit: "s", description: "How long the command gateway took to answer an arctl request");

    private static readonly Counter<long> HandshakeSteps = Meter.CreateCounter<long>(
        "actorrouter.handshake.steps", unit: "{step}", description: "Interface initialization handshake steps taken, by step");

    private static readonly Histogram<double> HandshakeDuration = Meter.CreateHistogram<double>(
        "actorrouter.handshake.duration", unit: "s", description: "Time from an interface's discovery to its port opening (or failing)");

    /// <param name="request">The request's type name without "Request", e.g. "ShowInterfaces".</param>
    /// <param name="outcome">"done" (a show answered or a change applied) or "refused".</param>
    public static void ArctlRequestAnswered(string request, string outcome, TimeSpan took)
    {
        var requestTag = new KeyValuePair<string, object?>("request", request);
        ArctlRequests.Add(1, requestTag, new KeyValuePair<string, object?>("outcome", outcome));
        ArctlDuration.Record(took.TotalSeconds, requestTag);
    }

    public static void HandshakeStep(string step) => HandshakeSteps.Add(1, new KeyValuePair<string, object?>("step", step));

    /// <param name="outcome">"up" or "failed".</param>
    public static void HandshakeFinished(TimeSpan took, string outcome) =>
        HandshakeDuration.Record(took.TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));
}
