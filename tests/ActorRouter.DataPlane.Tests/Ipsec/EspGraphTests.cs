using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Forwarding;
using ActorRouter.DataPlane.Graph;
using ActorRouter.DataPlane.Graph.Nodes;
using ActorRouter.DataPlane.Ipsec;
using ActorRouter.DataPlane.Memory;
using ActorRouter.DataPlane.Rings;
using ActorRouter.DataPlane.Tests.Pipeline;
using ActorRouter.Packets;
using static ActorRouter.DataPlane.Tests.Pipeline.TestRouter;

namespace ActorRouter.DataPlane.Tests.Ipsec;

/// <summary>
/// esp4-encrypt, esp4-decrypt and the recycle path driven on one thread through the whole graph, with
/// exact bytes. The expected ESP packets come from an independent implementation (scapy's IPsec layer over
/// python3-cryptography) and the RFC 4106 construction over the AES-GCM test vectors of the GCM
/// specification (McGrew and Viega, test case 3: key feffe992…, nonce cafebabe facedbaddecaf888).
/// Tunnel1 is 203.0.113.253/30; its peer 198.51.100.10 (Gi2's host) is reached from 198.51.100.1;
/// 10.98.0.0/16 is routed into it. These run with .NET's AesGcm (the data plane's fallback);
/// <see cref="EspGraphOpenSslTests"/> runs every one of them again with the native shim's OpenSSL engine.
/// </summary>
public class EspGraphTests : IDisposable
{
    // GCM specification, test case 3 (AES-128): key, salt (the nonce's first 4 bytes), IV (its last 8), plaintext and ciphertext.
    internal static readonly byte[] Tc3Key = Convert.FromHexString("feffe9928665731c6d6a8f9467308308");
    internal const uint Tc3Salt = 0xcafebabe;
    internal const ulong Tc3Iv = 0xfacedbaddecaf888;
    internal static readonly byte[] Tc3Plaintext = Convert.FromHexString(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255");
    internal static readonly byte[] Tc3Ciphertext = Convert.FromHexString(
        "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985");
    internal static readonly byte[] Aes256Key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
    internal const uint Aes256Salt = 0x01020304;
    internal const uint OutboundSpi = 0xa5f8, InboundSpi = 0x1001;

    // A UDP packet from host 0 (192.0.2.10) to 10.98.0.5, TTL 64, id 1, 18 bytes of 0..17.
    private static readonly byte[] InnerUdp = Convert.FromHexString(
        "4500002e000100004011ae4dc000020a0a62000503e807d0001adf3f000102030405060708090a0b0c0d0e0f1011");
    // scapy: that packet with TTL 63, in ESP tunnel mode with SPI a5f8, sequence 1, IV facedbaddecaf888 under the test case 3 key and salt,
    // outer header 198.51.100.1 → 198.51.100.10, id 1, TTL 64, DF clear.
    private static readonly byte[] EspOut = Convert.FromHexString(
        "4500006400010000403225f5c6336401c633640a0000a5f800000001facedbaddecaf888deb22cc9d9f272c1d13a873feb25f00c6f6f88793ade54ea1b979121a39c" +
        "295f39ec1e20c90790445e4d6a71f5331f248cd7a77f62e0f79dbc8e4b6e97262c44");
    // scapy: an ICMP echo reply 10.98.0.5 → 192.0.2.10 (id 7, TTL 64) in ESP with SPI 1001, sequence 5, IV 0011223344556677, AES-256-GCM
    // key 00..1f and salt 01020304, outer header 198.51.100.10 → 198.51.100.1.
    internal static readonly byte[] EspIn = Convert.FromHexString(
        "4500005c00090000403225f5c633640ac633640100001001000000050011223344556677d77d741cb77e4b44263ed189312ce9e7cd9e2ef2ad037d7ce67a6b61ff8b" +
        "b505d6a2ec0933fc3ff12e3c7ed85176d4bc4f718e13f8b715ac");
    internal static readonly byte[] InnerEchoReply = Convert.FromHexString("45000026000700004001ae5f0a620005c000020a000021d10001000170696e672d7265706c79");
    internal static readonly uint Protected = Ipv4Address.Parse("10.98.0.0");

    private readonly TestRouter _router = new(start: false);
    private readonly SpscRing _puntRing = new(64);
    private readonly ThreadCounters _counters = new("esp-test", 64);
    private readonly GpmCache _cache;
    private readonly PpeGraph _graph;
    private readonly int _tunnel;
    private readonly SecurityAssociation _outbound;
    private readonly SecurityAssociation _inbound;

    public EspGraphTests()
        : this(ManagedAesGcmEngine.Instance)
    {
    }

    protected EspGraphTests(IAesGcmEngine engine)
    {
        Engine = engine;
        _cache = new GpmCache(Gpm, 64);
        (_tunnel, _outbound, _inbound) = AddTunnel(_router, engine: engine);
        _graph = PpeGraph.CreateIpv4(Gpm, _cache, _counters, _puntRing, null, 32, PuntPolicy.Uniform(1000, 1000, 64), 1000, 1000, _router.DataPlane.Ipsec, 0);
    }

    /// <summary>Tunnel1 with the SAs of the vectors, 10.98.0.0/16 routed into it; the outbound SA's next IV is the test case's.</summary>
    internal static (int Tunnel, SecurityAssociation Outbound, SecurityAssociation Inbound) AddTunnel(TestRouter router, int threads = 1, IAesGcmEngine? engine = null)
    {
        var dataPlane = router.DataPlane;
        var tunnel = dataPlane.CreateTunnelUidb("Tunnel1", 1400);
        dataPlane.SetIpv4Address(tunnel.Index, Ipv4Address.Parse("203.0.113.253"), 30);
        dataPlane.SetAdminState(tunnel.Index, true);
        var outbound = new SecurityAssociation(OutboundSpi, SaDirection.Outbound, Tc3Key, Tc3Salt, threads, ivBase: Tc3Iv - 1, engine: engine);
        var inbound = new SecurityAssociation(InboundSpi, SaDirection.Inbound, Aes256Key, Aes256Salt, threads, engine: engine);
        dataPlane.Ipsec.Publish(new IpsecTables([new IpsecTunnel(tunnel.Index, "Tunnel1", RouterAddresses[1], HostAddresses[1], outbound, inbound)],
            dataPlane.Options.MaxInterfaces));
        router.StaticRoutes.Add(new StaticRoute(Protected, 16, Ipv4Address.Parse("203.0.113.254")));
        dataPlane.PublishRoutes(router.StaticRoutes, router.Neighbors);
        return (tunnel.Index, outbound, inbound);
    }

    protected IAesGcmEngine Engine { get; }

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

    private static byte[] Framed(byte[] ip, MacAddress destination, MacAddress source)
    {
        var frame = new byte[14 + ip.Length];
        destination.Write(frame.AsSpan(0, 6));
        source.Write(frame.AsSpan(6, 6));
        frame[12] = 0x08;
        ip.CopyTo(frame, 14);
        return frame;
    }

    /// <summary>A frame as the encrypt and decrypt nodes leave it for the recycle path: zero MACs, IPv4.</summary>
    private static byte[] Placeholder(byte[] ip) => Framed(ip, new MacAddress(0), new MacAddress(0));

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private int Run(uint[] input, uint[] output)
        => _graph.ProcessBurst(input, output, _router.DataPlane.Forwarding, _router.DataPlane.Interfaces, _router.DataPlane.Qos);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private int RunRecycled(ReadOnlySpan<uint> input, uint[] output)
        => _graph.ProcessRecycled(input, output, _router.DataPlane.Forwarding, _router.DataPlane.Interfaces, _router.DataPlane.Qos);

    private uint[] NewOutput() => new uint[32 * _graph.MaxOutputPerPacket];

    private NodeRuntimeCounters Node(string name) => Assert.Single(_graph.ReadCounters(), n => n.Node == name);

    [Fact]
    public void The_graph_has_the_esp_nodes_and_the_recycle_exit_in_dispatch_order()
    {
        Assert.Equal(
            [NodeNames.EthernetInput, NodeNames.Ip4Input, NodeNames.Ip4Lookup, NodeNames.Classify, NodeNames.Ip4Rewrite, NodeNames.Ip4Frag,
             NodeNames.Esp4Decrypt, NodeNames.Esp4Encrypt, NodeNames.Ip4IcmpError, NodeNames.Ip4Mcast, NodeNames.Ip4McastRewrite, NodeNames.Ip6Input, NodeNames.Ip6Lookup, NodeNames.Ip6Classify, NodeNames.Ip6Rewrite,
             NodeNames.Ip6IcmpError, NodeNames.Recycle, NodeNames.Punt, NodeNames.Drop, NodeNames.InterfaceOutput],
            _graph.Nodes.Select(n => n.Name));
        Assert.Equal([NodeNames.Recycle, NodeNames.Ip4IcmpError, NodeNames.Drop], Node(NodeNames.Esp4Encrypt).Next.Select(a => a.NextNode));
        Assert.Equal([NodeNames.Recycle, NodeNames.Drop], Node(NodeNames.Esp4Decrypt).Next.Select(a => a.NextNode));
    }

    [Fact]
    public void A_packet_routed_into_the_tunnel_is_encrypted_exactly_as_scapy_does_and_after_the_recycle_leaves_Gi2()
    {
        var sent = Framed(InnerUdp, RouterMacs[0], HostMacs[0]);
        Assert.Equal(UdpFrom(0, Ipv4Address.Parse("10.98.0.5")), sent);
        var output = NewOutput();

        Assert.Equal(1, Run([Load(sent, 0)], output));

        // Out of the first pass: the ESP packet bound for the recycle ring, to enter ip4-lookup.
        var encrypted = output[0];
        ref var meta = ref Gpm.Meta(encrypted);
        Assert.Equal(Placeholder(EspOut), Gpm.Frame(encrypted).ToArray());
        Assert.Equal((RecycleNode.RecycleInterface, (byte)1, (byte)RecycleEntry.Ip4Lookup), (meta.TxInterface, meta.Recycles, meta.NodeArgument));
        Assert.Equal((1, InnerUdp.Length), (_outbound.Read(SaCounter.Packets), _outbound.Read(SaCounter.Bytes)));
        Assert.Equal(1u, _outbound.Sequence);
        Assert.Equal((1, InnerUdp.Length), (_counters.Read(_tunnel, InterfaceCounter.TxPackets), _counters.Read(_tunnel, InterfaceCounter.TxBytes)));
        Assert.Equal(1, Node(NodeNames.Ip4Lookup).Next.Single(a => a.NextNode == NodeNames.Esp4Encrypt).Packets);

        // The recycle pass: the outer lookup and rewrite, out Gi2 to the peer with TTL 63.
        var final = NewOutput();
        Assert.Equal(1, RunRecycled([encrypted], final));
        Assert.Equal(Expected(Framed(EspOut, RouterMacs[1], HostMacs[1]), 1, 1), Gpm.Frame(final[0]).ToArray());
        Assert.Equal(1, Gpm.Meta(final[0]).TxInterface);
        Assert.Equal(0, _counters.ReadTotalDrops());
    }

    [Fact]
    public void The_gcm_test_case_3_vector_decrypts_in_esp_to_its_plaintext_and_ip4_input_judges_the_inner_packet()
    {
        // RFC 4106 over test case 3: SPI a5f8 and sequence 10 are the AAD; the 64 plaintext bytes, then padding 1 2, pad length 2, next header 4.
        // Test case 3's published ciphertext is the first 64 bytes of the ESP payload (the AAD changes the tag only).
        var tc3 = new SecurityAssociation(0xa5f8, SaDirection.Inbound, Tc3Key, Tc3Salt, 1, engine: Engine);
        _router.DataPlane.Ipsec.Publish(new IpsecTables([new IpsecTunnel(_tunnel, "Tunnel1", RouterAddresses[1], HostAddresses[1], _outbound, tc3)], 64));
        byte[] esp = [0, 0, 0xa5, 0xf8, 0, 0, 0, 10, .. BitConverter.GetBytes(Tc3Iv).Reverse(), .. Tc3Ciphertext,
            .. Convert.FromHexString("dcaa65c0"), .. Convert.FromHexString("9fec18beb17cd0f168ebb884078c1672")];
        var packet = Ipv4Outer(HostAddresses[1], RouterAddresses[1], esp);
        var output = NewOutput();

        Assert.Equal(1, Run([Load(Framed(packet, RouterMacs[1], HostMacs[1]), 1)], output));

        var decrypted = output[0];
        Assert.Equal(Placeholder(Tc3Plaintext), Gpm.Frame(decrypted).ToArray());
        Assert.Equal((_tunnel, (byte)RecycleEntry.Ip4Input, (byte)1), (Gpm.Meta(decrypted).RxInterface, Gpm.Meta(decrypted).NodeArgument, Gpm.Meta(decrypted).Recycles));
        Assert.Equal((1, 64), (tc3.Read(SaCounter.Packets), tc3.Read(SaCounter.Bytes)));
        Assert.Equal(10u, tc3.Sequence);
        Assert.Equal((1, 64), (_counters.Read(_tunnel, InterfaceCounter.RxPackets), _counters.Read(_tunnel, InterfaceCounter.RxBytes)));

        // Not an IPv4 packet: ip4-input drops it, counted on the tunnel.
        Assert.Equal(0, RunRecycled([decrypted], NewOutput()));
        Assert.Equal(1, _counters.ReadDrops(_tunnel, DropReason.Ipv4BadVersion));
    }

    [Fact]
    public void Scapy_esp_with_aes_256_is_decrypted_and_its_inner_packet_forwarded_to_Gi1()
    {
        var output = NewOutput();
        Assert.Equal(1, Run([Load(Framed(EspIn, RouterMacs[1], HostMacs[1]), 1)], output));
        Assert.Equal(Placeholder(InnerEchoReply), Gpm.Frame(output[0]).ToArray());

        var final = NewOutput();
        Assert.Equal(1, RunRecycled([output[0]], final));

        Assert.Equal(Expected(Framed(InnerEchoReply, RouterMacs[0], HostMacs[0]), 0, 0), Gpm.Frame(final[0]).ToArray());
        Assert.Equal(0, Gpm.Meta(final[0]).TxInterface);
        Assert.Equal((1, InnerEchoReply.Length, 0, 0), (_inbound.Read(SaCounter.Packets), _inbound.Read(SaCounter.Bytes),
            _inbound.Read(SaCounter.AuthFailures), _inbound.Read(SaCounter.Replays)));
        Assert.Equal(5u, _inbound.Sequence);
    }

    [Fact]
    public void A_bad_icv_a_replay_and_an_unknown_spi_are_dropped_and_counted_under_their_reasons()
    {
        var forged = (byte[])EspIn.Clone();
        forged[^1] ^= 1;
        var unknown = (byte[])EspIn.Clone();
        unknown[20 + 3] = 0x02; // SPI 1002
        var output = NewOutput();

        // The forged one first: it must not move the window, so the genuine one with the same sequence number still passes.
        Assert.Equal(1, Run([Load(Framed(forged, RouterMacs[1], HostMacs[1]), 1), Load(Framed(EspIn, RouterMacs[1], HostMacs[1]), 1),
            Load(Framed(unknown, RouterMacs[1], HostMacs[1]), 1)], output));
        Assert.Equal(0, Run([Load(Framed(EspIn, RouterMacs[1], HostMacs[1]), 1)], output));

        Assert.Equal(1, _counters.ReadDrops(1, DropReason.EspBadIcv));
        Assert.Equal(1, _counters.ReadDrops(1, DropReason.EspReplay));
        Assert.Equal(1, _counters.ReadDrops(1, DropReason.EspUnknownSpi));
        Assert.Equal(3, _counters.ReadTotalDrops());
        Assert.Equal((1, 1, 1), (_inbound.Read(SaCounter.Packets), _inbound.Read(SaCounter.AuthFailures), _inbound.Read(SaCounter.Replays)));
        Assert.Equal(0, _puntRing.Count);
    }

    [Fact]
    public void A_tunnel_whose_destination_is_routed_into_itself_is_stopped_by_the_loop_guard()
    {
        // Headroom for more encapsulations than the guard allows (each takes 36 bytes in front), so the guard is what stops it.
        using var router = new TestRouter(start: false, options: new DataPlaneOptions { BufferCount = 8192, Headroom = 512 });
        var (_, outbound, _) = AddTunnel(router);
        var cache = new GpmCache(router.DataPlane.Gpm, 64);
        var counters = new ThreadCounters("loop-test", 64);
        using var puntRing = new SpscRing(64);
        var graph = PpeGraph.CreateIpv4(router.DataPlane.Gpm, cache, counters, puntRing, null, 32, PuntPolicy.Uniform(1000, 1000, 64), 1000, 1000, router.DataPlane.Ipsec, 0);
        // The peer's address now lies behind the tunnel: every outer packet goes back into it.
        router.StaticRoutes.Add(new StaticRoute(HostAddresses[1], 32, Ipv4Address.Parse("203.0.113.254")));
        router.DataPlane.PublishRoutes(router.StaticRoutes, router.Neighbors);
        var gpm = router.DataPlane.Gpm;
        Assert.True(cache.TryAllocate(out var buffer));
        var frame = UdpFrom(0, Ipv4Address.Parse("10.98.0.5"));
        gpm.ResetMeta(buffer, frame.Length, BufferOwner.Ppe);
        frame.CopyTo(gpm.Frame(buffer));
        var output = new uint[32 * graph.MaxOutputPerPacket];

        var n = graph.ProcessBurst([buffer], output, router.DataPlane.Forwarding, router.DataPlane.Interfaces);
        var rounds = 0;
        while (n > 0)
        {
            Assert.Equal(1, n);
            Assert.Equal(RecycleNode.RecycleInterface, gpm.Meta(output[0]).TxInterface);
            rounds++;
            n = graph.ProcessRecycled([output[0]], output, router.DataPlane.Forwarding, router.DataPlane.Interfaces);
        }

        Assert.Equal(RecycleNode.MaxRecycles, rounds);
        Assert.Equal(1, counters.ReadDrops(0, DropReason.RecycleLoop));
        Assert.Equal(1, counters.ReadTotalDrops());
        Assert.Equal(RecycleNode.MaxRecycles + 1, outbound.Read(SaCounter.Packets));
    }

    [Fact]
    public void Too_big_for_the_tunnel_with_DF_gets_fragmentation_needed_with_the_tunnel_mtu()
    {
        var output = NewOutput();
        Assert.Equal(1, Run([Load(UdpFrom(0, Ipv4Address.Parse("10.98.0.5"), payloadLength: 1400, dontFragment: true), 0)], output));

        Assert.True(Ipv4Header.TryParse(Gpm.Frame(output[0])[14..], out var error));
        Assert.Equal((RouterAddresses[0], HostAddresses[0], IcmpTypes.DestinationUnreachable, IcmpCodes.FragmentationNeeded),
            (error.Source, error.Destination, error.Payload[0], error.Payload[1]));
        Assert.Equal(1400, (error.Payload[6] << 8) | error.Payload[7]);
        Assert.Equal(0, _outbound.Read(SaCounter.Packets));
    }

    [Fact]
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    // No tiering or on-stack replacement of this method while it measures: an OSR compile allocates on this thread.
    public void Encrypting_decrypting_and_recycling_allocate_nothing()
    {
        var output = NewOutput();
        var final = NewOutput();
        var plain = UdpFrom(0, Ipv4Address.Parse("10.98.0.5"), payloadLength: 1000);
        var esp = Framed(EspIn, RouterMacs[1], HostMacs[1]);
        var one = new uint[1];
        void Once()
        {
            one[0] = Load(plain, 0);
            var n = Run(one, output);
            _cache.FreeBurst(final.AsSpan(0, RunRecycled(output.AsSpan(0, n), final)));
            one[0] = Load(esp, 1); // decrypted the first time, a replay (dropped before decrypting) afterwards
            n = Run(one, output);
            _cache.FreeBurst(final.AsSpan(0, RunRecycled(output.AsSpan(0, n), final)));
        }
        // Long enough for every method on the path to be compiled at its final tier (and any on-stack replacement of a
        // loop, which compiles on this thread) before measuring.
        var (bytes, calls) = SteadyAllocation.Measure(Once, warmup: 3000, rounds: 1000);

        Assert.Equal(0, bytes);
        Assert.Equal(calls, _outbound.Read(SaCounter.Packets));
        Assert.Equal((1, calls - 1), (_inbound.Read(SaCounter.Packets), _inbound.Read(SaCounter.Replays)));
    }

    /// <summary>Exceptions the engine raises (and catches) per forged packet: none for OpenSSL, one for .NET's AesGcm.</summary>
    protected virtual int ExceptionsPerForgedPacket => 1;

    [Fact]
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    // No tiering or on-stack replacement of this method while it measures: an OSR compile allocates on this thread.
    public void Forged_packets_are_counted_as_bad_icv_and_cost_the_native_engine_no_exception_and_no_allocation()
    {
        var forged = (byte[])EspIn.Clone();
        forged[^1] ^= 1;
        var frame = Framed(forged, RouterMacs[1], HostMacs[1]);
        var output = NewOutput();
        var one = new uint[1];
        var testThread = Environment.CurrentManagedThreadId;
        var exceptions = 0;
        var forwarded = 0;
        void Count(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
        {
            // Other test classes run in parallel: count only what this thread raises.
            if (Environment.CurrentManagedThreadId == testThread)
            {
                exceptions++;
            }
        }
        void Once()
        {
            one[0] = Load(frame, 1);
            forwarded += Run(one, output); // (the drop node frees the buffer)
        }
        AppDomain.CurrentDomain.FirstChanceException += Count;
        long allocated;
        int calls;
        try
        {
            (allocated, calls) = SteadyAllocation.Measure(Once, warmup: 1000, rounds: 1000);
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= Count;
        }

        Assert.Equal(0, forwarded);
        Assert.Equal(calls * ExceptionsPerForgedPacket, exceptions);
        if (ExceptionsPerForgedPacket == 0)
        {
            Assert.Equal(0, allocated);
        }
        Assert.Equal(calls, _counters.ReadDrops(1, DropReason.EspBadIcv));
        Assert.Equal(calls, _counters.ReadTotalDrops());
        Assert.Equal((0, calls, 0), (_inbound.Read(SaCounter.Packets), _inbound.Read(SaCounter.AuthFailures), _inbound.Read(SaCounter.Replays)));
        Assert.Equal(0u, _inbound.Sequence);
    }

    private static byte[] Ipv4Outer(uint source, uint destination, byte[] payload)
    {
        var packet = new byte[20 + payload.Length];
        var ip = Ipv4Header.Write(packet);
        ip.TotalLength = (ushort)packet.Length;
        ip.Ttl = 64;
        ip.Protocol = IpProtocols.Esp;
        ip.Source = source;
        ip.Destination = destination;
        ip.UpdateChecksum();
        payload.CopyTo(packet, 20);
        return packet;
    }

    public void Dispose()
    {
        _router.Dispose();
        _puntRing.Dispose();
    }
}
