using System.Net;
using System.Net.NetworkInformation;
using PacketDotNet;
using PacketDotNet.Utils;

namespace ActorRouter.Packets.Tests;

/// <summary>Frames built here, read by an independent parser (PacketDotNet).</summary>
public class PacketDotNetCrossCheckTests
{
    private static readonly Ipv4Fields Fields = new() { Ttl = 17, Identification = 0xA5A5, DontFragment = true, Dscp = 10, Ecn = 2 };

    [Fact]
    public void UdpFrameMatchesPacketDotNet()
    {
        byte[] frame = Frames.Udp(ip: Fields);
        var ethernet = Assert.IsType<EthernetPacket>(Packet.ParsePacket(LinkLayers.Ethernet, frame));
        Assert.Equal(PhysicalAddress.Parse("02-00-00-00-00-01"), ethernet.SourceHardwareAddress);
        Assert.Equal(PhysicalAddress.Parse("02-00-00-00-00-FE"), ethernet.DestinationHardwareAddress);
        Assert.Equal(EthernetType.IPv4, ethernet.Type);

        IPv4Packet ip = ethernet.Extract<IPv4Packet>();
        AssertIpv4(ip, Frames.HostIp, Frames.RemoteIp, ProtocolType.Udp, 20 + 8 + Frames.Payload.Length);
        Assert.Equal(17, ip.TimeToLive);
        Assert.Equal(0xA5A5, ip.Id);
        Assert.Equal((10 << 2) | 2, ip.TypeOfService);
        Assert.Equal(0x2, ip.FragmentFlags); // DF
        Assert.Equal(0, ip.FragmentOffset);

        UdpPacket udp = ethernet.Extract<UdpPacket>();
        Assert.Equal(40000, udp.SourcePort);
        Assert.Equal(53, udp.DestinationPort);
        Assert.Equal(8 + Frames.Payload.Length, udp.Length);
        Assert.NotEqual(0, udp.Checksum);
        Assert.True(udp.ValidUdpChecksum);
        Assert.Equal(Frames.Payload, udp.PayloadData);
    }

    [Fact]
    public void UdpFrameWithOptionsMatchesPacketDotNet()
    {
        byte[] options = [0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00]; // router alert, NOPs, end of list
        byte[] frame = Frames.Udp(ip: Fields with { Options = options });
        IPv4Packet ip = Packet.ParsePacket(LinkLayers.Ethernet, frame).Extract<IPv4Packet>();
        Assert.Equal(7, ip.HeaderLength); // 32-bit words
        AssertIpv4(ip, Frames.HostIp, Frames.RemoteIp, ProtocolType.Udp, 28 + 8 + Frames.Payload.Length);
        Assert.True(ip.Extract<UdpPacket>().ValidUdpChecksum);
        Assert.Equal(options, frame[(14 + 20)..(14 + 28)]);
    }

    [Fact]
    public void VlanTaggedUdpFrameMatchesPacketDotNet()
    {
        byte[] frame = Frames.Udp(new VlanTci(0x2AB, 6, true));
        var ethernet = Assert.IsType<EthernetPacket>(Packet.ParsePacket(LinkLayers.Ethernet, frame));
        Assert.Equal(EthernetType.VLanTaggedFrame, ethernet.Type);
        Ieee8021QPacket vlan = ethernet.Extract<Ieee8021QPacket>();
        Assert.NotNull(vlan);
        Assert.Equal(0x2AB, vlan.VlanIdentifier);
        Assert.Equal(6, (int)vlan.PriorityControlPoint);
        Assert.True(vlan.CanonicalFormatIndicator); // PacketDotNet's name for the bit 802.1Q-2011 calls DEI
        Assert.Equal(EthernetType.IPv4, vlan.Type);

        IPv4Packet ip = ethernet.Extract<IPv4Packet>();
        AssertIpv4(ip, Frames.HostIp, Frames.RemoteIp, ProtocolType.Udp, 20 + 8 + Frames.Payload.Length);
        Assert.True(ethernet.Extract<UdpPacket>().ValidUdpChecksum);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void IcmpEchoFramesMatchPacketDotNet(bool reply)
    {
        byte[] frame = reply
            ? PacketBuilder.IcmpEchoReply(Frames.RouterMac, Frames.HostMac, Frames.RemoteIp, Frames.HostIp, 0x1357, 0x2468, Frames.Payload, Fields)
            : PacketBuilder.IcmpEchoRequest(Frames.HostMac, Frames.RouterMac, Frames.HostIp, Frames.RemoteIp, 0x1357, 0x2468, Frames.Payload, Fields);
        Packet packet = Packet.ParsePacket(LinkLayers.Ethernet, frame);
        IPv4Packet ip = packet.Extract<IPv4Packet>();
        AssertIpv4(ip, reply ? Frames.RemoteIp : Frames.HostIp, reply ? Frames.HostIp : Frames.RemoteIp, ProtocolType.Icmp, 20 + 8 + Frames.Payload.Length);

        IcmpV4Packet icmp = packet.Extract<IcmpV4Packet>();
        Assert.Equal(reply ? IcmpV4TypeCode.EchoReply : IcmpV4TypeCode.EchoRequest, icmp.TypeCode);
        Assert.Equal(0x1357, icmp.Id);
        Assert.Equal(0x2468, icmp.Sequence);
        Assert.True(icmp.ValidIcmpChecksum);
        Assert.Equal(Frames.Payload, icmp.PayloadData);
    }

    [Fact]
    public void TcpFrameMatchesPacketDotNet()
    {
        byte[] frame = PacketBuilder.Tcp(Frames.HostMac, Frames.RouterMac, Frames.HostIp, Frames.RemoteIp, 51000, 443,
            0xFEDCBA98, 0x01234567, TcpFlags.Psh | TcpFlags.Ack, 1024, Frames.Payload, Fields);
        Packet packet = Packet.ParsePacket(LinkLayers.Ethernet, frame);
        AssertIpv4(packet.Extract<IPv4Packet>(), Frames.HostIp, Frames.RemoteIp, ProtocolType.Tcp, 20 + 20 + Frames.Payload.Length);
        TcpPacket tcp = packet.Extract<TcpPacket>();
        Assert.Equal(51000, tcp.SourcePort);
        Assert.Equal(443, tcp.DestinationPort);
        Assert.Equal(0xFEDCBA98u, tcp.SequenceNumber);
        Assert.Equal(0x01234567u, tcp.AcknowledgmentNumber);
        Assert.Equal(5, tcp.DataOffset);
        Assert.True(tcp.Push);
        Assert.True(tcp.Acknowledgment);
        Assert.False(tcp.Synchronize);
        Assert.Equal(1024, tcp.WindowSize);
        Assert.True(tcp.ValidTcpChecksum);
        Assert.Equal(Frames.Payload, tcp.PayloadData);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ArpFramesMatchPacketDotNet(bool tagged)
    {
        VlanTci? vlan = tagged ? new VlanTci(42) : null;
        byte[] request = PacketBuilder.ArpRequest(Frames.HostMac, Frames.HostIp, Frames.RemoteIp, vlan);
        var ethernet = Assert.IsType<EthernetPacket>(Packet.ParsePacket(LinkLayers.Ethernet, request));
        Assert.Equal(PhysicalAddress.Parse("FF-FF-FF-FF-FF-FF"), ethernet.DestinationHardwareAddress);
        if (tagged)
        {
            Assert.Equal(42, ethernet.Extract<Ieee8021QPacket>().VlanIdentifier);
        }

        PacketDotNet.ArpPacket arp = ethernet.Extract<PacketDotNet.ArpPacket>();
        Assert.Equal(PacketDotNet.ArpOperation.Request, arp.Operation);
        Assert.Equal(PhysicalAddress.Parse("02-00-00-00-00-01"), arp.SenderHardwareAddress);
        Assert.Equal(IPAddress.Parse("10.0.0.1"), arp.SenderProtocolAddress);
        Assert.Equal(PhysicalAddress.Parse("00-00-00-00-00-00"), arp.TargetHardwareAddress);
        Assert.Equal(IPAddress.Parse("192.168.7.200"), arp.TargetProtocolAddress);

        byte[] reply = PacketBuilder.ArpReply(Frames.RouterMac, Frames.RemoteIp, Frames.HostMac, Frames.HostIp, vlan);
        ethernet = Assert.IsType<EthernetPacket>(Packet.ParsePacket(LinkLayers.Ethernet, reply));
        Assert.Equal(PhysicalAddress.Parse("02-00-00-00-00-01"), ethernet.DestinationHardwareAddress);
        Assert.Equal(PhysicalAddress.Parse("02-00-00-00-00-FE"), ethernet.SourceHardwareAddress);
        arp = ethernet.Extract<PacketDotNet.ArpPacket>();
        Assert.Equal(PacketDotNet.ArpOperation.Response, arp.Operation);
        Assert.Equal(PhysicalAddress.Parse("02-00-00-00-00-FE"), arp.SenderHardwareAddress);
        Assert.Equal(IPAddress.Parse("192.168.7.200"), arp.SenderProtocolAddress);
        Assert.Equal(PhysicalAddress.Parse("02-00-00-00-00-01"), arp.TargetHardwareAddress);
        Assert.Equal(IPAddress.Parse("10.0.0.1"), arp.TargetProtocolAddress);
    }

    [Fact]
    public void Icmpv6EchoFrameMatchesPacketDotNet()
    {
        byte[] frame = PacketBuilder.Icmpv6EchoReply(Frames.HostMac, Frames.RouterMac, Frames.HostIpv6, Frames.RemoteIpv6, 77, 88, Frames.Payload, hopLimit: 3);
        Packet packet = Packet.ParsePacket(LinkLayers.Ethernet, frame);
        IPv6Packet ipv6 = packet.Extract<IPv6Packet>();
        Assert.Equal(IPAddress.Parse("2001:db8::1"), ipv6.SourceAddress);
        Assert.Equal(IPAddress.Parse("2001:db8:0:1::fe"), ipv6.DestinationAddress);
        Assert.Equal(ProtocolType.IcmpV6, ipv6.NextHeader);
        Assert.Equal(3, ipv6.HopLimit);
        Assert.Equal(8 + Frames.Payload.Length, ipv6.PayloadLength);

        IcmpV6Packet icmp = packet.Extract<IcmpV6Packet>();
        Assert.Equal(IcmpV6Type.EchoReply, icmp.Type);
        Assert.Equal(0, icmp.Code);
        ushort ours = icmp.Checksum;
        Assert.NotEqual(0, ours);

        // PacketDotNet does not verify ICMPv6 checksums itself, so sum the RFC 8200 pseudo-header built from the
        // fields it parsed, plus the message with its checksum zeroed, with its one's complement routine.
        byte[] message = icmp.Bytes.ToArray();
        message[2] = 0;
        message[3] = 0;
        byte[] summed = [
            .. ipv6.SourceAddress.GetAddressBytes(), .. ipv6.DestinationAddress.GetAddressBytes(),
            0, 0, (byte)(message.Length >> 8), (byte)message.Length, 0, 0, 0, (byte)ipv6.NextHeader,
            .. message];
        // It returns the complemented sum as an unmasked int.
        Assert.Equal(ours, (ushort)ChecksumUtils.OnesComplementSum(summed, 0, summed.Length));
    }

    [Fact]
    public void PacketDotNetNoticesACorruptedChecksumSoTheChecksAboveCanFail()
    {
        byte[] udp = Frames.Udp();
        udp[^1] ^= 0x01;
        Assert.False(Packet.ParsePacket(LinkLayers.Ethernet, udp).Extract<UdpPacket>().ValidUdpChecksum);

        byte[] icmp = PacketBuilder.IcmpEchoRequest(Frames.HostMac, Frames.RouterMac, Frames.HostIp, Frames.RemoteIp, 1, 2, Frames.Payload);
        icmp[^1] ^= 0x01;
        Assert.False(Packet.ParsePacket(LinkLayers.Ethernet, icmp).Extract<IcmpV4Packet>().ValidIcmpChecksum);

        byte[] tcp = PacketBuilder.Tcp(Frames.HostMac, Frames.RouterMac, Frames.HostIp, Frames.RemoteIp, 1, 2, 3, 4, TcpFlags.Ack, 5, Frames.Payload);
        tcp[^1] ^= 0x01;
        Assert.False(Packet.ParsePacket(LinkLayers.Ethernet, tcp).Extract<TcpPacket>().ValidTcpChecksum);

        byte[] ip = Frames.Udp();
        ip[14 + 8] ^= 0x01; // TTL
        Assert.False(Packet.ParsePacket(LinkLayers.Ethernet, ip).Extract<IPv4Packet>().ValidIPChecksum);
    }

    private static void AssertIpv4(IPv4Packet ip, uint source, uint destination, ProtocolType protocol, int totalLength)
    {
        Assert.NotNull(ip);
        Assert.Equal(IPVersion.IPv4, ip.Version);
        Assert.Equal(IPAddress.Parse(Ipv4Address.Format(source)), ip.SourceAddress);
        Assert.Equal(IPAddress.Parse(Ipv4Address.Format(destination)), ip.DestinationAddress);
        Assert.Equal(protocol, ip.Protocol);
        Assert.Equal(totalLength, ip.TotalLength);
        Assert.True(ip.ValidIPChecksum);
        Assert.True(ip.ValidChecksum);
    }
}
