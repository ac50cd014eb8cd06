using ActorRouter.DataPlane.Counters;
using ActorRouter.Packets;
using static ActorRouter.DataPlane.Tests.Pipeline.TestRouter;

namespace ActorRouter.DataPlane.Tests.Pipeline;

public class Rfc1812Tests
{
    private static readonly uint Unrouted = Ipv4Address.Parse("10.200.0.1");

    private static byte[] FixChecksum(byte[] frame)
    {
        var ihl = (frame[14] & 0xF) * 4;
        frame[24] = 0;
        frame[25] = 0;
        var c = InternetChecksum.Compute(frame.AsSpan(14, Math.Max(20, Math.Min(ihl, frame.Length - 14))));
        frame[24] = (byte)(c >> 8);
        frame[25] = (byte)c;
        return frame;
    }

    private static byte[] ExpectedIcmpError(int toHost, byte type, byte code, uint rest, byte[] original, ushort id = 0)
    {
        var quoted = original.AsSpan(14, Math.Min(original.Length - 14, 548)).ToArray();
        return PacketBuilder.Icmp(RouterMacs[toHost], HostMacs[toHost], RouterAddresses[toHost], HostAddresses[toHost], type, code, rest, quoted,
            new Ipv4Fields { Ttl = 64, Identification = id, Dscp = 48 });
    }

    public static TheoryData<string, DropReason> MalformedCases => new()
    {
        { "runt", DropReason.RuntFrame },
        { "not-our-mac", DropReason.NotForUs },
        // An IPv4 packet behind the IPv6 EtherType reaches ip6-input, which refuses its version.
        { "ipv6", DropReason.Ipv6BadVersion },
        { "unknown-ethertype", DropReason.UnknownEtherType },
        { "short-ip", DropReason.Ipv4Truncated },
        { "bad-checksum", DropReason.Ipv4BadChecksum },
        { "version-6", DropReason.Ipv4BadVersion },
        { "ihl-4", DropReason.Ipv4BadHeaderLength },
        { "total-length-below-header", DropReason.Ipv4BadTotalLength },
        { "total-length-beyond-frame", DropReason.Ipv4Truncated },
        { "source-loopback", DropReason.MartianSource },
        { "source-this-network", DropReason.MartianSource },
        { "source-multicast", DropReason.MartianSource },
        { "source-class-e", DropReason.MartianSource },
        { "destination-loopback", DropReason.MartianDestination },
        { "destination-this-network", DropReason.MartianDestination },
        { "destination-class-e", DropReason.MartianDestination },
        { "destination-multicast", DropReason.MulticastUnsupported },
        { "unicast-ip-in-link-broadcast", DropReason.NotForUs },
    };

    [Theory]
    [MemberData(nameof(MalformedCases))]
    public void Each_malformed_or_martian_packet_is_dropped_silently_under_its_own_reason(string kind, DropReason reason)
    {
        using var router = new TestRouter();
        var frame = UdpFrom(0, HostAddresses[1]);
        switch (kind)
        {
            case "runt": frame = frame[..10]; break;
            case "not-our-mac": new MacAddress(0x020000000099).Write(frame); break;
            case "ipv6": frame[12] = 0x86; frame[13] = 0xDD; break;
            case "unknown-ethertype": frame[12] = 0x88; frame[13] = 0xB5; break;
            case "short-ip": frame = frame[..30]; break;
            case "bad-checksum": frame[25] ^= 0xFF; break;
            case "version-6": frame[14] = 0x65; FixChecksum(frame); break;
            case "ihl-4": frame[14] = 0x44; FixChecksum(frame); break;
            case "total-length-below-header": frame[16] = 0; frame[17] = 19; FixChecksum(frame); break;
            case "total-length-beyond-frame": frame[16] = 0x03; frame[17] = 0xE8; FixChecksum(frame); break;
            case "source-loopback": SetAddress(frame, 26, "127.0.0.1"); break;
            case "source-this-network": SetAddress(frame, 26, "0.1.2.3"); break;
            case "source-multicast": SetAddress(frame, 26, "224.0.0.9"); break;
            case "source-class-e": SetAddress(frame, 26, "240.0.0.1"); break;
            case "destination-loopback": SetAddress(frame, 30, "127.0.0.1"); break;
            case "destination-this-network": SetAddress(frame, 30, "0.0.0.7"); break;
            case "destination-class-e": SetAddress(frame, 30, "250.1.1.1"); break;
            case "destination-multicast": SetAddress(frame, 30, "239.1.2.3"); break;
            case "unicast-ip-in-link-broadcast": MacAddress.Broadcast.Write(frame); break;
        }
        router.Send(0, frame);

        Assert.True(WaitUntil(() => router.DataPlane.ReadDrops(reason, 0) == 1), $"{kind}: no {reason} drop counted");
        Thread.Sleep(20);
        Assert.Null(router.Host(0).TryReceive());
        Assert.Null(router.Host(1).TryReceive());
        Assert.Equal(1, router.DataPlane.ReadInterfaceCounter(0, InterfaceCounter.Drops));
        Assert.Equal(0, router.DataPlane.Ppes[0].Counters.IcmpErrorsSent);
    }

    private static void SetAddress(byte[] frame, int offset, string address)
    {
        var a = Ipv4Address.Parse(address);
        frame[offset] = (byte)(a >> 24);
        frame[offset + 1] = (byte)(a >> 16);
        frame[offset + 2] = (byte)(a >> 8);
        frame[offset + 3] = (byte)a;
        FixChecksum(frame);
    }

    [Fact]
    public void Ttl_of_one_gets_an_exact_time_exceeded_and_a_counted_drop()
    {
        using var router = new TestRouter();
        var sent = UdpFrom(0, HostAddresses[1], ttl: 1);
        router.Send(0, sent);

        var error = Receive(router.Host(0));

        Assert.Equal(ExpectedIcmpError(0, 11, 0, 0, sent), error);
        Assert.Equal(1, router.DataPlane.ReadDrops(DropReason.TtlExpired, 0));
        Assert.Null(router.Host(1).TryReceive());
    }

    [Fact]
    public void No_route_gets_an_exact_net_unreachable()
    {
        using var router = new TestRouter();
        var sent = UdpFrom(0, Unrouted);
        router.Send(0, sent);

        Assert.Equal(ExpectedIcmpError(0, 3, 0, 0, sent), Receive(router.Host(0)));
        Assert.Equal(1, router.DataPlane.ReadDrops(DropReason.NoRoute, 0));
    }

    [Fact]
    public void Too_big_with_df_gets_fragmentation_needed_carrying_the_next_hop_mtu()
    {
        using var router = new TestRouter(mtus: [1500, 1280, 1500]);
        var sent = UdpFrom(0, HostAddresses[1], payloadLength: 1400, dontFragment: true);
        router.Send(0, sent);

        var error = Receive(router.Host(0));

        Assert.Equal(ExpectedIcmpError(0, 3, 4, 1280, sent), error);
        Assert.Equal(0x05, error![14 + 20 + 6]);
        Assert.Equal(0x00, error[14 + 20 + 7]);
        Assert.Equal(1, router.DataPlane.ReadDrops(DropReason.FragmentationNeeded, 0));
        Assert.Null(router.Host(1).TryReceive());
    }

    [Fact]
    public void Long_packet_is_quoted_up_to_576_bytes()
    {
        using var router = new TestRouter();
        var sent = UdpFrom(0, Unrouted, payloadLength: 1000);
        router.Send(0, sent);

        var error = Receive(router.Host(0));

        Assert.Equal(14 + 576, error!.Length);
        Assert.Equal(ExpectedIcmpError(0, 3, 0, 0, sent), error);
    }

    [Fact]
    public void Too_big_without_df_is_fragmented_and_the_fragments_reassemble_to_the_original()
    {
        using var router = new TestRouter(mtus: [1500, 576, 1500]);
        var sent = UdpFrom(0, HostAddresses[1], payloadLength: 1400, id: 0x4242);
        router.Send(0, sent);

        var fragments = new List<byte[]>();
        byte[]? f;
        while ((f = Receive(router.Host(1), fragments.Count == 0 ? 5000 : 300)) is not null)
        {
            fragments.Add(f);
        }

        Assert.Equal(3, fragments.Count);
        var reassembled = new byte[sent.Length - 34];
        var covered = 0;
        for (var i = 0; i < fragments.Count; i++)
        {
            var frag = fragments[i];
            Assert.Equal(HostMacs[1], MacAddress.Read(frag));
            Assert.Equal(RouterMacs[1], MacAddress.Read(frag.AsSpan(6)));
            Assert.True(frag.Length - 14 <= 576);
            Assert.True(InternetChecksum.IsValid(frag.AsSpan(14, 20)));
            Assert.Equal(63, frag[22]);
            Assert.Equal(0x42, frag[18]);
            Assert.Equal(0x42, frag[19]);
            var flags = (frag[20] << 8) | frag[21];
            var offset = (flags & 0x1FFF) * 8;
            var more = (flags & 0x2000) != 0;
            Assert.Equal(i < fragments.Count - 1, more);
            var totalLength = (frag[16] << 8) | frag[17];
            Assert.Equal(frag.Length - 14, totalLength);
            var data = frag.AsSpan(34, totalLength - 20);
            if (more)
            {
                Assert.Equal(0, data.Length % 8);
            }
            data.CopyTo(reassembled.AsSpan(offset));
            covered += data.Length;
        }
        Assert.Equal(reassembled.Length, covered);
        Assert.Equal(sent.AsSpan(34).ToArray(), reassembled);
        Assert.Equal(3, router.DataPlane.Ppes[0].Counters.FragmentsCreated);
    }

    [Fact]
    public void Fragments_after_the_first_carry_only_copied_options()
    {
        using var router = new TestRouter(mtus: [1500, 576, 1500]);
        // Router Alert (copied) then Record Route (not copied), padded with End of Options List.
        byte[] options = [0x94, 0x04, 0x00, 0x00, 0x07, 0x07, 0x04, 0, 0, 0, 0, 0x00];
        var sent = PacketBuilder.Udp(HostMacs[0], RouterMacs[0], HostAddresses[0], HostAddresses[1], 1, 2, new byte[1000],
            new Ipv4Fields { Options = options, Identification = 7 });
        router.Send(0, sent);

        var first = Receive(router.Host(1));
        var second = Receive(router.Host(1));

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Equal(0x48, first![14]);
        Assert.Equal(options, first.AsSpan(34, 12).ToArray());
        Assert.Equal(0x46, second![14]);
        Assert.Equal(new byte[] { 0x94, 0x04, 0x00, 0x00 }, second.AsSpan(34, 4).ToArray());
        Assert.True(InternetChecksum.IsValid(second.AsSpan(14, 24)));
    }

    [Fact]
    public void No_icmp_error_about_an_icmp_error_a_non_first_fragment_or_a_link_broadcast()
    {
        using var router = new TestRouter();
        var aboutIcmpError = PacketBuilder.Icmp(HostMacs[0], RouterMacs[0], HostAddresses[0], HostAddresses[1], 3, 1, 0, new byte[28], new Ipv4Fields { Ttl = 1 });
        var nonFirstFragment = UdpFrom(0, HostAddresses[1], ttl: 1);
        nonFirstFragment[20] = 0x00;
        nonFirstFragment[21] = 0x10;
        FixChecksum(nonFirstFragment);
        var echoRequestTtl1 = PacketBuilder.IcmpEchoRequest(HostMacs[0], RouterMacs[0], HostAddresses[0], HostAddresses[1], 1, 1, new byte[8], new Ipv4Fields { Ttl = 1 });

        router.Send(0, aboutIcmpError);
        router.Send(0, nonFirstFragment);
        Assert.True(WaitUntil(() => router.DataPlane.ReadDrops(DropReason.TtlExpired, 0) == 2));
        Assert.Equal(2, router.DataPlane.Ppes[0].Counters.IcmpErrorsSuppressed);
        Thread.Sleep(20);
        Assert.Null(router.Host(0).TryReceive());

        // An echo request is not an error: it does get its Time Exceeded.
        router.Send(0, echoRequestTtl1);
        var error = Receive(router.Host(0));
        Assert.NotNull(error);
        Assert.Equal(11, error![34]);
    }

    [Fact]
    public void Icmp_errors_are_rate_limited_and_the_refusals_counted()
    {
        using var router = new TestRouter(options: new DataPlaneOptions { BufferCount = 8192, PpeThreads = 1, IcmpErrorRatePerSecond = 0.001, IcmpErrorBurst = 2 });
        for (var i = 0; i < 10; i++)
        {
            router.Send(0, UdpFrom(0, Unrouted, id: (ushort)i));
        }
        Assert.True(WaitUntil(() => router.DataPlane.ReadDrops(DropReason.NoRoute, 0) == 10));

        Assert.NotNull(Receive(router.Host(0)));
        Assert.NotNull(Receive(router.Host(0)));
        Assert.Null(Receive(router.Host(0), 100));
        Assert.Equal(2, router.DataPlane.Ppes[0].Counters.IcmpErrorsSent);
        Assert.Equal(8, router.DataPlane.Ppes[0].Counters.IcmpErrorsRateLimited);
    }
}
