using System.Buffers.Binary;
using ActorRouter.DataPlane.Interfaces;
using ActorRouter.DataPlane.Ports;
using ActorRouter.Packets;
using Akka.Actor;

namespace ActorRouter.ControlPlane.Punt;

/// <summary>
/// Answers the ICMPv6 the router must answer itself: echo requests to any of its IPv6 addresses (RFC 4443 §4.2; the
/// link-local one only on its own link) and neighbour solicitations for the addresses of the interface they came in on
/// (RFC 4861 §7.2.4: to the target itself or its solicited-node group). Replies leave the interface the request came
/// in on, to the request's Ethernet source, with checksums over the IPv6 pseudo-header. A solicitation from the
/// unspecified address (duplicate address detection) is answered to all-nodes, not solicited. What solicitations'
/// source and advertisements' target link-layer options say, and the data plane's gleans, go to the
/// <see cref="Ipv6NeighborActor"/>, which owns the neighbour cache. Messages that fail the
/// RFC 4861 §7.1.1 checks or their checksum are dropped and counted. Builds replies in one reusable buffer; called on
/// the punt thread only.
/// </summary>
public sealed class Icmpv6Responder
{
    public const byte EchoReplyHopLimit = 64;
    /// <summary>Neighbour discovery's hop limit (RFC 4861 §7.1): a message with any other one came from off the link.</summary>
    public const byte NeighborDiscoveryHopLimit = 255;
    /// <summary>Neighbour Advertisement flags (RFC 4861 §4.4): Router, Solicited, Override.</summary>
    public const byte RouterFlag = 0x80, SolicitedFlag = 0x40, OverrideFlag = 0x20;
    private const byte SourceLinkLayerOption = 1, TargetLinkLayerOption = 2;
    private const int EthernetLength = 14;
    private const int IpLength = Ipv6Header.Length;
    private const int NeighborMessageLength = 24;
    private static readonly UInt128 AllNodes = (UInt128)0xFF02UL << 112 | 1;
    private readonly IPuntPort _port;
    private readonly IActorRef? _neighbors;
    private readonly IActorRef? _advertiser;
    private readonly IActorRef? _detector;
    private readonly Ipv6AddressStates? _addressStates;
    private readonly byte[] _reply;
    private long _echoReplies;
    private long _advertisementsSent;
    private long _badMessages;
    private long _injectFailures;
    private long _gleansUnresolvable;

    /// <param name="neighbors">The IPv6 neighbour actor, told what solicitations and advertisements said and what the
    /// data plane gleaned (one message per punted packet, never per forwarded one); null: nothing is learned.</param>
    /// <param name="advertiser">The router advertiser, told of each valid router solicitation; null: they are not handled.</param>
    /// <param name="detector">Duplicate address detection, told of claims on the router's addresses, with the states it keeps.</param>
    public Icmpv6Responder(IPuntPort port, IActorRef? neighbors = null, IActorRef? advertiser = null,
        (IActorRef Detector, Ipv6AddressStates States)? detection = null)
    {
        _detector = detection?.Detector;
        _addressStates = detection?.States;
        _port = port;
        _neighbors = neighbors;
        _advertiser = advertiser;
        _reply = new byte[port.MaxFrameLength];
    }

    /// <summary>Gleans whose interface or incomplete adjacency no longer exists (the tables changed meanwhile).</summary>
    public long GleansUnresolvable => Volatile.Read(ref _gleansUnresolvable);

    public long EchoRepliesSent => Volatile.Read(ref _echoReplies);
    public long AdvertisementsSent => Volatile.Read(ref _advertisementsSent);
    /// <summary>ICMPv6 to the router that was dropped: bad checksum, truncated, or failing the neighbour discovery checks.</summary>
    public long BadMessages => Volatile.Read(ref _badMessages);
    public long InjectFailures => Volatile.Read(ref _injectFailures);

    /// <summary>
    /// Handles a punted "for us" frame if it is an ICMPv6 echo request or neighbour solicitation for the router and
    /// returns true; returns false, touching nothing, for anything else.
    /// </summary>
    public bool TryHandle(int rxInterface, Span<byte> frame)
    {
        if (frame.Length < EthernetLength + IpLength + Icmpv6Header.Length
            || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != EtherTypes.Ipv6
            || !Ipv6Header.TryParse(frame[EthernetLength..], out var ip)
            || ip.NextHeader != IpProtocols.Icmpv6
            || ip.PayloadLength < Icmpv6Header.Length
            || IpLength + ip.PayloadLength > frame.Length - EthernetLength)
        {
            return false;
        }
        var message = ip.Payload;
        var type = message[0];
        if (type != Icmpv6Types.EchoRequest && type != Icmpv6Types.NeighborSolicitation && type != Icmpv6Types.NeighborAdvertisement
            && (type != Icmpv6Types.RouterSolicitation || _advertiser is null))
        {
            return false;
        }
        var rx = _port.Interfaces[rxInterface];
        if (rx is null)
        {
            Count(ref _badMessages);
            return true;
        }
        return type switch
        {
            Icmpv6Types.EchoRequest => HandleEcho(rxInterface, rx, frame, ip),
            Icmpv6Types.NeighborSolicitation => HandleSolicitation(rxInterface, rx, frame, ip),
            Icmpv6Types.RouterSolicitation => HandleRouterSolicitation(rxInterface, ip),
            _ => HandleAdvertisement(rxInterface, ip),
        };
    }

    private bool HandleEcho(int rxInterface, Uidb rx, Span<byte> frame, Ipv6Header ip)
    {
        var pinged = ip.Destination;
        if (!IsRouterAddress(rx, pinged))
        {
            // Echo to a group (ff02::1) or to another host's link-local address: not ours to answer.
            return false;
        }
        var message = ip.Payload;
        if (!IsChecksumValid(message, ip))
        {
            Count(ref _badMessages);
            return true;
        }
        var reply = _reply.AsSpan(0, EthernetLength + IpLength + message.Length);
        EthernetHeader.Write(reply, MacAddress.Read(frame[6..]), new MacAddress(rx.Mac), EtherTypes.Ipv6);
        var replyIp = WriteIpv6(reply, ip.TrafficClass, message.Length, EchoReplyHopLimit, pinged, ip.Source);
        var replyMessage = replyIp.Payload;
        message.CopyTo(replyMessage);
        replyMessage[0] = Icmpv6Types.EchoReply;
        replyMessage[1] = 0;
        UpdateChecksum(replyMessage, replyIp);
        Send(rxInterface, reply, ref _echoReplies);
        return true;
    }

    private bool HandleSolicitation(int rxInterface, Uidb rx, Span<byte> frame, Ipv6Header ip)
    {
        var message = ip.Payload;
        if (message.Length < NeighborMessageLength)
        {
            Count(ref _badMessages);
            return true;
        }
        var target = BinaryPrimitives.ReadUInt128BigEndian(message[8..]);
        if (!IsInterfaceAddress(rx, target))
        {
            // Another node's address, or one of ours on a different link: RFC 4861 §7.2.3 silently discards.
            return false;
        }
        var source = ip.Source;
        var destination = ip.Destination;
        var fromUnspecified = source == UInt128.Zero;
        var sourceLinkLayer = FindOption(message[NeighborMessageLength..], SourceLinkLayerOption, out var optionsValid);
        var hasSourceLinkLayer = sourceLinkLayer >= 0;
        if (ip.HopLimit != NeighborDiscoveryHopLimit || message[1] != 0 || !optionsValid
            || (destination != target && destination != SolicitedNodeGroup(target))
            || (fromUnspecified && (destination == target || hasSourceLinkLayer))
            || !IsChecksumValid(message, ip))
        {
            // RFC 4861 §7.1.1: a solicitation from the unspecified address goes to the solicited-node group and carries no link-layer address.
            Count(ref _badMessages);
            return true;
        }
        if (_addressStates is not null && _addressStates.IsUnusable(rxInterface, target))
        {
            // RFC 4862 §5.4.3: a tentative address is not defended; another node detecting it too means it is a duplicate.
            if (fromUnspecified)
            {
                _detector?.Tell(new Ipv6AddressClaimed(rxInterface, target, FromSolicitation: true), ActorRefs.NoSender);
            }
            return true;
        }
        if (hasSourceLinkLayer && !fromUnspecified)
        {
            // RFC 4861 §7.2.3: the solicitation tells us the sender's link-layer address.
            _neighbors?.Tell(new Ipv6SolicitationReceived(rxInterface, source, MacAddress.Read(message[(NeighborMessageLength + sourceLinkLayer + 2)..]).Value), ActorRefs.NoSender);
        }
        var routerMac = new MacAddress(rx.Mac);
        // RFC 4861 §7.2.4: to the soliciting host (its source address), or to all-nodes when it has none yet (DAD).
        var to = fromUnspecified ? AllNodes : source;
        var toMac = fromUnspecified ? new MacAddress(0x3333_0000_0001) : MacAddress.Read(frame[6..]);
        const int advertisementLength = NeighborMessageLength + 8;
        var reply = _reply.AsSpan(0, EthernetLength + IpLength + advertisementLength);
        EthernetHeader.Write(reply, toMac, routerMac, EtherTypes.Ipv6);
        var replyIp = WriteIpv6(reply, 0, advertisementLength, NeighborDiscoveryHopLimit, target, to);
        var advertisement = replyIp.Payload;
        advertisement.Clear();
        advertisement[0] = Icmpv6Types.NeighborAdvertisement;
        advertisement[4] = (byte)(RouterFlag | OverrideFlag | (fromUnspecified ? 0 : SolicitedFlag));
        BinaryPrimitives.WriteUInt128BigEndian(advertisement[8..], target);
        advertisement[24] = TargetLinkLayerOption;
        advertisement[25] = 1;
        routerMac.Write(advertisement[26..]);
        UpdateChecksum(advertisement, replyIp);
        Send(rxInterface, reply, ref _advertisementsSent);
        return true;
    }

    /// <summary>
    /// A router solicitation (RFC 4861 §6.1.1 checks: hop limit 255, code 0, options well formed, none with the
    /// unspecified source) goes to the router advertiser; its source link-layer address teaches the neighbour cache (§6.2.6).
    /// </summary>
    private bool HandleRouterSolicitation(int rxInterface, Ipv6Header ip)
    {
        var message = ip.Payload;
        const int solicitationLength = 8;
        var optionsValid = false;
        var sourceLinkLayer = message.Length < solicitationLength ? -1 : FindOption(message[solicitationLength..], SourceLinkLayerOption, out optionsValid);
        if (message.Length < solicitationLength || ip.HopLimit != NeighborDiscoveryHopLimit || message[1] != 0 || !optionsValid
            || (ip.Source == UInt128.Zero && sourceLinkLayer >= 0)
            || !IsChecksumValid(message, ip))
        {
            Count(ref _badMessages);
            return true;
        }
        if (sourceLinkLayer >= 0)
        {
            _neighbors?.Tell(new Ipv6SolicitationReceived(rxInterface, ip.Source, MacAddress.Read(message[(solicitationLength + sourceLinkLayer + 2)..]).Value), ActorRefs.NoSender);
        }
        _advertiser!.Tell(new RouterSolicitationReceived(rxInterface), ActorRefs.NoSender);
        return true;
    }

    /// <summary>The solicited-node multicast group of an address (RFC 4291 §2.7.1): ff02::1:ff00:0/104 and its low 24 bits.</summary>
    public static UInt128 SolicitedNodeGroup(UInt128 address) => NeighborDiscoveryFrames.SolicitedNodeGroup(address);

    /// <summary>
    /// Learns from a neighbour advertisement (RFC 4861 §7.2.5) to one of the router's addresses or a link-scope group:
    /// the target's link-layer address option gives its MAC. Advertisements failing the §7.1.2 checks are counted bad.
    /// </summary>
    private bool HandleAdvertisement(int rxInterface, Ipv6Header ip)
    {
        var message = ip.Payload;
        if (message.Length < NeighborMessageLength)
        {
            Count(ref _badMessages);
            return true;
        }
        var target = BinaryPrimitives.ReadUInt128BigEndian(message[8..]);
        var targetLinkLayer = FindOption(message[NeighborMessageLength..], TargetLinkLayerOption, out var optionsValid);
        var toGroup = (ip.Destination >> 120) == 0xFF;
        if (ip.HopLimit != NeighborDiscoveryHopLimit || message[1] != 0 || !optionsValid || (target >> 120) == 0xFF
            || (toGroup && (message[4] & SolicitedFlag) != 0)
            || !IsChecksumValid(message, ip))
        {
            Count(ref _badMessages);
            return true;
        }
        if (_detector is not null && IsInterfaceAddress(_port.Interfaces[rxInterface]!, target))
        {
            // RFC 4862 §5.4.4: someone advertises one of the router's addresses.
            _detector.Tell(new Ipv6AddressClaimed(rxInterface, target, FromSolicitation: false), ActorRefs.NoSender);
            return true;
        }
        ulong? targetMac = targetLinkLayer >= 0 ? MacAddress.Read(message[(NeighborMessageLength + targetLinkLayer + 2)..]).Value : null;
        var flags = message[4];
        _neighbors?.Tell(new Ipv6AdvertisementReceived(rxInterface, target, targetMac, (flags & SolicitedFlag) != 0, (flags & OverrideFlag) != 0, (flags & RouterFlag) != 0),
            ActorRefs.NoSender);
        return true;
    }

    /// <summary>
    /// A glean from ip6-lookup: a packet for <paramref name="frame"/>'s destination, on a prefix connected to the
    /// interface <paramref name="nextHop"/> names, found no neighbour entry; or (with
    /// <see cref="Ipv6Glean.IncompleteNextHop"/>) a packet for a static route's next hop found its adjacency
    /// incomplete. The neighbour actor is asked to resolve the address (it solicits, once per address). Returns false for
    /// a frame that is not IPv6.
    /// </summary>
    public bool HandleGlean(uint nextHop, ReadOnlySpan<byte> frame)
    {
        if (frame.Length < EthernetLength + IpLength || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != EtherTypes.Ipv6)
        {
            return false;
        }
        int egressInterface;
        UInt128 target;
        if ((nextHop & Ipv6Glean.IncompleteNextHop) != 0)
        {
            if (!_port.TryFindIpv6Neighbor(nextHop & ~Ipv6Glean.IncompleteNextHop, out egressInterface, out target))
            {
                Count(ref _gleansUnresolvable);
                return true;
            }
        }
        else
        {
            egressInterface = (int)nextHop;
            target = BinaryPrimitives.ReadUInt128BigEndian(frame[(EthernetLength + 24)..]);
        }
        if (_port.Interfaces[egressInterface] is null)
        {
            Count(ref _gleansUnresolvable);
            return true;
        }
        _neighbors?.Tell(new ResolveIpv6Neighbor(egressInterface, target), ActorRefs.NoSender);
        return true;
    }

    /// <summary>
    /// Walks neighbour discovery options (RFC 4861 §4.6): the offset of the first of <paramref name="type"/>, or -1;
    /// <paramref name="valid"/> false when an option has length zero or runs past the message (§7.1.1).
    /// </summary>
    private static int FindOption(ReadOnlySpan<byte> options, byte type, out bool valid)
    {
        var found = -1;
        var offset = 0;
        while (offset < options.Length)
        {
            var rest = options[offset..];
            if (rest.Length < 2 || rest[1] == 0 || rest[1] * 8 > rest.Length)
            {
                valid = false;
                return -1;
            }
            if (found < 0 && rest[0] == type && rest[1] == 1)
            {
                found = offset;
            }
            offset += rest[1] * 8;
        }
        valid = true;
        return found;
    }

    private static Ipv6Header WriteIpv6(Span<byte> frame, byte trafficClass, int payloadLength, byte hopLimit, UInt128 source, UInt128 destination)
    {
        var ip = Ipv6Header.Write(frame[EthernetLength..]);
        ip.TrafficClass = trafficClass;
        ip.PayloadLength = (ushort)payloadLength;
        ip.NextHeader = IpProtocols.Icmpv6;
        ip.HopLimit = hopLimit;
        ip.Source = source;
        ip.Destination = destination;
        return ip;
    }

    private static bool IsChecksumValid(Span<byte> message, Ipv6Header ip)
        => Icmpv6Header.TryParse(message, out var header) && header.IsChecksumValid(ip.SourceBytes, ip.DestinationBytes);

    private static void UpdateChecksum(Span<byte> message, Ipv6Header ip)
    {
        if (Icmpv6Header.TryParse(message, out var header))
        {
            header.UpdateChecksum(ip.SourceBytes, ip.DestinationBytes);
        }
    }

    private void Send(int rxInterface, ReadOnlySpan<byte> frame, ref long sent)
    {
        if (_port.Inject(rxInterface, frame))
        {
            Count(ref sent);
        }
        else
        {
            Count(ref _injectFailures);
        }
    }

    /// <summary>One of the router's addresses: a global one on any interface, or the link-local one of the interface the packet came in on.</summary>
    private bool IsRouterAddress(Uidb rx, UInt128 address)
    {
        if (address == rx.Ipv6LinkLocal)
        {
            return true;
        }
        var interfaces = _port.Interfaces;
        for (var i = 0; i < interfaces.MaxInterfaces; i++)
        {
            var uidb = interfaces[i];
            if (uidb is not null && HasAddress(uidb, address))
            {
                return true;
            }
        }
        return false;
    }

    private static bool IsInterfaceAddress(Uidb rx, UInt128 address) => address == rx.Ipv6LinkLocal || HasAddress(rx, address);

    private static bool HasAddress(Uidb uidb, UInt128 address)
    {
        var addresses = uidb.Ipv6Addresses;
        for (var i = 0; i < addresses.Count; i++)
        {
            if (addresses[i].Address == address)
            {
                return true;
            }
        }
        return false;
    }

    private static void Count(ref long counter) => Volatile.Write(ref counter, counter + 1);
}
