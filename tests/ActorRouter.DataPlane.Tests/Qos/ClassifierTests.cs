using ActorRouter.DataPlane.Qos;
using ActorRouter.Packets;

namespace ActorRouter.DataPlane.Tests.Qos;

/// <summary>The PPE's compiled matcher: criteria, match-any/match-all, first match, class-default, marking.</summary>
public unsafe class ClassifierTests
{
    private static readonly MacAddress Mac = MacAddress.Parse("02:00:00:00:00:01");
    private static readonly uint Source = Ipv4Address.Parse("192.0.2.10");
    private static readonly uint Destination = Ipv4Address.Parse("198.51.100.10");

    private static ClassMapDefinition Map(string name, bool all = false, int[]? dscp = null, int[]? precedence = null, int? protocol = null,
        string? source = null, string? destination = null, PortRange? sourcePorts = null, PortRange? destinationPorts = null, int? input = null)
    {
        static Ipv4PrefixMatch? Prefix(string? text) => text is null ? null : new Ipv4PrefixMatch(Ipv4Address.Parse(text.Split('/')[0]), int.Parse(text.Split('/')[1]));
        return new ClassMapDefinition(name, all, dscp ?? [], precedence ?? [], protocol, Prefix(source), Prefix(destination), sourcePorts, destinationPorts, input);
    }

    private static byte[] Udp(byte dscp = 0, ushort sourcePort = 1000, ushort destinationPort = 2000, uint? source = null, uint? destination = null, byte ecn = 0) =>
        PacketBuilder.Udp(Mac, Mac, source ?? Source, destination ?? Destination, sourcePort, destinationPort, new byte[20], new Ipv4Fields { Dscp = dscp, Ecn = ecn });

    // Fully optimized from the first call, as on the PPE: no tier-up or on-stack replacement while allocations are measured.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static byte Classify(CompiledPolicy policy, byte[] frame, int rx = 0)
    {
        fixed (byte* p = frame)
        {
            return policy.ClassifyAndMark(p + 14, frame.Length - 14, rx);
        }
    }

    private static CompiledPolicy Policy(params PolicyClassDefinition[] classes) => new(new PolicyMapDefinition("p", null, classes));

    [Fact]
    public void First_matching_class_wins_and_the_rest_is_class_default()
    {
        var policy = Policy(
            new PolicyClassDefinition(Map("voice", dscp: [46])),
            new PolicyClassDefinition(Map("udp", protocol: 17)),
            new PolicyClassDefinition(Map("never", dscp: [1])));
        Assert.Equal(1, Classify(policy, Udp(dscp: 46)));
        Assert.Equal(2, Classify(policy, Udp(dscp: 10)));
        var tcp = PacketBuilder.Tcp(Mac, Mac, Source, Destination, 1, 2, 0, 0, TcpFlags.Syn, 1000, []);
        Assert.Equal(4, Classify(policy, tcp));
        Assert.Equal(3, policy.ClassIndexOf(4));
        Assert.Equal("class-default", policy.Classes[3].Name);
        // Unclassified (0) and out-of-range traffic classes are class-default.
        Assert.Equal(3, policy.ClassIndexOf(0));
        Assert.Equal(3, policy.ClassIndexOf(200));
    }

    [Fact]
    public void Each_criterion_matches_what_it_names()
    {
        var policy = Policy(
            new PolicyClassDefinition(Map("precedence5", precedence: [5])),
            new PolicyClassDefinition(Map("from-net", source: "192.0.2.0/28")),
            new PolicyClassDefinition(Map("to-host", destination: "203.0.113.7/32")),
            new PolicyClassDefinition(Map("sip", destinationPorts: new PortRange(5060, 5061))),
            new PolicyClassDefinition(Map("rtp-src", sourcePorts: new PortRange(16384, 32767))),
            new PolicyClassDefinition(Map("from-gi3", input: 2)));
        Assert.Equal(1, Classify(policy, Udp(dscp: 40)));   // precedence 5 = DSCP 40..47
        Assert.Equal(1, Classify(policy, Udp(dscp: 47)));
        Assert.Equal(2, Classify(policy, Udp(source: Ipv4Address.Parse("192.0.2.15"))));
        Assert.Equal(3, Classify(policy, Udp(source: Ipv4Address.Parse("192.0.2.16"), destination: Ipv4Address.Parse("203.0.113.7"))));
        Assert.Equal(4, Classify(policy, Udp(source: Ipv4Address.Parse("10.0.0.1"), destinationPort: 5061)));
        Assert.Equal(5, Classify(policy, Udp(source: Ipv4Address.Parse("10.0.0.1"), sourcePort: 20000)));
        Assert.Equal(6, Classify(policy, Udp(source: Ipv4Address.Parse("10.0.0.1")), rx: 2));
        Assert.Equal(7, Classify(policy, Udp(source: Ipv4Address.Parse("10.0.0.1")), rx: 1));
    }

    [Fact]
    public void Ports_are_read_only_from_the_first_fragment()
    {
        var policy = Policy(new PolicyClassDefinition(Map("sip", destinationPorts: new PortRange(5060, 5060))));
        var frame = Udp(destinationPort: 5060);
        Assert.Equal(1, Classify(policy, frame));
        // A later fragment: offset 8 (×8 bytes); its first bytes are payload, not ports.
        frame[14 + 7] = 1;
        Assert.Equal(2, Classify(policy, frame));
    }

    [Fact]
    public void Match_all_needs_every_criterion_match_any_one()
    {
        var all = Policy(new PolicyClassDefinition(Map("both", all: true, dscp: [46], protocol: 6)));
        var any = Policy(new PolicyClassDefinition(Map("either", all: false, dscp: [46], protocol: 6)));
        Assert.Equal(2, Classify(all, Udp(dscp: 46)));
        Assert.Equal(1, Classify(any, Udp(dscp: 46)));
        var tcpEf = PacketBuilder.Tcp(Mac, Mac, Source, Destination, 1, 2, 0, 0, TcpFlags.Syn, 1000, [], new Ipv4Fields { Dscp = 46 });
        Assert.Equal(1, Classify(all, tcpEf));
    }

    [Theory]
    [InlineData(0, 0, 46)]
    [InlineData(10, 3, 0)]
    [InlineData(46, 1, 46)]
    [InlineData(63, 2, 18)]
    public void Set_dscp_rewrites_the_dscp_keeps_ecn_and_leaves_a_valid_checksum(byte dscp, byte ecn, int set)
    {
        var policy = Policy(new PolicyClassDefinition(Map("all-udp", protocol: 17), SetDscp: set));
        var frame = Udp(dscp: dscp, ecn: ecn);
        Classify(policy, frame);
        Assert.Equal(set, frame[15] >> 2);
        Assert.Equal(ecn, frame[15] & 3);
        Assert.True(InternetChecksum.IsValid(frame.AsSpan(14, 20)));
    }

    [Fact]
    public void Class_default_can_mark_too()
    {
        var policy = Policy(new PolicyClassDefinition(Map("voice", dscp: [46])), new PolicyClassDefinition(null, SetDscp: 8));
        var frame = Udp(dscp: 0);
        Assert.Equal(2, Classify(policy, frame));
        Assert.Equal(8, frame[15] >> 2);
        Assert.True(InternetChecksum.IsValid(frame.AsSpan(14, 20)));
    }

    [Fact]
    public void Invalid_policies_are_refused_by_the_data_plane()
    {
        Assert.Throws<DataPlaneCommandException>(() => Policy(new PolicyClassDefinition(Map("x", dscp: [46]), Priority: new RateSpec(1000, 100), BandwidthPercent: 10)));
        Assert.Throws<DataPlaneCommandException>(() => Policy(new PolicyClassDefinition(Map("x", dscp: [1]), BandwidthPercent: 60), new PolicyClassDefinition(null, BandwidthPercent: 50)));
        Assert.Throws<DataPlaneCommandException>(() => Policy(new PolicyClassDefinition(Map("x"))));
        Assert.Throws<DataPlaneCommandException>(() => Policy(new PolicyClassDefinition(Map("x", dscp: [64]))));
    }

    [Fact]
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    // No tiering or on-stack replacement of this method while it measures: an OSR compile allocates on this thread.
    public void Classification_allocates_nothing()
    {
        var policy = Policy(
            new PolicyClassDefinition(Map("a", all: true, dscp: [46], protocol: 6)),
            new PolicyClassDefinition(Map("b", destinationPorts: new PortRange(1, 1000))),
            new PolicyClassDefinition(Map("c", source: "10.0.0.0/8"), SetDscp: 10));
        var frame = Udp();
        Assert.Equal(0, SteadyAllocation.Measure(() => ClassifyMany(policy, frame, 10_000), warmup: 1, rounds: 1).Bytes);
    }

    /// <summary>Classifies <paramref name="count"/> times and returns the bytes this thread allocated meanwhile.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static long ClassifyMany(CompiledPolicy policy, byte[] frame, int count)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < count; i++)
        {
            Classify(policy, frame);
        }
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
