using System.Text;
using ActorRouter.Control.Contracts;

namespace ActorRouter.Cli.Tests;

/// <summary>arctl's fleet commands: the options, what they refuse before connecting, the text and JSON of the answers, and their wire form.</summary>
public sealed class FleetCommandTests
{
    [Theory]
    [InlineData(new[] { "--node", "r2", "--fleet", "show", "ip", "route" }, "arctl: --node and --fleet exclude each other")]
    [InlineData(new[] { "--deadline", "2", "show", "ip", "route" }, "arctl: --deadline goes with --fleet")]
    [InlineData(new[] { "--fleet", "--deadline", "0.01", "show", "ip", "route" }, "arctl: --deadline needs seconds between 0.1 and 60, not '0.01'")]
    public async Task Fleet_options_that_do_not_fit_together_are_usage_errors(string[] words, string message)
    {
        var result = await InProcessRouter.ArctlWithoutRouterAsync([.. words, "--router", $"127.0.0.1:{InProcessRouter.FreePort()}"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(message, result.Stderr.Split('\n')[0].TrimEnd());
        Assert.Contains("usage: arctl", result.Stderr);
    }

    [Theory]
    [InlineData(new[] { "--fleet", "interface", "gi1", "shutdown" }, "arctl: --fleet runs show commands only (show fleet itself already lists every member)")]
    [InlineData(new[] { "--fleet", "show", "fleet" }, "arctl: --fleet runs show commands only (show fleet itself already lists every member)")]
    [InlineData(new[] { "--node", "r2", "monitor", "interfaces" }, "arctl: --node cannot carry this command: connect to the router itself (--router)")]
    [InlineData(new[] { "--fleet", "credentials", "issue", "bob", "--role", "admin", "--out", "/nonexistent/bob.p12" }, "arctl: --fleet cannot carry this command: connect to the router itself (--router)")]
    public async Task Commands_a_fleet_cannot_carry_are_refused_before_connecting(string[] words, string message)
    {
        var result = await InProcessRouter.ArctlWithoutRouterAsync([.. words, "--router", $"127.0.0.1:{InProcessRouter.FreePort()}"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(message + "\n", result.Stderr);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public async Task Show_fleet_on_a_router_outside_a_fleet_is_refused_and_exits_1()
    {
        await using var router = await InProcessRouter.StartAsync();

        var show = await router.ArctlAsync("show", "fleet");
        Assert.Equal(1, show.ExitCode);
        Assert.Equal("% this router is not a member of a fleet (actorrouter.fleet.enabled is off)\n", show.Stderr);
        var node = await router.ArctlAsync("--node", "r2", "show", "ip", "route");
        Assert.Equal(1, node.ExitCode);
        Assert.Equal("% this router is not a member of a fleet (actorrouter.fleet.enabled is off)\n", node.Stderr);
    }

    [Fact]
    public void Show_fleet_lists_members_with_status_reachability_leader_and_uptime()
    {
        var view = new FleetView("lab", "r1", "r1",
        [
            new FleetMemberView("r1", "akka.ssl.tcp://lab@192.0.2.11:4054", "Up", true, true, 83, true),
            new FleetMemberView("r2", "akka.ssl.tcp://lab@192.0.2.12:4054", "Up", false, false, 90_061, false),
            new FleetMemberView("r3", "akka.ssl.tcp://lab@192.0.2.13:4054", "Joining", true, false, null, false),
        ]);

        Assert.Equal(
            "Fleet lab, as seen from r1; leader r1\n" +
            "Router               Status    Reachable Leader Uptime     Address\n" +
            "r1 (this)            Up        yes       *      00:01:23   akka.ssl.tcp://lab@192.0.2.11:4054\n" +
            "r2                   Up        no               1d01h      akka.ssl.tcp://lab@192.0.2.12:4054\n" +
            "r3                   Joining   yes              -          akka.ssl.tcp://lab@192.0.2.13:4054",
            ReplyFormatter.Text(view));
    }

    [Fact]
    public void Fleet_routes_read_as_code_f_with_distance_110_and_their_cost()
    {
        var routes = new RoutesView(
        [
            new RouteView("F", "198.18.0.0/15", "192.0.2.2", "GigabitEthernet1", true) { Metric = 2 },
            new RouteView("F", "198.18.0.0/15", "192.0.2.3", "GigabitEthernet1", false) { Metric = 2 },
        ]);

        Assert.Equal(
            "Codes: L - local, C - connected, S - static, F - fleet\n\n" +
            "Gateway of last resort is not set\n\n" +
            "F        198.18.0.0/15 [110/2] via 192.0.2.2, GigabitEthernet1\n" +
            "F        198.18.0.0/15 [110/2] via 192.0.2.3, GigabitEthernet1 (inactive)",
            ReplyFormatter.Text(routes));
        Assert.Contains("\"metric\": 2", ReplyFormatter.Json(routes), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0L, "00:00:00")]
    [InlineData(86_399L, "23:59:59")]
    [InlineData(86_400L, "1d00h")]
    [InlineData(8 * 86_400L + 3600, "1w1d")]
    public void Uptime_reads_as_ios_writes_it(long seconds, string text) => Assert.Equal(text, ReplyFormatter.Uptime(seconds));

    private static readonly FleetAnswersView Routes = new(
        [
            new FleetAnswer("r1", new RoutesView([new RouteView("L", "192.0.2.1/32", null, "GigabitEthernet1", true), new RouteView("C", "192.0.2.0/24", null, "GigabitEthernet1", true)])),
            new FleetAnswer("r2", new RoutesView([new RouteView("S", "203.0.113.0/24", "192.0.2.1", null, false)])),
            new FleetAnswer("r4", new NotAuthorised("certificate revoked")),
        ],
        [new FleetSilence("r3", "no answer within 5 s (unreachable)")]);

    [Fact]
    public void Fleet_answers_merge_into_one_table_with_a_router_column_and_name_who_did_not_answer()
    {
        Assert.Equal(
            "Codes: L - local, C - connected, S - static, F - fleet\n" +
            "Router           Code Prefix             Next hop        Interface\n" +
            "r1               C    192.0.2.0/24       -               GigabitEthernet1\n" +
            "r1               L    192.0.2.1/32       -               GigabitEthernet1\n" +
            "r2               S    203.0.113.0/24     192.0.2.1       - (inactive)\n" +
            "% r4: certificate revoked\n" +
            "Not answered:\n" +
            "  r3: no answer within 5 s (unreachable)",
            ReplyFormatter.FleetText(Routes, new ShowIpRouteRequest()));
        Assert.Equal(4, ReplyFormatter.FleetExitCode(Routes));
    }

    [Fact]
    public void Fleet_answers_that_are_not_tables_are_listed_under_each_router()
    {
        var answers = new FleetAnswersView(
            [new FleetAnswer("r1", new RunningConfigView("r1.conf", "actorrouter {}\n")), new FleetAnswer("r2", new RunningConfigView("r2.conf", "actorrouter {}\n"))], []);

        Assert.Equal(
            "Router r1:\n" +
            "  # running configuration; the router was started from r1.conf\n" +
            "  actorrouter {}\n" +
            "Router r2:\n" +
            "  # running configuration; the router was started from r2.conf\n" +
            "  actorrouter {}",
            ReplyFormatter.FleetText(answers, new ShowRunningConfigRequest()));
        Assert.Equal(0, ReplyFormatter.FleetExitCode(answers));
    }

    [Fact]
    public void Fleet_json_merges_list_replies_with_a_router_field_first()
    {
        Assert.Equal("""
            {
              "routes": [
                {
                  "router": "r1",
                  "code": "L",
                  "prefix": "192.0.2.1/32",
                  "nextHop": null,
                  "interface": "GigabitEthernet1",
                  "active": true
                },
                {
                  "router": "r1",
                  "code": "C",
                  "prefix": "192.0.2.0/24",
                  "nextHop": null,
                  "interface": "GigabitEthernet1",
                  "active": true
                },
                {
                  "router": "r2",
                  "code": "S",
                  "prefix": "203.0.113.0/24",
                  "nextHop": "192.0.2.1",
                  "interface": null,
                  "active": false
                }
              ],
              "errors": [
                {
                  "router": "r4",
                  "notAuthorised": true,
                  "error": "certificate revoked"
                }
              ],
              "answered": [
                "r1",
                "r2",
                "r4"
              ],
              "notAnswered": [
                {
                  "router": "r3",
                  "reason": "no answer within 5 s (unreachable)"
                }
              ]
            }
            """, ReplyFormatter.FleetJson(Routes));
    }

    [Fact]
    public void Fleet_contracts_travel_through_the_codec_with_their_nested_requests_and_replies()
    {
        var node = new NodeRequest("r2", new SetMtuRequest("gi1", 1400));
        Assert.Equal(node, ContractCodec.Decode(ContractCodec.Encode(node), ContractCodec.Manifest(node)));
        var fleet = new FleetRequest(new ShowIpArpRequest(), 2500);
        Assert.Equal(fleet, ContractCodec.Decode(ContractCodec.Encode(fleet), ContractCodec.Manifest(fleet)));

        var decoded = (FleetAnswersView)ContractCodec.Decode(ContractCodec.Encode(Routes), ContractCodec.Manifest(Routes));
        Assert.Equal(["r1", "r2", "r4"], decoded.Answers.Select(a => a.Router));
        Assert.Equal(((RoutesView)Routes.Answers[0].Reply).Routes, ((RoutesView)decoded.Answers[0].Reply).Routes);
        Assert.Equal(new NotAuthorised("certificate revoked"), decoded.Answers[2].Reply);
        Assert.Equal(Routes.NotAnswered, decoded.NotAnswered);
    }

    [Theory]
    [InlineData("ShowIpRouteRequest")]
    [InlineData("SignedRequest")]
    [InlineData("FleetAnswersView")]
    [InlineData("System.String")]
    public void A_member_answer_naming_a_request_or_nested_answers_or_any_other_type_is_refused(string manifest)
    {
        var bytes = Encoding.UTF8.GetBytes("{\"Answers\":[{\"Router\":\"r1\",\"Reply\":{\"manifest\":\"" + manifest + "\",\"body\":{}}}],\"NotAnswered\":[]}");

        var refused = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => ContractCodec.Decode(bytes, nameof(FleetAnswersView)));
        Assert.Contains($"the nested reply's manifest '{manifest}' is not a control reply type", refused.Message);
    }
}
