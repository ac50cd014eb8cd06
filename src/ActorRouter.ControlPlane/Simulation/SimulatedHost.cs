using System.Buffers.Binary;
using System.Diagnostics;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.IO.Memory;
using ActorRouter.Packets;

namespace ActorRouter.ControlPlane.Simulation;

/// <summary>What a simulated host has done so far.</summary>
public sealed record SimulatedHostCounters(
    string Interface,
    uint Address,
    bool GatewayResolved,
    long ArpRequestsSent,
    long ArpRepliesSent,
    long EchoRepliesSent,
    long Sent,
    long SendFailures,
    long Received,
    long OutOfOrder,
    long Lost,
    long Ignored);

/// <summary>
/// A host on the far end of a memory interface: it answers ARP and ICMP echo requests for its
/// address, resolves its gateway by ARP (a request every <see cref="ArpRetryInterval"/> until
/// answered), then sends UDP datagrams to its <c>send-to</c> address through the gateway at its
/// configured rate, each carrying a sequence number in the first four payload bytes (when the
/// payload has room). It counts the datagrams it receives and checks each sender's sequence:
/// tracking starts at the first datagram seen from that sender; a jump counts the skipped ones as
/// lost, a late one counts as out of order (and no longer as lost). Driven by
/// <see cref="SimulationRunner"/>'s thread through <see cref="Service"/>; not thread-safe except
/// for <see cref="Snapshot"/>.
/// </summary>
public sealed class SimulatedHost
{
    public const ushort UdpPort = 50000;
    public static readonly TimeSpan ArpRetryInterval = TimeSpan.FromSeconds(1);
    private const int EthernetLength = 14;
    private const int MaxFramesPerTurn = 256;

    private readonly MemoryVnicPort _port;
    private readonly MacAddress _mac;
    private readonly byte[] _receiveBuffer = new byte[MemoryWire.DefaultSlotSize];
    private readonly byte[] _arpFrame = new byte[EthernetLength + ArpPacket.Length];
    private readonly Dictionary<uint, uint> _expectedSequence = new();
    private readonly double _tokenCap;
    private byte[]? _udpTemplate;
    private MacAddress _gatewayMac;
    private long _nextArpAt;
    private long _lastRefill;
    private double _tokens;
    private uint _sequence;

    private long _arpRequestsSent;
    private long _arpRepliesSent;
    private long _echoRepliesSent;
    private long _sent;
    private long _sendFailures;
    private long _received;
    private long _outOfOrder;
    private long _lost;
    private long _ignored;
    private int _gatewayResolved;

    public SimulatedHost(SimulatedHostConfig config, MemoryVnicPort port)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(config.RatePps, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(config.PayloadBytes);
        Config = config;
        _port = port;
        _mac = new MacAddress(config.Mac);
        // At most one turn's worth of frames may pile up: a host that could not send does not burst later.
        _tokenCap = Math.Clamp(config.RatePps, 1, MaxFramesPerTurn);
    }

    public SimulatedHostConfig Config { get; }

    public MemoryVnicPort Port => _port;

    public bool GatewayResolved => Volatile.Read(ref _gatewayResolved) != 0;

    public SimulatedHostCounters Snapshot() => new(
        Config.Interface, Config.Ipv4, GatewayResolved,
        Volatile.Read(ref _arpRequestsSent), Volatile.Read(ref _arpRepliesSent), Volatile.Read(ref _echoRepliesSent),
        Volatile.Read(ref _sent), Volatile.Read(ref _sendFailures), Volatile.Read(ref _received),
        Volatile.Read(ref _outOfOrder), Volatile.Read(ref _lost), Volatile.Read(ref _ignored));

    /// <summary>
    /// One turn at <paramref name="now"/> (a <see cref="Stopwatch"/> timestamp): take what arrived,
    /// ARP for the gateway when due, send the datagrams now due. Returns how long until the host
    /// next has something to send (frames arriving wake the runner earlier).
    /// </summary>
    public TimeSpan Service(long now)
    {
        for (var i = 0; i < MaxFramesPerTurn && _port.TryReceive(_receiveBuffer, out var length); i++)
        {
            OnFrame(_receiveBuffer.AsSpan(0, length));
        }
        if (_udpTemplate is null)
        {
            if (now >= _nextArpAt)
            {
                SendGatewayRequest();
                _nextArpAt = now + (long)(ArpRetryInterval.TotalSeconds * Stopwatch.Frequency);
            }
            return Stopwatch.GetElapsedTime(now, _nextArpAt);
        }
        if (Config.SendTo is null)
        {
            return ArpRetryInterval;
        }
        return SendDue(now);
    }

    private TimeSpan SendDue(long now)
    {
        var rate = (double)Config.RatePps;
        _tokens = Math.Min(_tokenCap, _tokens + Stopwatch.GetElapsedTime(_lastRefill, now).TotalSeconds * rate);
        _lastRefill = now;
        var frame = _udpTemplate!;
        while (_tokens >= 1)
        {
            WriteSequence(frame, _sequence);
            if (!_port.Send(frame))
            {
                Count(ref _sendFailures);
                break;
            }
            _tokens -= 1;
            _sequence++;
            Count(ref _sent);
        }
        return TimeSpan.FromSeconds(Math.Max(0, 1 - _tokens) / rate);
    }

    private void WriteSequence(byte[] frame, uint sequence)
    {
        var udpOffset = EthernetLength + Ipv4Header.MinimumLength;
        if (Config.PayloadBytes >= 4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(udpOffset + UdpHeader.Length), sequence);
        }
        UdpHeader.TryParse(frame.AsSpan(udpOffset), out var udp);
        udp.UpdateChecksum(Config.Ipv4, Config.SendTo!.Value);
    }

    private void SendGatewayRequest()
    {
        EthernetHeader.Write(_arpFrame, MacAddress.Broadcast, _mac, EtherTypes.Arp);
        ArpPacket.Write(_arpFrame.AsSpan(EthernetLength), ArpOperation.Request, _mac, Config.Ipv4, MacAddress.Zero, Config.Gateway);
        if (_port.Send(_arpFrame))
        {
            Count(ref _arpRequestsSent);
        }
        else
        {
            Count(ref _sendFailures);
        }
    }

    private void OnFrame(Span<byte> frame)
    {
        if (frame.Length < EthernetLength)
        {
            Count(ref _ignored);
            return;
        }
        var destination = MacAddress.Read(frame);
        if (destination != _mac && !destination.IsBroadcast)
        {
            Count(ref _ignored);
            return;
        }
        switch (BinaryPrimitives.ReadUInt16BigEndian(frame[12..]))
        {
            case EtherTypes.Arp:
                OnArp(frame);
                break;
            case EtherTypes.Ipv4:
                OnIpv4(frame);
                break;
            default:
                Count(ref _ignored);
                break;
        }
    }

    private void OnArp(Span<byte> frame)
    {
        if (!ArpPacket.TryParse(frame[EthernetLength..], out var arp))
        {
            Count(ref _ignored);
            return;
        }
        var senderMac = arp.SenderHardwareAddress;
        var sender = arp.SenderProtocolAddress;
        var useful = false;
        if (sender == Config.Gateway && !senderMac.IsMulticast && !senderMac.IsZero)
        {
            LearnGateway(senderMac);
            useful = true;
        }
        if (arp.Operation == ArpOperation.Request && arp.TargetProtocolAddress == Config.Ipv4)
        {
            EthernetHeader.Write(_arpFrame, senderMac, _mac, EtherTypes.Arp);
            ArpPacket.Write(_arpFrame.AsSpan(EthernetLength), ArpOperation.Reply, _mac, Config.Ipv4, senderMac, sender);
            if (_port.Send(_arpFrame))
            {
                Count(ref _arpRepliesSent);
            }
            else
            {
                Count(ref _sendFailures);
            }
            useful = true;
        }
        if (!useful)
        {
            Count(ref _ignored);
        }
    }

    private void LearnGateway(MacAddress gatewayMac)
    {
        if (_udpTemplate is not null && gatewayMac == _gatewayMac)
        {
            return;
        }
        _gatewayMac = gatewayMac;
        if (Config.SendTo is uint sendTo)
        {
            _udpTemplate = PacketBuilder.Udp(_mac, gatewayMac, Config.Ipv4, sendTo, UdpPort, UdpPort, new byte[Config.PayloadBytes]);
        }
        else
        {
            // Nothing to send; an empty template just marks the gateway as resolved.
            _udpTemplate = [];
        }
        if (Volatile.Read(ref _gatewayResolved) == 0)
        {
            _lastRefill = Stopwatch.GetTimestamp();
            _tokens = 1; // the first datagram goes out at once
            Volatile.Write(ref _gatewayResolved, 1);
        }
    }

    private void OnIpv4(Span<byte> frame)
    {
        if (!Ipv4Header.TryParse(frame[EthernetLength..], out var ip) || ip.Destination != Config.Ipv4 || ip.IsFragment)
        {
            Count(ref _ignored);
            return;
        }
        var payload = ip.Payload;
        if (ip.Protocol == IpProtocols.Udp && UdpHeader.TryParse(payload, out var udp) && udp.DestinationPort == UdpPort)
        {
            Count(ref _received);
            if (udp.Payload.Length >= 4)
            {
                TrackSequence(ip.Source, BinaryPrimitives.ReadUInt32BigEndian(udp.Payload));
            }
            return;
        }
        if (ip.Protocol == IpProtocols.Icmp && IcmpHeader.TryParse(payload, out var icmp) && icmp.Type == IcmpTypes.EchoRequest && icmp.IsChecksumValid)
        {
            var reply = PacketBuilder.IcmpEchoReply(_mac, MacAddress.Read(frame[6..]), Config.Ipv4, ip.Source, icmp.Identifier, icmp.SequenceNumber, icmp.Data);
            if (_port.Send(reply))
            {
                Count(ref _echoRepliesSent);
            }
            else
            {
                Count(ref _sendFailures);
            }
            return;
        }
        Count(ref _ignored);
    }

    private void TrackSequence(uint source, uint sequence)
    {
        if (!_expectedSequence.TryGetValue(source, out var expected))
        {
            _expectedSequence[source] = sequence + 1;
            return;
        }
        if (sequence == expected)
        {
            _expectedSequence[source] = sequence + 1;
        }
        else if (sequence > expected)
        {
            Volatile.Write(ref _lost, _lost + (sequence - expected));
            _expectedSequence[source] = sequence + 1;
        }
        else
        {
            Count(ref _outOfOrder);
            if (_lost > 0)
            {
                Volatile.Write(ref _lost, _lost - 1);
            }
        }
    }

    // Single writer (the runner's thread); readers on other threads see whole values.
    private static void Count(ref long counter) => Volatile.Write(ref counter, counter + 1);
}
