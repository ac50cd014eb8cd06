namespace ActorRouter.ControlPlane.Configuration;

/// <summary>
/// An interface's router advertisements (RFC 4861 §6.2.1, IOS <c>ipv6 nd ra interval / lifetime</c>):
/// <c>ipv6-ra { enabled = true, interval = 200s, lifetime = 1800s }</c>. <see cref="Interval"/> is MaxRtrAdvInterval
/// (unsolicited advertisements go out at a random time between a third of it and it); <see cref="Lifetime"/> is the
/// Router Lifetime hosts keep the router as a default router for (0: advertise the prefixes, but not as a default router).
/// </summary>
public sealed record Ipv6RaConfig(bool Enabled, TimeSpan Interval, TimeSpan Lifetime)
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(200);
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromSeconds(1800);
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(4);
    public static readonly TimeSpan MaxInterval = TimeSpan.FromSeconds(1800);
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromSeconds(9000);
}

public sealed partial record InterfaceConfig
{
    /// <summary>Router advertisements on this interface; null: none (the default).</summary>
    public Ipv6RaConfig? Ipv6Ra { get; init; }
}

internal static partial class RouterConfigReader
{
    /// <summary>The interface key <c>ipv6-ra</c>: an object with <c>enabled</c>, <c>interval</c> and <c>lifetime</c>.</summary>
    private static Ipv6RaConfig? ReadInterfaceIpv6Ra(HoconSection interfaceSection, bool hasIpv6)
    {
        if (!interfaceSection.Has("ipv6-ra"))
        {
            return null;
        }
        var section = interfaceSection.Section("ipv6-ra");
        var enabled = section.Bool("enabled", true);
        var interval = ReadArpDuration(section, "interval", Ipv6RaConfig.DefaultInterval, Ipv6RaConfig.MinInterval, Ipv6RaConfig.MaxInterval, "4s..1800s");
        var lifetime = ReadArpDuration(section, "lifetime", Ipv6RaConfig.DefaultLifetime, TimeSpan.Zero, Ipv6RaConfig.MaxLifetime, "0s..9000s");
        section.ReportUnknownKeys();
        if (lifetime != TimeSpan.Zero && lifetime < interval && !section.HasErrorAt("lifetime") && !section.HasErrorAt("interval"))
        {
            // RFC 4861 §6.2.1: AdvDefaultLifetime is 0 or at least MaxRtrAdvInterval.
            section.Error("lifetime", $"{lifetime.TotalSeconds}s is shorter than interval {interval.TotalSeconds}s (use 0s to advertise no default router)");
        }
        if (enabled && !hasIpv6)
        {
            section.Error("enabled", "the interface has no ipv6 address to advertise");
        }
        return new Ipv6RaConfig(enabled, interval, lifetime);
    }
}

public static partial class RouterConfigWriter
{
    private static void WriteInterfaceIpv6Ra(HoconTextWriter w, InterfaceConfig i)
    {
        if (i.Ipv6Ra is not { } ra)
        {
            return;
        }
        w.Open("ipv6-ra");
        w.Value("enabled", ra.Enabled);
        w.Raw("interval", $"{(long)ra.Interval.TotalSeconds}s");
        w.Raw("lifetime", $"{(long)ra.Lifetime.TotalSeconds}s");
        w.Close();
    }
}
