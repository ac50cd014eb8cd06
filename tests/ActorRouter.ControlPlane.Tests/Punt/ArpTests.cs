using ActorRouter.ControlPlane.Messages;
using ActorRouter.ControlPlane.Punt;
using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Forwarding;
using ActorRouter.Packets;
using Akka.Actor;
using static ActorRouter.ControlPlane.Tests.Punt.TestRouter;

namespace ActorRouter.ControlPlane.Tests.Punt;

public class ArpTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(300);

    private ArpTable Table(TestRouter router) => router.ArpActor!.Ask<ArpTable>(GetArpTable.Instance, TimeSpan.FromSeconds(3)).Result;

    private static ResolvedNeighbors ResolvedNeighborsOf(TestRouter router) => router.ArpActor!.Ask<ResolvedNeighbors>(GetResolvedNeighbors.Instance, TimeSpan.FromSeconds(3)).Result;

    private ArpCounters Counters(TestRouter router) => router.ArpActor!.Ask<ArpCounters>(GetArpCounters.Instance, TimeSpan.FromSeconds(3)).Result;

    [Fact]
    public void Request_for_the_interface_address_is_answered_with_exact_reply_and_the_requester_is_learned()
    {
        using var router = new TestRouter();
        var fman = CreateTestProbe();
        router.StartPuntPath(Sys, fman);

        Assert.True(router.Far1.Send(PacketBuilder.ArpRequest(HostMac1, Host1, Router1)));

        var reply = ReceiveRequired(router.Far1);
        byte[] expected =
        [
            0x02, 0x00, 0x00, 0x00, 0x01, 0x0A, // to the requester
            0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // from GigabitEthernet1
            0x08, 0x06,
            0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02, // Ethernet/IPv4, reply
            0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 192, 0, 2, 1, // sender: the router
            0x02, 0x00, 0x00, 0x00, 0x01, 0x0A, 192, 0, 2, 10, // target: the requester
        ];
        Assert.Equal(expected, reply);
        Assert.Equal(PacketBuilder.ArpReply(RouterMac1, Router1, HostMac1, Host1), reply);
        fman.ExpectMsg(new NeighborResolved(router.Index1, Host1, HostMac1.Value));

        var entry = Assert.Single(Table(router).Entries, e => e.State != ArpEntryState.Interface);
        Assert.Equal(("GigabitEthernet1", router.Index1, Host1, HostMac1.Value, ArpEntryState.Reachable),
            (entry.Interface, entry.InterfaceIndex, entry.Address, entry.Mac, entry.State));
        Assert.InRange(entry.Age, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        Assert.Equal(1, router.Arp!.RequestsAnswered);
        Assert.Equal(1, router.Reader!.Counters.Arp);
    }

    [Fact]
    public void Request_for_another_address_is_neither_answered_nor_learned_and_the_table_lists_the_interfaces()
    {
        using var router = new TestRouter();
        var fman = CreateTestProbe();
        router.StartPuntPath(Sys, fman);

        // RFC 826 merge rule: a request not for us from an unknown sender adds nothing.
        Assert.True(router.Far1.Send(PacketBuilder.ArpRequest(HostMac1, Host1, 0xC0000263)));
        TestRouter.WaitUntil(() => router.Reader!.Counters.Arp == 1, TimeSpan.FromSeconds(5), "the request to be taken");

        Assert.Null(Receive(router.Far1, Short));
        fman.ExpectNoMsg(Short);
        var table = Table(router).Entries;
        Assert.Equal(
            [("GigabitEthernet1", Router1, RouterMac1.Value, ArpEntryState.Interface), ("GigabitEthernet2", Router2, RouterMac2.Value, ArpEntryState.Interface)],
            table.Select(e => (e.Interface, e.Address, e.Mac, e.State)).ToArray());
        Assert.Equal(0, router.Arp!.RequestsAnswered);
    }

    [Fact]
    public void Glean_sends_a_broadcast_request_and_the_reply_resolves_the_neighbor_for_forwarding()
    {
        using var router = new TestRouter();
        var fman = CreateTestProbe();
        router.StartPuntPath(Sys, fman);
        byte[] payload = [1, 2, 3, 4, 5, 6, 7, 8];
        var udp = PacketBuilder.Udp(HostMac1, RouterMac1, Host1, Host2, 40000, 9, payload);

        Assert.True(router.Far1.Send(udp));

        var request = ReceiveRequired(router.Far2);
        byte[] expectedRequest =
        [
            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
            0x02, 0x00, 0x00, 0x00, 0x00, 0x02,
            0x08, 0x06,
            0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
            0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 198, 51, 100, 1,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 198, 51, 100, 20,
        ];
        Assert.Equal(expectedRequest, request);
        Assert.Equal(1, router.DataPlane.ReadDrops(DropReason.NoAdjacency));

        Assert.True(router.Far2.Send(PacketBuilder.ArpReply(HostMac2, Host2, RouterMac2, Router2)));
        fman.ExpectMsg(new NeighborResolved(router.Index2, Host2, HostMac2.Value));
        fman.ExpectNoMsg(Short);

        // What FMAN does with it; then the next packet is forwarded with rewritten MACs and TTL 63.
        router.PublishNeighbors(new Neighbor(router.Index2, Host2, HostMac2.Value));
        Assert.True(router.Far1.Send(udp));
        var forwarded = ReceiveRequired(router.Far2);
        Assert.Equal(PacketBuilder.Udp(RouterMac2, HostMac2, Host1, Host2, 40000, 9, payload, new Ipv4Fields { Ttl = 63 }), forwarded);
        Assert.Equal([0x02, 0x00, 0x00, 0x00, 0x02, 0x14, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02], forwarded[..12]);

        var entry = Assert.Single(Table(router).Entries, e => e.Address == Host2);
        Assert.Equal((HostMac2.Value, ArpEntryState.Reachable), (entry.Mac, entry.State));
        Assert.Equal(new ArpCounters(RequestsSent: 1, Resolved: 1, ResolutionFailures: 0, Expired: 0, GleansDeduplicated: 0, InjectFailures: 0, Reannounced: 0), Counters(router));
    }

    [Fact]
    public void Unanswered_glean_is_retried_then_given_up_and_concurrent_gleans_send_no_extra_requests()
    {
        using var router = new TestRouter();
        var fman = CreateTestProbe();
        router.StartPuntPath(Sys, fman, new ArpSettings(TimeSpan.FromHours(4), TimeSpan.FromMilliseconds(200), 3));
        const uint silent = 0xC6336463; // 198.51.100.99
        var udp = PacketBuilder.Udp(HostMac1, RouterMac1, Host1, silent, 40000, 9, [0xAA]);

        for (var i = 0; i < 5; i++)
        {
            Assert.True(router.Far1.Send(udp));
        }
        TestRouter.WaitUntil(() => Counters(router).ResolutionFailures == 1, TimeSpan.FromSeconds(5), "the resolution to be given up");
        var requests = ReceiveAll(router.Far2, TimeSpan.FromMilliseconds(500));

        var expected = PacketBuilder.ArpRequest(RouterMac2, Router2, silent);
        Assert.Equal([expected, expected, expected], requests);
        Assert.Equal(5, router.Reader!.Counters.Glean);
        Assert.Equal(new ArpCounters(RequestsSent: 3, Resolved: 0, ResolutionFailures: 1, Expired: 0, GleansDeduplicated: 4, InjectFailures: 0, Reannounced: 0), Counters(router));
        Assert.DoesNotContain(Table(router).Entries, e => e.Address == silent);
        fman.ExpectNoMsg(Short);

        // After giving up, a new packet starts a new resolution.
        Assert.True(router.Far1.Send(udp));
        Assert.Equal(expected, ReceiveRequired(router.Far2));
        Assert.Equal(ArpEntryState.Incomplete, Assert.Single(Table(router).Entries, e => e.Address == silent).State);
    }

    [Fact]
    public void Entry_near_expiry_is_refreshed_unicast_then_broadcast_and_expires_when_unanswered()
    {
        using var router = new TestRouter();
        var fman = CreateTestProbe();
        var settings = new ArpSettings(TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(200), 3);
        router.StartPuntPath(Sys, fman, settings);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        Assert.True(router.Far1.Send(PacketBuilder.ArpRequest(HostMac1, Host1, Router1)));
        Assert.Equal(PacketBuilder.ArpReply(RouterMac1, Router1, HostMac1, Host1), ReceiveRequired(router.Far1));
        fman.ExpectMsg(new NeighborResolved(router.Index1, Host1, HostMac1.Value));

        fman.ExpectMsg(new NeighborExpired(router.Index1, Host1), TimeSpan.FromSeconds(6));
        Assert.True(clock.Elapsed >= settings.EntryTimeout, $"expired after {clock.Elapsed}");
        var refreshes = ReceiveAll(router.Far1, Short);
        Assert.Equal(new ArpCounters(RequestsSent: 3, Resolved: 1, ResolutionFailures: 0, Expired: 1, GleansDeduplicated: 0, InjectFailures: 0, Reannounced: 0), Counters(router));

        var unicast = PacketBuilder.Arp(HostMac1, ArpOperation.Request, RouterMac1, Router1, MacAddress.Zero, Host1);
        var broadcast = PacketBuilder.ArpRequest(RouterMac1, Router1, Host1);
        Assert.Equal([unicast, broadcast, broadcast], refreshes);
        Assert.Equal(0x0A, unicast[5]); // the unicast one is addressed to the host's MAC, not ff:ff:…
        Assert.DoesNotContain(Table(router).Entries, e => e.Address == Host1);
        Assert.Equal(new ArpCounters(RequestsSent: 3, Resolved: 1, ResolutionFailures: 0, Expired: 1, GleansDeduplicated: 0, InjectFailures: 0, Reannounced: 0), Counters(router));
    }

    [Fact]
    public void Answered_refresh_keeps_the_entry_without_telling_fman_again()
    {
        using var router = new TestRouter();
        var fman = CreateTestProbe();
        // Generous times: the reply must land inside the refresh window (3 × 500 ms) even on a loaded machine, and the
        // next refresh (6.5 s after the reply) must not have begun when the entry is looked at.
        router.StartPuntPath(Sys, fman, new ArpSettings(TimeSpan.FromSeconds(8), TimeSpan.FromMilliseconds(500), 3));

        Assert.True(router.Far1.Send(PacketBuilder.ArpRequest(HostMac1, Host1, Router1)));
        ReceiveRequired(router.Far1);
        fman.ExpectMsg(new NeighborResolved(router.Index1, Host1, HostMac1.Value));

        var refresh = ReceiveRequired(router.Far1, TimeSpan.FromSeconds(12));
        Assert.Equal(PacketBuilder.Arp(HostMac1, ArpOperation.Request, RouterMac1, Router1, MacAddress.Zero, Host1), refresh);
        Assert.Equal(ArpEntryState.Refreshing, Assert.Single(Table(router).Entries, e => e.Address == Host1).State);
        Assert.True(router.Far1.Send(PacketBuilder.ArpReply(HostMac1, Host1, RouterMac1, Router1)));

        // The original expiry time passes; the confirmed entry lives on and FMAN hears nothing.
        fman.ExpectNoMsg(TimeSpan.FromMilliseconds(2000));
        var entry = Assert.Single(Table(router).Entries, e => e.Address == Host1);
        Assert.Equal(ArpEntryState.Reachable, entry.State);
        Assert.True(entry.Age < TimeSpan.FromSeconds(6), $"age {entry.Age} shows the reply did not restart it");
        Assert.Equal(0, Counters(router).Expired);
    }

    [Fact]
    public void Glean_for_a_resolved_neighbor_fman_has_not_published_is_announced_again_at_most_once_per_retry_interval()
    {
        using var router = new TestRouter();
        var fman = CreateTestProbe();
        // A retry interval of seconds: on a loaded machine the first glean may take over a second to reach
        // the ARP actor, and it must still fall inside the interval.
        var retry = TimeSpan.FromSeconds(4);
        router.StartPuntPath(Sys, fman, new ArpSettings(TimeSpan.FromHours(4), retry, 3));
        var udp = PacketBuilder.Udp(HostMac1, RouterMac1, Host1, Host2, 40000, 9, [1]);

        // Host 2 asks for its gateway: the router learns it and tells FMAN.
        Assert.True(router.Far2.Send(PacketBuilder.ArpRequest(HostMac2, Host2, Router2)));
        Assert.Equal(PacketBuilder.ArpReply(RouterMac2, Router2, HostMac2, Host2), ReceiveRequired(router.Far2));
        var resolved = new NeighborResolved(router.Index2, Host2, HostMac2.Value);
        fman.ExpectMsg(resolved);
        var sinceAnnounced = System.Diagnostics.Stopwatch.StartNew();

        // Within the retry interval a glean is the usual race with FMAN's republish: nothing is said.
        Assert.True(router.Far1.Send(udp));
        TestRouter.WaitUntil(() => router.Arp!.Gleans == 1, TimeSpan.FromSeconds(5), "the first glean");
        fman.ExpectNoMsg(Short);
        var rest = retry + TimeSpan.FromMilliseconds(200) - sinceAnnounced.Elapsed;
        Thread.Sleep(rest > TimeSpan.Zero ? rest : TimeSpan.Zero);

        // Past it, FMAN evidently lost the neighbor: it hears about it again, once, and no request goes out.
        Assert.True(router.Far1.Send(udp));
        fman.ExpectMsg(resolved);
        Assert.True(router.Far1.Send(udp));
        TestRouter.WaitUntil(() => router.Arp!.Gleans == 3, TimeSpan.FromSeconds(5), "the third glean");
        fman.ExpectNoMsg(Short);
        Assert.Null(Receive(router.Far2, Short));
        Assert.Equal(new ArpCounters(RequestsSent: 0, Resolved: 1, ResolutionFailures: 0, Expired: 0, GleansDeduplicated: 2, InjectFailures: 0, Reannounced: 1), Counters(router));

        // A restarted FMAN resyncs from the table.
        Assert.Equal([resolved], ResolvedNeighborsOf(router).Neighbors);
    }
}
