using ActorRouter.Control.Contracts;
using ActorRouter.ControlPlane.Observability;
using Akka.Actor;

namespace ActorRouter.ControlPlane.Commands;

public sealed partial class CommandRequestActor
{
    /// <summary>The rate sampler's decayed rates, or null when this router runs without one (a test rig, say).</summary>
    private async Task<InterfaceRates?> RatesAsync()
    {
        var sampler = Context.ActorSelection(_supervisor.Path / InterfaceRateSampler.ChildName);
        // Identify answers at once, with no subject, when there is no such actor.
        var identity = await sampler.Ask<ActorIdentity>(new Identify(null), AnswerTimeout);
        return identity.Subject is null ? null : await identity.Subject.Ask<InterfaceRates>(GetInterfaceRates.Instance, AnswerTimeout);
    }

    private static InterfaceRateView? RateView(InterfaceRates? rates, int index) =>
        rates is null ? null
        : rates.ByIndex.TryGetValue(index, out var rate)
            ? new InterfaceRateView((int)rates.LoadInterval.TotalSeconds,
                (long)Math.Round(rate.InputBitsPerSecond), (long)Math.Round(rate.InputPacketsPerSecond),
                (long)Math.Round(rate.OutputBitsPerSecond), (long)Math.Round(rate.OutputPacketsPerSecond))
            : new InterfaceRateView((int)rates.LoadInterval.TotalSeconds, 0, 0, 0, 0);

    /// <summary>"ShowInterfaces" for a ShowInterfacesRequest: the metric's request label.</summary>
    private static string RequestName(IArctlRequest request)
    {
        var name = request.GetType().Name;
        return name.EndsWith("Request", StringComparison.Ordinal) ? name[..^"Request".Length] : name;
    }
}
