namespace ActorRouter.ControlPlane.Configuration;

/// <summary>
/// The <c>actorrouter.supervision { }</c> section: when a data-plane thread whose heartbeat stands still
/// counts as hung (it is then fenced off and restarted), and the restart limits past which the supervisor
/// escalates — a data-plane thread restarted more than <see cref="ThreadRestartLimit"/> times within 30 s
/// gets the data plane reloaded; a control-plane actor restarted more than <see cref="ChildRestartLimit"/>
/// times within a minute gets every control-plane actor restarted. Nothing is ever left stopped.
/// </summary>
public sealed record SupervisionConfig(TimeSpan HangAfter, int ThreadRestartLimit, int ChildRestartLimit)
{
    public static readonly SupervisionConfig Default = new(TimeSpan.FromSeconds(2), 10, 20);

    public static readonly TimeSpan MinHangAfter = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan MaxHangAfter = TimeSpan.FromSeconds(60);
}

/// <summary>The supervision settings hang off <see cref="RouterConfig"/> as an init-only member, so every existing constructor call stays as it is.</summary>
public sealed partial record RouterConfig
{
    public SupervisionConfig Supervision { get; init; } = SupervisionConfig.Default;
}

internal static partial class RouterConfigReader
{
    private static SupervisionConfig ReadSupervision(HoconSection section)
    {
        var defaults = SupervisionConfig.Default;
        var hangAfter = ReadArpDuration(section, "hang-after", defaults.HangAfter, SupervisionConfig.MinHangAfter, SupervisionConfig.MaxHangAfter, "500ms..60s");
        var threadLimit = section.Int("thread-restart-limit", defaults.ThreadRestartLimit, 1, 1000);
        var childLimit = section.Int("child-restart-limit", defaults.ChildRestartLimit, 1, 1000);
        section.ReportUnknownKeys();
        return new SupervisionConfig(hangAfter, threadLimit, childLimit);
    }
}

public static partial class RouterConfigWriter
{
    /// <summary>Written only when set, so configurations that do not use it read back unchanged.</summary>
    private static void WriteSupervision(HoconTextWriter w, SupervisionConfig supervision)
    {
        if (supervision == SupervisionConfig.Default)
        {
            return;
        }
        w.Open("supervision");
        w.Raw("hang-after", ArpDurationText(supervision.HangAfter));
        w.Value("thread-restart-limit", supervision.ThreadRestartLimit);
        w.Value("child-restart-limit", supervision.ChildRestartLimit);
        w.Close();
    }
}
