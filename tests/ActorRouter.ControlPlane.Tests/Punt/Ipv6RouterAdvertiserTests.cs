using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Punt;
using ActorRouter.DataPlane.Forwarding;
using Akka.Actor;
using Akka.TestKit;
using static ActorRouter.ControlPlane.Tests.Punt.Icmpv6ResponderTests;

namespace ActorRouter.ControlPlane.Tests.Punt;

/// <summary>Router advertisements on a test scheduler: their exact bytes and exact times, unsolicited and solicited.</summary>
public class Ipv6RouterAdvertiserTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly byte[] RouterMac = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01];
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    public Ipv6RouterAdvertiserTests()
        : base("akka.scheduler.implementation = \"Akka.TestKit.TestScheduler, Akka.TestKit\"")
    {
    }

    private TestScheduler Scheduler => (TestScheduler)Sys.Scheduler;

    private (FakePort Port, IActorRef Actor) Start(Ipv6RaConfig config, FakePort? port = null)
    {
        port ??= new FakePort();
        var start = Scheduler.Now;
        var actor = Sys.ActorOf(Ipv6RouterAdvertiser.Props(port, new Dictionary<string, Ipv6RaConfig> { ["GigabitEthernet1"] = config }, () => 0.5,
            () => Scheduler.Now - start));
        Counters(actor);
        return (port, actor);
    }

    private Ipv6RaCounters Counters(IActorRef actor)
    {
        var probe = CreateTestProbe();
        actor.Tell(GetIpv6RaCounters.Instance, probe);
        return probe.ExpectMsg<Ipv6RaCounters>(TimeSpan.FromSeconds(10));
    }

    private Ipv6RaCounters Advance(IActorRef actor, TimeSpan by)
    {
        Scheduler.Advance(by);
        return Counters(actor);
    }

    /// <summary>
    /// RFC 4861 §4.2 from fe80::ff:fe00:1 to ff02::1 (33:33:00:00:00:01), hop limit 255: Cur Hop Limit 64, no flags,
    /// Router Lifetime 1800, Reachable Time and Retrans Timer 0; source link-layer address, MTU 1500, and the /64's
    /// Prefix Information (length 64, L and A, valid 2592000 s, preferred 604800 s).
    /// </summary>
    private static byte[] ExpectedAdvertisement(ushort lifetime = 1800) => Frame([0x33, 0x33, 0x00, 0x00, 0x00, 0x01], RouterMac, 255,
        Address("fe80::ff:fe00:1"), Address("ff02::1"),
        [
            134, 0, 0, 0, 64, 0, (byte)(lifetime >> 8), (byte)lifetime, 0, 0, 0, 0, 0, 0, 0, 0,
            1, 1, .. RouterMac,
            5, 1, 0, 0, 0x00, 0x00, 0x05, 0xDC,
            3, 4, 64, 0xC0, 0x00, 0x27, 0x8D, 0x00, 0x00, 0x09, 0x3A, 0x80, 0, 0, 0, 0, .. Bytes(Address("2001:db8:1::")),
        ]);

    [Fact]
    public void An_interface_coming_up_advertises_at_once_then_three_initial_ones_16_s_apart_then_within_the_interval()
    {
        // Two addresses: the /64 is advertised for SLAAC, the /48 cannot be and is left out.
        var port = new FakePort(new Ipv6InterfaceAddress(Address("2001:db8:1::1"), 64), new Ipv6InterfaceAddress(Address("2001:db8:9::1"), 48));
        var (_, actor) = Start(new Ipv6RaConfig(true, TimeSpan.FromSeconds(200), TimeSpan.FromSeconds(1800)), port);
        Assert.Equal(ExpectedAdvertisement(), port.Next());
        Assert.Empty(port.Injected);

        Advance(actor, Second * 15);
        Assert.Empty(port.Injected);
        Advance(actor, Second);
        Assert.Equal(ExpectedAdvertisement(), port.Next());
        Advance(actor, Second * 16);
        Assert.Equal(ExpectedAdvertisement(), port.Next());
        // The fourth and later: between 200/3 and 200 s, here (random 0.5) 133.3 s after the last.
        Advance(actor, Second * 133);
        Assert.Empty(port.Injected);
        Assert.Equal(new Ipv6RaCounters(4, 0, 0, 0), Advance(actor, Second));
        Assert.Equal(ExpectedAdvertisement(), port.Next());
        Assert.Empty(port.Injected);
    }

    [Fact]
    public void A_solicitation_is_answered_at_once_or_3_s_after_the_last_advertisement_and_only_once()
    {
        var (port, actor) = Start(new Ipv6RaConfig(true, TimeSpan.FromSeconds(600), TimeSpan.Zero));
        Assert.Equal(ExpectedAdvertisement(0), port.Next());
        Advance(actor, Second);
        actor.Tell(new RouterSolicitationReceived(0));
        Advance(actor, Second);
        actor.Tell(new RouterSolicitationReceived(0));
        Counters(actor);
        Assert.Empty(port.Injected);
        // MIN_DELAY_BETWEEN_RAS after the first: one answer for both.
        Assert.Equal(new Ipv6RaCounters(1, 1, 0, 0), Advance(actor, Second));
        Assert.Equal(ExpectedAdvertisement(0), port.Next());
        Assert.Empty(port.Injected);
        Advance(actor, Second * 5);
        actor.Tell(new RouterSolicitationReceived(0));
        Assert.Equal(new Ipv6RaCounters(1, 2, 0, 0), Counters(actor));
        Assert.Equal(ExpectedAdvertisement(0), port.Next());
        // A solicitation on an interface without advertisements is counted and left.
        actor.Tell(new RouterSolicitationReceived(3));
        Assert.Equal(new Ipv6RaCounters(1, 2, 1, 0), Counters(actor));
        Assert.Empty(port.Injected);
    }
}
