using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Fman;
using ActorRouter.ControlPlane.Punt;
using ActorRouter.DataPlane;
using ActorRouter.IO.Memory;
using Akka.Actor;
using Akka.TestKit;
using static ActorRouter.ControlPlane.Tests.Punt.TestRouter;

namespace ActorRouter.ControlPlane.Tests.Punt;

/// <summary>
/// The IGMP actor on a running data plane with multicast routing on: IGMP from the far ends is punted to it, its queries
/// leave through the inject ring. Short timers: query interval 1 s, response interval 200 ms, last-member interval 200 ms,
/// robustness 2 (group membership interval 2.2 s, other-querier-present interval 2.1 s). The expected frames were built
/// independently (Python's struct and the RFC 1071 checksum).
/// </summary>
public class IgmpTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly IgmpConfig Timers = new(Version: 3, Robustness: 2, QueryInterval: TimeSpan.FromSeconds(1),
        QueryResponseInterval: TimeSpan.FromMilliseconds(200), LastMemberQueryInterval: TimeSpan.FromMilliseconds(200));

    private const uint Group1 = 0xEF010101, Group2 = 0xEF020202;

    // General query from GigabitEthernet1 (192.0.2.1): IGMPv3, max response code 2 (200 ms), QRV 2, QQIC 1 s, TTL 1, router alert.
    private static readonly byte[] GeneralQueryGi1 = Convert.FromHexString(
        "01005e000001020000000001080046c000240000000001028211c0000201e0000001940400001102ecfc0000000002010000");
    // Group-specific query for 239.1.1.1 from GigabitEthernet1, max response code 2 (the last-member query interval).
    private static readonly byte[] GroupQueryGi1 = Convert.FromHexString(
        "01005e010101020000000001080046c000240000000001027210c0000201ef010101940400001102fcf9ef01010102010000");
    // General query from GigabitEthernet1 at 192.0.2.100.
    private static readonly byte[] GeneralQueryGi1At100 = Convert.FromHexString(
        "01005e000001020000000001080046c0002400000000010281aec0000264e0000001940400001102ecfc0000000002010000");
    // From host 1 (192.0.2.10): an IGMPv2 report and leave for 239.1.1.1, an IGMPv3 report (IS_EX 239.1.1.1, ALLOW 239.2.2.2
    // from 198.51.100.10, BLOCK 239.3.3.3 from 198.51.100.10, IS_IN 239.4.4.4 with no source), an IGMPv3 TO_IN({}) for
    // 239.1.1.1, and an IGMPv2 general query.
    private static readonly byte[] V2Report = Convert.FromHexString(
        "01005e01010102000000010a080046c00020000040000102320bc000020aef010101940400001600f9fcef010101");
    private static readonly byte[] V2Leave = Convert.FromHexString(
        "01005e00000202000000010a080046c00020000040000102420bc000020ae0000002940400001700f8fcef010101");
    private static readonly byte[] V3Report = Convert.FromHexString(
        "01005e00001602000000010a080046c0004800004000010241cfc000020ae0000016940400002200b5650000000402000000ef01010105000001ef020202" +
        "c633640a06000001ef030303c633640a01000000ef040404");
    private static readonly byte[] V3ToIncludeNone = Convert.FromHexString(
        "01005e00001602000000010a080046c0002800004000010241efc000020ae0000016940400002200eafb0000000103000000ef010101");
    private static readonly byte[] QueryFromHost1 = Convert.FromHexString(
        "01005e00000102000000010a080046c00020000040000102420cc000020ae0000001940400001164ee9b00000000");

    private static TestRouter Router()
    {
        var router = new TestRouter();
        router.DataPlane.PublishMulticast(true, []);
        return router;
    }

    /// <summary>The next IGMP frame a far end receives (other frames, ARP say, are passed over) to <paramref name="destination"/>.</summary>
    private static byte[] NextIgmp(MemoryVnicPort far, uint destination, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(5));
        while (DateTime.UtcNow < deadline)
        {
            var frame = Receive(far, TimeSpan.FromMilliseconds(100));
            if (frame is not null && frame.Length >= 38 && frame[12] == 0x08 && frame[13] == 0x00 && frame[14 + 9] == 2
                && System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(30)) == destination)
            {
                return frame;
            }
        }
        throw new Xunit.Sdk.XunitException($"no IGMP to {destination:X8} on {far.OsName}");
    }

    private static string Groups(IgmpGroupsLearned m) =>
        string.Join("; ", m.Groups.OrderBy(g => g.Key).Select(g => $"{g.Key:X8}:{string.Join(",", g.Value)}"));

    private IgmpGroupsSnapshot Snapshot(TestRouter router) =>
        router.Services!.IgmpActor!.Ask<IgmpGroupsSnapshot>(GetIgmpGroups.Instance, TimeSpan.FromSeconds(3)).Result;

    [Fact]
    public void The_router_sends_exact_general_queries_at_start_then_at_a_quarter_interval_then_every_interval()
    {
        using var router = Router();
        var started = DateTime.UtcNow;
        router.StartPuntPath(Sys, CreateTestProbe(), igmp: Timers);

        Assert.Equal(GeneralQueryGi1, NextIgmp(router.Far1, IgmpPackets.AllSystems));
        Assert.Equal(GeneralQueryGi1, NextIgmp(router.Far1, IgmpPackets.AllSystems));
        Assert.Equal(GeneralQueryGi1, NextIgmp(router.Far1, IgmpPackets.AllSystems));
        var third = DateTime.UtcNow - started;
        // Startup: the second query a quarter interval (250 ms) after the first, the third a full interval after that, so
        // the third cannot arrive before 1.25 s (timers never fire early; a loaded machine only makes it later, hence no
        // upper bound here beyond the receive deadlines).
        Assert.True(third >= TimeSpan.FromMilliseconds(1200), $"third general query after {third.TotalMilliseconds:F0} ms");
        // GigabitEthernet2 gets its own, from its own address.
        var gi2 = NextIgmp(router.Far2, IgmpPackets.AllSystems);
        Assert.Equal([198, 51, 100, 1], gi2[(14 + 12)..(14 + 16)]);
        var snapshot = Snapshot(router);
        Assert.Equal(["GigabitEthernet1 C0000201 C0000201 True", "GigabitEthernet2 C6336401 C6336401 True"],
            snapshot.Interfaces.Select(i => $"{i.Interface} {i.Address:X8} {i.Querier:X8} {i.RouterIsQuerier}"));
    }

    [Fact]
    public void A_v2_report_makes_a_member_a_leave_gets_last_member_queries_and_the_group_goes_after_the_last_member_time()
    {
        using var router = Router();
        var fman = CreateTestProbe();
        router.StartPuntPath(Sys, fman, igmp: Timers);

        Assert.True(router.Far1.Send(V2Report));
        Assert.Equal($"{Group1:X8}:GigabitEthernet1", Groups(fman.ExpectMsg<IgmpGroupsLearned>(TimeSpan.FromSeconds(5))));
        var member = Assert.Single(Snapshot(router).Groups);
        Assert.Equal((Group1, "GigabitEthernet1", Host1, 2), (member.Group, member.Interface, member.LastReporter, member.Version));
        Assert.InRange(member.ExpiresIn, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(2200));

        Assert.True(router.Far1.Send(V2Leave));
        var left = DateTime.UtcNow;
        // Robustness (2) group-specific queries, the last-member interval apart; then, with no report, the group is gone.
        Assert.Equal(GroupQueryGi1, NextIgmp(router.Far1, Group1));
        Assert.Equal(GroupQueryGi1, NextIgmp(router.Far1, Group1));
        Assert.Equal("", Groups(fman.ExpectMsg<IgmpGroupsLearned>(TimeSpan.FromSeconds(5))));
        // Not before the two queries' time (a loaded machine only makes it later; the receive deadlines bound it).
        Assert.True(DateTime.UtcNow - left >= TimeSpan.FromMilliseconds(300), $"gone {(DateTime.UtcNow - left).TotalMilliseconds:F0} ms after the leave");
        Assert.Empty(Snapshot(router).Groups);
        Assert.Throws<Xunit.Sdk.XunitException>(() => NextIgmp(router.Far1, Group1, TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public void V3_records_join_or_leave_by_their_type_and_an_unrefreshed_group_times_out()
    {
        using var router = Router();
        var fman = CreateTestProbe();
        router.StartPuntPath(Sys, fman, igmp: Timers);

        Assert.True(router.Far1.Send(V3Report));
        // IS_EX and ALLOW with a source join; BLOCK and IS_IN with no source do not.
        Assert.Equal($"{Group1:X8}:GigabitEthernet1", Groups(fman.ExpectMsg<IgmpGroupsLearned>(TimeSpan.FromSeconds(5))));
        Assert.Equal($"{Group1:X8}:GigabitEthernet1; {Group2:X8}:GigabitEthernet1", Groups(fman.ExpectMsg<IgmpGroupsLearned>(TimeSpan.FromSeconds(5))));
        Assert.All(Snapshot(router).Groups, g => Assert.Equal(3, g.Version));

        Assert.True(router.Far1.Send(V3ToIncludeNone));
        Assert.Equal(GroupQueryGi1, NextIgmp(router.Far1, Group1));
        Assert.Equal($"{Group2:X8}:GigabitEthernet1", Groups(fman.ExpectMsg<IgmpGroupsLearned>(TimeSpan.FromSeconds(5))));

        // Nobody answers the queries: 239.2.2.2 runs out after the group membership interval (2.2 s).
        Assert.Equal("", Groups(fman.ExpectMsg<IgmpGroupsLearned>(TimeSpan.FromSeconds(6))));
    }

    [Fact]
    public void A_query_from_a_lower_address_silences_the_router_until_the_other_querier_present_interval_passes()
    {
        using var router = Router();
        router.DataPlane.SetIpv4Address(router.Index1, 0xC0000264, 24); // 192.0.2.100, above host 1's 192.0.2.10
        router.StartPuntPath(Sys, CreateTestProbe(), igmp: Timers);
        Assert.Equal(GeneralQueryGi1At100, NextIgmp(router.Far1, IgmpPackets.AllSystems));

        var sent = DateTime.UtcNow;
        Assert.True(router.Far1.Send(QueryFromHost1));
        AwaitAssert(() => Assert.False(Snapshot(router).Interfaces.Single(i => i.Interface == "GigabitEthernet1").RouterIsQuerier),
            TimeSpan.FromSeconds(5));
        var state = Snapshot(router).Interfaces.Single(i => i.Interface == "GigabitEthernet1");
        Assert.Equal(Host1, state.Querier);
        // Queries already on the wire are drained; from now until the interval (2.1 s) passes, GigabitEthernet1 is quiet.
        ReceiveAll(router.Far1, TimeSpan.FromMilliseconds(100));
        Assert.Equal(GeneralQueryGi1At100, NextIgmp(router.Far1, IgmpPackets.AllSystems, TimeSpan.FromSeconds(6)));
        // The other-querier-present interval runs from when the query was heard, which is after it was sent.
        Assert.True(DateTime.UtcNow - sent >= TimeSpan.FromMilliseconds(1800), $"querier again {(DateTime.UtcNow - sent).TotalMilliseconds:F0} ms after the other's query");
        Assert.True(Snapshot(router).Interfaces.Single(i => i.Interface == "GigabitEthernet1").RouterIsQuerier);
    }
}
