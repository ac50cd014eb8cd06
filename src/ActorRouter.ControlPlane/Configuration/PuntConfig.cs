using ActorRouter.DataPlane.Counters;

namespace ActorRouter.ControlPlane.Configuration;

/// <summary>
/// One punt class's policer and ring share (<c>actorrouter.punt.CLASS { rate, burst, ring-share }</c>):
/// <paramref name="Rate"/> packets per second for the whole router, <paramref name="Burst"/> above it at once,
/// and <paramref name="RingSharePercent"/> of each PPE's punt ring the class may fill.
/// </summary>
public sealed record PuntClassConfig(int Rate, int Burst, int RingSharePercent);

public sealed partial record PuntConfig
{
    public static readonly PuntConfig Default = new(RingSize: 1024);

    // ARP gets the most room: it is what keeps neighbours resolved. Gleans are many and cheap to fake
    // (any packet to an unused address of a connected subnet), so they get a small budget of their own.
    // Together the shares leave 10 % of the ring free, so no class ever finds the ring full but its own share.
    public PuntClassConfig Arp { get; init; } = new(Rate: 1000, Burst: 200, RingSharePercent: 25);
    public PuntClassConfig Glean { get; init; } = new(Rate: 500, Burst: 100, RingSharePercent: 15);
    public PuntClassConfig IcmpForUs { get; init; } = new(Rate: 1000, Burst: 100, RingSharePercent: 20);
    public PuntClassConfig OtherForUs { get; init; } = new(Rate: 1000, Burst: 100, RingSharePercent: 20);
    public PuntClassConfig Broadcast { get; init; } = new(Rate: 200, Burst: 50, RingSharePercent: 10);

    /// <summary>The classes that go on the punt ring, under their configuration names (icmp-error is <c>actorrouter.icmp</c>).</summary>
    public IReadOnlyList<(PuntClass Class, PuntClassConfig Config)> RingClasses =>
    [
        (PuntClass.Arp, Arp),
        (PuntClass.Glean, Glean),
        (PuntClass.IcmpForUs, IcmpForUs),
        (PuntClass.OtherForUs, OtherForUs),
        (PuntClass.Broadcast, Broadcast),
    ];

    /// <summary>The data plane's per-class limits: shares in packets of a ring of <see cref="RingSize"/>; icmp-error from <paramref name="icmp"/>.</summary>
    public PuntPolicy ToPolicy(IcmpConfig icmp)
    {
        var limits = new PuntClassLimit[PuntClasses.Count];
        foreach (var (punt, config) in RingClasses)
        {
            limits[(int)punt] = new PuntClassLimit(config.Rate, config.Burst, Math.Max(1, RingSize * config.RingSharePercent / 100));
        }
        limits[(int)PuntClass.IcmpError] = new PuntClassLimit(icmp.ErrorRateLimitPps, icmp.Burst, 0);
        return new PuntPolicy(limits);
    }
}

internal static partial class RouterConfigReader
{
    private static PuntConfig ReadPunt(HoconSection section)
    {
        var defaults = PuntConfig.Default;
        foreach (var retired in new[] { "rate-limit-pps", "burst" })
        {
            if (section.Has(retired))
            {
                section.Error(retired, "the punt path is policed per class now: set punt.arp, punt.glean, punt.icmp-for-us, punt.other-for-us "
                    + "and punt.broadcast { rate, burst, ring-share } (ICMP errors: actorrouter.icmp)");
            }
        }
        var punt = new PuntConfig(RingSize: section.PowerOfTwo("ring-size", defaults.RingSize, 64, 65536))
        {
            Arp = ReadPuntClass(section, "arp", defaults.Arp),
            Glean = ReadPuntClass(section, "glean", defaults.Glean),
            IcmpForUs = ReadPuntClass(section, "icmp-for-us", defaults.IcmpForUs),
            OtherForUs = ReadPuntClass(section, "other-for-us", defaults.OtherForUs),
            Broadcast = ReadPuntClass(section, "broadcast", defaults.Broadcast),
        };
        if (section.Has("icmp-error"))
        {
            section.Error("icmp-error", "ICMP errors are policed by actorrouter.icmp { error-rate-limit-pps, burst }");
        }
        var total = punt.RingClasses.Sum(c => c.Config.RingSharePercent);
        if (total > 100)
        {
            section.Error("ring-share", $"the classes' ring shares add up to {total} % ("
                + string.Join(" + ", punt.RingClasses.Select(c => $"{PuntClasses.Name(c.Class)} {c.Config.RingSharePercent}")) + "); at most 100 %");
        }
        section.ReportUnknownKeys();
        return punt;
    }

    private static PuntClassConfig ReadPuntClass(HoconSection punt, string name, PuntClassConfig defaults)
    {
        var section = punt.Section(name);
        var config = new PuntClassConfig(
            Rate: section.Int("rate", defaults.Rate, 1, 1_000_000),
            Burst: section.Int("burst", defaults.Burst, 1, 100_000),
            RingSharePercent: section.Int("ring-share", defaults.RingSharePercent, 1, 100));
        section.ReportUnknownKeys();
        return config;
    }
}

public static partial class RouterConfigWriter
{
    private static void WritePunt(HoconTextWriter w, PuntConfig punt)
    {
        w.Open("punt");
        w.Value("ring-size", punt.RingSize);
        foreach (var (punted, config) in punt.RingClasses)
        {
            w.Open(PuntClasses.Name(punted));
            w.Value("rate", config.Rate);
            w.Value("burst", config.Burst);
            w.Value("ring-share", config.RingSharePercent);
            w.Close();
        }
        w.Close();
    }
}
