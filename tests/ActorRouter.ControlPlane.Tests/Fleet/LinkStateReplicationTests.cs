using System.Net;
using System.Net.Sockets;
using ActorRouter.Control.Contracts;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Fleet;
using ActorRouter.ControlPlane.Fleet.LinkState;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Akka.DistributedData;
using Akka.TestKit.Xunit2;
using Xunit.Abstractions;

namespace ActorRouter.ControlPlane.Tests.Fleet;

/// <summary>
/// Three fleet actor systems in one process (plain TCP on 127.0.0.1) replicate their link state through
/// Distributed Data: a line r1–r2–r3, a LAN behind r1 (198.51.100.0/24) and one behind r3 (203.0.113.0/24).
/// Each router's routes go to a probe, as they go to FMAN in the router.
/// </summary>
public sealed class LinkStateReplicationTests : TestKit
{
    private static readonly TimeSpan Formation = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Convergence = TimeSpan.FromSeconds(30);
    private const string FleetName = "lsfleet";

    private readonly List<ActorSystem> _members = [];
    private readonly List<IActorRef> _linkState = [];
    private readonly List<Akka.TestKit.TestProbe> _routes = [];

    public LinkStateReplicationTests(ITestOutputHelper output) : base("akka.loglevel = INFO", output: output)
    {
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private readonly List<int> _ports = [];

    private void StartFleet(int count)
    {
        _ports.AddRange(Enumerable.Range(0, count).Select(_ => FreePort()));
        for (var i = 0; i < count; i++)
        {
            StartMember(i);
        }
        AwaitCondition(() => _members.All(m => Cluster.Get(m).State.Members.Count(x => x.Status == MemberStatus.Up) == count), Formation, TimeSpan.FromMilliseconds(250));
    }

    /// <summary>Starts member <paramref name="index"/> (router r<c>index + 1</c>) on its port, in the list's slot <paramref name="index"/> (a new incarnation replaces the old one's slot).</summary>
    private void StartMember(int index)
    {
        var router = $"r{index + 1}";
        var config = LoopbackFleetMember.Config(FleetName, router, _ports[index], _ports[0], DateTimeOffset.UtcNow,
            "akka.cluster.distributed-data.notify-subscribers-interval = 100ms").WithFallback(DistributedData.DefaultConfig());
        var system = ActorSystem.Create(FleetName, config);
        var probe = CreateTestProbe();
        var linkState = system.ActorOf(LinkStateActor.Props(router, probe.Ref), LinkStateActor.Name);
        if (index < _members.Count)
        {
            _members[index] = system;
            _routes[index] = probe;
            _linkState[index] = linkState;
        }
        else
        {
            _members.Add(system);
            _routes.Add(probe);
            _linkState.Add(linkState);
        }
    }

    private static Ipv4Cidr P(string text) => Ipv4Cidr.Parse(text);

    private static LinkStateAdjacency Adj(string neighbor, string address) => new(neighbor, Ipv4Text.Parse(address));

    private void PublishLine()
    {
        _linkState[0].Tell(new PublishLinkState([P("198.51.100.0/24"), P("192.0.2.0/30")], [Adj("r2", "192.0.2.2")], []));
        _linkState[1].Tell(new PublishLinkState([P("192.0.2.0/30"), P("192.0.2.4/30")], [Adj("r1", "192.0.2.1"), Adj("r3", "192.0.2.6")], []));
        _linkState[2].Tell(new PublishLinkState([P("203.0.113.0/24"), P("192.0.2.4/30")], [Adj("r2", "192.0.2.5")], [P("203.0.113.128/25")]));
    }

    /// <summary>The probe's messages until one carries exactly <paramref name="expected"/> (intermediate lists come while entries arrive one by one).</summary>
    private static FleetRoutesComputed RoutesBecome(Akka.TestKit.TestProbe probe, string expected) =>
        (FleetRoutesComputed)probe.FishForMessage(m => m is FleetRoutesComputed c && string.Join("\n", c.Routes) == expected, Convergence);

    [Fact]
    public async Task Every_router_computes_its_routes_from_the_entries_the_others_replicated()
    {
        StartFleet(3);
        PublishLine();

        var r1 = RoutesBecome(_routes[0],
            "192.0.2.4/30 cost 1 via 192.0.2.2 (r2) from r2\n"
            + "203.0.113.0/24 cost 2 via 192.0.2.2 (r2) from r3\n"
            + "203.0.113.128/25 cost 2 via 192.0.2.2 (r2) from r3");
        Assert.Equal(new LinkStateDatabaseSize(3, 4, 7, 3 * (17 + 8) + 5 * 7 + 4 * (17 + 8)), r1.DatabaseSize);
        RoutesBecome(_routes[1],
            "198.51.100.0/24 cost 1 via 192.0.2.1 (r1) from r1\n"
            + "203.0.113.0/24 cost 1 via 192.0.2.6 (r3) from r3\n"
            + "203.0.113.128/25 cost 1 via 192.0.2.6 (r3) from r3");
        RoutesBecome(_routes[2],
            "192.0.2.0/30 cost 1 via 192.0.2.5 (r2) from r2\n"
            + "198.51.100.0/24 cost 2 via 192.0.2.5 (r2) from r1");

        var snapshot = await _linkState[2].Ask<LinkStateSnapshot>(GetLinkStateSnapshot.Instance, TimeSpan.FromSeconds(10));
        Assert.Equal(["r1", "r2", "r3"], snapshot.Entries.Select(e => e.Router));
        Assert.Equal(0, snapshot.UnreadableEntries);
    }

    [Fact]
    public void A_new_entry_for_a_link_that_went_down_reaches_every_router()
    {
        StartFleet(3);
        PublishLine();
        RoutesBecome(_routes[0],
            "192.0.2.4/30 cost 1 via 192.0.2.2 (r2) from r2\n"
            + "203.0.113.0/24 cost 2 via 192.0.2.2 (r2) from r3\n"
            + "203.0.113.128/25 cost 2 via 192.0.2.2 (r2) from r3");

        // r2 sees its link to r3 down: it drops the adjacency and the /30; r3 is cut off from r1.
        _linkState[1].Tell(new PublishLinkState([P("192.0.2.0/30")], [Adj("r1", "192.0.2.1")], []));

        RoutesBecome(_routes[0], "");
        RoutesBecome(_routes[2], "");
    }

    [Fact]
    public async Task A_member_the_cluster_removes_is_withdrawn_and_the_others_keep_the_rest()
    {
        StartFleet(3);
        PublishLine();
        RoutesBecome(_routes[0],
            "192.0.2.4/30 cost 1 via 192.0.2.2 (r2) from r2\n"
            + "203.0.113.0/24 cost 2 via 192.0.2.2 (r2) from r3\n"
            + "203.0.113.128/25 cost 2 via 192.0.2.2 (r2) from r3");

        // r3 stops without leaving; an operator (or the split-brain resolver) downs it.
        var r3Address = Cluster.Get(_members[2]).SelfAddress;
        await _members[2].Terminate().WaitAsync(TimeSpan.FromSeconds(20));
        Cluster.Get(_members[0]).Down(r3Address);

        // r2 still announces its /30 towards r3 (its link is up as far as it knows); r3's own prefixes are gone.
        RoutesBecome(_routes[0], "192.0.2.4/30 cost 1 via 192.0.2.2 (r2) from r2");
        RoutesBecome(_routes[1], "198.51.100.0/24 cost 1 via 192.0.2.1 (r1) from r1");
        await AwaitAssertAsync(async () =>
        {
            var snapshot = await _linkState[0].Ask<LinkStateSnapshot>(GetLinkStateSnapshot.Instance, TimeSpan.FromSeconds(10));
            Assert.Equal(["r1", "r2"], snapshot.Entries.Select(e => e.Router));
        }, Convergence, TimeSpan.FromMilliseconds(250));
    }

    [Fact]
    public async Task An_entry_another_member_removed_is_written_again_by_its_owner()
    {
        StartFleet(3);
        PublishLine();
        RoutesBecome(_routes[0], R1LineRoutes);
        var before = await R3SequenceAtR1();

        // r1 removes r3's entry everywhere (as a removal merged after r3's write does); r3 writes it again, a newer entry.
        var r1Cluster = Cluster.Get(_members[0]);
        DistributedData.Get(_members[0]).Replicator.Tell(
            Dsl.Update(LinkStateActor.Key, LWWDictionary<string, string>.Empty, new WriteAll(TimeSpan.FromSeconds(5)), map => map.Remove(r1Cluster, "r3")));

        await AwaitAssertAsync(async () =>
        {
            Assert.True(await R3SequenceAtR1() > before, "r3's entry was not written again");
            var snapshot = await _linkState[0].Ask<LinkStateSnapshot>(GetLinkStateSnapshot.Instance, TimeSpan.FromSeconds(10));
            Assert.Equal(R1LineRoutes, string.Join("\n", snapshot.Routes));
        }, Convergence, TimeSpan.FromMilliseconds(250));
    }

    /// <summary>The sequence of r3's entry as r1 counts it (0 when it has none).</summary>
    private async Task<long> R3SequenceAtR1()
    {
        var snapshot = await _linkState[0].Ask<LinkStateSnapshot>(GetLinkStateSnapshot.Instance, TimeSpan.FromSeconds(10));
        return snapshot.Entries.FirstOrDefault(e => e.Router == "r3")?.Sequence ?? 0;
    }

    [Fact]
    public async Task A_member_restarted_under_the_same_address_rejoins_and_every_router_counts_its_entry_again()
    {
        StartFleet(3);
        PublishLine();
        RoutesBecome(_routes[0], R1LineRoutes);

        // r3 is killed (its system stops without leaving) and downed; the survivors remove its entry.
        var r3Address = Cluster.Get(_members[2]).SelfAddress;
        await _members[2].Terminate().WaitAsync(TimeSpan.FromSeconds(20));
        Cluster.Get(_members[0]).Down(r3Address);
        RoutesBecome(_routes[0], "192.0.2.4/30 cost 1 via 192.0.2.2 (r2) from r2");
        AwaitCondition(() => Cluster.Get(_members[0]).State.Members.All(m => m.Address != r3Address), Formation, TimeSpan.FromMilliseconds(250));

        // A new incarnation on the same port joins and publishes at once, as a restarted router does.
        StartMember(2);
        _linkState[2].Tell(new PublishLinkState([P("203.0.113.0/24"), P("192.0.2.4/30")], [Adj("r2", "192.0.2.5")], [P("203.0.113.128/25")]));
        RoutesBecome(_routes[0], R1LineRoutes);
        RoutesBecome(_routes[2],
            "192.0.2.0/30 cost 1 via 192.0.2.5 (r2) from r2\n"
            + "198.51.100.0/24 cost 2 via 192.0.2.5 (r2) from r1");
    }

    private const string R1LineRoutes =
        "192.0.2.4/30 cost 1 via 192.0.2.2 (r2) from r2\n"
        + "203.0.113.0/24 cost 2 via 192.0.2.2 (r2) from r3\n"
        + "203.0.113.128/25 cost 2 via 192.0.2.2 (r2) from r3";

    protected override void Dispose(bool disposing)
    {
        foreach (var member in _members)
        {
            member.Terminate().Wait(TimeSpan.FromSeconds(20));
        }
        base.Dispose(disposing);
    }
}
