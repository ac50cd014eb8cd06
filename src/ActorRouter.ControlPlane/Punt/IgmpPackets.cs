using System.Buffers.Binary;
using ActorRouter.Packets;

namespace ActorRouter.ControlPlane.Punt;

/// <summary>IGMP message types (RFC 2236 §2, RFC 3376 §4).</summary>
public static class IgmpTypes
{
    public const byte MembershipQuery = 0x11;
    public const byte V1MembershipReport = 0x12;
    public const byte V2MembershipReport = 0x16;
    public const byte V2LeaveGroup = 0x17;
    public const byte V3MembershipReport = 0x22;
}

/// <summary>IGMPv3 group record types (RFC 3376 §4.2.12).</summary>
public enum IgmpRecordType : byte
{
    ModeIsInclude = 1,
    ModeIsExclude = 2,
    ChangeToInclude = 3,
    ChangeToExclude = 4,
    AllowNewSources = 5,
    BlockOldSources = 6,
}

/// <summary>
/// Builds the router's IGMP queries: IPv4 with TTL 1, precedence 6 (TOS 0xc0) and the Router Alert option (RFC 2113), as
/// RFC 2236 §2 and RFC 3376 §4 ask, to 224.0.0.1 (general query) or the group (group-specific), from the interface's address.
/// </summary>
public static class IgmpPackets
{
    public const uint AllSystems = 0xE0000001;
    public const uint AllRouters = 0xE0000002;
    public const uint AllIgmpv3Routers = 0xE0000016;

    /// <summary>The Ethernet address of IPv4 group <paramref name="group"/>: 01:00:5e and its low 23 bits (RFC 1112 §6.4).</summary>
    public static ulong MacOf(uint group) => 0x01005E000000UL | (group & 0x7FFFFF);

    /// <summary>
    /// A query frame: version 3 (12-byte message with S clear, QRV and QQIC) or version 2 (8 bytes); <paramref name="group"/> 0
    /// for a general query. <paramref name="maxResponse"/> and <paramref name="queryInterval"/> are coded as RFC 3376 §4.1.1 and §4.1.7 say.
    /// </summary>
    public static byte[] Query(int version, ulong sourceMac, uint source, uint group, TimeSpan maxResponse, int robustness, TimeSpan queryInterval)
    {
        var igmpLength = version == 3 ? 12 : 8;
        var ipLength = 24 + igmpLength;
        var frame = new byte[14 + ipLength];
        var destination = group == 0 ? AllSystems : group;
        var span = frame.AsSpan();
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)(MacOf(destination) >> 16));
        BinaryPrimitives.WriteUInt16BigEndian(span[4..], (ushort)MacOf(destination));
        BinaryPrimitives.WriteUInt32BigEndian(span[6..], (uint)(sourceMac >> 16));
        BinaryPrimitives.WriteUInt16BigEndian(span[10..], (ushort)sourceMac);
        BinaryPrimitives.WriteUInt16BigEndian(span[12..], EtherTypes.Ipv4);
        var ip = span[14..];
        ip[0] = 0x46;
        ip[1] = 0xC0;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)ipLength);
        ip[8] = 1;
        ip[9] = IpProtocols.Igmp;
        BinaryPrimitives.WriteUInt32BigEndian(ip[12..], source);
        BinaryPrimitives.WriteUInt32BigEndian(ip[16..], destination);
        ip[20] = 0x94;
        ip[21] = 0x04;
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], InternetChecksum.Compute(ip[..24]));
        var igmp = ip[24..];
        igmp[0] = IgmpTypes.MembershipQuery;
        var tenths = (int)Math.Round(maxResponse.TotalMilliseconds / 100);
        igmp[1] = version == 3 ? Code(tenths) : (byte)Math.Clamp(tenths, 1, 255);
        BinaryPrimitives.WriteUInt32BigEndian(igmp[4..], group);
        if (version == 3)
        {
            igmp[8] = (byte)(robustness <= 7 ? robustness : 0);
            igmp[9] = Code((int)Math.Max(1, queryInterval.TotalSeconds));
        }
        BinaryPrimitives.WriteUInt16BigEndian(igmp[2..], InternetChecksum.Compute(igmp));
        return frame;
    }

    /// <summary>RFC 3376 §4.1.1: below 128 the value itself; above, 1 eee mmmm standing for (mmmm | 0x10) &lt;&lt; (eee + 3).</summary>
    public static byte Code(int value)
    {
        if (value < 128)
        {
            return (byte)Math.Max(0, value);
        }
        for (var exponent = 0; exponent < 8; exponent++)
        {
            var mantissa = value >> (exponent + 3);
            if (mantissa <= 0x1F)
            {
                return (byte)(0x80 | (exponent << 4) | (mantissa & 0x0F));
            }
        }
        return 0xFF;
    }

    /// <summary>The value a code stands for (the inverse of <see cref="Code"/>).</summary>
    public static int Decode(byte code) => code < 128 ? code : ((code & 0x0F) | 0x10) << (((code >> 4) & 0x07) + 3);
}
