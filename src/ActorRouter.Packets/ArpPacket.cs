using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace ActorRouter.Packets;

/// <summary>An ARP packet for IPv4 over Ethernet (RFC 826): 28 bytes, read and written in place.</summary>
public readonly ref struct ArpPacket
{
    public const int Length = 28;
    public const ushort HardwareTypeEthernet = 1;

    private readonly Span<byte> _packet;

    private ArpPacket(Span<byte> packet) => _packet = packet;

    /// <summary>Accepts 28 bytes or more of Ethernet/IPv4 ARP (htype 1, ptype 0x0800, hlen 6, plen 4).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParse(Span<byte> packet, out ArpPacket arp)
    {
        arp = new ArpPacket(packet);
        // The address offsets below hold only for these lengths, so any other ARP flavour is refused.
        return packet.Length >= Length
            && BinaryPrimitives.ReadUInt32BigEndian(packet) == ((uint)HardwareTypeEthernet << 16 | EtherTypes.Ipv4)
            && packet[4] == MacAddress.Length
            && packet[5] == 4;
    }

    public static ArpPacket Write(Span<byte> packet, ArpOperation operation, MacAddress senderMac, uint senderIp, MacAddress targetMac, uint targetIp)
    {
        if (packet.Length < Length)
        {
            throw new ArgumentException($"an ARP packet needs {Length} bytes, the buffer has {packet.Length}", nameof(packet));
        }

        var arp = new ArpPacket(packet)
        {
            HardwareType = HardwareTypeEthernet,
            ProtocolType = EtherTypes.Ipv4,
            HardwareLength = MacAddress.Length,
            ProtocolLength = 4,
            Operation = operation,
            SenderHardwareAddress = senderMac,
            SenderProtocolAddress = senderIp,
            TargetHardwareAddress = targetMac,
            TargetProtocolAddress = targetIp,
        };
        return arp;
    }

    public ushort HardwareType
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_packet);
        set => BinaryPrimitives.WriteUInt16BigEndian(_packet, value);
    }

    public ushort ProtocolType
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_packet[2..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_packet[2..], value);
    }

    public byte HardwareLength
    {
        get => _packet[4];
        set => _packet[4] = value;
    }

    public byte ProtocolLength
    {
        get => _packet[5];
        set => _packet[5] = value;
    }

    public ArpOperation Operation
    {
        get => (ArpOperation)BinaryPrimitives.ReadUInt16BigEndian(_packet[6..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_packet[6..], (ushort)value);
    }

    public MacAddress SenderHardwareAddress
    {
        get => MacAddress.Read(_packet[8..]);
        set => value.Write(_packet[8..]);
    }

    public uint SenderProtocolAddress
    {
        get => BinaryPrimitives.ReadUInt32BigEndian(_packet[14..]);
        set => BinaryPrimitives.WriteUInt32BigEndian(_packet[14..], value);
    }

    public MacAddress TargetHardwareAddress
    {
        get => MacAddress.Read(_packet[18..]);
        set => value.Write(_packet[18..]);
    }

    public uint TargetProtocolAddress
    {
        get => BinaryPrimitives.ReadUInt32BigEndian(_packet[24..]);
        set => BinaryPrimitives.WriteUInt32BigEndian(_packet[24..], value);
    }
}
