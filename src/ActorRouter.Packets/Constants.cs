namespace ActorRouter.Packets;

/// <summary>EtherType values the router handles.</summary>
public static class EtherTypes
{
    public const ushort Ipv4 = 0x0800;
    public const ushort Arp = 0x0806;
    public const ushort Vlan = 0x8100;
    /// <summary>802.1ad service tag (QinQ outer tag).</summary>
    public const ushort ServiceVlan = 0x88A8;
    /// <summary>Pre-standard QinQ outer tag some switches use.</summary>
    public const ushort LegacyQinQ = 0x9100;
    public const ushort Ipv6 = 0x86DD;
}

/// <summary>IP protocol / IPv6 next-header numbers the router handles.</summary>
public static class IpProtocols
{
    public const byte Icmp = 1;
    /// <summary>IPv4 in IPv4: the next header of an ESP tunnel-mode packet carrying an IPv4 packet.</summary>
    public const byte IpInIp = 4;
    public const byte Tcp = 6;
    public const byte Udp = 17;
    /// <summary>Encapsulating Security Payload (RFC 4303).</summary>
    public const byte Esp = 50;
    public const byte Icmpv6 = 58;
}

/// <summary>ICMPv4 message types the router sends or answers.</summary>
public static class IcmpTypes
{
    public const byte EchoReply = 0;
    public const byte DestinationUnreachable = 3;
    public const byte SourceQuench = 4;
    public const byte Redirect = 5;
    public const byte EchoRequest = 8;
    public const byte TimeExceeded = 11;
    public const byte ParameterProblem = 12;
}

/// <summary>ICMPv4 codes used with <see cref="IcmpTypes.DestinationUnreachable"/> and <see cref="IcmpTypes.TimeExceeded"/>.</summary>
public static class IcmpCodes
{
    public const byte NetUnreachable = 0;
    public const byte HostUnreachable = 1;
    public const byte ProtocolUnreachable = 2;
    public const byte PortUnreachable = 3;
    public const byte FragmentationNeeded = 4;
    public const byte TtlExceededInTransit = 0;
}

/// <summary>ICMPv6 message types (RFC 4443, RFC 4861).</summary>
public static class Icmpv6Types
{
    public const byte DestinationUnreachable = 1;
    public const byte PacketTooBig = 2;
    public const byte TimeExceeded = 3;
    public const byte EchoRequest = 128;
    public const byte EchoReply = 129;
    public const byte NeighborSolicitation = 135;
    public const byte NeighborAdvertisement = 136;
}

/// <summary>ARP operation codes.</summary>
public enum ArpOperation : ushort
{
    Request = 1,
    Reply = 2,
}

/// <summary>The TCP control bits (the low 9 bits of bytes 12-13; NS is bit 8).</summary>
[Flags]
public enum TcpFlags : ushort
{
    None = 0,
    Fin = 0x001,
    Syn = 0x002,
    Rst = 0x004,
    Psh = 0x008,
    Ack = 0x010,
    Urg = 0x020,
    Ece = 0x040,
    Cwr = 0x080,
    Ns = 0x100,
}
