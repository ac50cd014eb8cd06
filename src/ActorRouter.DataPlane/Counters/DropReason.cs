namespace ActorRouter.DataPlane.Counters;

/// <summary>Why the data plane dropped a packet. Every drop is counted under exactly one reason.</summary>
public enum DropReason
{
    /// <summary>GPM had no free buffer (for a received frame, a fragment or an ICMP error).</summary>
    NoBuffer = 0,
    /// <summary>Frame shorter than an Ethernet header.</summary>
    RuntFrame,
    /// <summary>Ethernet destination neither ours, broadcast nor multicast; or a unicast IP packet received as link-layer broadcast (RFC 1812 §5.3.4).</summary>
    NotForUs,
    /// <summary>EtherType the router does not handle.</summary>
    UnknownEtherType,
    /// <summary>IPv6 frame while the data plane has no IPv6 forwarding state.</summary>
    Ipv6Unsupported,
    /// <summary>RFC 1812 §5.2.2: the link layer reported fewer bytes than the IPv4 header or total length needs.</summary>
    Ipv4Truncated,
    /// <summary>RFC 1812 §5.2.2: version is not 4.</summary>
    Ipv4BadVersion,
    /// <summary>RFC 1812 §5.2.2: IHL below 5.</summary>
    Ipv4BadHeaderLength,
    /// <summary>RFC 1812 §5.2.2: total length smaller than the header.</summary>
    Ipv4BadTotalLength,
    /// <summary>RFC 1812 §5.2.2: header checksum wrong.</summary>
    Ipv4BadChecksum,
    /// <summary>RFC 1812 §5.3.7: source address that can never be a source.</summary>
    MartianSource,
    /// <summary>RFC 1812 §5.3.7: destination address that can never be forwarded to.</summary>
    MartianDestination,
    /// <summary>Multicast destination; the router does not route multicast.</summary>
    MulticastUnsupported,
    /// <summary>TTL would reach zero (an ICMP Time Exceeded may be sent).</summary>
    TtlExpired,
    /// <summary>No route (an ICMP Destination Unreachable may be sent).</summary>
    NoRoute,
    /// <summary>Larger than the egress MTU with DF set (an ICMP Fragmentation Needed may be sent).</summary>
    FragmentationNeeded,
    /// <summary>Route resolved to a next hop whose MAC is not known yet (a glean request was punted).</summary>
    NoAdjacency,
    /// <summary>Route to an explicit discard (null) adjacency.</summary>
    NullRoute,
    /// <summary>Egress interface administratively or operationally down, or gone.</summary>
    InterfaceDown,
    /// <summary>Egress queue full (tail drop).</summary>
    QueueFull,
    /// <summary>Punt path over its rate limit (control-plane policing).</summary>
    PuntRateLimit,
    /// <summary>Punt ring full: the control plane is not keeping up.</summary>
    PuntRingFull,
    /// <summary>Frame larger than a GPM buffer or the driver's slot.</summary>
    Oversize,
    /// <summary>Injected frame the data plane refused (bad interface, too short).</summary>
    InjectInvalid,
    /// <summary>Buffers held by a data-plane thread that failed or hung, returned to GPM by its restart; or in a ring between threads when the data plane was stopped or reloaded.</summary>
    ThreadFault,
    /// <summary>Dropped early by WRED (random-detect) in an output service policy's class.</summary>
    QosRandomDrop,
    /// <summary>Over the rate of a priority class's policer in an output service policy.</summary>
    QosPolicer,
    /// <summary>Received on an interface (or subinterface) that is shut or not up: dropped before any feature, never punted.</summary>
    RxInterfaceDown,
    /// <summary>802.1Q-tagged with a VLAN that is no subinterface of the receiving interface, or QinQ-tagged.</summary>
    UnknownVlan,
    /// <summary>Fragmenting would need a fragment offset beyond the 13-bit field (RFC 791).</summary>
    FragmentOffsetOverflow,
    /// <summary>
    /// Split layout: the burst's PPE did not finish it in time (its thread hung, died or fell far behind), so
    /// the HQF let later bursts of the other PPEs go ahead and drops this one when it comes, keeping per-flow order.
    /// </summary>
    PpeStalled,
    /// <summary>RFC 8200 §3: the link layer reported fewer bytes than the IPv6 header or its payload length needs.</summary>
    Ipv6Truncated,
    /// <summary>RFC 8200 §3: version is not 6.</summary>
    Ipv6BadVersion,
    /// <summary>Source that can never be forwarded (RFC 4291/6890): unspecified, loopback, multicast, IPv4-mapped.</summary>
    Ipv6MartianSource,
    /// <summary>Destination that can never be forwarded (RFC 4291/6890): unspecified, loopback, IPv4-mapped.</summary>
    Ipv6MartianDestination,
    /// <summary>Link-local source or destination (fe80::/10): not forwarded beyond the link (RFC 4291 §2.5.6).</summary>
    Ipv6LinkLocalScope,
    /// <summary>Hop limit would reach zero (an ICMPv6 Time Exceeded may be sent).</summary>
    Ipv6HopLimitExceeded,
    /// <summary>No IPv6 route (an ICMPv6 Destination Unreachable may be sent).</summary>
    Ipv6NoRoute,
    /// <summary>Larger than the egress MTU: IPv6 routers never fragment (RFC 8200 §5; an ICMPv6 Packet Too Big may be sent).</summary>
    Ipv6PacketTooBig,
    /// <summary>Carries a Hop-by-Hop Options header; the data plane does not process them (RFC 8200 §4.3).</summary>
    Ipv6HopByHop,
    /// <summary>Extension header chain malformed: truncated, longer than the walk's bound, or Hop-by-Hop not first.</summary>
    Ipv6BadExtensionChain,
    /// <summary>An unassigned Next Header value in the chain (an ICMPv6 Parameter Problem may be sent).</summary>
    Ipv6UnknownNextHeader,
    /// <summary>No longer counted: IPv6 for the router is punted (kept so the reasons after it keep their numbers).</summary>
    Ipv6ForUsNotHandled,
    /// <summary>The recycle ring back into PPE input was full (the PPEs are behind the packets sent round again).</summary>
    RecycleRingFull,
    /// <summary>A packet would go round the recycle path more often than the loop guard allows (a tunnel routed into itself).</summary>
    RecycleLoop,
    /// <summary>ESP for the router with an SPI no inbound security association has.</summary>
    EspUnknownSpi,
    /// <summary>ESP whose integrity check value (the AES-GCM tag) did not verify: forged, corrupted or keyed differently.</summary>
    EspBadIcv,
    /// <summary>ESP with a sequence number already received or left behind by the anti-replay window (RFC 4303 §3.4.3).</summary>
    EspReplay,
    /// <summary>ESP too short for its header, IV and ICV, with a bad padding, or an inner packet that is not IPv4.</summary>
    EspMalformed,
    /// <summary>A fragment of an ESP packet for the router: outer fragments are not reassembled (the tunnel MTU keeps them from being needed).</summary>
    EspFragment,
    /// <summary>An outbound security association's 32-bit sequence number is used up (RFC 4303 §3.3.3: rekey; IKE is not run here).</summary>
    EspSequenceOverflow,
    /// <summary>The AES-GCM engine failed on a packet (OpenSSL refusing a call; not a forged packet, which is <see cref="EspBadIcv"/>).</summary>
    EspCipherError,
    /// <summary>Multicast that arrived on an interface other than its entry's incoming interface (the RPF check failed).</summary>
    MulticastRpfFailure,
    /// <summary>Multicast (multicast routing on) to a group with no (S,G) or (*,G) entry.</summary>
    MulticastNoRoute,
    /// <summary>Multicast to 224.0.0.0/24, the local network control block: never forwarded (RFC 5771 §4); IGMP to it is punted.</summary>
    MulticastLinkLocal,
    /// <summary>Multicast whose TTL would reach zero: out of its scope (no ICMP error is sent about a multicast packet, RFC 1812 §4.3.2.7).</summary>
    MulticastTtlScope,
    /// <summary>Multicast whose entry has no outgoing interface that is up other than the one it came in on.</summary>
    MulticastNoReceivers,
    /// <summary>A multicast copy larger than its outgoing interface's MTU (multicast copies are not fragmented).</summary>
    MulticastTooBig,
}

/// <summary>Why a packet was punted to the control plane.</summary>
public enum PuntReason : byte
{
    None = 0,
    /// <summary>ARP request or reply.</summary>
    Arp,
    /// <summary>IPv4 packet addressed to one of the router's addresses (or a local broadcast).</summary>
    ForUs,
    /// <summary>Next hop unresolved: the control plane should ARP for <c>PacketMeta.NextHop</c>'s address.</summary>
    Glean,
}
