using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Graph;
using ActorRouter.DataPlane.Graph.Nodes;
using ActorRouter.DataPlane.Memory;
using ActorRouter.DataPlane.Multicast;
using ActorRouter.DataPlane.Rings;
using ActorRouter.DataPlane.Tests.Pipeline;
using ActorRouter.Packets;
using static ActorRouter.DataPlane.Tests.Pipeline.TestRouter;

namespace ActorRouter.DataPlane.Tests.Multicast;

/// <summary>
/// ip4-mcast, the recycle path and ip4-mcast-rewrite driven on one thread through the whole graph, with exact bytes
/// (the expected frames written out by hand: 01:00:5e mapping, TTL, checksum). Group 239.1.1.1 comes from host 0
/// (192.0.2.10) on GigabitEthernet1; GigabitEthernet2 and 3 are the outgoing interfaces.
/// </summary>
public sealed class McastGraphTests : IDisposable
{
    private static readonly uint Group = Ipv4Address.Parse("239.1.1.1");

    // UDP 192.0.2.10:1000 → 239.1.1.1:2000, TTL 16, id 1, 18 bytes of 0..17, sent to 01:00:5e:01:01:01 by host 0.
    private static readonly byte[] Sent = Convert.FromHexString(
        "01005e010101020000000a0108004500002e000100001011f8b1c000020aef01010103e807d0001af9a3000102030405060708090a0b0c0d0e0f1011");
    // The copies: to the mapped MAC from GigabitEthernet2's and GigabitEthernet3's MACs, TTL 15, checksum f9b1.
    private static readonly byte[] OutGi2 = Convert.FromHexString(
        "01005e01010102000000000208004500002e000100000f11f9b1c000020aef01010103e807d0001af9a3000102030405060708090a0b0c0d0e0f1011");
    private static readonly byte[] OutGi3 = Convert.FromHexString(
        "01005e01010102000000000308004500002e000100000f11f9b1c000020aef01010103e807d0001af9a3000102030405060708090a0b0c0d0e0f1011");
    // IGMPv2 membership report for 239.1.1.1 from 192.0.2.10: TTL 1, router alert option.
    private static readonly byte[] IgmpReport = Convert.FromHexString(
        "01005e010101020000000a01080046c00020000040000102320bc000020aef010101940400001600f9fcef010101");

    private readonly TestRouter _router = new(start: false);
    private readonly SpscRing _puntRing = new(64);
    private readonly ThreadCounters _counters = new("mcast-test", 64);
    private readonly GpmCache _cache;
    private readonly PpeGraph _graph;

    public McastGraphTests()
    {
        _cache = new GpmCache(Gpm, 64);
        _graph = PpeGraph.CreateIpv4(Gpm, _cache, _counters, _puntRing, null, 32, PuntPolicy.Uniform(1000, 1000, 64), 1000, 1000,
            _router.DataPlane.Ipsec, 0, _router.DataPlane.Multicast);
        Publish(true, new MulticastRouteSpec(0, Group, "GigabitEthernet1", ["GigabitEthernet1", "GigabitEthernet2", "GigabitEthernet3"]));
    }

    private PacketMemory Gpm => _router.DataPlane.Gpm;

    private void Publish(bool routing, params MulticastRouteSpec[] routes) => _router.DataPlane.PublishMulticast(routing, routes);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private uint Load(byte[] frame, int rx)
    {
        Assert.True(_cache.TryAllocate(out var buffer));
        Gpm.ResetMeta(buffer, frame.Length, BufferOwner.Ppe);
        frame.CopyTo(Gpm.Frame(buffer));
        Gpm.Meta(buffer).RxInterface = (ushort)rx;
        return buffer;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private int Run(uint[] input, uint[] output)
        => _graph.ProcessBurst(input, output, _router.DataPlane.Forwarding, _router.DataPlane.Interfaces, _router.DataPlane.Qos);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private int RunRecycled(ReadOnlySpan<uint> input, uint[] output)
        => _graph.ProcessRecycled(input, output, _router.DataPlane.Forwarding, _router.DataPlane.Interfaces, _router.DataPlane.Qos);

    private uint[] NewOutput() => new uint[32 * _graph.MaxOutputPerPacket];

    private NodeRuntimeCounters Node(string name) => Assert.Single(_graph.ReadCounters(), n => n.Node == name);

    private static byte[] WithDestination(byte[] frame, string group, byte ttl = 16, byte protocol = IpProtocols.Udp)
    {
        var copy = (byte[])frame.Clone();
        Assert.True(Ipv4Header.TryParse(copy.AsSpan(14), out var ip));
        ip.Destination = Ipv4Address.Parse(group);
        ip.Ttl = ttl;
        ip.Protocol = protocol;
        ip.UpdateChecksum();
        return copy;
    }

    [Fact]
    public void The_mcast_nodes_sit_at_the_end_of_the_ipv4_group_with_their_arcs()
    {
        Assert.Equal([NodeNames.Ip4Lookup, NodeNames.Punt, NodeNames.Drop, NodeNames.Ip4Mcast], Node(NodeNames.Ip4Input).Next.Select(a => a.NextNode));
        Assert.Equal([NodeNames.Recycle, NodeNames.Punt, NodeNames.Drop], Node(NodeNames.Ip4Mcast).Next.Select(a => a.NextNode));
        Assert.Equal([NodeNames.InterfaceOutput, NodeNames.Drop], Node(NodeNames.Ip4McastRewrite).Next.Select(a => a.NextNode));
    }

    [Fact]
    public void A_packet_is_replicated_into_one_buffer_per_outgoing_interface_but_the_incoming_one_and_each_copy_is_rewritten_after_the_recycle()
    {
        var output = NewOutput();
        var original = Load(Sent, 0);

        Assert.Equal(2, Run([original], output));

        // Out of the first pass: two buffers bound for the recycle ring, unchanged, each naming its interface; the last is the packet's own.
        Assert.NotEqual(original, output[0]);
        Assert.Equal(original, output[1]);
        for (var i = 0; i < 2; i++)
        {
            ref var meta = ref Gpm.Meta(output[i]);
            Assert.Equal(Sent, Gpm.Frame(output[i]).ToArray());
            Assert.Equal((RecycleNode.RecycleInterface, (byte)1, (byte)RecycleEntry.Ip4McastOutput, (uint)(i + 1), (ushort)0),
                (meta.TxInterface, meta.Recycles, meta.NodeArgument, meta.NextHop, meta.RxInterface));
        }
        Assert.Equal(1, Node(NodeNames.Ip4Input).Next.Single(a => a.NextNode == NodeNames.Ip4Mcast).Packets);
        Assert.Equal(2, Node(NodeNames.Ip4Mcast).Next.Single(a => a.NextNode == NodeNames.Recycle).Packets);

        var final = NewOutput();
        Assert.Equal(2, RunRecycled(output.AsSpan(0, 2), final));

        Assert.Equal(OutGi2, Gpm.Frame(final[0]).ToArray());
        Assert.Equal(OutGi3, Gpm.Frame(final[1]).ToArray());
        Assert.Equal(((ushort)1, (ushort)2), (Gpm.Meta(final[0]).TxInterface, Gpm.Meta(final[1]).TxInterface));
        Assert.Equal(2, Node(NodeNames.Ip4McastRewrite).Next.Single(a => a.NextNode == NodeNames.InterfaceOutput).Packets);
        Assert.Equal(0, _counters.ReadTotalDrops());
        _cache.FreeBurst(final.AsSpan(0, 2));
    }

    [Fact]
    public void A_source_specific_entry_wins_over_the_any_source_one_for_its_source_only()
    {
        Publish(true,
            new MulticastRouteSpec(0, Group, "GigabitEthernet1", ["GigabitEthernet2", "GigabitEthernet3"]),
            new MulticastRouteSpec(HostAddresses[0], Group, "GigabitEthernet1", ["GigabitEthernet3"]));
        var output = NewOutput();

        Assert.Equal(1, Run([Load(Sent, 0)], output));
        Assert.Equal(2u, Gpm.Meta(output[0]).NextHop);
        var final = NewOutput();
        Assert.Equal(1, RunRecycled(output.AsSpan(0, 1), final));
        Assert.Equal(OutGi3, Gpm.Frame(final[0]).ToArray());
        _cache.Free(final[0]);
    }

    [Fact]
    public void Rpf_failure_link_local_ttl_scope_no_route_and_no_receivers_are_dropped_under_their_own_reasons()
    {
        Publish(true,
            new MulticastRouteSpec(0, Group, "GigabitEthernet1", ["GigabitEthernet1", "GigabitEthernet2", "GigabitEthernet3"]),
            new MulticastRouteSpec(0, Ipv4Address.Parse("239.2.2.2"), "GigabitEthernet1", ["GigabitEthernet1"]));
        var output = NewOutput();

        Assert.Equal(0, Run([
            Load(Sent, 1), // from GigabitEthernet2: fails the RPF check
            Load(WithDestination(Sent, "224.0.0.5"), 0),
            Load(WithDestination(Sent, "239.1.1.1", ttl: 1), 0),
            Load(WithDestination(Sent, "239.9.9.9"), 0),
            Load(WithDestination(Sent, "239.2.2.2"), 0),
        ], output));

        Assert.Equal(1, _counters.ReadDrops(1, DropReason.MulticastRpfFailure));
        Assert.Equal(1, _counters.ReadDrops(0, DropReason.MulticastLinkLocal));
        Assert.Equal(1, _counters.ReadDrops(0, DropReason.MulticastTtlScope));
        Assert.Equal(1, _counters.ReadDrops(0, DropReason.MulticastNoRoute));
        Assert.Equal(1, _counters.ReadDrops(0, DropReason.MulticastNoReceivers));
        Assert.Equal(5, _counters.ReadTotalDrops());
        Assert.Equal(0, _puntRing.Count);
    }

    [Fact]
    public void Igmp_to_any_group_is_punted_and_with_routing_off_multicast_is_dropped_as_before()
    {
        var output = NewOutput();
        Assert.Equal(0, Run([Load(IgmpReport, 0), Load(WithDestination(IgmpReport, "224.0.0.22", ttl: 1, protocol: IpProtocols.Igmp), 0)], output));
        Assert.Equal(2, _puntRing.Count);
        Assert.Equal(0, _counters.ReadTotalDrops());

        Publish(false, new MulticastRouteSpec(0, Group, "GigabitEthernet1", ["GigabitEthernet2"]));
        Assert.Equal(0, Run([Load(Sent, 0), Load(IgmpReport, 0)], output));
        Assert.Equal(2, _counters.ReadDrops(0, DropReason.MulticastUnsupported));
        Assert.Equal(2, _puntRing.Count);
    }

    [Fact]
    public void A_copy_gpm_has_no_buffer_for_is_counted_and_the_others_still_go()
    {
        var output = NewOutput();
        var original = Load(Sent, 0);
        // Every other buffer out of the cache and the pool.
        _cache.Drain();
        var held = new uint[Gpm.BufferCount];
        var heldCount = Gpm.AllocateBulk(held, BufferOwner.Ppe);

        Assert.Equal(1, Run([original], output));

        Assert.Equal((original, 2u), (output[0], Gpm.Meta(output[0]).NextHop));
        Assert.Equal(1, _counters.ReadDrops(0, DropReason.NoBuffer));
        Assert.Equal(1, _counters.ReadTotalDrops());
        Gpm.FreeBulk(held.AsSpan(0, heldCount));
        _cache.Free(output[0]);
    }

    [Fact]
    public void A_copy_for_an_interface_gone_down_meanwhile_and_a_copy_over_the_mtu_are_dropped_and_counted()
    {
        var output = NewOutput();
        Assert.Equal(2, Run([Load(Sent, 0)], output));
        _router.DataPlane.SetAdminState(1, false);

        var final = NewOutput();
        Assert.Equal(1, RunRecycled(output.AsSpan(0, 2), final));
        Assert.Equal(OutGi3, Gpm.Frame(final[0]).ToArray());
        Assert.Equal(1, _counters.ReadDrops(0, DropReason.InterfaceDown));
        _cache.Free(final[0]);

        // 1508 bytes of IPv4 (received whole: the ingress MTU is not checked) for 1500-byte egress MTUs: not fragmented, dropped.
        Assert.Equal(1, Run([Load(UdpFrom(0, Group, payloadLength: 1480), 0)], output));
        Assert.Equal(0, RunRecycled(output.AsSpan(0, 1), final));
        Assert.Equal(1, _counters.ReadDrops(0, DropReason.MulticastTooBig));
        Assert.Equal(2, _counters.ReadTotalDrops());
    }

    [Fact]
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    // No tiering or on-stack replacement of this method while it measures: an OSR compile allocates on this thread.
    public void Replicating_and_recycling_allocate_nothing()
    {
        var output = NewOutput();
        var final = NewOutput();
        var one = new uint[1];
        var copies = 0;
        void Once()
        {
            one[0] = Load(Sent, 0);
            var n = Run(one, output);
            var m = RunRecycled(output.AsSpan(0, n), final);
            copies += m;
            _cache.FreeBurst(final.AsSpan(0, m));
        }
        var (bytes, calls) = SteadyAllocation.Measure(Once, warmup: 3000, rounds: 1000);

        Assert.Equal(0, bytes);
        Assert.Equal(2 * calls, copies);
        Assert.Equal(0, _counters.ReadTotalDrops());
    }

    public void Dispose()
    {
        _router.Dispose();
        _puntRing.Dispose();
    }
}
