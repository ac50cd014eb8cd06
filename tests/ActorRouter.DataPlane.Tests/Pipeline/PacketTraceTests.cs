using System.Buffers.Binary;
using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Fib;
using ActorRouter.DataPlane.Forwarding;
using ActorRouter.DataPlane.Graph;
using ActorRouter.DataPlane.Graph.Nodes;
using ActorRouter.DataPlane.Memory;
using ActorRouter.DataPlane.Rings;
using ActorRouter.Packets;
using static ActorRouter.DataPlane.Tests.Pipeline.TestRouter;

namespace ActorRouter.DataPlane.Tests.Pipeline;

/// <summary>
/// Packet trace and per-node runtime on the PPE graph driven directly, on one thread: the exact node
/// sequence each kind of packet records, COUNT and the filters respected, nothing recorded when disarmed.
/// </summary>
public sealed class PacketTraceTests : IDisposable
{
    private static readonly uint Unresolved = Ipv4Address.Parse("198.51.100.20");
    private readonly TestRouter _router = new(mtus: [1500, 576, 1500], start: false);
    private readonly SpscRing _puntRing = new(64);
    private readonly ThreadCounters _counters = new("trace-test", 64);
    private readonly GpmCache _cache;
    private readonly PpeGraph _graph;
    private readonly uint[] _output;

    public PacketTraceTests()
    {
        _cache = new GpmCache(_router.DataPlane.Gpm, 64);
        _graph = PpeGraph.CreateIpv4(_router.DataPlane.Gpm, _cache, _counters, _puntRing, null, 32, 1000, 1000, 1000, 1000);
        _output = new uint[32 * _graph.MaxOutputPerPacket];
    }

    private PacketMemory Gpm => _router.DataPlane.Gpm;

    private uint Load(byte[] frame, int rx)
    {
        Assert.True(_cache.TryAllocate(out var buffer));
        Gpm.ResetMeta(buffer, frame.Length, BufferOwner.Ppe);
        frame.CopyTo(Gpm.Frame(buffer));
        Gpm.Meta(buffer).RxInterface = (ushort)rx;
        return buffer;
    }

    /// <summary>Runs one burst of <paramref name="frames"/> (all received on Gi1 unless said) and frees what it output or punted.</summary>
    private int Run(params byte[][] frames) => RunOn(0, frames);

    private int RunOn(int rx, params byte[][] frames)
    {
        var input = frames.Select(f => Load(f, rx)).ToArray();
        var n = _graph.ProcessBurst(input, _output, _router.DataPlane.Forwarding, _router.DataPlane.Interfaces, _router.DataPlane.Qos);
        _cache.FreeBurst(_output.AsSpan(0, n));
        var punted = new uint[64];
        var p = _puntRing.DequeueBurst(punted);
        _cache.FreeBurst(punted.AsSpan(0, p));
        return n;
    }

    private PacketTraceSession Arm(int count, int? rx = null, string filter = "")
    {
        Assert.True(PacketFilter.TryParse(filter, out var parsed, out var error), error);
        var session = new PacketTraceSession(count, rx is int i ? _router.DataPlane.InterfaceSet(i) : null, null, parsed, 1);
        _graph.Observers = new GraphObservers(new GraphTrace(session, session.Buffer(0)), null);
        return session;
    }

    private IReadOnlyList<TracedPacket> Read(PacketTraceSession session) => session.Read([_graph], _router.DataPlane.Interfaces);

    private static string[] Path(TracedPacket packet) => packet.Steps.Select(s => s.Next == "" ? $"{s.Node} ({s.Decision})" : $"{s.Node} -> {s.Next}").ToArray();

    [Fact]
    public void A_forwarded_packet_records_every_node_with_its_fields_as_the_node_left_them()
    {
        var session = Arm(1);

        Run(UdpFrom(0, HostAddresses[1], ttl: 9));

        var packet = Assert.Single(Read(session));
        Assert.Equal((1, 0, "ppe0"), (packet.Id, packet.ParentId, packet.Thread));
        Assert.Equal(
            ["ethernet-input -> ip4-input", "ip4-input -> ip4-lookup", "ip4-lookup -> ip4-rewrite", "ip4-rewrite -> interface-output",
             "interface-output (output on GigabitEthernet2)"],
            Path(packet));
        Assert.All(packet.Steps, s => Assert.Equal(("GigabitEthernet1", "192.0.2.10", "198.51.100.10", "udp", 46), (s.ReceivedOn, s.Source, s.Destination, s.Protocol, s.IpLength)));
        Assert.Equal([9, 9, 9, 8, 8], packet.Steps.Select(s => s.Ttl));
        Assert.Equal([null, null, "GigabitEthernet2", "GigabitEthernet2", "GigabitEthernet2"], packet.Steps.Select(s => s.Egress));
        Assert.StartsWith("adjacency ", packet.Steps[2].Decision);
        Assert.EndsWith(" via GigabitEthernet2", packet.Steps[2].Decision);
        Assert.Equal(0, packet.Steps[0].ElapsedNanoseconds);
        Assert.True(packet.Steps.Zip(packet.Steps.Skip(1)).All(p => p.First.ElapsedNanoseconds <= p.Second.ElapsedNanoseconds));
    }

    [Fact]
    public void A_ttl_expired_packet_goes_to_drop_and_its_icmp_error_is_traced_as_its_child()
    {
        var session = Arm(1);

        Run(UdpFrom(0, HostAddresses[1], ttl: 1));

        var packets = Read(session);
        Assert.Equal(2, packets.Count);
        Assert.Equal(
            ["ethernet-input -> ip4-input", "ip4-input -> ip4-lookup", "ip4-lookup -> ip4-icmp-error", "ip4-icmp-error -> drop", "drop (dropped: TtlExpired)"],
            Path(packets[0]));
        Assert.Equal("icmp-error: TimeExceeded", packets[0].Steps[2].Decision);
        Assert.Equal("drop: TtlExpired", packets[0].Steps[3].Decision);
        Assert.Equal((2, 1), (packets[1].Id, packets[1].ParentId));
        Assert.Equal(["ip4-icmp-error -> interface-output", "interface-output (output on GigabitEthernet1)"], Path(packets[1]));
        Assert.Equal(("192.0.2.1", "192.0.2.10", "icmp"), (packets[1].Steps[0].Source, packets[1].Steps[0].Destination, packets[1].Steps[0].Protocol));
        Assert.Equal("ICMP error about packet 1", packets[1].Steps[0].Decision);
    }

    [Fact]
    public void A_glean_is_punted_with_the_address_to_resolve()
    {
        var session = Arm(1);

        Run(UdpFrom(0, Unresolved));

        var packet = Assert.Single(Read(session));
        Assert.Equal(
            ["ethernet-input -> ip4-input", "ip4-input -> ip4-lookup", "ip4-lookup -> punt", "punt (punted: Glean)"],
            Path(packet));
        Assert.Equal("punt: Glean for 198.51.100.20", packet.Steps[2].Decision);
    }

    [Fact]
    public void An_arp_request_is_punted_from_ethernet_input()
    {
        var session = Arm(1);

        Run(PacketBuilder.ArpRequest(HostMacs[0], HostAddresses[0], RouterAddresses[0]));

        var packet = Assert.Single(Read(session));
        Assert.Equal(["ethernet-input -> punt", "punt (punted: Arp)"], Path(packet));
        Assert.Equal("punt: Arp", packet.Steps[0].Decision);
        Assert.All(packet.Steps, s => Assert.Equal(("ethertype 0x0806", (string?)null), (s.Protocol, s.Source)));
    }

    [Fact]
    public void A_fragmented_packet_is_consumed_by_ip4_frag_and_each_fragment_is_traced_as_its_child()
    {
        var session = Arm(1);

        // 1000 bytes of UDP payload towards Gi2, whose MTU is 576: two fragments.
        Assert.Equal(2, Run(UdpFrom(0, HostAddresses[1], payloadLength: 1000, id: 77)));

        var packets = Read(session);
        Assert.Equal(3, packets.Count);
        Assert.Equal(
            ["ethernet-input -> ip4-input", "ip4-input -> ip4-lookup", "ip4-lookup -> ip4-rewrite", "ip4-rewrite -> ip4-frag",
             "ip4-frag (fragmented (the original is released))"],
            Path(packets[0]));
        Assert.Equal(1028, packets[0].Steps[0].IpLength);
        foreach (var fragment in packets.Skip(1))
        {
            Assert.Equal(1, fragment.ParentId);
            Assert.Equal(["ip4-frag -> interface-output", "interface-output (output on GigabitEthernet2)"], Path(fragment));
            Assert.Equal(63, fragment.Steps[0].Ttl);
        }
        Assert.Equal([572, 476], packets.Skip(1).Select(p => p.Steps[0].IpLength));
    }

    [Fact]
    public void Count_is_respected_across_bursts_and_later_packets_are_not_recorded()
    {
        var session = Arm(3);

        Run(UdpFrom(0, HostAddresses[1], id: 1), UdpFrom(0, HostAddresses[1], id: 2));
        Run(UdpFrom(0, HostAddresses[1], id: 3), UdpFrom(0, HostAddresses[1], id: 4));
        Run(UdpFrom(0, HostAddresses[1], id: 5));

        var packets = Read(session);
        Assert.Equal([1, 2, 3], packets.Select(p => p.Id));
        Assert.All(packets, p => Assert.Equal(5, p.Steps.Count));
        Assert.Equal(3, session.Traced);
        Assert.True(session.IsFull);
    }

    [Theory]
    [InlineData("host 198.51.100.10", new[] { 1, 2 })]
    [InlineData("dst host 192.0.2.10", new int[0])]
    [InlineData("src net 192.0.2.0/24 and proto udp", new[] { 1, 2 })]
    [InlineData("icmp", new[] { 3 })]
    [InlineData("dst port 53", new[] { 2 })]
    [InlineData("port 1000 and dst port 2000", new[] { 1 })]
    [InlineData("src port 2000", new int[0])]
    public void Filters_choose_the_packets(string filter, int[] expectedIds)
    {
        var session = Arm(10, filter: filter);

        Run(UdpFrom(0, HostAddresses[1], id: 1), UdpFrom(0, HostAddresses[1], id: 2, destinationPort: 53),
            PacketBuilder.IcmpEchoRequest(HostMacs[0], RouterMacs[0], HostAddresses[0], HostAddresses[2], 3, 1, new byte[8]));

        // Packets are numbered in the order they matched; the first step's IP identification says which one it was.
        Assert.Equal(expectedIds.Length, Read(session).Count);
        Assert.Equal(expectedIds.Length, session.Traced);
    }

    [Fact]
    public void The_interface_restriction_keeps_packets_of_other_interfaces_out()
    {
        var session = Arm(10, rx: 1);

        RunOn(0, UdpFrom(0, HostAddresses[1]));
        RunOn(1, UdpFrom(1, HostAddresses[0]));

        var packet = Assert.Single(Read(session));
        Assert.Equal("GigabitEthernet2", packet.Steps[0].ReceivedOn);
    }

    [Fact]
    public void Nothing_is_recorded_when_disarmed_and_the_runtime_still_counts()
    {
        var session = Arm(10);
        _graph.Observers = null;
        _graph.RuntimeSampleInterval = 1;

        // Each node's first observed call (which may compile it) is not timed; the second is.
        Run(UdpFrom(0, HostAddresses[1]), UdpFrom(0, HostAddresses[1], ttl: 1));
        Run(UdpFrom(0, HostAddresses[1]), UdpFrom(0, HostAddresses[1], ttl: 1));

        Assert.Empty(Read(session));
        Assert.Equal(0, session.Traced);
        var runtime = _graph.ReadRuntime();
        var lookup = Assert.Single(runtime, r => r.Node == NodeNames.Ip4Lookup);
        Assert.Equal((2, 4, 1, 2), (lookup.Calls, lookup.Packets, lookup.TimedCalls, lookup.TimedPackets));
        Assert.True(lookup.ClockTicks > 0);
        Assert.True(lookup.NanosecondsPerPacket > 0);
        Assert.Equal(2.0, lookup.PacketsPerCall);
        Assert.Equal((0, 0, 0L), Assert.Single(runtime, r => r.Node == NodeNames.Ip4Frag) is var frag ? (frag.Calls, frag.Packets, frag.ClockTicks) : default);

        _graph.ClearRuntime();
        Assert.All(_graph.ReadRuntime(), r => Assert.Equal((0, 0, 0, 0, 0), (r.Calls, r.Packets, r.TimedCalls, r.TimedPackets, r.ClockTicks)));
    }

    [Fact]
    public void Untimed_bursts_count_calls_and_packets_but_time_only_one_burst_in_the_interval_armed_or_not()
    {
        _graph.RuntimeSampleInterval = 4;

        for (var i = 0; i < 8; i++)
        {
            Run(UdpFrom(0, HostAddresses[1]));
        }
        var session = Arm(1);
        for (var i = 0; i < 8; i++)
        {
            Run(UdpFrom(0, HostAddresses[1]));
        }

        var input = Assert.Single(_graph.ReadRuntime(), r => r.Node == NodeNames.EthernetInput);
        // Bursts 1, 5, 9 and 13 are the sampled ones; the first is the node's first observed call, never timed.
        Assert.Equal((16, 16, 3, 3), (input.Calls, input.Packets, input.TimedCalls, input.TimedPackets));
        Assert.Single(Read(session));
    }

    [Fact]
    public void The_data_plane_arms_every_ppe_and_a_full_trace_stops_tapping()
    {
        using var router = new TestRouter(ppeThreads: 2);
        var session = router.DataPlane.ArmPacketTrace(2, null, PacketFilter.All);
        Assert.True(router.DataPlane.PacketTraceArmed);
        Assert.All(router.DataPlane.Graphs, g => Assert.NotNull(g.Observers?.Trace));

        for (var i = 0; i < 4; i++)
        {
            router.Send(0, UdpFrom(0, HostAddresses[1], id: (ushort)(10 + i)));
            Assert.NotNull(Receive(router.Host(1)));
        }

        Assert.True(WaitUntil(() => session.Read(router.DataPlane.Graphs, router.DataPlane.Interfaces).Count(p => p.Steps.Count == 5) == 2));
        Assert.False(router.DataPlane.PacketTraceArmed);
        Assert.Same(session, router.DataPlane.PacketTrace);
        Assert.All(router.DataPlane.Graphs, g => Assert.Null(g.Observers));
        router.DataPlane.ClearPacketTrace();
        Assert.Null(router.DataPlane.PacketTrace);
    }

    private static List<(CapturePoint Point, int Interface, byte Reason, byte[] Bytes)> Drain(CaptureSession session)
    {
        var frames = new List<(CapturePoint, int, byte, byte[])>();
        session.Rings[0].Drain((f, bytes) => frames.Add((f.Point, f.Interface, f.DropReason, bytes.ToArray())));
        return frames;
    }

    [Fact]
    public void A_capture_copies_frames_entering_the_graph_as_received_and_leaving_it_as_rewritten()
    {
        var session = new CaptureSession("c", true, true, false, null, null, PacketFilter.All, 0, 1, 2048, 8);
        _graph.Observers = new GraphObservers(null, session.Tap(_graph, 0));
        var forwarded = UdpFrom(0, HostAddresses[1], ttl: 9);
        var expired = UdpFrom(0, HostAddresses[1], ttl: 1);

        Assert.Equal(2, Run(forwarded, expired));

        var frames = Drain(session);
        Assert.Equal([CapturePoint.In, CapturePoint.In, CapturePoint.Out, CapturePoint.Out], frames.Select(f => f.Point));
        Assert.Equal(forwarded, frames[0].Bytes);
        Assert.Equal(expired, frames[1].Bytes);
        Assert.Equal(Expected(forwarded, 0, 1), frames[2].Bytes);
        Assert.Equal([0, 0, 1, 0], frames.Select(f => f.Interface));
        Assert.True(Ipv4Header.TryParse(frames[3].Bytes.AsSpan(14), out var error));
        Assert.Equal((RouterAddresses[0], HostAddresses[0], IpProtocols.Icmp), (error.Source, error.Destination, error.Protocol));
        Assert.Equal((4, 0), (session.Copied, session.RingFullDrops));
    }

    [Fact]
    public void A_drop_capture_keeps_only_its_reason_and_the_reason_travels_with_the_frame()
    {
        var session = new CaptureSession("c", false, false, true, (byte)DropReason.TtlExpired, _router.DataPlane.InterfaceSet(0), PacketFilter.All, 0, 1, 2048, 8);
        _graph.Observers = new GraphObservers(null, session.Tap(_graph, 0));
        var expired = UdpFrom(0, HostAddresses[1], ttl: 1);

        Run(UdpFrom(0, HostAddresses[1]), expired, UdpFrom(0, Ipv4Address.Parse("198.18.0.1")));

        var frame = Assert.Single(Drain(session));
        Assert.Equal((CapturePoint.Drop, 0, (byte)DropReason.TtlExpired), (frame.Point, frame.Interface, frame.Reason));
        Assert.Equal(expired, frame.Bytes);
    }

    [Fact]
    public void A_full_capture_ring_drops_copies_not_packets_and_the_limit_stops_copying()
    {
        var full = new CaptureSession("c", true, false, false, null, null, PacketFilter.All, 0, 1, 2048, 2);
        _graph.Observers = new GraphObservers(null, full.Tap(_graph, 0));

        Assert.Equal(3, Run(UdpFrom(0, HostAddresses[1], id: 1), UdpFrom(0, HostAddresses[1], id: 2), UdpFrom(0, HostAddresses[1], id: 3)));
        Assert.Equal((2, 1), (full.Copied, full.RingFullDrops));
        Assert.Equal(3, Arc(NodeNames.Ip4Rewrite, NodeNames.InterfaceOutput));

        var limited = new CaptureSession("c", true, false, false, null, null, PacketFilter.All, 1, 1, 2048, 8);
        _graph.Observers = new GraphObservers(null, limited.Tap(_graph, 0));
        Run(UdpFrom(0, HostAddresses[1], id: 4), UdpFrom(0, HostAddresses[1], id: 5));
        Assert.Equal((1, 0, true), (limited.Copied, limited.RingFullDrops, limited.LimitReached));
    }

    private long Arc(string node, string next) => Assert.Single(Assert.Single(_graph.ReadCounters(), n => n.Node == node).Next, a => a.NextNode == next).Packets;

    [Theory]
    [InlineData("host", "'host' needs a value")]
    [InlineData("host 300.1.1.1", "'300.1.1.1' is not an IPv4 address (host A.B.C.D)")]
    [InlineData("net 10.0.0.0", "'10.0.0.0' is not a prefix (net A.B.C.D/LEN, LEN 0..32)")]
    [InlineData("proto gre", "'gre' is not a protocol (icmp, icmp6, udp, tcp or 0..255)")]
    [InlineData("host 2001:db8::g", "'2001:db8::g' is not an IPv6 address (host X:X::X)")]
    [InlineData("net 2001:db8::/129", "'2001:db8::/129' is not an IPv6 prefix (net X:X::X/LEN, LEN 0..128)")]
    [InlineData("src ip6", "'src ip6': after src or dst comes host, net or port")]
    [InlineData("src proto 6", "'src proto': after src or dst comes host, net or port")]
    [InlineData("port 70000", "'70000' is not a port (0..65535)")]
    [InlineData("udp and", "the filter ends with 'and'")]
    public void Bad_filters_are_refused_with_the_reason(string filter, string error)
    {
        Assert.False(PacketFilter.TryParse(filter, out _, out var message));
        Assert.Equal(error, message);
    }

    public void Dispose()
    {
        _cache.Drain();
        _puntRing.Dispose();
        _router.Dispose();
    }

    private static UInt128 A6(string text)
    {
        Assert.True(Ipv6Route.TryParseAddress(text, out var address), text);
        return address;
    }

    /// <summary>IPv6 on Gi1 (2001:db8::1/64) and Gi3 (2001:db8:2::1/64) with the hosts as static neighbours.</summary>
    private void EnableIpv6()
    {
        _router.DataPlane.SetIpv6Addresses(0, [new Ipv6InterfaceAddress(A6("2001:db8::1"), 64)]);
        _router.DataPlane.SetIpv6Addresses(2, [new Ipv6InterfaceAddress(A6("2001:db8:2::1"), 64)]);
        _router.DataPlane.PublishIpv6Routes([], [new Ipv6Neighbor(0, A6("2001:db8::10"), HostMacs[0].Value), new Ipv6Neighbor(2, A6("2001:db8:2::10"), HostMacs[2].Value)]);
    }

    /// <summary>An IPv6 frame from host 0 to the router with a Destination Options header before UDP 1000 → <paramref name="port"/>.</summary>
    private static byte[] Udp6(string destination, ushort port = 2000, byte hopLimit = 64, bool options = false)
    {
        var udp = new byte[8 + 18];
        BinaryPrimitives.WriteUInt16BigEndian(udp, 1000);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(2), port);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(4), (ushort)udp.Length);
        byte[] payload = options ? [IpProtocols.Udp, 0, 1, 4, 0, 0, 0, 0, .. udp] : udp;
        var frame = new byte[14 + 40 + payload.Length];
        RouterMacs[0].Write(frame.AsSpan(0, 6));
        HostMacs[0].Write(frame.AsSpan(6, 6));
        frame[12] = 0x86;
        frame[13] = 0xDD;
        var ip = Ipv6Header.Write(frame.AsSpan(14));
        ip.PayloadLength = (ushort)payload.Length;
        ip.NextHeader = options ? IpProtocols.DestinationOptions : IpProtocols.Udp;
        ip.HopLimit = hopLimit;
        ip.Source = A6("2001:db8::10");
        ip.Destination = A6(destination);
        payload.CopyTo(frame.AsSpan(54));
        return frame;
    }

    [Theory]
    [InlineData("ip6", new[] { true, true, true, false })]
    [InlineData("ip", new[] { false, false, false, true })]
    [InlineData("host 2001:db8:2::10", new[] { true, true, false, false })]
    [InlineData("dst net 2001:db8:2::/64 and udp", new[] { true, true, false, false })]
    [InlineData("src net 2001:db8:2::/64", new[] { false, false, false, false })]
    [InlineData("host 192.0.2.10", new[] { false, false, false, true })]
    [InlineData("dst port 53", new[] { false, true, false, false })]
    [InlineData("proto icmp6", new[] { false, false, true, false })]
    [InlineData("icmp", new[] { false, false, false, false })]
    public unsafe void Filters_read_ipv6_addresses_and_the_upper_layer_after_extension_headers(string filter, bool[] expected)
    {
        Assert.True(PacketFilter.TryParse(filter, out var parsed, out var error), error);
        var echo = PacketBuilder.Icmpv6EchoRequest(HostMacs[0], RouterMacs[0], A6("2001:db8::10"), A6("2001:db8::1"), 1, 1, new byte[8]);
        byte[][] frames = [Udp6("2001:db8:2::10"), Udp6("2001:db8:2::10", port: 53, options: true), echo, UdpFrom(0, HostAddresses[1])];
        var matches = frames.Select(f =>
        {
            fixed (byte* p = f)
            {
                return parsed.Matches(p, f.Length);
            }
        });
        Assert.Equal(expected, matches);
        // A payload length beyond the frame: the walk stays inside what was received.
        var truncated = Udp6("2001:db8:2::10", options: true)[..60];
        fixed (byte* p = truncated)
        {
            Assert.Equal(filter is "ip6" or "host 2001:db8:2::10", parsed.Matches(p, truncated.Length));
        }
    }

    [Fact]
    public void An_ipv6_packet_is_traced_with_its_addresses_and_hop_limit_and_its_icmpv6_error_as_a_child()
    {
        EnableIpv6();
        var session = Arm(5, filter: "ip6");

        Run(Udp6("2001:db8:2::10"), Udp6("2001:db8:2::10", hopLimit: 1));

        var packets = Read(session);
        var forwarded = packets[0];
        Assert.Equal(
            ["ethernet-input -> ip6-input", "ip6-input -> ip6-lookup", "ip6-lookup -> ip6-rewrite", "ip6-rewrite -> interface-output",
             "interface-output (output on GigabitEthernet3)"],
            Path(forwarded));
        Assert.All(forwarded.Steps, s => Assert.Equal(("2001:db8::10", "2001:db8:2::10", "udp", 66), (s.Source, s.Destination, s.Protocol, s.IpLength)));
        Assert.Equal([64, 64, 64, 63, 63], forwarded.Steps.Select(s => s.Ttl));
        Assert.Equal([null, null, "GigabitEthernet3", "GigabitEthernet3", "GigabitEthernet3"], forwarded.Steps.Select(s => s.Egress));
        Assert.Equal(["ethernet-input -> ip6-input", "ip6-input -> ip6-lookup", "ip6-lookup -> ip6-icmp-error"], Path(packets[1]).Take(3));
        Assert.Equal("icmp6-error: HopLimitExceeded", packets[1].Steps[2].Decision);
        var error = Assert.Single(packets, p => p.ParentId == packets[1].Id);
        Assert.Equal("interface-output (output on GigabitEthernet1)", Path(error)[^1]);
        Assert.Equal(("2001:db8::1", "2001:db8::10", "icmp6"), (error.Steps[^1].Source, error.Steps[^1].Destination, error.Steps[^1].Protocol));
    }
}
