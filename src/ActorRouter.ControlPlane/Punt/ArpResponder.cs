using System.Buffers.Binary;
using ActorRouter.DataPlane;
using ActorRouter.DataPlane.Ports;
using ActorRouter.Packets;
using Akka.Actor;

namespace ActorRouter.ControlPlane.Punt;

/// <summary>
/// The punt thread's half of ARP: answers requests for the receiving interface's address at once
/// (RFC 826: reply out the same interface, sender = the router, target = the requester), passes
/// what a packet teaches about its sender and every glean on to the <see cref="ArpActor"/>, which
/// owns the table. Builds replies in one reusable buffer; called on the punt thread only.
/// </summary>
public sealed class ArpResponder
{
    private const int EthernetLength = 14;
    private readonly IPuntPort _port;
    private readonly IActorRef _arpActor;
    private readonly byte[] _reply = new byte[EthernetLength + ArpPacket.Length];
    private long _requestsAnswered;
    private long _sendersReported;
    private long _ignored;
    private long _malformed;
    private long _gleans;
    private long _gleansOffSubnet;
    private long _injectFailures;

    public ArpResponder(IPuntPort port, IActorRef arpActor)
    {
        _port = port;
        _arpActor = arpActor;
    }

    /// <summary>Requests for our address answered with a reply.</summary>
    public long RequestsAnswered => Volatile.Read(ref _requestsAnswered);
    /// <summary>ARP packets whose sender (a neighbor on the interface's subnet) was reported to the ARP actor.</summary>
    public long SendersReported => Volatile.Read(ref _sendersReported);
    /// <summary>Well-formed ARP that was neither for us nor from a neighbor on the interface's subnet.</summary>
    public long Ignored => Volatile.Read(ref _ignored);
    /// <summary>Not Ethernet/IPv4 ARP, truncated, VLAN-tagged or from a group MAC.</summary>
    public long Malformed => Volatile.Read(ref _malformed);
    /// <summary>Glean requests passed to the ARP actor.</summary>
    public long Gleans => Volatile.Read(ref _gleans);
    /// <summary>Glean requests for an address on no connected subnet (interface went down meanwhile).</summary>
    public long GleansOffSubnet => Volatile.Read(ref _gleansOffSubnet);
    /// <summary>Replies the data plane refused (inject ring or GPM full).</summary>
    public long InjectFailures => Volatile.Read(ref _injectFailures);

    public void HandleArp(int rxInterface, Span<byte> frame)
    {
        if (frame.Length < EthernetLength + ArpPacket.Length
            || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != EtherTypes.Arp
            || !ArpPacket.TryParse(frame[EthernetLength..], out var arp))
        {
            Count(ref _malformed);
            return;
        }
        var uidb = _port.Interfaces[rxInterface];
        var senderMac = arp.SenderHardwareAddress;
        if (uidb is null || uidb.Ipv4Address == 0 || senderMac.IsMulticast || senderMac.IsZero)
        {
            Count(ref _ignored);
            return;
        }
        var sender = arp.SenderProtocolAddress;
        var targetIsUs = arp.TargetProtocolAddress == uidb.Ipv4Address;
        var operation = arp.Operation;
        var handled = false;
        if (ConnectedSubnets.IsNeighborOn(_port.Interfaces, rxInterface, sender))
        {
            _arpActor.Tell(new ArpPacketReceived(rxInterface, sender, senderMac.Value, targetIsUs && operation == ArpOperation.Request), ActorRefs.NoSender);
            Count(ref _sendersReported);
            handled = true;
        }
        if (operation == ArpOperation.Request && targetIsUs)
        {
            // Sent to the requester's hardware address; a probe from 0.0.0.0 (RFC 5227) is answered too.
            EthernetHeader.Write(_reply, senderMac, new MacAddress(uidb.Mac), EtherTypes.Arp);
            ArpPacket.Write(_reply.AsSpan(EthernetLength), ArpOperation.Reply, new MacAddress(uidb.Mac), uidb.Ipv4Address, senderMac, sender);
            if (_port.Inject(rxInterface, _reply))
            {
                Count(ref _requestsAnswered);
            }
            else
            {
                Count(ref _injectFailures);
            }
            handled = true;
        }
        if (!handled)
        {
            Count(ref _ignored);
        }
    }

    /// <summary>The data plane could not forward to <paramref name="address"/>: its MAC is unknown.</summary>
    public void HandleGlean(uint address)
    {
        var egress = ConnectedSubnets.FindInterface(_port.Interfaces, address);
        if (egress < 0)
        {
            Count(ref _gleansOffSubnet);
            return;
        }
        _arpActor.Tell(new ResolveNeighbor(egress, address), ActorRefs.NoSender);
        Count(ref _gleans);
    }

    // Single writer (the punt thread); readers on other threads see whole values.
    private static void Count(ref long counter) => Volatile.Write(ref counter, counter + 1);
}
