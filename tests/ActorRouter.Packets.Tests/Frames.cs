namespace ActorRouter.Packets.Tests;

/// <summary>Addresses and frames shared by the tests.</summary>
internal static class Frames
{
    public static readonly MacAddress HostMac = MacAddress.Parse("02:00:00:00:00:01");
    public static readonly MacAddress RouterMac = MacAddress.Parse("02:00:00:00:00:fe");
    public static readonly uint HostIp = Ipv4Address.Parse("10.0.0.1");
    public static readonly uint RemoteIp = Ipv4Address.Parse("192.168.7.200");
    public static readonly UInt128 HostIpv6 = new(0x2001_0db8_0000_0000, 0x0000_0000_0000_0001);
    public static readonly UInt128 RemoteIpv6 = new(0x2001_0db8_0000_0001, 0x0000_0000_0000_00fe);

    public static readonly byte[] Payload = "actor-router payload, odd length"u8.ToArray();

    public static byte[] Udp(VlanTci? vlan = null, Ipv4Fields? ip = null) =>
        PacketBuilder.Udp(HostMac, RouterMac, HostIp, RemoteIp, 40000, 53, Payload, ip, vlan);

    /// <summary>One valid frame of every kind the builder makes, named for failure messages.</summary>
    public static IEnumerable<(string Name, byte[] Frame)> All()
    {
        var fields = new Ipv4Fields { Ttl = 9, Identification = 0x1234, DontFragment = true, Dscp = 46, Ecn = 1 };
        yield return ("udp", Udp());
        yield return ("udp+vlan", Udp(new VlanTci(100, 5, true)));
        yield return ("udp+options", Udp(ip: fields with { Options = [0x01, 0x01, 0x01, 0x00] }));
        yield return ("icmp-request", PacketBuilder.IcmpEchoRequest(HostMac, RouterMac, HostIp, RemoteIp, 0x4242, 7, Payload, fields));
        yield return ("icmp-reply+vlan", PacketBuilder.IcmpEchoReply(RouterMac, HostMac, RemoteIp, HostIp, 0x4242, 7, Payload, vlan: new VlanTci(4094)));
        yield return ("tcp", PacketBuilder.Tcp(HostMac, RouterMac, HostIp, RemoteIp, 51000, 443, 1000, 2000, TcpFlags.Syn | TcpFlags.Ack, 65535, Payload));
        yield return ("arp-request", PacketBuilder.ArpRequest(HostMac, HostIp, RemoteIp));
        yield return ("arp-reply+vlan", PacketBuilder.ArpReply(RouterMac, RemoteIp, HostMac, HostIp, new VlanTci(7)));
        yield return ("icmpv6-echo", PacketBuilder.Icmpv6EchoRequest(HostMac, RouterMac, HostIpv6, RemoteIpv6, 9, 10, Payload));
    }
}

/// <summary>Parses a frame through every layer it claims to carry, the way the data plane will.</summary>
internal static class FrameParser
{
    /// <summary>True when every layer down to the transport parses; never throws.</summary>
    public static bool TryParseAll(Span<byte> frame)
    {
        if (!EthernetHeader.TryParse(frame, out EthernetHeader ethernet))
        {
            return false;
        }

        if (ethernet.HasVlanTag && !ethernet.TryGetVlanTag(out _))
        {
            return false;
        }

        switch (ethernet.PayloadEtherType)
        {
            case EtherTypes.Arp:
                return ArpPacket.TryParse(ethernet.Payload, out _);
            case EtherTypes.Ipv4:
                if (!Ipv4Header.TryParse(ethernet.Payload, out Ipv4Header ip))
                {
                    return false;
                }

                return ip.Protocol switch
                {
                    IpProtocols.Udp => UdpHeader.TryParse(ip.Payload, out _),
                    IpProtocols.Tcp => TcpHeader.TryParse(ip.Payload, out _),
                    IpProtocols.Icmp => IcmpHeader.TryParse(ip.Payload, out _),
                    _ => true,
                };
            case EtherTypes.Ipv6:
                return Ipv6Header.TryParse(ethernet.Payload, out Ipv6Header ipv6)
                    && (ipv6.NextHeader != IpProtocols.Icmpv6 || Icmpv6Header.TryParse(ipv6.Payload, out _));
            default:
                return true;
        }
    }

    /// <summary>Calls every TryParse on the buffer as it stands, ignoring the results; must not throw.</summary>
    public static int TryEveryView(Span<byte> buffer)
    {
        int accepted = 0;
        accepted += EthernetHeader.TryParse(buffer, out EthernetHeader ethernet) ? 1 : 0;
        if (accepted == 1)
        {
            // Touch the derived properties too: they must stay in bounds for any accepted header.
            _ = ethernet.PayloadEtherType;
            _ = ethernet.Payload.Length;
            if (ethernet.TryGetVlanTag(out VlanTag tag))
            {
                _ = tag.VlanId + tag.Priority + tag.InnerEtherType;
            }
        }

        accepted += VlanTag.TryParse(buffer, out _) ? 1 : 0;
        accepted += ArpPacket.TryParse(buffer, out _) ? 1 : 0;
        if (Ipv4Header.TryParse(buffer, out Ipv4Header ip))
        {
            accepted++;
            _ = ip.Payload.Length + ip.Options.Length + ip.Header.Length;
            _ = ip.IsChecksumValid;
        }

        if (UdpHeader.TryParse(buffer, out UdpHeader udp))
        {
            accepted++;
            _ = udp.Payload.Length + udp.Datagram.Length;
        }

        if (TcpHeader.TryParse(buffer, out TcpHeader tcp))
        {
            accepted++;
            _ = tcp.Payload.Length + tcp.Options.Length;
        }

        accepted += IcmpHeader.TryParse(buffer, out _) ? 1 : 0;
        if (Ipv6Header.TryParse(buffer, out Ipv6Header ipv6))
        {
            accepted++;
            _ = ipv6.Payload.Length;
        }

        accepted += Icmpv6Header.TryParse(buffer, out _) ? 1 : 0;
        return accepted;
    }
}
