using System.Buffers.Binary;
using ActorRouter.DataPlane;
using ActorRouter.DataPlane.Ports;
using ActorRouter.Packets;

namespace ActorRouter.ControlPlane.Punt;

/// <summary>
/// Answers ICMP echo requests addressed to any of the router's addresses (RFC 792, RFC 1812
/// §4.3.3.6): the reply carries the request's identifier, sequence number and data, comes from
/// the address that was pinged, goes back out the interface the request arrived on to the
/// request's Ethernet source, with TTL 64 and fresh IP and ICMP checksums. IP options of the
/// request are not reflected. Builds replies in one reusable buffer; called on the punt thread only.
/// </summary>
public sealed class IcmpEchoResponder
{
    public const byte ReplyTtl = 64;
    private const int EthernetLength = 14;
    private const int IpLength = 20;
    private readonly IPuntPort _port;
    private readonly byte[] _reply;
    private ushort _nextIdentification;
    private long _repliesSent;
    private long _badRequests;
    private long _injectFailures;

    public IcmpEchoResponder(IPuntPort port)
    {
        _port = port;
        _reply = new byte[port.MaxFrameLength];
    }

    public long RepliesSent => Volatile.Read(ref _repliesSent);
    /// <summary>Echo requests to us that were dropped: bad ICMP checksum, fragment, or too short.</summary>
    public long BadRequests => Volatile.Read(ref _badRequests);
    public long InjectFailures => Volatile.Read(ref _injectFailures);

    /// <summary>
    /// Handles a punted "for us" frame if it is an ICMP echo request to one of the router's
    /// addresses and returns true; returns false, touching nothing, for anything else.
    /// </summary>
    public bool TryHandle(int rxInterface, Span<byte> frame)
    {
        if (frame.Length < EthernetLength + IpLength + IcmpHeader.Length
            || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != EtherTypes.Ipv4
            || !Ipv4Header.TryParse(frame[EthernetLength..], out var ip)
            || ip.Protocol != IpProtocols.Icmp)
        {
            return false;
        }
        var icmpMessage = ip.Payload;
        if (icmpMessage.Length < IcmpHeader.Length || icmpMessage[0] != IcmpTypes.EchoRequest)
        {
            return false;
        }
        var pinged = ip.Destination;
        if (!IsRouterAddress(pinged))
        {
            return false;
        }
        var rx = _port.Interfaces[rxInterface];
        if (ip.IsFragment || !InternetChecksum.IsValid(icmpMessage) || rx is null)
        {
            // RFC 1122 §3.2.2: a bad checksum is dropped silently; fragments are not reassembled here.
            Count(ref _badRequests);
            return true;
        }

        var totalLength = IpLength + icmpMessage.Length;
        var reply = _reply.AsSpan(0, EthernetLength + totalLength);
        EthernetHeader.Write(reply, MacAddress.Read(frame[6..]), new MacAddress(rx.Mac), EtherTypes.Ipv4);
        var replyIp = Ipv4Header.Write(reply[EthernetLength..]);
        replyIp.TypeOfService = ip.TypeOfService;
        replyIp.TotalLength = (ushort)totalLength;
        replyIp.Identification = _nextIdentification++;
        replyIp.Ttl = ReplyTtl;
        replyIp.Protocol = IpProtocols.Icmp;
        replyIp.Source = pinged;
        replyIp.Destination = ip.Source;
        replyIp.UpdateChecksum();
        var replyIcmp = reply[(EthernetLength + IpLength)..];
        icmpMessage.CopyTo(replyIcmp);
        replyIcmp[0] = IcmpTypes.EchoReply;
        replyIcmp[1] = 0;
        replyIcmp[2] = 0;
        replyIcmp[3] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(replyIcmp[2..], InternetChecksum.Compute(replyIcmp));
        if (_port.Inject(rxInterface, reply))
        {
            Count(ref _repliesSent);
        }
        else
        {
            Count(ref _injectFailures);
        }
        return true;
    }

    private bool IsRouterAddress(uint address)
    {
        foreach (var own in _port.Interfaces.Addresses)
        {
            if (own != 0 && own == address)
            {
                return true;
            }
        }
        return false;
    }

    private static void Count(ref long counter) => Volatile.Write(ref counter, counter + 1);
}
