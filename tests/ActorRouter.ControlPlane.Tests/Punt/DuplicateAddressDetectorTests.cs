using System.Buffers.Binary;
using ActorRouter.ControlPlane.Punt;
using Akka.Actor;
using Akka.TestKit;
using static ActorRouter.ControlPlane.Tests.Punt.Icmpv6ResponderTests;

namespace ActorRouter.ControlPlane.Tests.Punt;

/// <summary>Duplicate address detection and MLDv2 reports for the router's own addresses: exact frames, exact times, exact messages.</summary>
public class DuplicateAddressDetectorTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly byte[] RouterMac = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01];
    private static readonly UInt128 Global = Address("2001:db8:1::1");
    private static readonly UInt128 LinkLocal = Address("fe80::ff:fe00:1");

    public DuplicateAddressDetectorTests()
        : base("akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"")
    {
    }

    private TestScheduler Scheduler => (TestScheduler)Sys.Scheduler;

    private (FakePort Port, IActorRef Actor, TestProbe Qfp, Ipv6AddressStates States) Start()
    {
        var port = new FakePort();
        var qfp = CreateTestProbe();
        var states = new Ipv6AddressStates();
        var actor = Sys.ActorOf(DuplicateAddressDetector.Props(port, qfp, states));
        Counters(actor);
        return (port, actor, qfp, states);
    }

    private Ipv6DadCounters Counters(IActorRef actor)
    {
        var probe = CreateTestProbe();
        actor.Tell(GetIpv6DadCounters.Instance, probe);
        return probe.ExpectMsg<Ipv6DadCounters>(TimeSpan.FromSeconds(10));
    }

    /// <summary>
    /// RFC 3810 §5.2: fe80::ff:fe00:1 → ff02::16 (33:33:00:00:00:16), hop limit 1, Hop-by-Hop with Router Alert (MLD) and
    /// PadN, type 143 with two CHANGE_TO_EXCLUDE_MODE records: ff02::2 and ff02::1:ff00:1 (both addresses' solicited-node group).
    /// </summary>
    private static byte[] ExpectedReport()
    {
        byte[] icmp = [143, 0, 0, 0, 0, 0, 0, 2,
            4, 0, 0, 0, .. Bytes(Address("ff02::2")),
            4, 0, 0, 0, .. Bytes(Address("ff02::1:ff00:1"))];
        var destination = Address("ff02::16");
        BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(2), Checksum(LinkLocal, destination, icmp));
        var frame = Frame([0x33, 0x33, 0x00, 0x00, 0x00, 0x16], RouterMac, 1, LinkLocal, destination, [58, 0, 5, 2, 0, 0, 1, 0, .. icmp]);
        frame[20] = 0; // Hop-by-Hop first; the helper's checksum bytes at 56..57 fall inside it and are put back
        frame[56] = 5;
        frame[57] = 2;
        return frame;
    }

    /// <summary>RFC 4862 §5.4.2: from ::, to the solicited-node group, no source link-layer option.</summary>
    private static byte[] ExpectedSolicitation(UInt128 target) => Frame([0x33, 0x33, 0xFF, 0x00, 0x00, 0x01], RouterMac, 255, UInt128.Zero,
        Address("ff02::1:ff00:1"), [135, 0, 0, 0, 0, 0, 0, 0, .. Bytes(target)]);

    [Fact]
    public void An_interface_coming_up_reports_its_groups_then_checks_each_address_which_is_tentative_for_one_retransmit_timer()
    {
        var (port, actor, qfp, states) = Start();
        Assert.Equal(ExpectedReport(), port.Next());
        Assert.Equal(ExpectedSolicitation(LinkLocal), port.Next());
        Assert.Equal(ExpectedSolicitation(Global), port.Next());
        Assert.Empty(port.Injected);
        Assert.True(states.IsUnusable(0, LinkLocal) && states.IsUnusable(0, Global));

        Scheduler.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(new Ipv6DadCounters(Solicitations: 2, Duplicates: 0, LateClaims: 0, Reports: 1, InjectFailures: 0), Counters(actor));
        Assert.False(states.IsUnusable(0, LinkLocal) || states.IsUnusable(0, Global));
        // Up and checked: later scans send nothing.
        Scheduler.Advance(TimeSpan.FromSeconds(5));
        Counters(actor);
        Assert.Empty(port.Injected);
        // A claim after detection keeps the address; it is counted.
        actor.Tell(new Ipv6AddressClaimed(0, Global, FromSolicitation: false));
        Assert.Equal(1, Counters(actor).LateClaims);
        qfp.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void An_advertisement_for_a_tentative_address_makes_it_duplicated_and_the_qfp_client_takes_it_off()
    {
        var (port, actor, qfp, states) = Start();
        actor.Tell(new Ipv6AddressClaimed(0, Global, FromSolicitation: false));
        qfp.ExpectMsg(new Ipv6AddressDuplicated(0, Global), TimeSpan.FromSeconds(10));
        // Another node's detection of the link-local address at the same time: duplicated too.
        actor.Tell(new Ipv6AddressClaimed(0, LinkLocal, FromSolicitation: true));
        qfp.ExpectMsg(new Ipv6AddressDuplicated(0, LinkLocal), TimeSpan.FromSeconds(10));
        Scheduler.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(new Ipv6DadCounters(Solicitations: 2, Duplicates: 2, LateClaims: 0, Reports: 1, InjectFailures: 0), Counters(actor));
        Assert.True(states.IsUnusable(0, LinkLocal) && states.IsUnusable(0, Global));
        qfp.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Equal(3, port.Injected.Count);
    }
}
