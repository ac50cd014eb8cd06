using System.Buffers.Binary;
using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Fib;
using ActorRouter.DataPlane.Forwarding;
using ActorRouter.DataPlane.Ports;
using ActorRouter.DataPlane.Graph;
using ActorRouter.DataPlane.Graph.Nodes;
using ActorRouter.DataPlane.Memory;
using ActorRouter.DataPlane.Qos;
using ActorRouter.DataPlane.Rings;
using ActorRouter.Packets;
using static ActorRouter.DataPlane.Tests.Pipeline.TestRouter;

namespace ActorRouter.DataPlane.Tests.Pipeline;

/// <summary>
/// The IPv6 nodes (ip6-input, ip6-lookup, ip6-rewrite, ip6-icmp-error) driven through the PPE graph on one thread with
/// the test router's (stopped) tables: exact output frames, exact drop reasons and counters for every rule.
/// Interfaces: 0 2001:db8:0::1/64 (MTU 1500), 1 2001:db8:1::1/64 (MTU 1280), 2 2001:db8:2::1/64 (MTU 1500);
/// static neighbours 2001:db8:N::10 with the host MACs; 2001:db8:99::/48 via 2001:db8:1::10.
/// </summary>
public sealed class Ipv6ForwardingTests : IDisposable
{
    private static readonly UInt128[] RouterAddresses6 = [A("2001:db8:0::1"), A("2001:db8:1::1"), A("2001:db8:2::1")];
    private static readonly UInt128[] HostAddresses6 = [A("2001:db8:0::10"), A("2001:db8:1::10"), A("2001:db8:2::10")];

    private readonly TestRouter _router = new(mtus: [1500, 1280, 1500], start: false);
    private readonly SpscRing _puntRing = new(64);
    private readonly ThreadCounters _counters = new("graph-test", 64);
    private readonly GpmCache _cache;
    private PpeGraph _graph;

    public Ipv6ForwardingTests()
    {
        for (var i = 0; i < 3; i++)
        {
            _router.DataPlane.SetIpv6Addresses(i, [new Ipv6InterfaceAddress(RouterAddresses6[i], 64)]);
        }
        var update = _router.DataPlane.PublishIpv6Routes(
            [new Ipv6StaticRoute(A("2001:db8:99::"), 48, HostAddresses6[1])],
            [new Ipv6Neighbor(0, HostAddresses6[0], HostMacs[0].Value), new Ipv6Neighbor(1, HostAddresses6[1], HostMacs[1].Value),
             new Ipv6Neighbor(2, HostAddresses6[2], HostMacs[2].Value)]);
        Assert.Empty(update.UnresolvedStaticRoutes);
        _cache = new GpmCache(_router.DataPlane.Gpm, 64);
        _graph = PpeGraph.CreateIpv4(_router.DataPlane.Gpm, _cache, _counters, _puntRing, null, 32, 1000, 1000, 1000, 1000);
    }

    public void Dispose()
    {
        _cache.Drain();
        _puntRing.Dispose();
        _router.Dispose();
    }

    private static UInt128 A(string text)
    {
        Assert.True(Ipv6Route.TryParseAddress(text, out var address), text);
        return address;
    }

    /// <summary>An IPv6 frame from host <paramref name="from"/> to the router's MAC with this next header and payload.</summary>
    private static byte[] Frame6(int from, UInt128 destination, byte hopLimit, byte nextHeader, byte[] payload, UInt128? source = null)
    {
        var frame = new byte[14 + 40 + payload.Length];
        RouterMacs[from].Write(frame.AsSpan(0, 6));
        HostMacs[from].Write(frame.AsSpan(6, 6));
        frame[12] = 0x86;
        frame[13] = 0xDD;
        var ip = Ipv6Header.Write(frame.AsSpan(14));
        ip.TrafficClass = 0x28;
        ip.FlowLabel = 0x12345;
        ip.PayloadLength = (ushort)payload.Length;
        ip.NextHeader = nextHeader;
        ip.HopLimit = hopLimit;
        ip.Source = source ?? HostAddresses6[from];
        ip.Destination = destination;
        payload.CopyTo(frame.AsSpan(54));
        return frame;
    }

    private static byte[] Udp6(int from, UInt128 destination, byte hopLimit = 64, int payloadLength = 18)
    {
        var udp = new byte[8 + payloadLength];
        BinaryPrimitives.WriteUInt16BigEndian(udp, 1000);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(2), 2000);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(4), (ushort)udp.Length);
        for (var i = 8; i < udp.Length; i++)
        {
            udp[i] = (byte)i;
        }
        return Frame6(from, destination, hopLimit, IpProtocols.Udp, udp);
    }

    /// <summary>What the router emits for a forwarded frame: new MACs, hop limit − 1, nothing else changed.</summary>
    private static byte[] Forwarded(byte[] sent, int to)
    {
        var copy = (byte[])sent.Clone();
        HostMacs[to].Write(copy.AsSpan(0, 6));
        RouterMacs[to].Write(copy.AsSpan(6, 6));
        copy[14 + 7]--;
        return copy;
    }

    /// <summary>The ICMPv6 error the router sends back to host <paramref name="to"/>, built independently of the node.</summary>
    private static byte[] ExpectedError(int to, byte type, byte code, uint field, byte[] original)
    {
        var quoted = original.AsSpan(14, Math.Min(original.Length - 14, 1280 - 48)).ToArray();
        var frame = new byte[14 + 40 + 8 + quoted.Length];
        HostMacs[to].Write(frame.AsSpan(0, 6));
        RouterMacs[to].Write(frame.AsSpan(6, 6));
        frame[12] = 0x86;
        frame[13] = 0xDD;
        var ip = Ipv6Header.Write(frame.AsSpan(14));
        ip.PayloadLength = (ushort)(8 + quoted.Length);
        ip.NextHeader = IpProtocols.Icmpv6;
        ip.HopLimit = 64;
        ip.Source = RouterAddresses6[to];
        ip.Destination = BinaryPrimitives.ReadUInt128BigEndian(original.AsSpan(14 + 8));
        var icmp = Icmpv6Header.Write(ip.Payload, type, code);
        icmp.Mtu = field;
        quoted.CopyTo(icmp.Data);
        icmp.UpdateChecksum(ip.SourceBytes, ip.DestinationBytes);
        return frame;
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

    /// <summary>Runs one burst of these frames (all from interface <paramref name="rx"/>) and returns the output frames with their egress.</summary>
    private List<(int Egress, byte[] Frame)> Run(int rx, params byte[][] frames)
    {
        var input = frames.Select(f => Load(f, rx)).ToArray();
        var output = new uint[input.Length * 4];
        var n = _graph.ProcessBurst(input, output, _router.DataPlane.Forwarding, _router.DataPlane.Interfaces);
        var result = new List<(int, byte[])>();
        for (var i = 0; i < n; i++)
        {
            result.Add((Gpm.Meta(output[i]).TxInterface, Gpm.Frame(output[i]).ToArray()));
            _cache.Free(output[i]);
        }
        return result;
    }

    private long Drops(DropReason reason) => _counters.ReadDrops(reason);

    private NodeRuntimeCounters Node(string name) => Assert.Single(_graph.ReadCounters(), n => n.Node == name);

    private long Arc(string node, string next) => Assert.Single(Node(node).Next, a => a.NextNode == next).Packets;

    [Fact]
    public void A_packet_to_a_neighbour_and_one_by_a_static_route_leave_rewritten_with_the_hop_limit_decremented()
    {
        var direct = Udp6(0, HostAddresses6[2]);
        var routed = Udp6(0, A("2001:db8:99:1::5"));
        var output = Run(0, direct, routed);
        Assert.Equal(2, output.Count);
        Assert.Equal(2, output[0].Egress);
        Assert.Equal(Forwarded(direct, 2), output[0].Frame);
        Assert.Equal(1, output[1].Egress);
        Assert.Equal(Forwarded(routed, 1), output[1].Frame);
        Assert.Equal(2, Arc(NodeNames.EthernetInput, NodeNames.Ip6Input));
        Assert.Equal(2, Arc(NodeNames.Ip6Input, NodeNames.Ip6Lookup));
        Assert.Equal(2, Arc(NodeNames.Ip6Lookup, NodeNames.Ip6Rewrite));
        Assert.Equal(2, Arc(NodeNames.Ip6Rewrite, NodeNames.InterfaceOutput));
        Assert.Equal(0, _counters.ReadTotalDrops());
    }

    [Fact]
    public void Ethernet_padding_is_trimmed_to_the_payload_length()
    {
        var frame = Udp6(0, HostAddresses6[2], payloadLength: 2);
        var padded = frame.Concat(new byte[6]).ToArray();
        var output = Run(0, padded);
        Assert.Equal(Forwarded(frame, 2), Assert.Single(output).Frame);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    public void Hop_limit_1_or_0_gets_time_exceeded_quoting_the_whole_packet(byte hopLimit)
    {
        var frame = Udp6(0, HostAddresses6[2], hopLimit);
        var output = Run(0, frame);
        var (egress, error) = Assert.Single(output);
        Assert.Equal(0, egress);
        Assert.Equal(ExpectedError(0, Icmpv6Types.TimeExceeded, Icmpv6Codes.HopLimitExceeded, 0, frame), error);
        Assert.Equal(1, Drops(DropReason.Ipv6HopLimitExceeded));
        Assert.Equal(1, _counters.Icmpv6ErrorsSent);
        Assert.Equal(1, Arc(NodeNames.Ip6Lookup, NodeNames.Ip6IcmpError));
        Assert.Equal(1, Arc(NodeNames.Ip6IcmpError, NodeNames.InterfaceOutput));
    }

    [Fact]
    public void No_route_gets_destination_unreachable_code_0()
    {
        var frame = Udp6(0, A("3fff::1"));
        var (egress, error) = Assert.Single(Run(0, frame));
        Assert.Equal(0, egress);
        Assert.Equal(ExpectedError(0, Icmpv6Types.DestinationUnreachable, Icmpv6Codes.NoRoute, 0, frame), error);
        Assert.Equal(1, Drops(DropReason.Ipv6NoRoute));
    }

    [Fact]
    public void Too_big_for_the_egress_gets_packet_too_big_with_the_mtu_and_a_quote_that_keeps_the_error_at_1280_bytes()
    {
        // 40 + 1300 bytes toward interface 1 (MTU 1280); a router never fragments IPv6.
        var frame = Udp6(0, HostAddresses6[1], payloadLength: 1292);
        var (egress, error) = Assert.Single(Run(0, frame));
        Assert.Equal(0, egress);
        Assert.Equal(14 + 1280, error.Length);
        Assert.Equal(ExpectedError(0, Icmpv6Types.PacketTooBig, 0, 1280, frame), error);
        Assert.Equal(1, Drops(DropReason.Ipv6PacketTooBig));

        // Exactly the MTU passes.
        var fits = Udp6(0, HostAddresses6[1], payloadLength: 1280 - 48);
        Assert.Equal(Forwarded(fits, 1), Assert.Single(Run(0, fits)).Frame);
    }

    public static TheoryData<string, DropReason> SilentDrops => new()
    {
        { "truncated-header", DropReason.Ipv6Truncated },
        { "payload-beyond-frame", DropReason.Ipv6Truncated },
        { "version-4", DropReason.Ipv6BadVersion },
        { "source-multicast", DropReason.Ipv6MartianSource },
        { "source-unspecified", DropReason.Ipv6MartianSource },
        { "source-loopback", DropReason.Ipv6MartianSource },
        { "source-ipv4-mapped", DropReason.Ipv6MartianSource },
        { "source-link-local", DropReason.Ipv6LinkLocalScope },
        { "destination-link-local", DropReason.Ipv6LinkLocalScope },
        { "destination-unspecified", DropReason.Ipv6MartianDestination },
        { "destination-loopback", DropReason.Ipv6MartianDestination },
        { "destination-ipv4-mapped", DropReason.Ipv6MartianDestination },
        { "destination-multicast", DropReason.MulticastUnsupported },
        { "hop-by-hop", DropReason.Ipv6HopByHop },
        { "chain-too-long", DropReason.Ipv6BadExtensionChain },
        { "chain-truncated", DropReason.Ipv6BadExtensionChain },
        { "link-local-source-to-transit", DropReason.Ipv6LinkLocalScope },
        { "udp-to-all-nodes", DropReason.MulticastUnsupported },
        { "unicast-in-link-multicast", DropReason.NotForUs },
    };

    [Theory]
    [MemberData(nameof(SilentDrops))]
    public void Each_malformed_or_unforwardable_packet_is_dropped_silently_under_its_own_reason(string kind, DropReason reason)
    {
        var frame = Udp6(0, HostAddresses6[2]);
        void Source(string a) => BinaryPrimitives.WriteUInt128BigEndian(frame.AsSpan(14 + 8), A(a));
        void Destination(string a) => BinaryPrimitives.WriteUInt128BigEndian(frame.AsSpan(14 + 24), A(a));
        switch (kind)
        {
            case "truncated-header": frame = frame[..50]; break;
            case "payload-beyond-frame": frame[14 + 5] += 1; break;
            case "version-4": frame[14] = 0x46; break;
            case "source-multicast": Source("ff02::1"); break;
            case "source-unspecified": Source("::"); break;
            case "source-loopback": Source("::1"); break;
            case "source-ipv4-mapped": Source("::ffff:192.0.2.10"); break;
            case "source-link-local": Source("fe80::10"); break;
            case "destination-link-local": Destination("fe80::1"); break;
            case "destination-unspecified": Destination("::"); break;
            case "destination-loopback": Destination("::1"); break;
            case "destination-ipv4-mapped": Destination("::ffff:198.51.100.10"); break;
            case "destination-multicast": Destination("ff0e::1"); break;
            case "hop-by-hop": frame = Frame6(0, HostAddresses6[2], 64, IpProtocols.HopByHop, Options(IpProtocols.Udp, 0).Concat(new byte[16]).ToArray()); break;
            case "chain-too-long": frame = Frame6(0, HostAddresses6[2], 64, IpProtocols.DestinationOptions, Enumerable.Range(0, 9).SelectMany(_ => Options(IpProtocols.DestinationOptions, 0)).ToArray()); break;
            case "chain-truncated": frame = Frame6(0, HostAddresses6[2], 64, IpProtocols.DestinationOptions, Options(IpProtocols.Udp, 1)); break;
            case "link-local-source-to-transit": frame = Frame6(0, HostAddresses6[2], 64, IpProtocols.Icmpv6, new byte[8], A("fe80::10")); break;
            case "udp-to-all-nodes": Destination("ff02::1"); frame[0] = 0x33; frame[1] = 0x33; frame[2] = 0; frame[3] = 0; frame[4] = 0; frame[5] = 1; break;
            case "unicast-in-link-multicast": frame[0] = 0x33; frame[1] = 0x33; break;
        }
        Assert.Empty(Run(0, frame));
        Assert.Equal(1, Drops(reason));
        Assert.Equal(1, _counters.ReadTotalDrops());
        Assert.Equal(0, _counters.Icmpv6ErrorsSent);
    }

    public static TheoryData<string> ForUs => new()
    {
        "udp-to-a-global-address",
        "icmpv6-from-link-local-to-a-global-address",
        "icmpv6-to-the-link-local-address",
        "neighbour-solicitation-to-the-solicited-node-group",
        "router-solicitation-to-all-routers",
        "dad-solicitation-from-the-unspecified-address-to-the-group",
    };

    [Theory]
    [MemberData(nameof(ForUs))]
    public void Packets_for_the_router_are_punted_unchanged_as_for_us(string kind)
    {
        var frame = kind switch
        {
            "udp-to-a-global-address" => Udp6(0, A("2001:db8:2::1")),
            "icmpv6-from-link-local-to-a-global-address" => Frame6(0, RouterAddresses6[0], 64, IpProtocols.Icmpv6, new byte[8], A("fe80::10")),
            "icmpv6-to-the-link-local-address" => Frame6(0, A("fe80::1"), 64, IpProtocols.Icmpv6, new byte[8], A("fe80::10")),
            "neighbour-solicitation-to-the-solicited-node-group" => Frame6(0, A("ff02::1:ff00:1"), 255, IpProtocols.Icmpv6, new byte[24], A("fe80::10")),
            "dad-solicitation-from-the-unspecified-address-to-the-group" => Frame6(0, A("ff02::1:ff00:1"), 255, IpProtocols.Icmpv6, new byte[24], UInt128.Zero),
            _ => Frame6(0, A("ff02::2"), 255, IpProtocols.Icmpv6, new byte[8], A("fe80::10")),
        };
        if (kind.Contains("group") || kind.Contains("all-routers"))
        {
            // The group's 33:33 MAC (RFC 2464 §7): the last four bytes of the group address.
            byte[] mac = [0x33, 0x33, frame[14 + 36], frame[14 + 37], frame[14 + 38], frame[14 + 39]];
            mac.CopyTo(frame, 0);
        }
        Assert.Empty(Run(0, frame));
        Assert.True(_puntRing.TryDequeue(out var punted));
        try
        {
            Assert.Equal(frame, Gpm.Frame(punted).ToArray());
            Assert.Equal((byte)PuntReason.ForUs, Gpm.Meta(punted).PuntReason);
            Assert.Equal(0, Gpm.Meta(punted).RxInterface);
        }
        finally
        {
            _cache.Free(punted);
        }
        Assert.Equal(0, _puntRing.Count);
        Assert.Equal(0, _counters.ReadTotalDrops());
        Assert.Equal(1, _graph.Nodes.OfType<PuntNode>().Single().ReadCounter(kind.StartsWith("udp") ? PuntClass.OtherForUs : PuntClass.IcmpForUs, PuntClassCounter.Queued));
    }

    /// <summary>An 8-byte options header (Hop-by-Hop or Destination Options) with a PadN option; hdr ext len as given.</summary>
    private static byte[] Options(byte nextHeader, byte extLength) => [nextHeader, extLength, 1, 4, 0, 0, 0, 0];

    [Fact]
    public void An_unassigned_next_header_gets_parameter_problem_code_1_pointing_at_it()
    {
        // Destination Options, then next header 200 (unassigned): the pointer is the options header's Next Header field.
        var frame = Frame6(0, HostAddresses6[2], 64, IpProtocols.DestinationOptions, Options(200, 0).Concat(new byte[8]).ToArray());
        var (egress, error) = Assert.Single(Run(0, frame));
        Assert.Equal(0, egress);
        Assert.Equal(ExpectedError(0, Icmpv6Types.ParameterProblem, Icmpv6Codes.UnrecognizedNextHeader, 40, frame), error);
        Assert.Equal(1, Drops(DropReason.Ipv6UnknownNextHeader));

        // Straight after the IPv6 header: the pointer is its Next Header field (offset 6).
        var direct = Frame6(0, HostAddresses6[2], 64, 200, new byte[8]);
        Assert.Equal(ExpectedError(0, Icmpv6Types.ParameterProblem, Icmpv6Codes.UnrecognizedNextHeader, 6, direct), Assert.Single(Run(0, direct)).Frame);
    }

    [Fact]
    public void Hop_by_hop_after_another_header_gets_parameter_problem_code_1()
    {
        var frame = Frame6(0, HostAddresses6[2], 64, IpProtocols.DestinationOptions,
            Options(IpProtocols.HopByHop, 0).Concat(Options(IpProtocols.Udp, 0)).Concat(new byte[8]).ToArray());
        var (_, error) = Assert.Single(Run(0, frame));
        Assert.Equal(ExpectedError(0, Icmpv6Types.ParameterProblem, Icmpv6Codes.UnrecognizedNextHeader, 40, frame), error);
        Assert.Equal(1, Drops(DropReason.Ipv6BadExtensionChain));
    }

    [Fact]
    public void A_first_fragment_without_the_whole_chain_gets_parameter_problem_code_3_and_later_fragments_pass()
    {
        // Fragment header (offset 0, M=1) followed by a Destination Options header that the packet does not hold.
        byte[] fragment = [IpProtocols.DestinationOptions, 0, 0, 1, 0, 0, 0, 7];
        var first = Frame6(0, HostAddresses6[2], 64, IpProtocols.Fragment, fragment);
        var (_, error) = Assert.Single(Run(0, first));
        Assert.Equal(ExpectedError(0, Icmpv6Types.ParameterProblem, Icmpv6Codes.IncompleteHeaderChain, 0, first), error);
        Assert.Equal(1, Drops(DropReason.Ipv6BadExtensionChain));

        // A later fragment (offset 8): the chain goes on in the first, so it is forwarded as it is.
        byte[] later = [IpProtocols.DestinationOptions, 0, 0, 8, 0, 0, 0, 7, 1, 2, 3, 4, 5, 6, 7, 8];
        var next = Frame6(0, HostAddresses6[2], 64, IpProtocols.Fragment, later);
        Assert.Equal(Forwarded(next, 2), Assert.Single(Run(0, next)).Frame);
    }

    [Fact]
    public void A_known_chain_to_an_upper_layer_is_forwarded_untouched()
    {
        var udp = Udp6(0, HostAddresses6[2]).AsSpan(54).ToArray();
        // Destination Options, Routing (type 4 segment list left empty), Fragment (atomic), then UDP.
        byte[] routing = [IpProtocols.Fragment, 0, 4, 0, 0, 0, 0, 0];
        byte[] atomic = [IpProtocols.Udp, 0, 0, 0, 0, 0, 0, 9];
        var frame = Frame6(0, HostAddresses6[2], 64, IpProtocols.DestinationOptions,
            Options(IpProtocols.Routing, 0).Concat(routing).Concat(atomic).Concat(udp).ToArray());
        Assert.Equal(Forwarded(frame, 2), Assert.Single(Run(0, frame)).Frame);
    }

    [Fact]
    public void No_error_is_sent_about_an_icmpv6_error_and_the_packet_is_still_counted()
    {
        // A Destination Unreachable (type 1) with hop limit 1: dropped as expired, no Time Exceeded about it.
        var error = Frame6(0, HostAddresses6[2], 1, IpProtocols.Icmpv6, [1, 0, 0, 0, 0, 0, 0, 0]);
        Assert.Empty(Run(0, error));
        Assert.Equal(1, Drops(DropReason.Ipv6HopLimitExceeded));
        Assert.Equal(1, _counters.Icmpv6ErrorsSuppressed);
        Assert.Equal(0, _counters.Icmpv6ErrorsSent);

        // An echo request (type 128) is not an error: it gets its Time Exceeded.
        var echo = Frame6(0, HostAddresses6[2], 1, IpProtocols.Icmpv6, [128, 0, 0, 0, 0, 1, 0, 1]);
        Assert.Single(Run(0, echo));
        Assert.Equal(1, _counters.Icmpv6ErrorsSent);
    }

    [Fact]
    public void Errors_beyond_the_rate_limit_are_counted_not_sent()
    {
        // A burst of one error and next to no refill.
        _graph = PpeGraph.CreateIpv4(Gpm, _cache, _counters, _puntRing, null, 32, 1000, 1000, 0.001, 1);
        var output = Run(0, Udp6(0, HostAddresses6[2], 1), Udp6(0, HostAddresses6[2], 1), Udp6(0, HostAddresses6[2], 1));
        Assert.Single(output);
        Assert.Equal(1, _counters.Icmpv6ErrorsSent);
        Assert.Equal(2, _counters.Icmpv6ErrorsRateLimited);
        Assert.Equal(3, Drops(DropReason.Ipv6HopLimitExceeded));
    }

    [Fact]
    public void A_next_hop_without_a_neighbour_entry_is_gleaned_and_counted_as_no_adjacency()
    {
        _router.DataPlane.PublishIpv6Routes([new Ipv6StaticRoute(A("2001:db8:99::"), 48, A("2001:db8:1::20"))], []);
        var toRouted = Udp6(0, A("2001:db8:99::5"));
        var toHost = Udp6(0, HostAddresses6[2]);
        Assert.Empty(Run(0, toRouted, toHost));
        // The static route's gateway and the connected host alike: neither has a MAC yet.
        Assert.Equal(2, Drops(DropReason.NoAdjacency));
        // The static route's gateway is gleaned by its incomplete adjacency's id (the address is not in the packet),
        // which the punt port turns back into the neighbour to solicit.
        Assert.True(_puntRing.TryDequeue(out var routed));
        try
        {
            var meta = Gpm.Meta(routed);
            Assert.Equal((byte)PuntReason.Glean, meta.PuntReason);
            Assert.NotEqual(0u, meta.NextHop & Ipv6Glean.IncompleteNextHop);
            Assert.True(_router.DataPlane.PuntPort.TryFindIpv6Neighbor(meta.NextHop & ~Ipv6Glean.IncompleteNextHop, out var index, out var address));
            Assert.Equal((1, A("2001:db8:1::20")), (index, address));
            Assert.Equal(toRouted, Gpm.Frame(routed).ToArray());
        }
        finally
        {
            _cache.Free(routed);
        }
        // The connected host is gleaned: the packet goes to the control plane with the interface to solicit on.
        Assert.True(_puntRing.TryDequeue(out var glean));
        try
        {
            Assert.Equal((byte)PuntReason.Glean, Gpm.Meta(glean).PuntReason);
            Assert.Equal(2u, Gpm.Meta(glean).NextHop);
            Assert.Equal(toHost, Gpm.Frame(glean).ToArray());
        }
        finally
        {
            _cache.Free(glean);
        }
        Assert.Equal(0, _puntRing.Count);
    }

    [Fact]
    public void A_packet_forwarded_to_a_neighbour_marks_it_used_once_until_the_mark_is_taken()
    {
        var port = _router.DataPlane.PuntPort;
        Assert.False(port.TakeIpv6NeighborUsed(2, HostAddresses6[2]));
        Assert.Single(Run(0, Udp6(0, HostAddresses6[2])));
        Assert.Single(Run(0, Udp6(0, HostAddresses6[2])));
        Assert.True(port.TakeIpv6NeighborUsed(2, HostAddresses6[2]));
        Assert.False(port.TakeIpv6NeighborUsed(2, HostAddresses6[2]));
        // The routed packet went through its next hop's adjacency, not the destination's.
        Assert.Single(Run(0, Udp6(0, A("2001:db8:99:1::5"))));
        Assert.False(port.TakeIpv6NeighborUsed(2, HostAddresses6[2]));
        Assert.True(port.TakeIpv6NeighborUsed(1, HostAddresses6[1]));
        Assert.False(port.TakeIpv6NeighborUsed(1, A("2001:db8:1::77")));
    }

    [Fact]
    public void Mixed_ipv4_and_ipv6_in_one_burst_keep_both_paths_and_counters_exact()
    {
        var v4 = UdpFrom(0, HostAddresses[2]);
        var v6 = Udp6(0, HostAddresses6[2]);
        var v6Expired = Udp6(0, HostAddresses6[2], 1);
        var output = Run(0, v4, v6, v4, v6Expired, v6);
        Assert.Equal(
            [(2, Expected(v4, 0, 2)), (2, Expected(v4, 0, 2)), (2, Forwarded(v6, 2)), (2, Forwarded(v6, 2)),
             (0, ExpectedError(0, Icmpv6Types.TimeExceeded, 0, 0, v6Expired))],
            output.Select(o => (o.Egress, o.Frame)).ToArray());
        Assert.Equal(2, Arc(NodeNames.EthernetInput, NodeNames.Ip4Input));
        Assert.Equal(3, Arc(NodeNames.EthernetInput, NodeNames.Ip6Input));
        Assert.Equal(2, Arc(NodeNames.Ip4Rewrite, NodeNames.InterfaceOutput));
        Assert.Equal(2, Arc(NodeNames.Ip6Rewrite, NodeNames.InterfaceOutput));
        Assert.Equal(1, Drops(DropReason.Ipv6HopLimitExceeded));
        Assert.Equal(1, _counters.ReadTotalDrops());
    }

    [Fact]
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    // No tiering or on-stack replacement of this method while it measures: an OSR compile allocates on this thread.
    public void Bursts_of_ipv6_do_not_allocate()
    {
        // The routed packets leave by interface 1, classified there (ip6-classify) by a policy that walks to the ports.
        _router.DataPlane.AttachServicePolicy(1, new PolicyMapDefinition("ports", null, [
            new PolicyClassDefinition(new ClassMapDefinition("udp-2000", true, [], [], IpProtocols.Udp, null, null, null, new PortRange(2000, 2000), null), SetDscp: 46)]));
        var qos = _router.DataPlane.Qos;
        var frames = Enumerable.Range(0, 32).Select(i => i % 8 == 7 ? Udp6(0, HostAddresses6[2], 1) : Udp6(0, A("2001:db8:99::") + (UInt128)i)).ToArray();
        var output = new uint[32 * 4];
        void Burst()
        {
            var input = new uint[32];
            for (var i = 0; i < 32; i++)
            {
                input[i] = Load(frames[i], 0);
            }
            var n = _graph.ProcessBurst(input, output, _router.DataPlane.Forwarding, _router.DataPlane.Interfaces, qos);
            for (var i = 0; i < n; i++)
            {
                _cache.Free(output[i]);
            }
        }
        Burst();
        var inputs = new uint[32];
        void Measured()
        {
            for (var i = 0; i < 32; i++)
            {
                Assert.True(_cache.TryAllocate(out inputs[i]));
                Gpm.ResetMeta(inputs[i], frames[i].Length, BufferOwner.Ppe);
                frames[i].CopyTo(Gpm.Frame(inputs[i]));
            }
            var n = _graph.ProcessBurst(inputs, output, _router.DataPlane.Forwarding, _router.DataPlane.Interfaces, qos);
            for (var i = 0; i < n; i++)
            {
                _cache.Free(output[i]);
            }
        }
        Assert.Equal(0, SteadyAllocation.Measure(Measured, warmup: 20, rounds: 50).Bytes);
    }

    /// <summary>Runs one burst through the graph with the data plane's service policies; each output with its traffic class.</summary>
    private List<(int Egress, byte[] Frame, byte TrafficClass)> RunWithPolicies(int rx, params byte[][] frames)
    {
        var input = frames.Select(f => Load(f, rx)).ToArray();
        var output = new uint[input.Length * 4];
        var n = _graph.ProcessBurst(input, output, _router.DataPlane.Forwarding, _router.DataPlane.Interfaces, _router.DataPlane.Qos);
        var result = new List<(int, byte[], byte)>();
        for (var i = 0; i < n; i++)
        {
            ref var meta = ref Gpm.Meta(output[i]);
            result.Add((meta.TxInterface, Gpm.Frame(output[i]).ToArray(), meta.TrafficClass));
            _cache.Free(output[i]);
        }
        return result;
    }

    private static byte[] WithTrafficClass(byte[] frame, byte trafficClass)
    {
        var copy = (byte[])frame.Clone();
        Assert.True(Ipv6Header.TryParse(copy.AsSpan(14), out var ip));
        ip.TrafficClass = trafficClass;
        return copy;
    }

    [Fact]
    public void A_service_policy_classifies_IPv6_by_version_prefix_upper_layer_port_and_dscp_and_marks_the_traffic_class_keeping_ecn()
    {
        _router.DataPlane.AttachServicePolicy(2, new PolicyMapDefinition("dual-stack", null, [
            new PolicyClassDefinition(new ClassMapDefinition("ipv4-only", false, [], [], null, null, null, null, null, null, IpVersion: 4)),
            new PolicyClassDefinition(new ClassMapDefinition("lan-udp-2000", true, [], [], IpProtocols.Udp, null, null, null, new PortRange(2000, 2000), null,
                SourceIpv6: new Ipv6PrefixMatch(A("2001:db8:0::"), 64)), SetDscp: 46),
            new PolicyClassDefinition(new ClassMapDefinition("af41", false, [34], [], null, null, null, null, null, null), SetDscp: 0),
            new PolicyClassDefinition(new ClassMapDefinition("to-far-host", false, [], [], null, null, null, null, null, null,
                DestinationIpv6: new Ipv6PrefixMatch(A("2001:db8:2::20"), 128))),
            new PolicyClassDefinition(null, SetDscp: 12)]));

        var fromLan = Udp6(0, HostAddresses6[2]);                      // traffic class 0x28: DSCP 10, ECN 0
        var throughOptions = Frame6(0, HostAddresses6[2], 64, IpProtocols.DestinationOptions,
            [IpProtocols.Udp, 0, 1, 4, 0, 0, 0, 0, .. Udp6(0, HostAddresses6[2]).AsSpan(54)]);
        var af41 = WithTrafficClass(Udp6(1, HostAddresses6[2]), 34 << 2 | 1);   // DSCP 34, ECN 1
        var other = Udp6(1, HostAddresses6[2]);

        var output = RunWithPolicies(0, fromLan, throughOptions);
        output.AddRange(RunWithPolicies(1, af41, other));

        Assert.Equal(
            [(2, Convert.ToHexString(WithTrafficClass(Forwarded(fromLan, 2), 46 << 2)), (byte)2),
             (2, Convert.ToHexString(WithTrafficClass(Forwarded(throughOptions, 2), 46 << 2)), (byte)2),
             (2, Convert.ToHexString(WithTrafficClass(Forwarded(af41, 2), 0 << 2 | 1)), (byte)3),
             (2, Convert.ToHexString(WithTrafficClass(Forwarded(other, 2), 12 << 2)), (byte)5)],
            output.Select(o => (o.Egress, Convert.ToHexString(o.Frame), o.TrafficClass)).ToList());
        Assert.Equal(4, Arc(NodeNames.Ip6Lookup, NodeNames.Ip6Classify));
        Assert.Equal(4, Arc(NodeNames.Ip6Classify, NodeNames.Ip6Rewrite));

        // The same policy's IPv4 class takes IPv4 packets only, through classify.
        var ipv4 = UdpFrom(0, HostAddresses[2]);
        var (egress, _, trafficClass) = Assert.Single(RunWithPolicies(0, ipv4));
        Assert.Equal((2, (byte)1), (egress, trafficClass));
        Assert.Equal(1, Arc(NodeNames.Ip4Lookup, NodeNames.Classify));

        // Without a policy on the egress nothing goes through ip6-classify.
        Assert.Single(RunWithPolicies(2, Udp6(2, HostAddresses6[0])));
        Assert.Equal(4, Arc(NodeNames.Ip6Lookup, NodeNames.Ip6Classify));
    }
}
