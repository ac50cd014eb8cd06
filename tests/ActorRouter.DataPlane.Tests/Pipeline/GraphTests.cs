using System.Buffers.Binary;
using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Graph;
using ActorRouter.DataPlane.Graph.Nodes;
using ActorRouter.DataPlane.Memory;
using ActorRouter.DataPlane.Rings;
using ActorRouter.Packets;
using static ActorRouter.DataPlane.Tests.Pipeline.TestRouter;

namespace ActorRouter.DataPlane.Tests.Pipeline;

/// <summary>
/// The PPE graph driven directly, on one thread, with the test router's (stopped) tables: exact
/// output frames, each node's counters and arcs, and no allocation per burst.
/// </summary>
public sealed class GraphTests : IDisposable
{
    private readonly TestRouter _router = new(mtus: [1500, 576, 1500], start: false);
    private readonly SpscRing _puntRing = new(64);
    private readonly ThreadCounters _counters = new("graph-test", 64);
    private readonly GpmCache _cache;
    private readonly PpeGraph _graph;

    public GraphTests()
    {
        _cache = new GpmCache(_router.DataPlane.Gpm, 64);
        // Punts and ICMP errors: 1000/s with a burst of 1000.
        _graph = PpeGraph.CreateIpv4(_router.DataPlane.Gpm, _cache, _counters, _puntRing, null, 32, 1000, 1000, 1000, 1000);
    }

    private PacketMemory Gpm => _router.DataPlane.Gpm;

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

    private NodeRuntimeCounters Node(string name) => Assert.Single(_graph.ReadCounters(), n => n.Node == name);

    private long Arc(string node, string next) => Assert.Single(Node(node).Next, a => a.NextNode == next).Packets;

    [Fact]
    public void The_graph_is_wired_by_name_in_dispatch_order()
    {
        Assert.Equal(
            [NodeNames.EthernetInput, NodeNames.Ip4Input, NodeNames.Ip4Lookup, NodeNames.Classify, NodeNames.Ip4Rewrite, NodeNames.Ip4Frag,
             NodeNames.Esp4Decrypt, NodeNames.Esp4Encrypt, NodeNames.Ip4IcmpError, NodeNames.Ip4Mcast, NodeNames.Ip4McastRewrite, NodeNames.Ip6Input, NodeNames.Ip6Lookup, NodeNames.Ip6Classify, NodeNames.Ip6Rewrite,
             NodeNames.Ip6IcmpError, NodeNames.Recycle, NodeNames.Punt, NodeNames.Drop, NodeNames.InterfaceOutput],
            _graph.Nodes.Select(n => n.Name));
        Assert.Equal([NodeNames.Ip4Input, NodeNames.Punt, NodeNames.Drop, NodeNames.Ip6Input], _graph.Nodes[0].NextNodes);
    }

    [Fact]
    public void A_mixed_burst_goes_exactly_where_it_should_and_every_node_counts_it()
    {
        var forwarded = UdpFrom(0, HostAddresses[1]);
        var badChecksum = UdpFrom(0, HostAddresses[1]);
        badChecksum[14 + 10] ^= 0xFF;
        var noRoute = UdpFrom(0, Ipv4Address.Parse("198.18.0.1"));
        var arp = PacketBuilder.ArpRequest(HostMacs[0], HostAddresses[0], RouterAddresses[0]);
        var tagged = PacketBuilder.Udp(HostMacs[0], RouterMacs[0], HostAddresses[0], HostAddresses[1], 1000, 2000, new byte[18], null, new VlanTci(7));
        var big = UdpFrom(0, HostAddresses[1], payloadLength: 1000);
        var input = new[] { Load(forwarded, 0), Load(badChecksum, 0), Load(noRoute, 0), Load(arp, 0), Load(tagged, 0), Load(big, 0) };
        var output = new uint[32 * _graph.MaxOutputPerPacket];

        var n = Run(input, output);

        // By node: the forwarded frame (ip4-rewrite), the two fragments of the big one (ip4-frag; Gi2's
        // MTU is 576), the net unreachable back to host 0 (ip4-icmp-error).
        Assert.Equal(4, n);
        Assert.Equal(Expected(forwarded, 0, 1), Gpm.Frame(output[0]).ToArray());
        Assert.Equal([1, 1, 1, 0], output.Take(4).Select(b => (int)Gpm.Meta(b).TxInterface));
        Assert.True(Ipv4Header.TryParse(Gpm.Frame(output[3])[14..], out var error));
        Assert.Equal((RouterAddresses[0], HostAddresses[0], IcmpTypes.DestinationUnreachable), (error.Source, error.Destination, error.Payload[0]));
        Assert.Equal(2, _counters.FragmentsCreated);
        Assert.Equal(1, _counters.IcmpErrorsSent);
        Assert.Equal(1, _counters.ReadDrops(0, DropReason.Ipv4BadChecksum));
        Assert.Equal(1, _counters.ReadDrops(0, DropReason.NoRoute));
        Assert.Equal(1, _counters.ReadDrops(0, DropReason.UnknownVlan));
        Assert.Equal(1, _counters.Read(0, InterfaceCounter.Punted));
        Assert.Equal(1, _puntRing.Count);

        Assert.Equal((1, 6), (Node(NodeNames.EthernetInput).Calls, Node(NodeNames.EthernetInput).Packets));
        Assert.Equal(4, Arc(NodeNames.EthernetInput, NodeNames.Ip4Input));
        Assert.Equal(1, Arc(NodeNames.EthernetInput, NodeNames.Punt));
        Assert.Equal(1, Arc(NodeNames.EthernetInput, NodeNames.Drop));
        Assert.Equal(3, Arc(NodeNames.Ip4Input, NodeNames.Ip4Lookup));
        Assert.Equal(1, Arc(NodeNames.Ip4Input, NodeNames.Drop));
        Assert.Equal(2, Arc(NodeNames.Ip4Lookup, NodeNames.Ip4Rewrite));
        Assert.Equal(1, Arc(NodeNames.Ip4Lookup, NodeNames.Ip4IcmpError));
        Assert.Equal(0, Arc(NodeNames.Ip4Lookup, NodeNames.Classify));
        Assert.Equal(1, Arc(NodeNames.Ip4Rewrite, NodeNames.InterfaceOutput));
        Assert.Equal(1, Arc(NodeNames.Ip4Rewrite, NodeNames.Ip4Frag));
        Assert.Equal(2, Arc(NodeNames.Ip4Frag, NodeNames.InterfaceOutput));
        Assert.Equal(1, Arc(NodeNames.Ip4IcmpError, NodeNames.Drop));
        Assert.Equal(1, Arc(NodeNames.Ip4IcmpError, NodeNames.InterfaceOutput));
        Assert.Equal((1, 3), (Node(NodeNames.Drop).Calls, Node(NodeNames.Drop).Packets));
        Assert.Equal((1, 4), (Node(NodeNames.InterfaceOutput).Calls, Node(NodeNames.InterfaceOutput).Packets));
        Assert.Equal((0, 0), (Node(NodeNames.Classify).Calls, Node(NodeNames.Classify).Packets));
        Assert.Equal(3.0, Node(NodeNames.Drop).VectorsPerCall);

        _graph.ClearCounters();
        Assert.All(_graph.ReadCounters(), c => Assert.Equal(0, c.Packets));
    }

    [Fact]
    public void Frames_of_a_shut_interface_are_dropped_first_and_nothing_is_punted()
    {
        _router.DataPlane.SetAdminState(0, false);
        var input = new[]
        {
            Load(UdpFrom(0, HostAddresses[1]), 0),
            Load(PacketBuilder.ArpRequest(HostMacs[0], HostAddresses[0], RouterAddresses[0]), 0),
            Load(new byte[5], 0),
        };

        Assert.Equal(0, Run(input, new uint[32 * _graph.MaxOutputPerPacket]));

        Assert.Equal(3, _counters.ReadDrops(0, DropReason.RxInterfaceDown));
        Assert.Equal(3, _counters.ReadTotalDrops());
        Assert.Equal(0, _puntRing.Count);
    }

    [Theory]
    [InlineData(8150, DropReason.FragmentOffsetOverflow, 0)]  // 8150 + 552/8 = 8219 > 8191
    [InlineData(8122, null, 2)]                                // 8122 + 69 = 8191: the last offset that fits
    public void Fragments_whose_offset_would_overflow_13_bits_are_dropped_and_counted(int originalOffset, DropReason? reason, int fragments)
    {
        var frame = UdpFrom(0, HostAddresses[1], payloadLength: 1000 - 8);
        var ip = frame.AsSpan(14);
        BinaryPrimitives.WriteUInt16BigEndian(ip[6..], (ushort)originalOffset);
        Assert.True(Ipv4Header.TryParse(ip, out var header));
        header.UpdateChecksum();

        var output = new uint[32 * _graph.MaxOutputPerPacket];
        var n = Run([Load(frame, 0)], output);

        Assert.Equal(fragments, n);
        Assert.Equal(reason is null ? 0 : 1, _counters.ReadTotalDrops());
        if (reason is { } r)
        {
            Assert.Equal(1, _counters.ReadDrops(0, r));
        }
        else
        {
            var last = Gpm.Frame(output[n - 1]);
            Assert.Equal(8191, BinaryPrimitives.ReadUInt16BigEndian(last[(14 + 6)..]) & 0x1FFF);
        }
        _cache.FreeBurst(output.AsSpan(0, n));
    }

    [Fact]
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    // No tiering or on-stack replacement of this method while it measures: an OSR compile allocates on this thread.
    public void Bursts_through_every_node_allocate_nothing()
    {
        var sub = _router.DataPlane.CreateSubinterfaceUidb("GigabitEthernet3.5", 2, 5, 1500);
        _router.DataPlane.SetAdminState(sub.Index, true);
        var frames = new (byte[] Frame, int Rx)[]
        {
            (UdpFrom(0, HostAddresses[1]), 0),
            (UdpFrom(0, HostAddresses[1], payloadLength: 1000), 0),
            (UdpFrom(0, Ipv4Address.Parse("198.18.0.1")), 0),
            (UdpFrom(0, HostAddresses[1], ttl: 1), 0),
            (PacketBuilder.ArpRequest(HostMacs[0], HostAddresses[0], RouterAddresses[0]), 0),
            (PacketBuilder.Udp(HostMacs[2], RouterMacs[2], HostAddresses[2], HostAddresses[1], 1, 2, new byte[18], null, new VlanTci(5)), 2),
            (PacketBuilder.Udp(HostMacs[2], RouterMacs[2], HostAddresses[2], HostAddresses[1], 1, 2, new byte[18], null, new VlanTci(6)), 2),
        };
        var input = new uint[frames.Length];
        var output = new uint[32 * _graph.MaxOutputPerPacket];
        var punted = new uint[64];
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        void Burst()
        {
            for (var i = 0; i < frames.Length; i++)
            {
                input[i] = Load(frames[i].Frame, frames[i].Rx);
            }
            var n = Run(input, output);
            _cache.FreeBurst(output.AsSpan(0, n));
            var p = _puntRing.DequeueBurst(punted);
            _cache.FreeBurst(punted.AsSpan(0, p));
        }
        var (allocated, calls) = SteadyAllocation.Measure(Burst, warmup: 100, rounds: 10_000);

        Assert.Equal(0, allocated);
        Assert.Equal(calls, Node(NodeNames.Ip4Frag).Packets);
        Assert.Equal(10_100, Arc(NodeNames.EthernetInput, NodeNames.Punt));
        Assert.Equal(20_200, Arc(NodeNames.Ip4Rewrite, NodeNames.InterfaceOutput));
    }

    public void Dispose()
    {
        _cache.Drain();
        _puntRing.Dispose();
        _router.Dispose();
    }
}
