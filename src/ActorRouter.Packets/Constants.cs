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
    /// <summary>Internet Group Management Protocol (RFC 2236, RFC 3376).</summary>
    public const byte Igmp = 2;
    /// <summary>IPv4 in IPv4: the next header of an ESP tunnel-mode packet carrying an IPv4 packet.</summary>
    public const byte IpInIp = 4;
    public const byte Tcp = 6;
    public const byte Udp = 17;
    /// <summary>Encapsulating Security Payload (RFC 4303).</summary>
    public const byte Esp = 50;
    public const byte Icmpv6 = 58;

    // IPv6 extension headers (RFC 8200 §4, IANA "IPv6 Extension Header Types").
    public const byte HopByHop = 0;
    public const byte Routing = 43;
    public const byte Fragment = 44;
    // Esp (50), above, is an extension header too.
    public const byte AuthenticationHeader = 51;
    public const byte NoNextHeader = 59;
    public const byte DestinationOptions = 60;
    public const byte Mobility = 135;
    public const byte Hip = 139;
    public const byte Shim6 = 140;
    public const byte Experimental1 = 253;
    public const byte Experimental2 = 254;
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
    public const byte ParameterProblem = 4;
    public const byte EchoRequest = 128;
    public const byte EchoReply = 129;
    /// <summary>Multicast Listener Report, version 2 (RFC 3810 §5.2).</summary>
    public const byte MulticastListenerReportV2 = 143;
    public const byte RouterSolicitation = 133;
    public const byte RouterAdvertisement = 134;
    public const byte NeighborSolicitation = 135;
    public const byte NeighborAdvertisement = 136;
}

/// <summary>ICMPv6 error codes (RFC 4443).</summary>
public static class Icmpv6Codes
{
    /// <summary>Destination Unreachable: no route to destination.</summary>
    public const byte NoRoute = 0;
    /// <summary>Destination Unreachable: beyond scope of source address.</summary>
    public const byte BeyondScope = 2;
    /// <summary>Destination Unreachable: address unreachable.</summary>
    public const byte AddressUnreachable = 3;
    /// <summary>Time Exceeded: hop limit exceeded in transit.</summary>
    public const byte HopLimitExceeded = 0;
    /// <summary>Parameter Problem: erroneous header field encountered.</summary>
    public const byte ErroneousHeaderField = 0;
    /// <summary>Parameter Problem: unrecognized Next Header type encountered.</summary>
    public const byte UnrecognizedNextHeader = 1;
    /// <summary>Parameter Problem: IPv6 first fragment has an incomplete header chain (RFC 7112).</summary>
    public const byte IncompleteHeaderChain = 3;
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
