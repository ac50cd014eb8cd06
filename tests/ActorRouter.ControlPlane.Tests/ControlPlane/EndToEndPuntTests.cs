using ActorRouter.ControlPlane.Messages;
using ActorRouter.ControlPlane.Punt;
using ActorRouter.DataPlane.Counters;
using ActorRouter.IO.Memory;
using ActorRouter.Packets;
using Akka.Actor;
using Xunit.Abstractions;
using static ActorRouter.ControlPlane.Tests.ControlPlane.TestConfigs;

namespace ActorRouter.ControlPlane.Tests.ControlPlane;

/// <summary>
/// The whole control plane (supervisor, FMAN, QFP client, platform and the punt service with the real
/// ARP actor) over memory wires: ARP, ICMP echo to the router, glean then forward, aging, and a crash
/// of the ARP service — asserted with exact frames on the wires.
/// </summary>
[Collection(DataPlaneCollection.Name)]
public sealed class EndToEndPuntTests(ITestOutputHelper output) : ControlPlaneTestKit(output)
{
    private static readonly ArpSettings FastArp = new(TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(300), 3);
    private static readonly MacAddress Gi1 = new(Gi1Mac);
    private static readonly MacAddress Gi2 = new(Gi2Mac);
    private static readonly MacAddress A = new(HostAMac);
    private static readonly MacAddress B = new(HostBMac);
    private static readonly uint RouterGi1 = Ipv4Address.Parse("192.0.2.1");
    private static readonly uint RouterGi2 = Ipv4Address.Parse("198.51.100.1");

    private RunningRouter Start() => StartRouter(TwoInterfaces(faultInjection: true), children: [PuntServiceActor.Child(FastArp)]);

    /// <summary>The next frame on a far end that is not one of the given kinds to skip, or null after the wait.</summary>
    private static byte[]? NextFrame(MemoryVnicPort port, Func<byte[], bool>? accept = null, int timeoutMs = 10_000)
    {
        var deadline = Environment.TickCount64 + timeoutMs;
        while (Environment.TickCount64 < deadline)
        {
            var frame = port.TryReceive();
            if (frame is null)
            {
                Thread.Sleep(2);
                continue;
            }
            if (accept is null || accept(frame))
            {
                return frame;
            }
        }
        return null;
    }

    private IActorRef PuntService(RunningRouter router) =>
        Sys.ActorSelection(router.Supervisor.Path / PuntServiceActor.ChildName).ResolveOne(Long).GetAwaiter().GetResult();

    /// <summary>The ARP table, asked of the punt service (which passes the query to its ARP actor).</summary>
    private IReadOnlyList<ArpEntry> ArpEntries(RunningRouter router)
    {
        var service = Sys.ActorSelection(router.Supervisor.Path / PuntServiceActor.ChildName).ResolveOne(Long).GetAwaiter().GetResult();
        return router.Ask<ArpTable>(service, GetArpTable.Instance).Entries;
    }

    private static bool IsArpRequest(byte[] f) => f.Length >= 42 && f[12] == 0x08 && f[13] == 0x06 && f[21] == 1;

    [Fact]
    public void The_router_answers_arp_and_ping_for_its_address_with_exact_frames()
    {
        using var router = Start();
        var a = router.Wire("mem0").B;

        a.Send(PacketBuilder.ArpRequest(A, HostA, RouterGi1));
        Assert.Equal(PacketBuilder.ArpReply(Gi1, RouterGi1, A, HostA), NextFrame(a));

        var payload = "abcdefghijklmnop"u8.ToArray();
        a.Send(PacketBuilder.IcmpEchoRequest(A, Gi1, HostA, RouterGi1, 0x1234, 7, payload));
        Assert.Equal(PacketBuilder.IcmpEchoReply(Gi1, A, RouterGi1, HostA, 0x1234, 7, payload, new Ipv4Fields { Ttl = 64 }), NextFrame(a));
    }

    [Fact]
    public void An_unresolved_destination_is_gleaned_resolved_through_fman_and_then_forwarded_then_aged_out()
    {
        using var router = Start();
        var a = router.Wire("mem0").B;
        var b = router.Wire("mem1").B;

        a.Send(FrameAToB(1));
        Assert.Equal(PacketBuilder.ArpRequest(Gi2, RouterGi2, HostB), NextFrame(b));
        Assert.Equal(1, router.DataPlane.ReadDrops(DropReason.NoAdjacency));
        b.Send(PacketBuilder.ArpReply(B, HostB, Gi2, RouterGi2));

        // Once FMAN has published the neighbor, the flow is forwarded with the right MACs.
        byte[]? forwarded = null;
        AwaitAssert(() =>
        {
            a.Send(FrameAToB(2));
            forwarded = NextFrame(b, f => !IsArpRequest(f), 200);
            Assert.NotNull(forwarded);
        }, Long, TimeSpan.FromMilliseconds(100));
        Assert.Equal(B, MacAddress.Read(forwarded));
        Assert.Equal(Gi2, MacAddress.Read(forwarded.AsSpan(6)));
        Assert.Equal(63, forwarded![22]);
        Assert.Contains(ArpEntries(router), e => e.Address == HostB && e.Mac == HostBMac && e.State == ArpEntryState.Reachable);

        // B stops answering: refresh requests, then expiry, then the next frame is gleaned again.
        var refreshes = 0;
        AwaitAssert(() =>
        {
            while (NextFrame(b, IsArpRequest, 50) is not null)
            {
                refreshes++;
            }
            Assert.DoesNotContain(ArpEntries(router), e => e.Address == HostB);
        }, TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(100));
        Assert.True(refreshes >= 1, "no refresh request before the entry expired");
        var dropsBefore = router.DataPlane.ReadDrops(DropReason.NoAdjacency);
        AwaitAssert(() =>
        {
            a.Send(FrameAToB(3));
            Assert.True(router.DataPlane.ReadDrops(DropReason.NoAdjacency) > dropsBefore);
        }, Long, TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void After_the_arp_service_crashes_and_restarts_the_router_still_answers_ping()
    {
        using var router = Start();
        var a = router.Wire("mem0").B;

        Assert.Equal(new FaultInjected(PuntServiceActor.ChildName), router.Ask<object>(router.Supervisor, new InjectFault(PuntServiceActor.ChildName)));

        var payload = new byte[8];
        byte[]? reply = null;
        AwaitAssert(() =>
        {
            a.Send(PacketBuilder.IcmpEchoRequest(A, Gi1, HostA, RouterGi1, 1, 1, payload));
            reply = NextFrame(a, f => f.Length > 34 && f[23] == 1 && f[34] == 0, 300);
            Assert.NotNull(reply);
        }, Long, TimeSpan.FromMilliseconds(100));
        Assert.Equal(HostA, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(30)));
    }

    [Fact]
    public void Static_entries_added_and_removed_at_run_time_are_as_the_running_configuration_says_after_the_arp_service_restarts()
    {
        var fromFile = new ActorRouter.ControlPlane.Configuration.StaticArpEntry(Ipv4Address.Parse("192.0.2.30"), 0x0200_0000_0030UL);
        var added = new ActorRouter.ControlPlane.Configuration.StaticArpEntry(Ipv4Address.Parse("192.0.2.20"), 0x0200_0000_0020UL);
        var config = TwoInterfaces(faultInjection: true);
        config = config with { Arp = config.Arp with { Static = ActorRouter.ControlPlane.Configuration.EquatableList.Of(fromFile) } };
        using var router = StartRouter(config, children: [PuntServiceActor.Child(FastArp)]);
        var service = PuntService(router);
        AwaitAssert(() => Assert.Contains(ArpEntries(router), e => e.Address == fromFile.Address && e.State == ArpEntryState.Static), Long);

        // What arctl arp / no arp do: the running configuration first (FMAN), then the table.
        Assert.IsType<CommandSucceeded>(router.Ask<object>(router.Fman, new ActorRouter.ControlPlane.Fman.SetStaticArp(added)));
        router.Ask<ArpChangeDone>(service, new SetStaticArpEntry(added.Address, added.Mac));
        Assert.IsType<CommandSucceeded>(router.Ask<object>(router.Fman, new ActorRouter.ControlPlane.Fman.RemoveStaticArp(fromFile.Address)));
        router.Ask<ArpChangeDone>(service, new RemoveStaticArpEntry(fromFile.Address));

        Assert.Equal(new FaultInjected(PuntServiceActor.ChildName), router.Ask<object>(router.Supervisor, new InjectFault(PuntServiceActor.ChildName)));

        // The restarted service starts from the file's entries and brings them to the running configuration.
        AwaitAssert(() =>
        {
            var statics = ArpEntries(router).Where(e => e.State == ArpEntryState.Static).Select(e => (e.Address, e.Mac)).ToList();
            Assert.Equal([(added.Address, added.Mac)], statics);
        }, Long, TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void The_punt_service_takes_its_arp_timings_from_the_configuration()
    {
        var config = TwoInterfaces(faultInjection: true) with { Arp = new ActorRouter.ControlPlane.Configuration.ArpConfig(TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(300), 2) };
        using var router = StartRouter(config, children: [PuntServiceActor.Child()]);
        var b = router.Wire("mem1").B;

        // B announces itself by asking for the router; the entry is learned with the configured 2 s life.
        b.Send(PacketBuilder.ArpRequest(B, HostB, RouterGi2));
        Assert.Equal(PacketBuilder.ArpReply(Gi2, RouterGi2, B, HostB), NextFrame(b));
        var learned = System.Diagnostics.Stopwatch.StartNew();

        // With the default 4 h nothing would be asked for hours; with 2 s the refresh comes at about 1.4 s.
        var refresh = NextFrame(b, IsArpRequest, 8000);
        Assert.NotNull(refresh);
        Assert.InRange(learned.Elapsed.TotalSeconds, 1.0, 8.0);
        Assert.Equal(PacketBuilder.Arp(B, ArpOperation.Request, Gi2, RouterGi2, MacAddress.Zero, HostB), refresh);
    }
}
