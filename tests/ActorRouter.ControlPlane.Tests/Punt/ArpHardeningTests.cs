using ActorRouter.ControlPlane.Messages;
using ActorRouter.ControlPlane.Punt;
using ActorRouter.Packets;
using Akka.Actor;
using static ActorRouter.ControlPlane.Tests.Punt.TestRouter;

namespace ActorRouter.ControlPlane.Tests.Punt;

/// <summary>
/// The ARP table against an on-link attacker: the RFC 826 merge rule for new entries, the table's
/// limits with eviction order, the outstanding-resolution bound, the request budget, MAC-change
/// rate limiting, static entries and <c>clear ip arp</c>. The table logic is driven with the
/// messages the punt thread sends; the unsolicited reply goes through the real punt path.
/// </summary>
public class ArpHardeningTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(5);

    private static ArpSettings Settings(int maxEntries = 64, int perInterface = 16, int maxIncomplete = 8, int requestsPerSecond = 1000, TimeSpan? macChange = null) =>
        new(TimeSpan.FromHours(4), TimeSpan.FromSeconds(30), 3, new ArpLimits(maxEntries, perInterface, maxIncomplete, requestsPerSecond, macChange ?? TimeSpan.FromSeconds(5)));

    private ArpCounters Counters(TestRouter router) => router.ArpActor!.Ask<ArpCounters>(GetArpCounters.Instance, Long).Result;

    private List<ArpEntry> Dynamic(TestRouter router) =>
        router.ArpActor!.Ask<ArpTable>(GetArpTable.Instance, Long).Result.Entries.Where(e => e.State != ArpEntryState.Interface).ToList();

    private static T AskOf<T>(IActorRef actor, object message) => actor.Ask<T>(message, Long).Result;

    private static uint OnSubnet1(int host) => 0xC0000200u + (uint)host;

    private static ulong SpoofedMac(int i) => 0x0200_00AA_0000UL + (ulong)i;

    [Fact]
    public void An_unsolicited_reply_from_an_unknown_sender_adds_nothing()
    {
        using var router = new TestRouter();
        var fman = CreateTestProbe();
        router.StartPuntPath(Sys, fman, Settings());

        Assert.True(router.Far1.Send(PacketBuilder.ArpReply(HostMac1, Host1, RouterMac1, Router1)));
        WaitUntil(() => router.Reader!.Counters.Arp == 1, Long, "the reply to be taken");

        fman.ExpectNoMsg(Short);
        Assert.Empty(Dynamic(router));
        Assert.Null(Receive(router.Far1, Short));
    }

    [Fact]
    public void A_storm_of_spoofed_requests_fills_the_interface_to_its_limit_and_a_real_neighbor_keeps_its_entry()
    {
        using var router = new TestRouter();
        var fman = CreateTestProbe();
        router.StartPuntPath(Sys, fman, Settings(perInterface: 16));
        router.ArpActor!.Tell(new ArpPacketReceived(router.Index1, Host1, HostMac1.Value, RequestForUs: true));
        fman.ExpectMsg(new NeighborResolved(router.Index1, Host1, HostMac1.Value));

        for (var i = 0; i < 200; i++)
        {
            router.ArpActor.Tell(new ArpPacketReceived(router.Index1, OnSubnet1(20 + i % 200), SpoofedMac(i), RequestForUs: true));
        }

        var counters = Counters(router);
        Assert.Equal(185, counters.EntriesRefused);
        Assert.Equal(0, counters.EntriesEvicted);
        var entries = Dynamic(router);
        Assert.Equal(16, entries.Count);
        Assert.Contains(entries, e => e.Address == Host1 && e.Mac == HostMac1.Value && e.State == ArpEntryState.Reachable);
        // FMAN heard of the 15 that fitted, no more.
        Assert.Equal(15, fman.ReceiveWhile(Short, m => m as NeighborResolved).Count);
    }

    [Fact]
    public void Gleans_beyond_the_outstanding_limit_are_refused_and_requests_keep_to_the_budget()
    {
        using var router = new TestRouter();
        var fman = CreateTestProbe();
        router.StartPuntPath(Sys, fman, Settings(maxIncomplete: 8, requestsPerSecond: 5));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 50; i++)
        {
            router.ArpActor!.Tell(new ResolveNeighbor(router.Index1, OnSubnet1(100 + i)));
        }

        var counters = Counters(router);
        // The budget starts with 5 and refills 5 a second: on a busy machine the 50 gleans can take long enough
        // for a token or two to come back (none when they take under 200 ms).
        var refilled = (int)Math.Ceiling(clock.Elapsed.TotalSeconds * 5);
        Assert.Equal(42, counters.GleansRefused);
        Assert.InRange(counters.RequestsSent, 5, 5 + refilled);
        Assert.InRange(counters.RequestsRateLimited, 3 - Math.Min(3, refilled), 3);
        Assert.Equal(8, Dynamic(router).Count(e => e.State == ArpEntryState.Incomplete));
        // Exactly the requests the budget allowed reached the wire, all broadcasts.
        var requests = ReceiveAll(router.Far1, TimeSpan.FromMilliseconds(500));
        Assert.Equal(Counters(router).RequestsSent, requests.Count);
        Assert.All(requests, r => Assert.Equal(MacAddress.Broadcast, MacAddress.Read(r)));
    }

    [Fact]
    public void A_request_for_us_evicts_the_oldest_incomplete_entry_when_the_interface_is_full()
    {
        using var router = new TestRouter();
        var fman = CreateTestProbe();
        router.StartPuntPath(Sys, fman, Settings(perInterface: 16, maxIncomplete: 16));
        for (var i = 0; i < 16; i++)
        {
            router.ArpActor!.Tell(new ResolveNeighbor(router.Index1, OnSubnet1(100 + i)));
        }
        router.ArpActor!.Tell(new ResolveNeighbor(router.Index1, OnSubnet1(200)));
        Assert.Equal(1, Counters(router).GleansRefused);

        router.ArpActor.Tell(new ArpPacketReceived(router.Index1, Host1, HostMac1.Value, RequestForUs: true));

        fman.ExpectMsg(new NeighborResolved(router.Index1, Host1, HostMac1.Value));
        var entries = Dynamic(router);
        Assert.Equal(16, entries.Count);
        Assert.DoesNotContain(entries, e => e.Address == OnSubnet1(100)); // the oldest gave way
        Assert.Contains(entries, e => e.Address == Host1 && e.State == ArpEntryState.Reachable);
        Assert.Equal(1, Counters(router).EntriesEvicted);
    }

    [Fact]
    public void A_mac_change_within_the_interval_is_refused_and_after_it_accepted()
    {
        using var router = new TestRouter();
        var fman = CreateTestProbe();
        router.StartPuntPath(Sys, fman, Settings(macChange: TimeSpan.FromSeconds(1)));
        router.ArpActor!.Tell(new ArpPacketReceived(router.Index1, Host1, HostMac1.Value, RequestForUs: true));
        fman.ExpectMsg(new NeighborResolved(router.Index1, Host1, HostMac1.Value));

        router.ArpActor.Tell(new ArpPacketReceived(router.Index1, Host1, SpoofedMac(1), RequestForUs: false));
        fman.ExpectNoMsg(Short);
        Assert.Equal(HostMac1.Value, Assert.Single(Dynamic(router)).Mac);
        Assert.Equal((0L, 1L), (Counters(router).MacChanges, Counters(router).MacChangesRefused));

        Thread.Sleep(TimeSpan.FromSeconds(1.2));
        router.ArpActor.Tell(new ArpPacketReceived(router.Index1, Host1, SpoofedMac(2), RequestForUs: false));
        fman.ExpectMsg(new NeighborResolved(router.Index1, Host1, SpoofedMac(2)));
        Assert.Equal(SpoofedMac(2), Assert.Single(Dynamic(router)).Mac);
        Assert.Equal((1L, 1L), (Counters(router).MacChanges, Counters(router).MacChangesRefused));
    }

    [Fact]
    public void A_static_entry_is_never_overwritten_and_clear_ip_arp_leaves_it()
    {
        using var router = new TestRouter();
        var fman = CreateTestProbe();
        router.StartPuntPath(Sys, fman, Settings());
        var gateway = OnSubnet1(254);
        const ulong gatewayMac = 0x0200_0000_00FE;

        Assert.Equal(new ArpChangeDone(0), AskOf<ArpChangeDone>(router.ArpActor!, new SetStaticArpEntry(gateway, gatewayMac)));
        fman.ExpectMsg(new NeighborResolved(router.Index1, gateway, gatewayMac));
        router.ArpActor.Tell(new ArpPacketReceived(router.Index1, gateway, SpoofedMac(7), RequestForUs: true));
        router.ArpActor.Tell(new ArpPacketReceived(router.Index1, Host1, HostMac1.Value, RequestForUs: true));
        fman.ExpectMsg(new NeighborResolved(router.Index1, Host1, HostMac1.Value));
        Assert.Equal(1, Counters(router).StaticOverridesRefused);
        Assert.Contains(Dynamic(router), e => e.Address == gateway && e.Mac == gatewayMac && e.State == ArpEntryState.Static);

        Assert.Equal(new ArpChangeDone(1), AskOf<ArpChangeDone>(router.ArpActor!, ClearArpTable.Instance));
        fman.ExpectMsg(new NeighborExpired(router.Index1, Host1));
        var left = Assert.Single(Dynamic(router));
        Assert.Equal((gateway, ArpEntryState.Static), (left.Address, left.State));

        AskOf<ArpChangeDone>(router.ArpActor!, new RemoveStaticArpEntry(gateway));
        fman.ExpectMsg(new NeighborExpired(router.Index1, gateway));
        Assert.Empty(Dynamic(router));
    }

    [Fact]
    public void A_static_entry_for_an_address_on_no_subnet_yet_waits_and_is_placed_when_its_interface_has_one()
    {
        using var router = new TestRouter();
        var fman = CreateTestProbe();
        router.StartPuntPath(Sys, fman, Settings());
        const uint elsewhere = 0xCB007105; // 203.0.113.5: no interface has that subnet yet
        router.ArpActor!.Tell(new SetStaticArpEntry(elsewhere, 0x0200_0000_0105));
        fman.ExpectNoMsg(Short);

        router.DataPlane.SetIpv4Address(router.Index2, 0xCB007101, 24);
        fman.ExpectMsg(new NeighborResolved(router.Index2, elsewhere, 0x0200_0000_0105), TimeSpan.FromSeconds(5));
    }
}
