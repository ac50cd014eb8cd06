namespace ActorRouter.DataPlane.Counters;

/// <summary>
/// The classes punted traffic is policed by (IOS's control-plane policing): each has its own policer
/// and, except <see cref="IcmpError"/>, its own share of every PPE's punt ring, so that a flood in one
/// class (gleans for unused addresses, spoofed ARP) cannot starve another.
/// </summary>
public enum PuntClass : byte
{
    /// <summary>ARP requests and replies.</summary>
    Arp = 0,
    /// <summary>Resolution requests for next hops without a MAC (a packet to an unresolved address).</summary>
    Glean,
    /// <summary>ICMP to one of the router's addresses (echo requests, …).</summary>
    IcmpForUs,
    /// <summary>Any other IPv4 packet to one of the router's addresses.</summary>
    OtherForUs,
    /// <summary>ICMP errors the data plane generates (TTL expired, unreachable, fragmentation needed): ip4-icmp-error's limiter; never on the punt ring.</summary>
    IcmpError,
    /// <summary>IPv4 for the router sent to a link-layer broadcast or multicast, or to 255.255.255.255.</summary>
    Broadcast,
}

/// <summary>What a punt class met, per PPE; summed over PPEs by <see cref="QfpDataPlane.ReadPuntStatistics"/>.</summary>
public enum PuntClassCounter
{
    /// <summary>Reached the class's policer.</summary>
    Received = 0,
    /// <summary>Over the class's rate: dropped.</summary>
    Policed,
    /// <summary>Went on the punt ring.</summary>
    Queued,
    /// <summary>Within the rate, but the class's share of the punt ring was full: dropped.</summary>
    Dropped,
}

public static class PuntClasses
{
    public const int Count = 6;
    public const int CounterKinds = 4;

    /// <summary>The names the configuration and <c>show platform punt</c> use.</summary>
    public static string Name(PuntClass punt) => punt switch
    {
        PuntClass.Arp => "arp",
        PuntClass.Glean => "glean",
        PuntClass.IcmpForUs => "icmp-for-us",
        PuntClass.OtherForUs => "other-for-us",
        PuntClass.IcmpError => "icmp-error",
        _ => "broadcast",
    };
}

/// <summary>One punt class's policer and ring share as configured (rates for the whole router, not per PPE).</summary>
/// <param name="RingShare">Packets of the class each PPE's punt ring may hold at once.</param>
public readonly record struct PuntClassLimit(double RatePerSecond, double Burst, int RingShare);

/// <summary>
/// The punt classes' limits, indexed by <see cref="PuntClass"/>. The <see cref="PuntClass.IcmpError"/> entry is
/// not read here: that limiter is ip4-icmp-error's, set by <see cref="DataPlaneOptions.IcmpErrorRatePerSecond"/>.
/// </summary>
public sealed record PuntPolicy
{
    public PuntPolicy(IReadOnlyList<PuntClassLimit> classes)
    {
        if (classes.Count != PuntClasses.Count)
        {
            throw new ArgumentException($"a punt policy needs {PuntClasses.Count} classes, got {classes.Count}", nameof(classes));
        }
        Classes = classes.ToArray();
    }

    public IReadOnlyList<PuntClassLimit> Classes { get; }

    public PuntClassLimit this[PuntClass punt] => Classes[(int)punt];

    /// <summary>Every class with the same policer and the whole ring (no shares): what a data plane built without a policy gets.</summary>
    public static PuntPolicy Uniform(double ratePerSecond, double burst, int ringShare) =>
        new(Enumerable.Repeat(new PuntClassLimit(ratePerSecond, burst, ringShare), PuntClasses.Count).ToArray());

    /// <summary>One PPE's part: the rates and bursts divided over <paramref name="ppes"/> (each PPE polices its own punts), the ring shares as they are (each PPE has its own ring).</summary>
    public PuntPolicy PerPpe(int ppes) =>
        new(Classes.Select(c => new PuntClassLimit(c.RatePerSecond / ppes, Math.Max(1, c.Burst / ppes), c.RingShare)).ToArray());

    /// <summary>
    /// Null when the policy fits a punt ring of <paramref name="ringSize"/>, else why not. Shares that add up to
    /// more than the ring are allowed here (<see cref="Uniform"/> gives each class the whole ring); the
    /// configuration keeps them within it, which is what isolates the classes.
    /// </summary>
    public string? WhyInvalid(int ringSize)
    {
        for (var i = 0; i < PuntClasses.Count; i++)
        {
            var c = Classes[i];
            var name = PuntClasses.Name((PuntClass)i);
            if (c.RatePerSecond < 0 || c.Burst < 1)
            {
                return $"punt class {name}: rate must be ≥ 0 and burst ≥ 1, got rate {c.RatePerSecond}, burst {c.Burst}";
            }
            if ((PuntClass)i == PuntClass.IcmpError)
            {
                continue;
            }
            if (c.RingShare < 1 || c.RingShare > ringSize)
            {
                return $"punt class {name}: ring share must be 1..{ringSize} packets, got {c.RingShare}";
            }
        }
        return null;
    }
}
