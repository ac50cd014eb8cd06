using ActorRouter.Control.Contracts;
using ActorRouter.ControlPlane.Configuration;
using Akka.Actor;

namespace ActorRouter.Cli.Tests;

/// <summary>
/// The configuration loader, the router at run time (the command gateway and FMAN, reached without arctl's
/// own checks) and arctl (the whole command) accept and refuse exactly the same inputs: one set of rules
/// (Control.Contracts.Rules) behind all three. Each row is one input and whether it is accepted.
/// </summary>
public sealed class RuleAgreementTests(RuleAgreementTests.RouterFixture fixture) : IClassFixture<RuleAgreementTests.RouterFixture>
{
    /// <summary>One router for every row: each row's change is one the next rows do not depend on.</summary>
    public sealed class RouterFixture : IAsyncLifetime
    {
        public InProcessRouter Router { get; private set; } = null!;

        public async Task InitializeAsync() => Router = await InProcessRouter.StartAsync();

        public async Task DisposeAsync() => await Router.DisposeAsync();
    }

    /// <summary>GigabitEthernet2 (198.51.100.1/24) and GigabitEthernet1 (192.0.2.1/24), as in the embedded default, 2048-byte buffers, headroom 128.</summary>
    private static string Config(string gi2Extra = "", string routes = "") => $$"""
        actorrouter {
          interfaces = [
            { os-name = "mem0", name = "GigabitEthernet1", ipv4 = "192.0.2.1/24" },
            { os-name = "mem1", name = "GigabitEthernet2", ipv4 = "198.51.100.1/24" {{gi2Extra}} }
          ]
          {{(routes.Length == 0 ? "" : $"static-routes = [ {routes} ]")}}
        }
        """;

    private static bool LoaderAccepts(string hocon) => RouterConfigLoader.TryLoadString(hocon, "agreement.conf", out _, out _);

    public static readonly TheoryData<string, bool> InterfaceAddresses = new()
    {
        { "198.51.100.5/25", true },
        { "198.51.100.6 255.255.255.128", true },
        { "198.51.100.9/31", true },
        { "198.51.100.0/24", false },
        { "198.51.100.255 255.255.255.0", false },
        { "127.0.0.1/8", false },
        { "224.0.0.5/24", false },
        { "10.0.0.1/0", false },
        { "10.0.0.1 0.0.0.0", false },
        { "10.0.0.1 255.0.255.0", false },
        { "10.0.0.1/33", false },
        { "10.0.0.1", false },
        { "10.1/8", false },
    };

    public static readonly TheoryData<string, string, bool> Routes = new()
    {
        { "10.99.0.0/16", "198.51.100.10", true },
        { "10.98.0.0 255.255.0.0", "198.51.100.10", true },
        { "0.0.0.0/0", "198.51.100.10", true },
        { "10.97.0.1/16", "198.51.100.10", false },
        { "10.96.0.0 255.0.255.0", "198.51.100.10", false },
        { "10.95.0.0/16", "127.0.0.1", false },
        { "10.94.0.0/16", "224.0.0.9", false },
        { "10.93.0.0/16", "192.0.2.1", false },
        { "10.92.0.0/40", "198.51.100.10", false },
    };

    /// <summary>68..9000, and (2048-byte buffers, headroom 128) at most 2048 − 128 − 18 = 1902.</summary>
    public static readonly TheoryData<int, bool> Mtus = new()
    {
        { 68, true },
        { 1500, true },
        { 1902, true },
        { 1903, false },
        { 9000, false },
        { 67, false },
        { 9001, false },
    };

    private static async Task<object> GatewayAsync(InProcessRouter router, IArctlRequest request)
    {
        var gateway = await router.ActorSystem.ActorSelection("/user/control/cli-gateway").ResolveOne(TimeSpan.FromSeconds(5));
        // Every request reaches the gateway signed; the router's admin credential signs this one.
        using var credential = LoadedCredential.Load(new ClientCertificate(router.AdminCredential, null));
        return await gateway.Ask<object>(credential.Sign(request), TimeSpan.FromSeconds(20));
    }

    [Theory]
    [MemberData(nameof(InterfaceAddresses))]
    public async Task Interface_addresses_are_accepted_alike_by_the_loader_the_router_and_arctl(string address, bool accepted)
    {
        // The later ipv4 key replaces the earlier one (HOCON: last wins).
        Assert.Equal(accepted, LoaderAccepts(Config(gi2Extra: $", ipv4 = \"{address}\"")));
        var router = fixture.Router;
        Assert.Equal(accepted, await GatewayAsync(router, new SetIpAddressRequest("gi2", address)) is CommandDone);
        var arctl = await router.ArctlAsync(["interface", "gi2", "ip", "address", .. address.Split(' ')]);
        Assert.Equal(accepted, arctl.ExitCode == 0);
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Static_routes_are_accepted_alike_by_the_loader_the_router_and_arctl(string prefix, string nextHop, bool accepted)
    {
        Assert.Equal(accepted, LoaderAccepts(Config(routes: $"{{ prefix = \"{prefix}\", next-hop = \"{nextHop}\" }}")));
        var router = fixture.Router;
        Assert.Equal(accepted, await GatewayAsync(router, new AddRouteRequest(prefix, nextHop)) is CommandDone);
        var arctl = await router.ArctlAsync(["no", "ip", "route", .. prefix.Split(' '), nextHop]);
        // Removing what the router accepted succeeds; what it refuses to add it refuses to name as well.
        Assert.Equal(accepted, arctl.ExitCode == 0);
    }

    [Theory]
    [MemberData(nameof(Mtus))]
    public async Task Mtus_are_accepted_alike_by_the_loader_the_router_and_arctl(int mtu, bool accepted)
    {
        Assert.Equal(accepted, LoaderAccepts(Config(gi2Extra: $", mtu = {mtu}")));
        var router = fixture.Router;
        Assert.Equal(accepted, await GatewayAsync(router, new SetMtuRequest("gi2", mtu)) is CommandDone);
        var arctl = await router.ArctlAsync("interface", "gi1", "mtu", mtu.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(accepted, arctl.ExitCode == 0);
    }
}
