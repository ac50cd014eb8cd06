using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Fleet.LinkState;
using ActorRouter.ControlPlane.Fleet.Probes;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.ControlPlane.Punt;
using ActorRouter.ControlPlane.Tests.ControlPlane;
using ActorRouter.IO.Memory;
using ActorRouter.Packets;
using Akka.Actor;
using Xunit.Abstractions;
using static ActorRouter.ControlPlane.Tests.ControlPlane.TestConfigs;

namespace ActorRouter.ControlPlane.Tests.Fleet;

/// <summary>
/// The fleet's adjacency probes on the real punt path of the two-interface router (GigabitEthernet1 192.0.2.1/24,
/// GigabitEthernet2 198.51.100.1/24, memory wires): the hellos the router sends, an adjacency that comes up only
/// when heard both ways and goes down when the hellos stop, and the link state published to the link-state actor
/// (a probe here). And the routes the fleet system sent stay installed when that system goes.
/// </summary>
[Collection(DataPlaneCollection.Name)]
public sealed class FleetAdjacencyTests(ITestOutputHelper output) : ControlPlaneTestKit(output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private static readonly ulong NeighborMac = 0x02_00_00_00_00_99;
    private static readonly uint NeighborAddress = Ipv4Text.Parse("192.0.2.2");
    private static readonly Ipv4Cidr Net192 = Ipv4Cidr.Parse("192.0.2.0/24");
    private static readonly Ipv4Cidr Net198 = Ipv4Cidr.Parse("198.51.100.0/24");
    private static readonly Ipv4Cidr Net203 = Ipv4Cidr.Parse("203.0.113.0/24");

    private static RouterConfig Config() => TwoInterfaces() with
    {
        Fleet = FleetConfig.Default with { Enabled = true, Name = "lab", RouterName = "r1", ProbeInterval = TimeSpan.FromMilliseconds(100), ProbeDeadIntervals = 4 },
        StaticRoutes = new EquatableList<StaticRouteConfig>([TwoInterfaces().StaticRoutes[0] with { Share = true }]),
    };

    private static byte[] Hello(string fleet, string router, params string[] heard) =>
        FleetHelloCodec.EncodeFrame(NeighborMac, NeighborAddress, new FleetHello(fleet, router, heard));

    /// <summary>The next fleet hello on a far end, decoded; null after the wait.</summary>
    private static (uint Source, FleetHello Hello)? NextHello(MemoryVnicPort port)
    {
        var deadline = Environment.TickCount64 + 10_000;
        while (Environment.TickCount64 < deadline)
        {
            if (port.TryReceive() is not { } frame)
            {
                Thread.Sleep(5);
                continue;
            }
            if (FleetHelloCodec.TryReadDatagram(frame, out var source, out var payload) && FleetHelloCodec.TryDecodePayload(payload, out _) is { } hello)
            {
                return (source, hello);
            }
        }
        return null;
    }

    [Fact]
    public void An_adjacency_comes_up_when_heard_both_ways_goes_down_when_the_hellos_stop_and_each_change_is_published()
    {
        var channel = new FleetProbeChannel("lab");
        var linkState = CreateTestProbe();
        channel.AttachLinkState(linkState.Ref);
        using var router = StartRouter(Config(), children: [PuntServiceActor.Child(forUs: channel), FleetAdjacencyActor.Child(channel)]);
        var far = router.Wire("mem0").B;

        // Alone: both connected prefixes, no adjacency, the shared static route (a first state may come while only one
        // interface is up yet: each change is published).
        var alone = new PublishLinkState([Net192, Net198], [], [Net203]);
        linkState.FishForMessage<PublishLinkState>(m => new LinkStateComparer().Equals(m, alone), Deadline);

        // The router's hello: broadcast from its address on the link, TTL 1, naming it and no one heard yet.
        var (source, hello) = NextHello(far) ?? throw new Xunit.Sdk.XunitException("no hello on GigabitEthernet1");
        Assert.Equal(Ipv4Text.Parse("192.0.2.1"), source);
        Assert.Equal(("lab", "r1", 0), (hello.Fleet, hello.Router, hello.Heard.Count));

        // A neighbour that does not hear r1 yet: one-way, nothing published; r1's next hellos list it.
        far.Send(Hello("lab", "r2"));
        AwaitAssert(() =>
        {
            var neighbor = Assert.Single(router.Ask<FleetNeighborList>(channel.Adjacency!, GetFleetNeighbors.Instance).Neighbors);
            Assert.Equal(("r2", "GigabitEthernet1", NeighborAddress, false), (neighbor.Router, neighbor.Interface, neighbor.Address, neighbor.TwoWay));
        }, Deadline);
        Assert.True(WaitFor(() => NextHello(far)?.Hello.Heard.SequenceEqual(["r2"]) == true), "r1's hellos do not list r2");
        linkState.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        // Heard both ways: the adjacency is up and published.
        far.Send(Hello("lab", "r2", "r1"));
        Assert.Equal(new PublishLinkState([Net192, Net198], [new LinkStateAdjacency("r2", NeighborAddress)], [Net203]),
            linkState.ExpectMsg<PublishLinkState>(Deadline), new LinkStateComparer());

        // Another fleet's hello is counted and ignored.
        far.Send(Hello("other", "x9", "r1"));
        AwaitAssert(() => Assert.Equal(1, channel.Foreign), Deadline);

        // The hellos stop: after 4 intervals (400 ms) the adjacency is down and withdrawn.
        var stopped = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(new PublishLinkState([Net192, Net198], [], [Net203]), linkState.ExpectMsg<PublishLinkState>(Deadline), new LinkStateComparer());
        Assert.True(stopped.ElapsedMilliseconds >= 300, $"withdrawn after {stopped.ElapsedMilliseconds} ms");
        Assert.Empty(router.Ask<FleetNeighborList>(channel.Adjacency!, GetFleetNeighbors.Instance).Neighbors);
    }

    [Fact]
    public async Task Fleet_routes_sent_from_another_actor_system_stay_installed_when_that_system_terminates()
    {
        using var router = StartRouter(Config());
        var fleetSystem = ActorSystem.Create("fleet-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            // The fleet system's link-state actor sends to the supervisor, which hands the routes to FMAN.
            var routes = new FleetRoutesComputed(
                [new FleetRoute(Ipv4Cidr.Parse("198.18.0.0/15"), 2, [new FleetNextHop("r2", Ipv4Text.Parse("192.0.2.2"))], ["r3"])],
                new LinkStateDatabaseSize(3, 4, 5, 0));
            fleetSystem.ActorOf(Props.Create(() => new OneShot(router.Supervisor, routes)));
            AwaitAssert(() => Assert.Contains(router.Ask<RouteList>(router.Fman, GetRoutes.Instance).Routes, r => r.Kind == RouteKind.Fleet && r.Active), Deadline);
        }
        finally
        {
            await fleetSystem.Terminate().WaitAsync(Deadline);
        }
        // The cluster is gone; forwarding goes on with what FMAN has.
        await Task.Delay(300);
        var fleet = Assert.Single(router.Ask<RouteList>(router.Fman, GetRoutes.Instance).Routes, r => r.Kind == RouteKind.Fleet);
        Assert.Equal((Ipv4Cidr.Parse("198.18.0.0/15"), Ipv4Text.Parse("192.0.2.2"), true), (fleet.Prefix, fleet.NextHop, fleet.Active));
        var forwarding = router.DataPlane.Forwarding;
        Assert.Equal(Ipv4Text.Parse("192.0.2.2"), forwarding.Adjacencies[forwarding.Fib.Lookup(Ipv4Text.Parse("198.18.7.7"))].NextHopAddress);
    }

    private sealed class OneShot : ReceiveActor
    {
        public OneShot(IActorRef target, object message) => target.Tell(message, Self);
    }

    private static bool WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Link states are equal when their lists are (records compare lists by reference).</summary>
    private sealed class LinkStateComparer : IEqualityComparer<PublishLinkState>
    {
        public bool Equals(PublishLinkState? x, PublishLinkState? y) =>
            x is not null && y is not null && x.Connected.SequenceEqual(y.Connected) && x.Adjacencies.SequenceEqual(y.Adjacencies)
            && x.SharedStaticRoutes.SequenceEqual(y.SharedStaticRoutes);

        public int GetHashCode(PublishLinkState obj) => 0;
    }
}
