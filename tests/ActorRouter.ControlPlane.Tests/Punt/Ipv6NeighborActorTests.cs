using System.Collections.Concurrent;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.ControlPlane.Punt;
using ActorRouter.DataPlane.Forwarding;
using ActorRouter.DataPlane.Interfaces;
using ActorRouter.DataPlane.Ports;
using Akka.Actor;
using Akka.TestKit;
using static ActorRouter.ControlPlane.Tests.Punt.Icmpv6ResponderTests;

namespace ActorRouter.ControlPlane.Tests.Punt;

/// <summary>
/// The IPv6 neighbour cache's RFC 4861 state machine on a test scheduler: exact solicitations (bytes) at exact times,
/// exact messages to FMAN, exact states in the table.
/// </summary>
public class Ipv6NeighborActorTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly UInt128 RouterGlobal = Address("2001:db8:1::1");
    private static readonly UInt128 Host = Address("2001:db8:1::10");
    private static readonly byte[] RouterMac = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01];
    private static readonly byte[] HostMacBytes = [0x02, 0x00, 0x00, 0x00, 0x01, 0x0A];
    private const ulong HostMac = 0x0200_0000_010A;
    private const ulong OtherMac = 0x0200_0000_01FF;
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    public Ipv6NeighborActorTests()
        : base("akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"")
    {
    }

    private TestScheduler Scheduler => (TestScheduler)Sys.Scheduler;

    private (FakePort Port, IActorRef Actor, TestProbe Fman) Start(Ipv6NeighborSettings? settings = null)
    {
        var port = new FakePort();
        var fman = CreateTestProbe();
        var start = Scheduler.Now;
        var actor = Sys.ActorOf(Ipv6NeighborActor.Props(port, fman, settings ?? Ipv6NeighborSettings.Default, () => 0.5, () => Scheduler.Now - start));
        Table(actor); // started: its periodic scan is scheduled
        return (port, actor, fman);
    }

    private Ipv6NeighborTable Table(IActorRef actor)
    {
        var probe = CreateTestProbe();
        actor.Tell(GetIpv6NeighborTable.Instance, probe);
        return probe.ExpectMsg<Ipv6NeighborTable>(TimeSpan.FromSeconds(10));
    }

    private Ipv6NeighborCounters Counters(IActorRef actor)
    {
        var probe = CreateTestProbe();
        actor.Tell(GetIpv6NeighborCounters.Instance, probe);
        return probe.ExpectMsg<Ipv6NeighborCounters>(TimeSpan.FromSeconds(10));
    }

    /// <summary>Advances the test clock and waits until the actor has handled what fell due.</summary>
    private Ipv6NeighborTable Advance(IActorRef actor, TimeSpan by)
    {
        Scheduler.Advance(by);
        return Table(actor);
    }

    private static (ulong Mac, Ipv6NeighborState State, TimeSpan Age) Only(Ipv6NeighborTable table)
    {
        var entry = Assert.Single(table.Entries);
        Assert.Equal(("GigabitEthernet1", 0, Host), (entry.Interface, entry.InterfaceIndex, entry.Address));
        return (entry.Mac, entry.State, entry.Age);
    }

    /// <summary>RFC 4861 §7.2.2: to the solicited-node group ff02::1:ff00:10 and 33:33:ff:00:00:10, from the router's address on the prefix.</summary>
    private static byte[] MulticastSolicitation() => Frame([0x33, 0x33, 0xFF, 0x00, 0x00, 0x10], RouterMac, 255, RouterGlobal, Address("ff02::1:ff00:10"),
        [135, 0, 0, 0, 0, 0, 0, 0, .. Bytes(Host), 1, 1, .. RouterMac]);

    /// <summary>RFC 4861 §7.3.3: a probe goes to the cached MAC and the neighbour's own address.</summary>
    private static byte[] UnicastSolicitation() => Frame(HostMacBytes, RouterMac, 255, RouterGlobal, Host,
        [135, 0, 0, 0, 0, 0, 0, 0, .. Bytes(Host), 1, 1, .. RouterMac]);

    [Fact]
    public void An_unanswered_resolution_sends_three_solicitations_a_second_apart_and_then_gives_up()
    {
        var (port, actor, fman) = Start();
        actor.Tell(new ResolveIpv6Neighbor(0, Host));
        Assert.Equal((0UL, Ipv6NeighborState.Incomplete, TimeSpan.Zero), Only(Table(actor)));
        Assert.Equal(MulticastSolicitation(), port.Next());
        // A second glean while resolving adds nothing.
        actor.Tell(new ResolveIpv6Neighbor(0, Host));
        Assert.Equal((0UL, Ipv6NeighborState.Incomplete, Second * 0), Only(Table(actor)));
        Assert.Empty(port.Injected);

        Advance(actor, Second);
        Assert.Equal(MulticastSolicitation(), port.Next());
        Advance(actor, Second);
        Assert.Equal(MulticastSolicitation(), port.Next());
        Assert.Empty(Advance(actor, Second).Entries);
        Assert.Empty(port.Injected);
        fman.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Equal(new Ipv6NeighborCounters(SolicitationsSent: 3, Resolved: 0, ResolutionFailures: 1, Unreachable: 0, GleansDeduplicated: 1,
            GleansRefused: 0, EntriesRefused: 0, EntriesEvicted: 0, SolicitationsRateLimited: 0, InjectFailures: 0), Counters(actor));
    }

    [Fact]
    public void A_solicited_advertisement_makes_the_neighbour_reachable_then_stale_then_probed_when_used_and_removed_when_silent()
    {
        var (port, actor, fman) = Start();
        actor.Tell(new ResolveIpv6Neighbor(0, Host));
        Table(actor);
        Assert.Equal(MulticastSolicitation(), port.Next());
        actor.Tell(new Ipv6AdvertisementReceived(0, Host, HostMac, Solicited: true, Override: true, Router: false));
        fman.ExpectMsg(new Ipv6NeighborLearned(0, Host, HostMac), TimeSpan.FromSeconds(10));
        Assert.Equal((HostMac, Ipv6NeighborState.Reachable, TimeSpan.Zero), Only(Table(actor)));

        // Reachable for ReachableTime (30 s with this jitter), then stale; the adjacency stays.
        Assert.Equal((HostMac, Ipv6NeighborState.Reachable, Second * 29), Only(Advance(actor, Second * 29)));
        Assert.Equal((HostMac, Ipv6NeighborState.Stale, TimeSpan.Zero), Only(Advance(actor, Second)));
        // Unused, it stays stale; no solicitation goes out.
        Assert.Equal((HostMac, Ipv6NeighborState.Stale, Second * 10), Only(Advance(actor, Second * 10)));
        Assert.Empty(port.Injected);

        // Packets went through it: at the next scan DELAY, and DelayFirstProbeTime later PROBE with a unicast solicitation.
        port.Used[Host] = true;
        Assert.Equal((HostMac, Ipv6NeighborState.Delay, TimeSpan.Zero), Only(Advance(actor, Second)));
        Assert.Equal((HostMac, Ipv6NeighborState.Delay, Second * 4), Only(Advance(actor, Second * 4)));
        Assert.Empty(port.Injected);
        Assert.Equal((HostMac, Ipv6NeighborState.Probe, TimeSpan.Zero), Only(Advance(actor, Second)));
        Assert.Equal(UnicastSolicitation(), port.Next());
        Advance(actor, Second);
        Assert.Equal(UnicastSolicitation(), port.Next());
        Advance(actor, Second);
        Assert.Equal(UnicastSolicitation(), port.Next());
        fman.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        // MaxUnicastSolicit unanswered: gone, and FMAN withdraws its adjacency.
        Assert.Empty(Advance(actor, Second).Entries);
        fman.ExpectMsg(new Ipv6NeighborExpired(0, Host), TimeSpan.FromSeconds(10));
        fman.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Empty(port.Injected);
        Assert.Equal(new Ipv6NeighborCounters(SolicitationsSent: 4, Resolved: 1, ResolutionFailures: 0, Unreachable: 1, GleansDeduplicated: 0,
            GleansRefused: 0, EntriesRefused: 0, EntriesEvicted: 0, SolicitationsRateLimited: 0, InjectFailures: 0), Counters(actor));
    }

    [Fact]
    public void An_answered_probe_makes_the_neighbour_reachable_again_without_telling_fman_anything()
    {
        var (port, actor, fman) = Start();
        actor.Tell(new Ipv6SolicitationReceived(0, Host, HostMac));
        fman.ExpectMsg(new Ipv6NeighborLearned(0, Host, HostMac), TimeSpan.FromSeconds(10));
        // RFC 4861 §7.2.3: learned from a solicitation it is STALE.
        Assert.Equal((HostMac, Ipv6NeighborState.Stale, TimeSpan.Zero), Only(Table(actor)));
        port.Used[Host] = true;
        Assert.Equal(Ipv6NeighborState.Delay, Only(Advance(actor, Second)).State);
        Assert.Equal(Ipv6NeighborState.Probe, Only(Advance(actor, Second * 5)).State);
        Assert.Equal(UnicastSolicitation(), port.Next());
        actor.Tell(new Ipv6AdvertisementReceived(0, Host, HostMac, Solicited: true, Override: false, Router: false));
        Assert.Equal((HostMac, Ipv6NeighborState.Reachable, TimeSpan.Zero), Only(Table(actor)));
        // The probe's timer, armed before the answer, changes nothing.
        Assert.Equal((HostMac, Ipv6NeighborState.Reachable, Second * 3), Only(Advance(actor, Second * 3)));
        Assert.Empty(port.Injected);
        fman.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Advertisements_change_the_address_only_with_override_and_never_create_an_entry()
    {
        var (port, actor, fman) = Start();
        // Unsolicited and for an unknown neighbour: nothing (RFC 4861 §7.2.5).
        actor.Tell(new Ipv6AdvertisementReceived(0, Host, HostMac, Solicited: false, Override: true, Router: false));
        Assert.Empty(Table(actor).Entries);
        actor.Tell(new ResolveIpv6Neighbor(0, Host));
        actor.Tell(new Ipv6AdvertisementReceived(0, Host, HostMac, Solicited: true, Override: true, Router: false));
        fman.ExpectMsg(new Ipv6NeighborLearned(0, Host, HostMac), TimeSpan.FromSeconds(10));
        // Another address without override: not taken, the entry is only doubted (REACHABLE → STALE).
        actor.Tell(new Ipv6AdvertisementReceived(0, Host, OtherMac, Solicited: true, Override: false, Router: false));
        Assert.Equal((HostMac, Ipv6NeighborState.Stale, TimeSpan.Zero), Only(Table(actor)));
        fman.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        // With override, unsolicited: taken, STALE, and FMAN rewrites the adjacency.
        actor.Tell(new Ipv6AdvertisementReceived(0, Host, OtherMac, Solicited: false, Override: true, Router: false));
        fman.ExpectMsg(new Ipv6NeighborLearned(0, Host, OtherMac), TimeSpan.FromSeconds(10));
        Assert.Equal((OtherMac, Ipv6NeighborState.Stale, TimeSpan.Zero), Only(Table(actor)));
        Assert.Equal(MulticastSolicitation(), port.Next());
        Assert.Empty(port.Injected);
    }

    [Fact]
    public void The_cache_is_bounded_gleans_never_evict_and_a_solicitation_evicts_the_oldest_stale_entry()
    {
        var settings = Ipv6NeighborSettings.Default with { MaxEntries = 2, MaxIncomplete = 1 };
        var (port, actor, fman) = Start(settings);
        var a = Address("2001:db8:1::a");
        var b = Address("2001:db8:1::b");
        var c = Address("2001:db8:1::c");
        actor.Tell(new ResolveIpv6Neighbor(0, a));
        actor.Tell(new ResolveIpv6Neighbor(0, b)); // one resolution outstanding at most: refused
        actor.Tell(new Ipv6SolicitationReceived(0, b, 0x0200_0000_000B));
        fman.ExpectMsg(new Ipv6NeighborLearned(0, b, 0x0200_0000_000B), TimeSpan.FromSeconds(10));
        Advance(actor, Second);
        actor.Tell(new Ipv6SolicitationReceived(0, c, 0x0200_0000_000C));
        // Full: the incomplete entry goes first (it had no adjacency: FMAN hears nothing of it).
        fman.ExpectMsg(new Ipv6NeighborLearned(0, c, 0x0200_0000_000C), TimeSpan.FromSeconds(10));
        Assert.Equal([b, c], Table(actor).Entries.Select(e => e.Address));
        actor.Tell(new Ipv6SolicitationReceived(0, a, 0x0200_0000_000A));
        // Then the oldest stale one, whose adjacency FMAN withdraws.
        fman.ExpectMsg(new Ipv6NeighborExpired(0, b), TimeSpan.FromSeconds(10));
        fman.ExpectMsg(new Ipv6NeighborLearned(0, a, 0x0200_0000_000A), TimeSpan.FromSeconds(10));
        Assert.Equal([a, c], Table(actor).Entries.Select(e => e.Address));
        actor.Tell(new ResolveIpv6Neighbor(0, Address("2001:db8:1::d"))); // full of stale entries: a glean evicts nothing
        Assert.Equal([a, c], Table(actor).Entries.Select(e => e.Address));
        var counters = Counters(actor);
        Assert.Equal((2L, 2L, 0L), (counters.GleansRefused, counters.EntriesEvicted, counters.EntriesRefused));
        Assert.Equal(2, port.Injected.Count); // the two solicitations for a
    }
}
