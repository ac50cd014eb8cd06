using System.Text.Json;
using System.Text.RegularExpressions;
using ActorRouter.ControlPlane.Configuration;

namespace ActorRouter.Cli.Tests;

/// <summary><c>show policy-map interface</c> against a router whose Gi2 carries an output policy.</summary>
public sealed class PolicyMapCommandTests
{
    /// <summary>The embedded default with a two-class policy on GigabitEthernet2: the simulated UDP flow and the rest.</summary>
    private static RouterConfig WithPolicy()
    {
        var text = RouterConfigLoader.ReadEmbeddedDefaultText()
            .Replace("os-name = \"mem1\"", "os-name = \"mem1\"\n      service-policy-output = \"EDGE\"");
        text += """

            actorrouter.qos {
              class-maps = [ { name = "SIMULATED", match = all, protocol = udp, destination-ports = "50000-50000" } ]
              policy-maps = [
                {
                  name = "EDGE"
                  shape = { average = 10000000, burst = 15000 }
                  classes = [
                    { class = "SIMULATED", bandwidth-percent = 60, queue-limit = 64 },
                    { class = "class-default", bandwidth-percent = 40 }
                  ]
                }
              ]
            }
            """;
        var config = RouterConfigLoader.LoadString(text, "policy-test.conf");
        return config with { Control = config.Control with { Port = 0 } };
    }

    [Fact]
    public async Task Show_policy_map_interface_prints_per_class_counters_and_json_carries_the_same_numbers()
    {
        await using var router = await InProcessRouter.StartAsync(WithPolicy());
        var moving = await InProcessRouter.EventuallyAsync(async () =>
        {
            var json = await router.ArctlAsync("show", "policy-map", "interface", "gi2", "--json");
            using var doc = JsonDocument.Parse(json.Stdout);
            return doc.RootElement.GetProperty("classes")[0].GetProperty("transmittedPackets").GetInt64() > 10;
        }, TimeSpan.FromSeconds(20));
        Assert.True(moving, "the simulated flow was not classified into SIMULATED\n" + router.HostOutput);

        // Freeze nothing: read text and JSON, then check that the text's counters are those of a JSON reading taken after it.
        var between = System.Diagnostics.Stopwatch.StartNew();
        var text = await router.ArctlAsync("show", "policy-map", "interface", "GigabitEthernet2");
        var after = await router.ArctlAsync("show", "policy-map", "interface", "GigabitEthernet2", "--json");
        between.Stop();

        Assert.Equal(0, text.ExitCode);
        Assert.Contains("  Service-policy output: EDGE", text.Lines);
        Assert.Contains("    Class-map: SIMULATED (match-all)", text.Lines);
        Assert.Contains("    Class-map: class-default (match-any)", text.Lines);
        Assert.Contains("    shape (average) cir 10000000, bc 15000 bytes", text.Lines);
        var output = Regex.Match(text.Stdout, @"Class-map: SIMULATED[\s\S]*?\(pkts output/bytes output\) (\d+)/(\d+)");
        Assert.True(output.Success, text.ToString());
        using var doc = JsonDocument.Parse(after.Stdout);
        Assert.Equal("EDGE", doc.RootElement.GetProperty("policyName").GetString());
        var simulated = doc.RootElement.GetProperty("classes")[0];
        Assert.Equal("SIMULATED", simulated.GetProperty("class").GetString());
        var packetsText = long.Parse(output.Groups[1].Value);
        var packetsJson = simulated.GetProperty("transmittedPackets").GetInt64();
        // The flow runs at 100 pps: the later JSON reading is the same or ahead by what flowed between the two
        // readings (each a TLS connection of its own, which takes its time on a loaded machine).
        Assert.InRange(packetsJson - packetsText, 0, 10 + (long)Math.Ceiling(between.Elapsed.TotalSeconds * 100));
        Assert.Equal(0, simulated.GetProperty("tailDropPackets").GetInt64());
    }

    [Fact]
    public async Task Show_policy_map_for_an_interface_without_a_policy_or_an_unknown_one()
    {
        await using var router = await InProcessRouter.StartAsync(WithPolicy());

        var none = await router.ArctlAsync("show", "policy-map", "interface", "gi1");
        Assert.Equal(0, none.ExitCode);
        Assert.Contains("  no output service policy", none.Lines);

        var unknown = await router.ArctlAsync("show", "policy-map", "interface", "gi9");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("gi9", unknown.Stdout + unknown.Stderr);
    }

    [Fact]
    public async Task Service_policy_is_attached_and_removed_by_arctl_and_a_bad_name_changes_nothing()
    {
        await using var router = await InProcessRouter.StartAsync(WithPolicy());

        var bad = await router.ArctlAsync("interface", "gi1", "service-policy", "output", "NOPE");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("NOPE", bad.Stdout + bad.Stderr);
        Assert.Contains("  no output service policy", (await router.ArctlAsync("show", "policy-map", "interface", "gi1")).Lines);

        var attach = await router.ArctlAsync("interface", "gi1", "service-policy", "output", "EDGE");
        Assert.True(attach.ExitCode == 0, attach.ToString());
        Assert.Contains("  Service-policy output: EDGE", (await router.ArctlAsync("show", "policy-map", "interface", "gi1")).Lines);
        var running = await router.ArctlAsync("show", "running-config");
        Assert.Equal(2, Regex.Matches(running.Stdout, "service-policy-output = \"EDGE\"").Count);

        var detach = await router.ArctlAsync("interface", "gi1", "no", "service-policy", "output");
        Assert.True(detach.ExitCode == 0, detach.ToString());
        Assert.Contains("  no output service policy", (await router.ArctlAsync("show", "policy-map", "interface", "gi1")).Lines);
    }

    [Fact]
    public async Task Qos_define_adds_maps_with_the_loaders_validation_and_a_bad_file_changes_nothing()
    {
        await using var router = await InProcessRouter.StartAsync(WithPolicy());
        var good = Path.Combine(Path.GetTempPath(), $"arctl-qos-{Guid.NewGuid():N}.conf");
        var bad = Path.Combine(Path.GetTempPath(), $"arctl-qos-bad-{Guid.NewGuid():N}.conf");
        File.WriteAllText(good, """
            class-maps = [ { name = "SIMULATED", match = all, protocol = udp, destination-ports = "50000-50000" },
                           { name = "PINGS", match = any, protocol = icmp } ]
            policy-maps = [
              { name = "EDGE", classes = [ { class = "SIMULATED", bandwidth-percent = 60 }, { class = "class-default", bandwidth-percent = 40 } ] },
              { name = "SLOW", shape = { average = 2000000, burst = 3000 }, classes = [ { class = "PINGS", priority = { rate = 64000, burst = 1500 } } ] }
            ]
            """);
        File.WriteAllText(bad, """
            class-maps = [ { name = "PINGS", match = any, protocol = icmp } ]
            policy-maps = [ { name = "BROKEN", classes = [ { class = "NOSUCH", bandwidth-percent = 10 } ] } ]
            """);
        try
        {
            var before = (await router.ArctlAsync("show", "running-config")).Stdout;
            var refused = await router.ArctlAsync("qos", "define", bad);
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains("NOSUCH", refused.Stdout + refused.Stderr);
            Assert.Equal(before, (await router.ArctlAsync("show", "running-config")).Stdout);

            var defined = await router.ArctlAsync("qos", "define", good);
            Assert.True(defined.ExitCode == 0, defined.ToString());
            // PINGS and SLOW are new; EDGE loses its shaper, so it is redefined too.
            Assert.Contains("3 map(s) defined", defined.Stdout);
            var attach = await router.ArctlAsync("interface", "gi1", "service-policy", "output", "SLOW");
            Assert.True(attach.ExitCode == 0, attach.ToString());
            var status = await router.ArctlAsync("show", "policy-map", "interface", "gi1");
            Assert.Contains("  Service-policy output: SLOW", status.Lines);
            Assert.Contains("    Class-map: PINGS (match-any)", status.Lines);
            Assert.Contains("name = \"SLOW\"", (await router.ArctlAsync("show", "running-config")).Stdout);

            var missing = await router.ArctlAsync("qos", "define", "/nonexistent/qos.conf");
            Assert.Equal(2, missing.ExitCode);
        }
        finally
        {
            File.Delete(good);
            File.Delete(bad);
        }
    }
}
