using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.ControlPlane.Qos;
using ActorRouter.ControlPlane.Tests.ControlPlane;
using Xunit.Abstractions;

namespace ActorRouter.ControlPlane.Tests.Qos;

/// <summary>QoS through FMAN and the QFP client: configured policies attached at bring-up, run-time changes, refusals, status.</summary>
[Collection(DataPlaneCollection.Name)]
public sealed class FmanQosTests(ITestOutputHelper output) : ControlPlaneTestKit(output)
{
    private const string Gi2 = "GigabitEthernet2";

    private static RouterConfig Config(bool attach = true) => RouterConfigLoader.LoadString($$"""
        actorrouter {
          data-plane {
            gpm { buffer-size = 2048, buffer-count = 2048, headroom = 128 }
            ppe-threads = 1
            ring-size = 256
          }
          interfaces = [
            { os-name = "mem0", name = "GigabitEthernet1", ipv4 = "192.0.2.1/24", mac = "02:00:00:00:00:01" },
            { os-name = "mem1", name = "GigabitEthernet2", ipv4 = "198.51.100.1/24", mac = "02:00:00:00:00:02" {{(attach ? ", service-policy-output = \"WAN\"" : "")}} }
          ]
          qos {
            class-maps = [
              { name = "VOICE", dscp = [46] },
              { name = "FROM-GI1", input-interface = "GigabitEthernet1" }
            ]
            policy-maps = [
              {
                name = "WAN"
                shape = { average = 10000000, burst = 15000 }
                classes = [
                  { class = "VOICE", priority = { rate = 1000000, burst = 4000 } },
                  { class = "FROM-GI1", bandwidth-percent = 60, set-dscp = 10 }
                ]
              }
            ]
          }
        }
        """, "test.conf");

    private static object Send(RunningRouter router, object command) => router.Ask<object>(router.Fman, command);

    private static int Index(RunningRouter router, string name) => router.DataPlane.Interfaces.FindByName(name)!.Index;

    [Fact]
    public void The_configured_policy_is_attached_at_bring_up_and_reported_like_show_policy_map_interface()
    {
        using var router = StartRouter(Config());
        var gi2 = Index(router, Gi2);
        AwaitAssert(() => Assert.Equal("WAN", router.DataPlane.ReadServicePolicy(gi2)?.Policy.Name), Long);

        var status = router.Ask<PolicyMapStatus>(router.Fman, new GetPolicyMapStatus(Gi2));
        Assert.Equal("WAN", status.PolicyName);
        Assert.Equal(["VOICE", "FROM-GI1", "class-default"], status.Classes.Select(c => c.Class));
        Assert.Equal(1_000_000, status.Classes[0].PriorityRate);
        Assert.Equal(10, status.Classes[1].SetDscp);
        Assert.Equal(10_000_000, status.ShapeRate);

        var text = PolicyMapText.Format(status);
        Assert.Contains(" GigabitEthernet2\n", text);
        Assert.Contains("  Service-policy output: WAN", text);
        Assert.Contains("    Class-map: VOICE (match-any)", text);
        Assert.Contains("Priority: 1000000 bps, burst bytes 4000, b/w exceed drops: 0", text);
        Assert.Contains("    Class-map: class-default (match-any)", text);
        Assert.Contains("shape (average) cir 10000000, bc 15000 bytes", text);
        Output.WriteLine(text);

        var none = router.Ask<PolicyMapStatus>(router.Fman, new GetPolicyMapStatus("GigabitEthernet1"));
        Assert.Null(none.PolicyName);
        Assert.Contains("no output service policy", PolicyMapText.Format(none));
        Assert.Equal("no interface GigabitEthernet9", router.Ask<CommandFailed>(router.Fman, new GetPolicyMapStatus("GigabitEthernet9")).Reason);
    }

    [Fact]
    public void Policies_are_defined_attached_replaced_and_detached_at_run_time_and_the_running_config_follows()
    {
        using var router = StartRouter(Config(attach: false));
        var gi2 = Index(router, Gi2);
        Assert.Null(router.DataPlane.ReadServicePolicy(gi2));

        Assert.IsType<CommandSucceeded>(Send(router, new DefineClassMap(new ClassMapConfig("WEB", ClassMatchMode.All, EquatableList<int>.Empty, EquatableList<int>.Empty,
            6, null, null, null, new PortRangeConfig(80, 80), null))));
        var lan = new PolicyMapConfig("LAN", null, EquatableList.Of(
            new PolicyClassConfig("WEB", null, null, 3, null, 32, null, null)));
        Assert.IsType<CommandSucceeded>(Send(router, new DefinePolicyMap(lan)));
        Assert.IsType<CommandSucceeded>(Send(router, new AttachServicePolicy(Gi2, "LAN")));
        var attached = router.DataPlane.ReadServicePolicy(gi2)!;
        Assert.Equal("LAN", attached.Policy.Name);
        Assert.Equal(["WEB", "class-default"], attached.Classes.Select(c => c.Name));

        // Redefining the policy in use recompiles it on the interface.
        Assert.IsType<CommandSucceeded>(Send(router, new DefinePolicyMap(lan with
        {
            Shape = new RateConfig(2_000_000, 6000),
            Classes = EquatableList.Of(new PolicyClassConfig("VOICE", new RateConfig(64_000, 1600), null, null, null, 16, null, 46), lan.Classes[0]),
        })));
        var replaced = router.DataPlane.ReadServicePolicy(gi2)!;
        Assert.Equal(["VOICE", "WEB", "class-default"], replaced.Classes.Select(c => c.Name));
        Assert.NotSame(attached.Policy, replaced.Policy);

        var running = router.Ask<RunningConfig>(router.Fman, GetRunningConfig.Instance);
        Assert.Equal("LAN", running.Config.Interfaces[1].ServicePolicyOutput);
        Assert.Equal(["VOICE", "FROM-GI1", "WEB"], running.Config.Qos.ClassMaps.Select(c => c.Name));
        Assert.Equal(running.Config, RouterConfigLoader.LoadString(running.Text, "running-config"));

        Assert.IsType<CommandSucceeded>(Send(router, new DetachServicePolicy(Gi2)));
        Assert.Null(router.DataPlane.ReadServicePolicy(gi2));
        Assert.IsType<CommandSucceeded>(Send(router, new RemovePolicyMap("LAN")));
        Assert.IsType<CommandSucceeded>(Send(router, new RemoveClassMap("WEB")));
        running = router.Ask<RunningConfig>(router.Fman, GetRunningConfig.Instance);
        Assert.Null(running.Config.Interfaces[1].ServicePolicyOutput);
        Assert.Equal(["WAN"], running.Config.Qos.PolicyMaps.Select(p => p.Name));
    }

    [Fact]
    public void Invalid_changes_are_refused_with_the_loaders_reasons_and_nothing_changes()
    {
        using var router = StartRouter(Config());
        var gi2 = Index(router, Gi2);
        AwaitAssert(() => Assert.NotNull(router.DataPlane.ReadServicePolicy(gi2)), Long);
        var before = router.DataPlane.ReadServicePolicy(gi2)!.Policy;

        Assert.Equal("GigabitEthernet2: no policy-map named 'LAN' (defined: WAN)",
            Assert.IsType<CommandFailed>(Send(router, new AttachServicePolicy(Gi2, "LAN"))).Reason);
        var both = new PolicyMapConfig("WAN", null, EquatableList.Of(new PolicyClassConfig("VOICE", new RateConfig(64_000, 1600), 10, null, null, 64, null, null)));
        Assert.Equal("actorrouter.qos.policy-maps[0].classes[0].priority: priority and bandwidth-percent in one class: a priority class is served first and takes no bandwidth share",
            Assert.IsType<CommandFailed>(Send(router, new DefinePolicyMap(both))).Reason);
        var over = new PolicyMapConfig("P2", null, EquatableList.Of(
            new PolicyClassConfig("VOICE", null, 70, null, null, 64, null, null), new PolicyClassConfig("class-default", null, 40, null, null, 64, null, null)));
        Assert.Equal("actorrouter.qos.policy-maps[1].classes: bandwidth percentages add up to 110, more than 100",
            Assert.IsType<CommandFailed>(Send(router, new DefinePolicyMap(over))).Reason);
        Assert.Equal("actorrouter.qos.policy-maps[1].classes[0].class: no class-map named 'VIDEO' (defined: VOICE, FROM-GI1)",
            Assert.IsType<CommandFailed>(Send(router, new DefinePolicyMap(new PolicyMapConfig("P3", null, EquatableList.Of(
                new PolicyClassConfig("VIDEO", null, null, null, null, 64, null, null)))))).Reason);
        Assert.Equal("policy-map 'WAN' is applied to GigabitEthernet2 (service-policy output)",
            Assert.IsType<CommandFailed>(Send(router, new RemovePolicyMap("WAN"))).Reason);
        Assert.Equal("class-map 'VOICE' is used by policy-map 'WAN'",
            Assert.IsType<CommandFailed>(Send(router, new RemoveClassMap("VOICE"))).Reason);
        Assert.Equal("GigabitEthernet1 has no output service policy",
            Assert.IsType<CommandFailed>(Send(router, new DetachServicePolicy("GigabitEthernet1"))).Reason);
        Assert.Equal("actorrouter.qos.class-maps[2].input-interface: no interface named 'Gi9' (configured: GigabitEthernet1, GigabitEthernet2)",
            Assert.IsType<CommandFailed>(Send(router, new DefineClassMap(new ClassMapConfig("X", ClassMatchMode.Any, EquatableList<int>.Empty, EquatableList<int>.Empty,
                null, null, null, null, null, "Gi9")))).Reason);

        Assert.Same(before, router.DataPlane.ReadServicePolicy(gi2)!.Policy);
        var running = router.Ask<RunningConfig>(router.Fman, GetRunningConfig.Instance).Config;
        Assert.Equal(Config().Qos, running.Qos);
    }
}
