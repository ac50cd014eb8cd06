using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Supervision;
using static ActorRouter.ControlPlane.Tests.Configuration.ConfigText;

namespace ActorRouter.ControlPlane.Tests.Configuration;

public class SupervisionConfigTests
{
    [Fact]
    public void By_default_a_thread_is_hung_after_2_s_and_the_limits_are_10_thread_and_20_actor_restarts()
    {
        var config = RouterConfigLoader.LoadString("actorrouter { }", Source);

        Assert.Equal(new SupervisionConfig(TimeSpan.FromSeconds(2), 10, 20), config.Supervision);
        Assert.Equal(SupervisionTimings.Default, SupervisionTimings.From(config.Supervision));
        Assert.DoesNotContain("supervision {", RouterConfigWriter.ToHocon(config));
    }

    [Fact]
    public void Supervision_settings_are_read_into_the_timings_and_written_back_the_same()
    {
        var config = RouterConfigLoader.LoadString("actorrouter { supervision { hang-after = 1500ms, thread-restart-limit = 3, child-restart-limit = 5 } }", Source);

        Assert.Equal(new SupervisionConfig(TimeSpan.FromMilliseconds(1500), 3, 5), config.Supervision);
        var timings = SupervisionTimings.From(config.Supervision);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), timings.HangAfter);
        Assert.Equal(3, timings.ThreadRestartLimit);
        Assert.Equal(5, timings.ChildRestartLimit);
        Assert.Equal(SupervisionTimings.Default.HeartbeatInterval, timings.HeartbeatInterval);
        var text = RouterConfigWriter.ToHocon(config);
        Assert.Contains("hang-after = 1500ms", text);
        Assert.Equal(config, RouterConfigLoader.LoadString(text, Source));
    }

    [Theory]
    [InlineData("hang-after = 100ms", "actorrouter.supervision.hang-after", "100ms is out of range 500ms..60s")]
    [InlineData("thread-restart-limit = 0", "actorrouter.supervision.thread-restart-limit", "0 is out of range 1..1000")]
    [InlineData("child-restart-limit = 5000", "actorrouter.supervision.child-restart-limit", "5000 is out of range 1..1000")]
    [InlineData("restart-limit = 3", "actorrouter.supervision.restart-limit", "unknown key 'restart-limit'")]
    public void Bad_supervision_settings_are_refused_with_their_key(string body, string key, string reason) =>
        AssertSingleError($"actorrouter {{ supervision {{ {body} }} }}", key, reason);
}
