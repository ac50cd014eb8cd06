using System.Buffers.Binary;
using ActorRouter.DataPlane.Interfaces;
using ActorRouter.Packets;

namespace ActorRouter.ControlPlane.Punt;

/// <summary>
/// The frames neighbour discovery sends from the control plane (RFC 4861 §4, RFC 2464 §7): solicitations, with the
/// source of RFC 4861 §7.2.2. Each call builds one new frame (a control-plane rate, not the data plane's).
/// </summary>
public static class NeighborDiscoveryFrames
{
    public const int EthernetLength = 14;
    public const byte HopLimit = 255;
    public const byte SourceLinkLayerOption = 1, TargetLinkLayerOption = 2, PrefixInformationOption = 3, MtuOption = 5;
    public static readonly UInt128 AllNodes = (UInt128)0xFF02UL << 112 | 1;
    public static readonly UInt128 AllRouters = (UInt128)0xFF02UL << 112 | 2;

    /// <summary>The Ethernet group address of an IPv6 multicast group (RFC 2464 §7): 33:33 and the group's last four bytes.</summary>
    public static ulong GroupMac(UInt128 group) => 0x3333_0000_0000UL | (uint)group;

    /// <summary>The solicited-node multicast group of an address (RFC 4291 §2.7.1): ff02::1:ff00:0/104 and its low 24 bits.</summary>
    public static UInt128 SolicitedNodeGroup(UInt128 address)
        => ((UInt128)0xFF02UL << 112) | ((UInt128)0x1FF << 24) | (address & 0xFF_FFFF);

    /// <summary>The router's address on the target's prefix of that interface, else its link-local address (RFC 4861 §7.2.2).</summary>
    public static UInt128 SourceFor(Uidb egress, UInt128 target)
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

    /// <summary>
    /// A neighbour solicitation for <paramref name="target"/> out of <paramref name="egress"/>: multicast to its
    /// solicited-node group (resolution) or, with <paramref name="unicastMac"/>, to the target itself (a probe of a
    /// known neighbour, RFC 4861 §7.3.3); with the router's source link-layer address option. From the unspecified
    /// address (<paramref name="fromUnspecified"/>: duplicate address detection, RFC 4862 §5.4.2) it carries no option.
    /// </summary>
    public static byte[] Solicitation(Uidb egress, UInt128 target, ulong? unicastMac = null, bool fromUnspecified = false)
    {
        var group = SolicitedNodeGroup(target);
        var destination = unicastMac is null ? group : target;
        var destinationMac = unicastMac ?? GroupMac(group);
        var source = fromUnspecified ? UInt128.Zero : SourceFor(egress, target);
        var length = fromUnspecified ? 24 : 32;
        var frame = new byte[EthernetLength + Ipv6Header.Length + length];
        var message = WriteHeaders(frame, destinationMac, egress.Mac, source, destination, length);
        message[0] = Icmpv6Types.NeighborSolicitation;
        BinaryPrimitives.WriteUInt128BigEndian(message[8..], target);
        if (!fromUnspecified)
        {
            message[24] = SourceLinkLayerOption;
            message[25] = 1;
            new MacAddress(egress.Mac).Write(message[26..]);
        }
        Finish(frame);
        return frame;
    }

    /// <summary>The Cur Hop Limit an advertisement tells hosts to use (RFC 4861 §4.2; the value of RFC 8200's AdvCurHopLimit default).</summary>
    public const byte AdvertisedHopLimit = 64;
    /// <summary>The lifetimes of advertised prefixes (RFC 4861 §6.2.1 AdvValidLifetime 30 days, AdvPreferredLifetime 7 days).</summary>
    public const uint PrefixValidLifetime = 2_592_000, PrefixPreferredLifetime = 604_800;
    /// <summary>The Prefix Information flags: on-link (L) and autonomous address configuration (A).</summary>
    public const byte OnLinkFlag = 0x80, AutonomousFlag = 0x40;

    /// <summary>
    /// A router advertisement (RFC 4861 §4.2) out of <paramref name="egress"/> from its link-local address to all-nodes:
    /// Cur Hop Limit 64, no M or O flag, the Router Lifetime in seconds, Reachable Time and Retrans Timer unspecified (0);
    /// options: the source link-layer address, the MTU, and one Prefix Information (L and A, so hosts configure an
    /// address by SLAAC, RFC 4862) for each /64 of the interface — longer or shorter prefixes cannot be used by SLAAC
    /// and are not advertised.
    /// </summary>
    public static byte[] RouterAdvertisement(Uidb egress, TimeSpan routerLifetime)
    {
        var prefixes = 0;
        foreach (var a in egress.Ipv6Addresses)
        {
            prefixes += a.PrefixLength == 64 ? 1 : 0;
        }
        var length = 16 + 8 + 8 + 32 * prefixes;
        var frame = new byte[EthernetLength + Ipv6Header.Length + length];
        var message = WriteHeaders(frame, GroupMac(AllNodes), egress.Mac, egress.Ipv6LinkLocal, AllNodes, length);
        message[0] = Icmpv6Types.RouterAdvertisement;
        message[4] = AdvertisedHopLimit;
        BinaryPrimitives.WriteUInt16BigEndian(message[6..], (ushort)Math.Min(ushort.MaxValue, (long)routerLifetime.TotalSeconds));
        var option = message[16..];
        option[0] = SourceLinkLayerOption;
        option[1] = 1;
        new MacAddress(egress.Mac).Write(option[2..]);
        option = option[8..];
        option[0] = MtuOption;
        option[1] = 1;
        BinaryPrimitives.WriteUInt32BigEndian(option[4..], (uint)egress.Mtu);
        option = option[8..];
        foreach (var a in egress.Ipv6Addresses)
        {
            if (a.PrefixLength != 64)
            {
                continue;
            }
            option[0] = PrefixInformationOption;
            option[1] = 4;
            option[2] = 64;
            option[3] = OnLinkFlag | AutonomousFlag;
            BinaryPrimitives.WriteUInt32BigEndian(option[4..], PrefixValidLifetime);
            BinaryPrimitives.WriteUInt32BigEndian(option[8..], PrefixPreferredLifetime);
            BinaryPrimitives.WriteUInt128BigEndian(option[16..], a.Address & (UInt128.MaxValue << 64));
            option = option[32..];
        }
        Finish(frame);
        return frame;
    }

    /// <summary>MLDv2's all-routers group for reports (RFC 3810 §5.2.14): ff02::16.</summary>
    public static readonly UInt128 AllMldv2Routers = (UInt128)0xFF02UL << 112 | 0x16;
    /// <summary>MLDv2 record type CHANGE_TO_EXCLUDE_MODE (RFC 3810 §5.2.12): a join of the whole group (no sources).</summary>
    public const byte ChangeToExcludeMode = 4;

    /// <summary>
    /// An MLDv2 report (RFC 3810 §5.2) out of <paramref name="egress"/> joining <paramref name="groups"/>: from the
    /// link-local address to ff02::16 (33:33:00:00:00:16), hop limit 1, with a Hop-by-Hop header carrying the Router
    /// Alert option (RFC 2711, value 0: MLD) and PadN; one CHANGE_TO_EXCLUDE_MODE record with no sources per group.
    /// </summary>
    public static byte[] MulticastListenerReport(Uidb egress, IReadOnlyList<UInt128> groups)
    {
        const int hopByHopLength = 8;
        var icmpLength = 8 + 20 * groups.Count;
        var frame = new byte[EthernetLength + Ipv6Header.Length + hopByHopLength + icmpLength];
        var payload = WriteHeaders(frame, GroupMac(AllMldv2Routers), egress.Mac, egress.Ipv6LinkLocal, AllMldv2Routers, hopByHopLength + icmpLength,
            nextHeader: 0, hopLimit: 1);
        payload[0] = IpProtocols.Icmpv6; // the Hop-by-Hop header's next header
        payload[1] = 0;                  // 8 bytes long
        payload[2] = 5;                  // Router Alert
        payload[3] = 2;
        // payload[4..6): value 0, MLD
        payload[6] = 1;                  // PadN of 0 bytes fills the header
        payload[7] = 0;
        var message = payload[hopByHopLength..];
        message[0] = Icmpv6Types.MulticastListenerReportV2;
        BinaryPrimitives.WriteUInt16BigEndian(message[6..], (ushort)groups.Count);
        var record = message[8..];
        foreach (var group in groups)
        {
            record[0] = ChangeToExcludeMode;
            BinaryPrimitives.WriteUInt128BigEndian(record[4..], group);
            record = record[20..];
        }
        if (Ipv6Header.TryParse(frame.AsSpan(EthernetLength), out var ip) && Icmpv6Header.TryParse(message, out var header))
        {
            header.UpdateChecksum(ip.SourceBytes, ip.DestinationBytes);
        }
        return frame;
    }

    /// <summary>Writes the Ethernet and IPv6 headers (ICMPv6, hop limit 255, traffic class 0); returns the ICMPv6 message, zeroed.</summary>
    public static Span<byte> WriteHeaders(Span<byte> frame, ulong destinationMac, ulong sourceMac, UInt128 source, UInt128 destination, int messageLength,
        byte nextHeader = IpProtocols.Icmpv6, byte hopLimit = HopLimit)
    {
        EthernetHeader.Write(frame, new MacAddress(destinationMac), new MacAddress(sourceMac), EtherTypes.Ipv6);
        var ip = Ipv6Header.Write(frame[EthernetLength..]);
        ip.TrafficClass = 0;
        ip.PayloadLength = (ushort)messageLength;
        ip.NextHeader = nextHeader;
        ip.HopLimit = hopLimit;
        ip.Source = source;
        ip.Destination = destination;
        var message = frame.Slice(EthernetLength + Ipv6Header.Length, messageLength);
        message.Clear();
        return message;
    }

    /// <summary>Fills in the ICMPv6 checksum of a frame <see cref="WriteHeaders"/> laid out (the message right after the IPv6 header).</summary>
    public static void Finish(Span<byte> frame)
    {
        if (Ipv6Header.TryParse(frame[EthernetLength..], out var ip) && Icmpv6Header.TryParse(ip.Payload, out var header))
        {
            header.UpdateChecksum(ip.SourceBytes, ip.DestinationBytes);
        }
    }
}
