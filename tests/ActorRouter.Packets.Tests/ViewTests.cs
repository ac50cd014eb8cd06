namespace ActorRouter.Packets.Tests;

public class ViewTests
{
    [Fact]
    public void EthernetHeaderRoundTripsAndWritesNetworkOrder()
    {
        byte[] frame = new byte[20];
        EthernetHeader.Write(frame, MacAddress.Parse("ff:ff:ff:ff:ff:ff"), MacAddress.Parse("02:00:00:00:00:01"), EtherTypes.Arp);
        Assert.Equal(Hex.Parse("ffffffffffff 020000000001 0806 000000000000"), frame);

        Assert.True(EthernetHeader.TryParse(frame, out EthernetHeader ethernet));
        Assert.True(ethernet.Destination.IsBroadcast);
        Assert.Equal("02:00:00:00:00:01", ethernet.Source.ToString());
        Assert.Equal(EtherTypes.Arp, ethernet.EtherType);
        Assert.False(ethernet.HasVlanTag);
        Assert.Equal(EtherTypes.Arp, ethernet.PayloadEtherType);
        Assert.Equal(14, ethernet.HeaderLength);
        Assert.Equal(6, ethernet.Payload.Length);
        Assert.False(ethernet.TryGetVlanTag(out _));

        ethernet.Destination = MacAddress.Parse("0a:0b:0c:0d:0e:0f");
        ethernet.Source = MacAddress.Parse("01:02:03:04:05:06");
        ethernet.EtherType = EtherTypes.Ipv6;
        Assert.Equal(Hex.Parse("0a0b0c0d0e0f 010203040506 86dd"), frame[..14]);
    }

    [Fact]
    public void VlanTagRoundTripsEveryField()
    {
        byte[] frame = new byte[18];
        EthernetHeader.Write(frame, MacAddress.Broadcast, Frames.HostMac, EtherTypes.Ipv4, new VlanTci(0x123, 5, true));
        // TCI: PCP 5 (101), DEI 1, VID 0x123 -> 1011 0001 0010 0011.
        Assert.Equal(Hex.Parse("8100 b123 0800"), frame[12..]);

        Assert.True(EthernetHeader.TryParse(frame, out EthernetHeader ethernet));
        Assert.True(ethernet.HasVlanTag);
        Assert.Equal(EtherTypes.Vlan, ethernet.EtherType);
        Assert.Equal(EtherTypes.Ipv4, ethernet.PayloadEtherType);
        Assert.Equal(18, ethernet.HeaderLength);
        Assert.True(ethernet.TryGetVlanTag(out VlanTag tag));
        Assert.Equal(0x8100, tag.Tpid);
        Assert.Equal(5, tag.Priority);
        Assert.True(tag.DropEligible);
        Assert.Equal(0x123, tag.VlanId);
        Assert.Equal(EtherTypes.Ipv4, tag.InnerEtherType);
        Assert.Equal(new VlanTci(0x123, 5, true), tag.Tci);

        tag.VlanId = 4095;
        Assert.Equal(Hex.Parse("8100 bfff 0800"), frame[12..]);
        tag.Priority = 2;
        tag.DropEligible = false;
        Assert.Equal(Hex.Parse("8100 4fff 0800"), frame[12..]);
        tag.InnerEtherType = EtherTypes.Arp;
        tag.Tci = new VlanTci(1, 7);
        Assert.Equal(Hex.Parse("8100 e001 0806"), frame[12..]);
    }

    [Fact]
    public void VlanTagRefusesAnotherTpid()
    {
        Assert.False(VlanTag.TryParse(Hex.Parse("88a8 0001 0800"), out _));
        Assert.False(VlanTag.TryParse(Hex.Parse("8100 0001 08"), out _));
    }

    [Fact]
    public void ArpPacketRoundTripsEveryField()
    {
        byte[] packet = new byte[28];
        ArpPacket.Write(packet, ArpOperation.Request, Frames.HostMac, Ipv4Address.Parse("10.0.0.1"), MacAddress.Zero, Ipv4Address.Parse("10.0.0.254"));
        Assert.Equal(Hex.Parse("0001 0800 06 04 0001 020000000001 0a000001 000000000000 0a0000fe"), packet);

        Assert.True(ArpPacket.TryParse(packet, out ArpPacket arp));
        Assert.Equal(1, arp.HardwareType);
        Assert.Equal(0x0800, arp.ProtocolType);
        Assert.Equal(6, arp.HardwareLength);
        Assert.Equal(4, arp.ProtocolLength);
        Assert.Equal(ArpOperation.Request, arp.Operation);
        Assert.Equal(Frames.HostMac, arp.SenderHardwareAddress);
        Assert.Equal(0x0A000001u, arp.SenderProtocolAddress);
        Assert.Equal(MacAddress.Zero, arp.TargetHardwareAddress);
        Assert.Equal(0x0A0000FEu, arp.TargetProtocolAddress);

        arp.Operation = ArpOperation.Reply;
        arp.TargetHardwareAddress = Frames.RouterMac;
        arp.SenderProtocolAddress = 0x01020304;
        arp.TargetProtocolAddress = 0x05060708;
        arp.SenderHardwareAddress = MacAddress.Broadcast;
        Assert.Equal(Hex.Parse("0001 0800 06 04 0002 ffffffffffff 01020304 0200000000fe 05060708"), packet);
    }

    [Theory]
    [InlineData("0006 0800 06 04")] // IEEE 802 hardware
    [InlineData("0001 86dd 06 04")] // not IPv4
    [InlineData("0001 0800 08 04")] // hardware length 8
    [InlineData("0001 0800 06 10")] // protocol length 16
    public void ArpPacketRefusesOtherThanEthernetIpv4(string prefix)
    {
        byte[] packet = new byte[28];
        Hex.Parse(prefix).CopyTo(packet, 0);
        Assert.False(ArpPacket.TryParse(packet, out _));
    }

    [Fact]
    public void Ipv4HeaderRoundTripsEveryField()
    {
        byte[] packet = new byte[28 + 4];
        Ipv4Header ip = Ipv4Header.Write(packet, 24);
        ip.Dscp = 46;
        ip.Ecn = 3;
        ip.TotalLength = 28;
        ip.Identification = 0xBEEF;
        ip.DontFragment = true;
        ip.MoreFragments = true;
        ip.FragmentOffset = 0x1ABC;
        ip.Ttl = 200;
        ip.Protocol = IpProtocols.Tcp;
        ip.Source = Ipv4Address.Parse("10.1.2.3");
        ip.Destination = Ipv4Address.Parse("172.16.254.1");
        Hex.Parse("94040000").CopyTo(ip.Options);
        ushort checksum = ip.UpdateChecksum();

        Assert.Equal(Hex.Parse($"46 bb 001c beef 7abc c8 06 {checksum:x4} 0a010203 ac10fe01 94040000"), packet[..24]);
        Assert.True(InternetChecksum.IsValid(packet.AsSpan(0, 24)));

        Assert.Equal(Ipv4ParseResult.Ok, Ipv4Header.Parse(packet, out Ipv4Header read));
        Assert.Equal(4, read.Version);
        Assert.Equal(6, read.Ihl);
        Assert.Equal(24, read.HeaderLength);
        Assert.Equal(4, read.OptionsLength);
        Assert.Equal(Hex.Parse("94040000"), read.Options.ToArray());
        Assert.Equal(46, read.Dscp);
        Assert.Equal(3, read.Ecn);
        Assert.Equal(0xbb, read.TypeOfService);
        Assert.Equal(28, read.TotalLength);
        Assert.Equal(0xBEEF, read.Identification);
        Assert.True(read.DontFragment);
        Assert.True(read.MoreFragments);
        Assert.True(read.IsFragment);
        Assert.Equal(0x1ABC, read.FragmentOffset);
        Assert.Equal(200, read.Ttl);
        Assert.Equal(IpProtocols.Tcp, read.Protocol);
        Assert.Equal(checksum, read.Checksum);
        Assert.Equal(0x0A010203u, read.Source);
        Assert.Equal(0xAC10FE01u, read.Destination);
        Assert.Equal(4, read.Payload.Length);
        Assert.True(read.IsChecksumValid);

        read.DontFragment = false;
        read.MoreFragments = false;
        read.FragmentOffset = 0;
        Assert.False(read.IsFragment);
        Assert.Equal(0, packet[6]);
        read.Dscp = 0;
        Assert.Equal(3, packet[1]);
        read.Ecn = 0;
        Assert.Equal(0, packet[1]);
        Assert.False(read.IsChecksumValid);
        read.UpdateChecksum();
        Assert.True(read.IsChecksumValid);

        ushort afterDecrement = read.DecrementTtl();
        Assert.Equal(199, read.Ttl);
        Assert.Equal(afterDecrement, read.Checksum);
        Assert.True(read.IsChecksumValid);
    }

    [Fact]
    public void Ipv4BuilderReproducesTheCapturedHeaderByteForByte()
    {
        // 0x73 total length = 20 IPv4 + 8 UDP + 87 payload bytes.
        byte[] frame = PacketBuilder.Udp(Frames.HostMac, Frames.RouterMac, Ipv4Address.Parse("192.168.0.1"), Ipv4Address.Parse("192.168.0.199"),
            1234, 5678, new byte[87], new Ipv4Fields { DontFragment = true, Identification = 0, Ttl = 64 });
        Assert.Equal(Hex.Parse("45 00 00 73 00 00 40 00 40 11 b8 61 c0 a8 00 01 c0 a8 00 c7"), frame[14..34]);
    }

    [Theory]
    [InlineData("65", Ipv4ParseResult.BadVersion)]
    [InlineData("05", Ipv4ParseResult.BadVersion)]
    [InlineData("f5", Ipv4ParseResult.BadVersion)]
    [InlineData("40", Ipv4ParseResult.BadHeaderLength)]
    [InlineData("44", Ipv4ParseResult.BadHeaderLength)]
    public void Ipv4HeaderRefusesBadVersionOrIhl(string firstByte, Ipv4ParseResult expected)
    {
        byte[] packet = Hex.Parse("45 00 00 14 00 00 40 00 40 11 00 00 c0 a8 00 01 c0 a8 00 c7");
        packet[0] = Hex.Parse(firstByte)[0];
        Assert.Equal(expected, Ipv4Header.Parse(packet, out _));
        Assert.False(Ipv4Header.TryParse(packet, out _));
    }

    [Fact]
    public void Ipv4HeaderRefusesEveryIhlBelowFiveAndHeadersBeyondTheBuffer()
    {
        byte[] packet = Hex.Parse("45 00 00 14 00 00 40 00 40 11 00 00 c0 a8 00 01 c0 a8 00 c7");
        for (int ihl = 0; ihl < 5; ihl++)
        {
            packet[0] = (byte)(0x40 | ihl);
            Assert.Equal(Ipv4ParseResult.BadHeaderLength, Ipv4Header.Parse(packet, out _));
        }

        packet[0] = 0x46; // 24-byte header in a 20-byte buffer
        Assert.Equal(Ipv4ParseResult.BadHeaderLength, Ipv4Header.Parse(packet, out _));
        packet[0] = 0x45;
        Assert.Equal(Ipv4ParseResult.Ok, Ipv4Header.Parse(packet, out _));
        Assert.Equal(Ipv4ParseResult.TooShort, Ipv4Header.Parse(packet.AsSpan(0, 19), out _));
    }

    [Fact]
    public void Ipv4HeaderRefusesTotalLengthShorterThanHeaderOrLongerThanBufferButAcceptsPadding()
    {
        byte[] packet = new byte[46];
        Ipv4Header ip = Ipv4Header.Write(packet);
        ip.TotalLength = 19;
        Assert.Equal(Ipv4ParseResult.BadTotalLength, Ipv4Header.Parse(packet, out _));
        ip.TotalLength = 47;
        Assert.Equal(Ipv4ParseResult.BadTotalLength, Ipv4Header.Parse(packet, out _));
        ip.TotalLength = 28; // Ethernet minimum-frame padding follows
        Assert.Equal(Ipv4ParseResult.Ok, Ipv4Header.Parse(packet, out Ipv4Header read));
        Assert.Equal(8, read.Payload.Length);
    }

    [Fact]
    public void IcmpHeaderRoundTripsEchoAndNextHopMtu()
    {
        byte[] message = new byte[12];
        IcmpHeader icmp = IcmpHeader.Write(message, IcmpTypes.EchoRequest, 0);
        icmp.Identifier = 0x1234;
        icmp.SequenceNumber = 0x0102;
        Hex.Parse("deadbeef").CopyTo(icmp.Data);
        ushort checksum = icmp.UpdateChecksum();
        Assert.Equal(Hex.Parse($"08 00 {checksum:x4} 1234 0102 deadbeef"), message);
        Assert.Equal(InternetChecksum.Fold(0x0800 + 0x1234 + 0x0102 + 0xdead + 0xbeef), checksum);

        Assert.True(IcmpHeader.TryParse(message, out IcmpHeader read));
        Assert.Equal(IcmpTypes.EchoRequest, read.Type);
        Assert.Equal(0, read.Code);
        Assert.Equal(checksum, read.Checksum);
        Assert.Equal(0x1234, read.Identifier);
        Assert.Equal(0x0102, read.SequenceNumber);
        Assert.Equal(0x12340102u, read.RestOfHeader);
        Assert.True(read.IsChecksumValid);

        read.Type = IcmpTypes.DestinationUnreachable;
        read.Code = IcmpCodes.FragmentationNeeded;
        read.RestOfHeader = 0;
        read.NextHopMtu = 1400;
        Assert.Equal(Hex.Parse("03 04"), message[..2]);
        Assert.Equal(Hex.Parse("0000 0578"), message[4..8]);
        Assert.Equal(1400, read.NextHopMtu);
        read.GatewayAddress = 0x0A0000FE;
        Assert.Equal(Hex.Parse("0a0000fe"), message[4..8]);
        Assert.False(read.IsChecksumValid);
    }

    [Fact]
    public void UdpHeaderRoundTripsAndChecksumsOverThePseudoHeader()
    {
        byte[] datagram = new byte[11];
        UdpHeader udp = UdpHeader.Write(datagram, 40000, 53, 11);
        Hex.Parse("616263").CopyTo(udp.Payload);
        uint source = 0x0A000001, destination = 0x0A000002;
        ushort checksum = udp.UpdateChecksum(source, destination);

        // Pseudo-header words + UDP words, the odd byte padded: computed independently here.
        uint expectedSum = 0x0A00 + 0x0001 + 0x0A00 + 0x0002 + 17 + 11 + 40000 + 53 + 11 + 0x6162 + 0x6300;
        Assert.Equal(InternetChecksum.Fold(expectedSum), checksum);
        Assert.Equal(Hex.Parse($"9c40 0035 000b {checksum:x4} 616263"), datagram);

        Assert.True(UdpHeader.TryParse(datagram, out UdpHeader read));
        Assert.Equal(40000, read.SourcePort);
        Assert.Equal(53, read.DestinationPort);
        Assert.Equal(11, read.DatagramLength);
        Assert.Equal(checksum, read.Checksum);
        Assert.Equal(3, read.Payload.Length);
        Assert.True(read.IsChecksumValid(source, destination));
        Assert.False(read.IsChecksumValid(source, destination + 1));
        read.Checksum = 0;
        Assert.True(read.IsChecksumValid(source, destination + 1));
    }

    [Fact]
    public void UdpChecksumThatFoldsToZeroIsSentAsAllOnes()
    {
        // Choose the payload word so that the whole sum is 0xFFFF: the checksum would be 0, which means "none".
        byte[] datagram = new byte[10];
        UdpHeader udp = UdpHeader.Write(datagram, 1, 2, 10);
        uint partial = InternetChecksum.Sum(datagram, PseudoHeader.Ipv4Sum(0, 0, IpProtocols.Udp, 10));
        ushort missing = (ushort)~InternetChecksum.Fold(partial);
        ushort word = (ushort)~missing;
        datagram[8] = (byte)(word >> 8);
        datagram[9] = (byte)word;
        Assert.Equal((ushort)0xFFFF, udp.UpdateChecksum(0, 0));
        Assert.True(udp.IsChecksumValid(0, 0));
    }

    [Fact]
    public void UdpHeaderRefusesLengthFieldOutsideTheBuffer()
    {
        Assert.False(UdpHeader.TryParse(Hex.Parse("0001 0002 0007 0000"), out _));
        Assert.False(UdpHeader.TryParse(Hex.Parse("0001 0002 0009 0000"), out _));
        Assert.True(UdpHeader.TryParse(Hex.Parse("0001 0002 0008 0000"), out _));
    }

    [Fact]
    public void TcpHeaderRoundTripsEveryField()
    {
        byte[] segment = new byte[24 + 2];
        TcpHeader tcp = TcpHeader.Write(segment, 24);
        tcp.SourcePort = 443;
        tcp.DestinationPort = 51000;
        tcp.SequenceNumber = 0xDEADBEEF;
        tcp.AcknowledgmentNumber = 0x01020304;
        tcp.Flags = TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Ns;
        tcp.Window = 29200;
        tcp.UrgentPointer = 7;
        Hex.Parse("020405b4").CopyTo(tcp.Options);
        ushort checksum = tcp.UpdateChecksum(0x0A000001, 0x0A000002);

        Assert.Equal(Hex.Parse($"01bb c738 deadbeef 01020304 6112 7210 {checksum:x4} 0007 020405b4 0000"), segment);

        Assert.True(TcpHeader.TryParse(segment, out TcpHeader read));
        Assert.Equal(443, read.SourcePort);
        Assert.Equal(51000, read.DestinationPort);
        Assert.Equal(0xDEADBEEFu, read.SequenceNumber);
        Assert.Equal(0x01020304u, read.AcknowledgmentNumber);
        Assert.Equal(6, read.DataOffset);
        Assert.Equal(24, read.HeaderLength);
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Ns, read.Flags);
        Assert.Equal(29200, read.Window);
        Assert.Equal(7, read.UrgentPointer);
        Assert.Equal(2, read.Payload.Length);
        Assert.True(read.IsChecksumValid(0x0A000001, 0x0A000002));

        read.Flags = TcpFlags.Fin;
        Assert.Equal(6, read.DataOffset);
        Assert.Equal(Hex.Parse("6001"), segment[12..14]);
    }

    [Fact]
    public void TcpHeaderRefusesDataOffsetBelowFiveOrBeyondTheBuffer()
    {
        byte[] segment = new byte[20];
        TcpHeader.Write(segment);
        Assert.True(TcpHeader.TryParse(segment, out _));
        segment[12] = 0x40;
        Assert.False(TcpHeader.TryParse(segment, out _));
        segment[12] = 0x60;
        Assert.False(TcpHeader.TryParse(segment, out _));
    }

    [Fact]
    public void Ipv6HeaderRoundTripsEveryField()
    {
        byte[] packet = new byte[44];
        Ipv6Header ipv6 = Ipv6Header.Write(packet);
        ipv6.TrafficClass = 0xB8;
        ipv6.FlowLabel = 0xABCDE;
        ipv6.PayloadLength = 4;
        ipv6.NextHeader = IpProtocols.Udp;
        ipv6.HopLimit = 255;
        ipv6.Source = Frames.HostIpv6;
        ipv6.Destination = Frames.RemoteIpv6;
        Assert.Equal(Hex.Parse("6b8abcde 0004 11 ff 20010db8000000000000000000000001 20010db80000000100000000000000fe"), packet[..40]);

        Assert.True(Ipv6Header.TryParse(packet, out Ipv6Header read));
        Assert.Equal(6, read.Version);
        Assert.Equal(0xB8, read.TrafficClass);
        Assert.Equal(0xABCDEu, read.FlowLabel);
        Assert.Equal(4, read.PayloadLength);
        Assert.Equal(IpProtocols.Udp, read.NextHeader);
        Assert.Equal(255, read.HopLimit);
        Assert.Equal(Frames.HostIpv6, read.Source);
        Assert.Equal(Frames.RemoteIpv6, read.Destination);
        Assert.Equal(4, read.Payload.Length);

        read.PayloadLength = 5;
        Assert.False(Ipv6Header.TryParse(packet, out _));
        read.PayloadLength = 4;
        packet[0] = 0x4b;
        Assert.False(Ipv6Header.TryParse(packet, out _));
    }

    [Fact]
    public void Icmpv6HeaderRoundTripsAndChecksumsOverThePseudoHeader()
    {
        byte[] frame = PacketBuilder.Icmpv6EchoRequest(Frames.HostMac, Frames.RouterMac, Frames.HostIpv6, Frames.RemoteIpv6, 0x0102, 0x0304, [0xAA]);
        Assert.True(EthernetHeader.TryParse(frame, out EthernetHeader ethernet));
        Assert.Equal(EtherTypes.Ipv6, ethernet.EtherType);
        Assert.True(Ipv6Header.TryParse(ethernet.Payload, out Ipv6Header ipv6));
        Assert.Equal(9, ipv6.PayloadLength);
        Assert.Equal(IpProtocols.Icmpv6, ipv6.NextHeader);
        Assert.Equal(64, ipv6.HopLimit);
        Assert.True(Icmpv6Header.TryParse(ipv6.Payload, out Icmpv6Header icmp));
        Assert.Equal(Icmpv6Types.EchoRequest, icmp.Type);
        Assert.Equal(0, icmp.Code);
        Assert.Equal(0x0102, icmp.Identifier);
        Assert.Equal(0x0304, icmp.SequenceNumber);
        Assert.Equal(0x01020304u, icmp.Mtu);
        Assert.True(icmp.IsChecksumValid(ipv6.SourceBytes, ipv6.DestinationBytes));

        // Independent sum: addresses, length 9, next header 58, then the message words.
        uint expected = 0x2001 + 0x0db8 + 0x0001 + 0x2001 + 0x0db8 + 0x0001 + 0x00fe + 9 + 58 + 0x8000 + 0x0102 + 0x0304 + 0xAA00;
        Assert.Equal(InternetChecksum.Fold(expected), icmp.Checksum);

        icmp.Type = Icmpv6Types.PacketTooBig;
        Assert.False(icmp.IsChecksumValid(ipv6.SourceBytes, ipv6.DestinationBytes));
    }

    [Fact]
    public void WritersRefuseBuffersTooSmall()
    {
        Assert.Throws<ArgumentException>(() => EthernetHeader.Write(new byte[13], MacAddress.Zero, MacAddress.Zero, EtherTypes.Ipv4));
        Assert.Throws<ArgumentException>(() => EthernetHeader.Write(new byte[17], MacAddress.Zero, MacAddress.Zero, EtherTypes.Ipv4, new VlanTci(1)));
        Assert.Throws<ArgumentException>(() => ArpPacket.Write(new byte[27], ArpOperation.Request, MacAddress.Zero, 0, MacAddress.Zero, 0));
        Assert.Throws<ArgumentException>(() => Ipv4Header.Write(new byte[23], 24));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ipv4Header.Write(new byte[60], 22));
        Assert.Throws<ArgumentException>(() => UdpHeader.Write(new byte[7], 1, 2, 8));
        Assert.Throws<ArgumentException>(() => TcpHeader.Write(new byte[19]));
        Assert.Throws<ArgumentException>(() => IcmpHeader.Write(new byte[7], 8, 0));
        Assert.Throws<ArgumentException>(() => Ipv6Header.Write(new byte[39]));
        Assert.Throws<ArgumentException>(() => Icmpv6Header.Write(new byte[7], 128, 0));
        Assert.Throws<ArgumentException>(() => Frames.Udp(ip: new Ipv4Fields { Options = [1, 1] }));
    }
}
