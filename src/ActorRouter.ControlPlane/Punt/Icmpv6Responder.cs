using System.Buffers.Binary;
using ActorRouter.DataPlane.Interfaces;
using ActorRouter.DataPlane.Ports;
using ActorRouter.Packets;

namespace ActorRouter.ControlPlane.Punt;

/// <summary>
/// Answers the ICMPv6 the router must answer itself: echo requests to any of its IPv6 addresses (RFC 4443 §4.2; the
/// link-local one only on its own link) and neighbour solicitations for the addresses of the interface they came in on
/// (RFC 4861 §7.2.4: to the target itself or its solicited-node group). Replies leave the interface the request came
/// in on, to the request's Ethernet source, with checksums over the IPv6 pseudo-header. A solicitation from the
/// unspecified address (duplicate address detection) is answered to all-nodes, not solicited. Neighbours are learned
/// from solicitations' source and advertisements' target link-layer options, and gleans for hosts on connected prefixes
/// without an entry send solicitations (one per address per interval). Messages that fail the
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
    /// <summary>How long a solicitation for one address suppresses the next (RFC 4861 §10 RetransTimer).</summary>
    public const int SolicitationIntervalMilliseconds = 1000;
    /// <summary>The most addresses being solicited at once and the most learned neighbours kept (bounded like the ARP table).</summary>
    public const int MaxOutstandingSolicitations = 1024, MaxLearnedNeighbors = 4096;
    private readonly IPuntPort _port;
    private readonly Action<int, UInt128, ulong>? _learned;
    private readonly Func<long> _clock;
    private readonly Dictionary<(int Interface, UInt128 Address), long> _solicitedAt = [];
    private readonly Dictionary<(int Interface, UInt128 Address), ulong> _neighbors = [];
    private readonly byte[] _reply;
    private long _echoReplies;
    private long _advertisementsSent;
    private long _badMessages;
    private long _injectFailures;
    private long _solicitationsSent;
    private long _gleansSuppressed;
    private long _neighborsLearned;
    private long _tableFull;

    /// <param name="learned">Told each neighbour learned from a solicitation's or advertisement's link-layer address option
    /// (interface, address, MAC), once per new or changed entry; called on the punt thread.</param>
    /// <param name="clock">Milliseconds, for the solicitation interval (tests pass their own).</param>
    public Icmpv6Responder(IPuntPort port, Action<int, UInt128, ulong>? learned = null, Func<long>? clock = null)
    {
        _port = port;
        _learned = learned;
        _clock = clock ?? (() => Environment.TickCount64);
        _reply = new byte[port.MaxFrameLength];
    }

    public long SolicitationsSent => Volatile.Read(ref _solicitationsSent);
    /// <summary>Gleans for an address solicited less than <see cref="SolicitationIntervalMilliseconds"/> ago, or with the outstanding table full.</summary>
    public long GleansSuppressed => Volatile.Read(ref _gleansSuppressed);
    public long NeighborsLearned => Volatile.Read(ref _neighborsLearned);
    /// <summary>Neighbours not learned because <see cref="MaxLearnedNeighbors"/> are kept already.</summary>
    public long NeighborTableFull => Volatile.Read(ref _tableFull);

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
        if (type != Icmpv6Types.EchoRequest && type != Icmpv6Types.NeighborSolicitation && type != Icmpv6Types.NeighborAdvertisement)
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
        if (hasSourceLinkLayer && !fromUnspecified)
        {
            // RFC 4861 §7.2.3: the solicitation tells us the sender's link-layer address.
            Learn(rxInterface, source, MacAddress.Read(message[(NeighborMessageLength + sourceLinkLayer + 2)..]).Value);
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

    /// <summary>The solicited-node multicast group of an address (RFC 4291 §2.7.1): ff02::1:ff00:0/104 and its low 24 bits.</summary>
    public static UInt128 SolicitedNodeGroup(UInt128 address)
        => ((UInt128)0xFF02UL << 112) | ((UInt128)0x1FF << 24) | (address & 0xFF_FFFF);

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
        _solicitedAt.Remove((rxInterface, target));
        if (targetLinkLayer >= 0)
        {
            Learn(rxInterface, target, MacAddress.Read(message[(NeighborMessageLength + targetLinkLayer + 2)..]).Value);
        }
        return true;
    }

    /// <summary>
    /// A glean from ip6-lookup: a packet for <paramref name="frame"/>'s destination, on a prefix connected to
    /// <paramref name="egressInterface"/>, found no neighbour entry. Sends one neighbour solicitation to the
    /// destination's solicited-node group (RFC 4861 §7.2.2) unless one went out within the interval; the table of
    /// outstanding solicitations is bounded. Returns false for a frame that is not IPv6.
    /// </summary>
    public bool HandleGlean(int egressInterface, ReadOnlySpan<byte> frame)
    {
        if (frame.Length < EthernetLength + IpLength || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != EtherTypes.Ipv6)
        {
            return false;
        }
        var target = BinaryPrimitives.ReadUInt128BigEndian(frame[(EthernetLength + 24)..]);
        var egress = _port.Interfaces[egressInterface];
        if (egress is null)
        {
            Count(ref _gleansSuppressed);
            return true;
        }
        var now = _clock();
        var key = (egressInterface, target);
        if (_solicitedAt.TryGetValue(key, out var at) && now - at < SolicitationIntervalMilliseconds)
        {
            Count(ref _gleansSuppressed);
            return true;
        }
        if (!_solicitedAt.ContainsKey(key) && _solicitedAt.Count >= MaxOutstandingSolicitations)
        {
            foreach (var (old, sentAt) in _solicitedAt)
            {
                if (now - sentAt >= SolicitationIntervalMilliseconds)
                {
                    _solicitedAt.Remove(old);
                }
            }
            if (_solicitedAt.Count >= MaxOutstandingSolicitations)
            {
                Count(ref _gleansSuppressed);
                return true;
            }
        }
        _solicitedAt[key] = now;
        var routerMac = new MacAddress(egress.Mac);
        var group = SolicitedNodeGroup(target);
        const int solicitationLength = NeighborMessageLength + 8;
        var solicitation = _reply.AsSpan(0, EthernetLength + IpLength + solicitationLength);
        // RFC 2464 §7: the group's MAC is 33:33 and the group address's last four bytes.
        EthernetHeader.Write(solicitation, new MacAddress(0x3333_0000_0000 | (ulong)(uint)group), routerMac, EtherTypes.Ipv6);
        var ip = WriteIpv6(solicitation, 0, solicitationLength, NeighborDiscoveryHopLimit, SourceFor(egress, target), group);
        var message = ip.Payload;
        message.Clear();
        message[0] = Icmpv6Types.NeighborSolicitation;
        BinaryPrimitives.WriteUInt128BigEndian(message[8..], target);
        message[24] = SourceLinkLayerOption;
        message[25] = 1;
        routerMac.Write(message[26..]);
        UpdateChecksum(message, ip);
        Send(egressInterface, solicitation, ref _solicitationsSent);
        return true;
    }

    /// <summary>The router's address on the target's prefix of that interface, else its link-local address (RFC 4861 §7.2.2).</summary>
    private static UInt128 SourceFor(Uidb egress, UInt128 target)
    {
        var addresses = egress.Ipv6Addresses;
        for (var i = 0; i < addresses.Count; i++)
        {
            var a = addresses[i];
            var mask = UInt128.MaxValue << (128 - a.PrefixLength);
            if ((a.Address & mask) == (target & mask))
            {
                return a.Address;
            }
        }
        return egress.Ipv6LinkLocal;
    }

    private void Learn(int interfaceIndex, UInt128 address, ulong mac)
    {
        var key = (interfaceIndex, address);
        if (_neighbors.TryGetValue(key, out var known))
        {
            if (known == mac)
            {
                return;
            }
        }
        else if (_neighbors.Count >= MaxLearnedNeighbors)
        {
            Count(ref _tableFull);
            return;
        }
        _neighbors[key] = mac;
        Count(ref _neighborsLearned);
        _learned?.Invoke(interfaceIndex, address, mac);
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
