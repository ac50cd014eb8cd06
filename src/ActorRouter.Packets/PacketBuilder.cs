namespace ActorRouter.Packets;

/// <summary>IPv4 header fields a built frame may set; the defaults are what a host usually sends.</summary>
public sealed record Ipv4Fields
{
    public static Ipv4Fields Default { get; } = new();

    public byte Ttl { get; init; } = 64;
    public ushort Identification { get; init; }
    public bool DontFragment { get; init; }
    public byte Dscp { get; init; }
    public byte Ecn { get; init; }

    /// <summary>Raw option bytes, a multiple of 4 up to 40 (pad with End of Options List, 0).</summary>
    public byte[] Options { get; init; } = [];
}

/// <summary>
/// Builds exact frames (no Ethernet padding, no FCS) with correct checksums for tests, benchmarks and the
/// control plane's own packets (ARP, ICMP). Allocates; not for the forwarding path.
/// </summary>
public static class PacketBuilder
{
    public static byte[] Udp(MacAddress source, MacAddress destination, uint sourceAddress, uint destinationAddress,
        ushort sourcePort, ushort destinationPort, ReadOnlySpan<byte> payload, Ipv4Fields? ip = null, VlanTci? vlan = null)
    {
        int udpLength = UdpHeader.Length + payload.Length;
        byte[] frame = Ipv4Frame(source, destination, sourceAddress, destinationAddress, IpProtocols.Udp, udpLength, ip, vlan, out int transportOffset);
        Span<byte> datagram = frame.AsSpan(transportOffset);
        UdpHeader udp = UdpHeader.Write(datagram, sourcePort, destinationPort, checked((ushort)udpLength));
        payload.CopyTo(udp.Payload);
        udp.UpdateChecksum(sourceAddress, destinationAddress);
        return frame;
    }

    public static byte[] IcmpEchoRequest(MacAddress source, MacAddress destination, uint sourceAddress, uint destinationAddress,
        ushort identifier, ushort sequenceNumber, ReadOnlySpan<byte> payload, Ipv4Fields? ip = null, VlanTci? vlan = null) =>
        Icmp(source, destination, sourceAddress, destinationAddress, IcmpTypes.EchoRequest, 0, ((uint)identifier << 16) | sequenceNumber, payload, ip, vlan);

    public static byte[] IcmpEchoReply(MacAddress source, MacAddress destination, uint sourceAddress, uint destinationAddress,
        ushort identifier, ushort sequenceNumber, ReadOnlySpan<byte> payload, Ipv4Fields? ip = null, VlanTci? vlan = null) =>
        Icmp(source, destination, sourceAddress, destinationAddress, IcmpTypes.EchoReply, 0, ((uint)identifier << 16) | sequenceNumber, payload, ip, vlan);

    /// <summary>Any ICMPv4 message: type, code, the 4-byte rest of header, and data.</summary>
    public static byte[] Icmp(MacAddress source, MacAddress destination, uint sourceAddress, uint destinationAddress,
        byte type, byte code, uint restOfHeader, ReadOnlySpan<byte> data, Ipv4Fields? ip = null, VlanTci? vlan = null)
    {
        int icmpLength = IcmpHeader.Length + data.Length;
        byte[] frame = Ipv4Frame(source, destination, sourceAddress, destinationAddress, IpProtocols.Icmp, icmpLength, ip, vlan, out int transportOffset);
        IcmpHeader icmp = IcmpHeader.Write(frame.AsSpan(transportOffset), type, code);
        icmp.RestOfHeader = restOfHeader;
        data.CopyTo(icmp.Data);
        icmp.UpdateChecksum();
        return frame;
    }

    public static byte[] Tcp(MacAddress source, MacAddress destination, uint sourceAddress, uint destinationAddress,
        ushort sourcePort, ushort destinationPort, uint sequenceNumber, uint acknowledgmentNumber, TcpFlags flags, ushort window,
        ReadOnlySpan<byte> payload, Ipv4Fields? ip = null, VlanTci? vlan = null)
    {
        int tcpLength = TcpHeader.MinimumLength + payload.Length;
        byte[] frame = Ipv4Frame(source, destination, sourceAddress, destinationAddress, IpProtocols.Tcp, tcpLength, ip, vlan, out int transportOffset);
        TcpHeader tcp = TcpHeader.Write(frame.AsSpan(transportOffset));
        tcp.SourcePort = sourcePort;
        tcp.DestinationPort = destinationPort;
        tcp.SequenceNumber = sequenceNumber;
        tcp.AcknowledgmentNumber = acknowledgmentNumber;
        tcp.Flags = flags;
        tcp.Window = window;
        payload.CopyTo(tcp.Payload);
        tcp.UpdateChecksum(sourceAddress, destinationAddress);
        return frame;
    }

    /// <summary>A broadcast who-has for <paramref name="targetAddress"/> (target MAC zero).</summary>
    public static byte[] ArpRequest(MacAddress senderMac, uint senderAddress, uint targetAddress, VlanTci? vlan = null) =>
        Arp(MacAddress.Broadcast, ArpOperation.Request, senderMac, senderAddress, MacAddress.Zero, targetAddress, vlan);

    /// <summary>A unicast is-at from <paramref name="senderMac"/> to the requester.</summary>
    public static byte[] ArpReply(MacAddress senderMac, uint senderAddress, MacAddress targetMac, uint targetAddress, VlanTci? vlan = null) =>
        Arp(targetMac, ArpOperation.Reply, senderMac, senderAddress, targetMac, targetAddress, vlan);

    public static byte[] Arp(MacAddress ethernetDestination, ArpOperation operation, MacAddress senderMac, uint senderAddress,
        MacAddress targetMac, uint targetAddress, VlanTci? vlan = null)
    {
        int ethernetLength = vlan is null ? EthernetHeader.Length : EthernetHeader.TaggedLength;
        byte[] frame = new byte[ethernetLength + ArpPacket.Length];
        EthernetHeader.Write(frame, ethernetDestination, senderMac, EtherTypes.Arp, vlan);
        ArpPacket.Write(frame.AsSpan(ethernetLength), operation, senderMac, senderAddress, targetMac, targetAddress);
        return frame;
    }

    public static byte[] Icmpv6EchoRequest(MacAddress source, MacAddress destination, UInt128 sourceAddress, UInt128 destinationAddress,
        ushort identifier, ushort sequenceNumber, ReadOnlySpan<byte> payload, byte hopLimit = 64, VlanTci? vlan = null) =>
        Icmpv6Echo(source, destination, sourceAddress, destinationAddress, Icmpv6Types.EchoRequest, identifier, sequenceNumber, payload, hopLimit, vlan);

    public static byte[] Icmpv6EchoReply(MacAddress source, MacAddress destination, UInt128 sourceAddress, UInt128 destinationAddress,
        ushort identifier, ushort sequenceNumber, ReadOnlySpan<byte> payload, byte hopLimit = 64, VlanTci? vlan = null) =>
        Icmpv6Echo(source, destination, sourceAddress, destinationAddress, Icmpv6Types.EchoReply, identifier, sequenceNumber, payload, hopLimit, vlan);

    private static byte[] Icmpv6Echo(MacAddress source, MacAddress destination, UInt128 sourceAddress, UInt128 destinationAddress,
        byte type, ushort identifier, ushort sequenceNumber, ReadOnlySpan<byte> payload, byte hopLimit, VlanTci? vlan)
    {
        int ethernetLength = vlan is null ? EthernetHeader.Length : EthernetHeader.TaggedLength;
        int icmpLength = Icmpv6Header.Length + payload.Length;
        byte[] frame = new byte[ethernetLength + Ipv6Header.Length + icmpLength];
        EthernetHeader.Write(frame, destination, source, EtherTypes.Ipv6, vlan);
        Ipv6Header ipv6 = Ipv6Header.Write(frame.AsSpan(ethernetLength));
        ipv6.PayloadLength = checked((ushort)icmpLength);
        ipv6.NextHeader = IpProtocols.Icmpv6;
        ipv6.HopLimit = hopLimit;
        ipv6.Source = sourceAddress;
        ipv6.Destination = destinationAddress;
        Icmpv6Header icmp = Icmpv6Header.Write(ipv6.Payload, type, 0);
        icmp.Identifier = identifier;
        icmp.SequenceNumber = sequenceNumber;
        payload.CopyTo(icmp.Data);
        icmp.UpdateChecksum(ipv6.SourceBytes, ipv6.DestinationBytes);
        return frame;
    }

    /// <summary>Allocates the frame, writes Ethernet and the IPv4 header (checksum included); the caller fills the transport part.</summary>
    private static byte[] Ipv4Frame(MacAddress source, MacAddress destination, uint sourceAddress, uint destinationAddress,
        byte protocol, int transportLength, Ipv4Fields? fields, VlanTci? vlan, out int transportOffset)
    {
        fields ??= Ipv4Fields.Default;
        if (fields.Options.Length % 4 != 0 || fields.Options.Length > Ipv4Header.MaximumLength - Ipv4Header.MinimumLength)
        {
            throw new ArgumentException($"IPv4 options must be a multiple of 4 bytes up to 40, not {fields.Options.Length}", nameof(fields));
        }

        int ethernetLength = vlan is null ? EthernetHeader.Length : EthernetHeader.TaggedLength;
        int headerLength = Ipv4Header.MinimumLength + fields.Options.Length;
        int totalLength = headerLength + transportLength;
        if (totalLength > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(transportLength), transportLength, "the IPv4 datagram would exceed 65535 bytes");
        }

        byte[] frame = new byte[ethernetLength + totalLength];
        EthernetHeader.Write(frame, destination, source, EtherTypes.Ipv4, vlan);
        Ipv4Header ip = Ipv4Header.Write(frame.AsSpan(ethernetLength), headerLength);
        ip.Dscp = fields.Dscp;
        ip.Ecn = fields.Ecn;
        ip.TotalLength = (ushort)totalLength;
        ip.Identification = fields.Identification;
        ip.DontFragment = fields.DontFragment;
        ip.Ttl = fields.Ttl;
        ip.Protocol = protocol;
        ip.Source = sourceAddress;
        ip.Destination = destinationAddress;
        fields.Options.CopyTo(ip.Options);
        ip.UpdateChecksum();
        transportOffset = ethernetLength + headerLength;
        return frame;
    }
}
