using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using ActorRouter.Packets;

namespace ActorRouter.DataPlane.Graph;

/// <summary>
/// The <c>match FILTER</c> of packet trace and capture: a conjunction of terms, each optionally joined
/// by <c>and</c>, evaluated on a frame's bytes without allocating:
/// <list type="bullet">
/// <item><c>[src|dst] host A.B.C.D</c> or <c>host X:X::X</c> — the source, the destination, or either address is that one;</item>
/// <item><c>[src|dst] net A.B.C.D/LEN</c> or <c>net X:X::X/LEN</c> — likewise within a prefix;</item>
/// <item><c>proto icmp|icmp6|udp|tcp|N</c> (or just <c>icmp</c>, <c>icmp6</c>, <c>udp</c>, <c>tcp</c>) — the IPv4 protocol, or
/// the IPv6 upper-layer header after the extension headers;</item>
/// <item><c>ip</c>, <c>ip6</c> — the packet is IPv4, IPv6;</item>
/// <item><c>[src|dst] port N</c> — a UDP or TCP port (first fragments and whole packets only).</item>
/// </list>
/// An IPv4 address term never matches an IPv6 packet, nor an IPv6 one an IPv4 packet. A frame that is neither
/// (after at most one 802.1Q tag) matches no filter with a term; the empty filter matches every frame.
/// </summary>
public sealed unsafe class PacketFilter
{
    public const int MaxTerms = 16;

    private enum TermKind : byte { Address, Address6, Protocol, Port, Version }

    private enum Side : byte { Either, Source, Destination }

    private readonly TermKind[] _kinds;
    private readonly Side[] _sides;
    private readonly uint[] _values;
    private readonly uint[] _masks;
    private readonly UInt128[] _values6;
    private readonly UInt128[] _masks6;

    private PacketFilter(string text, List<Term> terms)
    {
        Text = text;
        _kinds = terms.Select(t => t.Kind).ToArray();
        _sides = terms.Select(t => t.Side).ToArray();
        _values = terms.Select(t => t.Value).ToArray();
        _masks = terms.Select(t => t.Mask).ToArray();
        _values6 = terms.Select(t => t.Value6).ToArray();
        _masks6 = terms.Select(t => t.Mask6).ToArray();
    }

    private readonly record struct Term(TermKind Kind, Side Side, uint Value, uint Mask = 0, UInt128 Value6 = default, UInt128 Mask6 = default);

    /// <summary>Every frame.</summary>
    public static readonly PacketFilter All = new("", []);

    /// <summary>The filter as it was given, normalised to single spaces.</summary>
    public string Text { get; }

    public bool IsEmpty => _kinds.Length == 0;

    public override string ToString() => Text;

    /// <summary>Parses <paramref name="text"/>; false with <paramref name="error"/> saying what is wrong.</summary>
    public static bool TryParse(string? text, out PacketFilter filter, out string? error)
    {
        filter = All;
        error = null;
        var words = (text ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var terms = new List<Term>();
        var i = 0;
        while (i < words.Length)
        {
            if (terms.Count > 0 && words[i].Equals("and", StringComparison.OrdinalIgnoreCase))
            {
                i++;
                if (i == words.Length)
                {
                    error = "the filter ends with 'and'";
                    return false;
                }
            }
            var side = Side.Either;
            var word = words[i].ToLowerInvariant();
            if (word is "src" or "dst")
            {
                side = word == "src" ? Side.Source : Side.Destination;
                if (++i == words.Length)
                {
                    error = $"'{word}' must be followed by host, net or port";
                    return false;
                }
                word = words[i].ToLowerInvariant();
                if (word is not ("host" or "net" or "port"))
                {
                    error = $"'{words[i - 1]} {words[i]}': after src or dst comes host, net or port";
                    return false;
                }
            }
            if (side == Side.Either && word is "icmp" or "icmp6" or "udp" or "tcp")
            {
                terms.Add(new Term(TermKind.Protocol, Side.Either, ProtocolNumber(word)));
                i++;
                continue;
            }
            if (side == Side.Either && word is "ip" or "ip6")
            {
                terms.Add(new Term(TermKind.Version, Side.Either, word == "ip" ? 4u : 6u));
                i++;
                continue;
            }
            if (word is not ("host" or "net" or "port" or "proto"))
            {
                error = $"unknown filter word '{words[i]}' (expected [src|dst] host A.B.C.D|X:X::X, [src|dst] net A.B.C.D/LEN|X:X::X/LEN, proto icmp|icmp6|udp|tcp|N, ip, ip6, [src|dst] port N, joined by 'and')";
                return false;
            }
            if (++i == words.Length)
            {
                error = $"'{word}' needs a value";
                return false;
            }
            var value = words[i++];
            switch (word)
            {
                case "host" when value.Contains(':'):
                    if (!Fib.Ipv6Route.TryParseAddress(value, out var host6))
                    {
                        error = $"'{value}' is not an IPv6 address (host X:X::X)";
                        return false;
                    }
                    terms.Add(new Term(TermKind.Address6, side, 0, 0, host6, UInt128.MaxValue));
                    break;
                case "host":
                    if (!Ipv4Address.TryParse(value, out uint host))
                    {
                        error = $"'{value}' is not an IPv4 address (host A.B.C.D)";
                        return false;
                    }
                    terms.Add(new Term(TermKind.Address, side, host, uint.MaxValue));
                    break;
                case "net" when value.Contains(':'):
                    var slash6 = value.IndexOf('/');
                    if (slash6 < 0 || !Fib.Ipv6Route.TryParseAddress(value[..slash6], out var network6)
                        || !int.TryParse(value.AsSpan(slash6 + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var length6) || length6 > 128)
                    {
                        error = $"'{value}' is not an IPv6 prefix (net X:X::X/LEN, LEN 0..128)";
                        return false;
                    }
                    var mask6 = length6 == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - length6);
                    terms.Add(new Term(TermKind.Address6, side, 0, 0, network6 & mask6, mask6));
                    break;
                case "net":
                    var slash = value.IndexOf('/');
                    if (slash < 0 || !Ipv4Address.TryParse(value.AsSpan(0, slash), out uint network)
                        || !int.TryParse(value.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length > 32)
                    {
                        error = $"'{value}' is not a prefix (net A.B.C.D/LEN, LEN 0..32)";
                        return false;
                    }
                    var mask = length == 0 ? 0u : uint.MaxValue << (32 - length);
                    terms.Add(new Term(TermKind.Address, side, network & mask, mask));
                    break;
                case "proto":
                    var number = value.ToLowerInvariant() is "icmp" or "icmp6" or "udp" or "tcp" ? ProtocolNumber(value.ToLowerInvariant())
                        : uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= 255 ? n : uint.MaxValue;
                    if (number == uint.MaxValue)
                    {
                        error = $"'{value}' is not a protocol (icmp, icmp6, udp, tcp or 0..255)";
                        return false;
                    }
                    terms.Add(new Term(TermKind.Protocol, Side.Either, number));
                    break;
                default:
                    if (!uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
                    {
                        error = $"'{value}' is not a port (0..65535)";
                        return false;
                    }
                    terms.Add(new Term(TermKind.Port, side, port));
                    break;
            }
            if (terms.Count > MaxTerms)
            {
                error = $"a filter has at most {MaxTerms} terms";
                return false;
            }
        }
        filter = terms.Count == 0 ? All : new PacketFilter(string.Join(' ', words), terms);
        return true;
    }

    private static uint ProtocolNumber(string name) => name switch
    {
        "icmp" => IpProtocols.Icmp,
        "icmp6" => IpProtocols.Icmpv6,
        "udp" => IpProtocols.Udp,
        _ => IpProtocols.Tcp,
    };

    /// <summary>Whether the Ethernet frame of <paramref name="length"/> bytes at <paramref name="frame"/> matches.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Matches(byte* frame, int length)
    {
        var kinds = _kinds;
        if (kinds.Length == 0)
        {
            return true;
        }
        var l3 = 14;
        if (length < l3)
        {
            return false;
        }
        var etherType = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(frame + 12, 2));
        if (etherType == EtherTypes.Vlan)
        {
            l3 += 4;
            if (length < l3)
            {
                return false;
            }
            etherType = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(frame + 16, 2));
        }
        uint version, protocol, sourcePort = 0, destinationPort = 0, source = 0, destination = 0;
        UInt128 source6 = 0, destination6 = 0;
        bool hasProtocol, hasPorts;
        var ip = frame + l3;
        if (etherType == EtherTypes.Ipv4 && length >= l3 + 20 && ip[0] >> 4 == 4)
        {
            version = 4;
            var headerLength = (ip[0] & 0x0F) * 4;
            source = BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(ip + 12, 4));
            destination = BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(ip + 16, 4));
            protocol = ip[9];
            hasProtocol = true;
            var firstFragment = (BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(ip + 6, 2)) & 0x1FFF) == 0;
            hasPorts = firstFragment && (protocol == IpProtocols.Udp || protocol == IpProtocols.Tcp) && length >= l3 + headerLength + 4;
            if (hasPorts)
            {
                sourcePort = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(ip + headerLength, 2));
                destinationPort = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(ip + headerLength + 2, 2));
            }
        }
        else if (etherType == EtherTypes.Ipv6 && length >= l3 + Ipv6Header.Length && ip[0] >> 4 == 6)
        {
            version = 6;
            source6 = BinaryPrimitives.ReadUInt128BigEndian(new ReadOnlySpan<byte>(ip + 8, 16));
            destination6 = BinaryPrimitives.ReadUInt128BigEndian(new ReadOnlySpan<byte>(ip + 24, 16));
            // The walk stays within the bytes the frame has: a filter sees frames before ip6-input has checked them.
            var available = length - l3;
            var payloadLength = Math.Min((ip[4] << 8) | ip[5], available - Ipv6Header.Length);
            hasProtocol = Nodes.Ip6InputNode.WalkExtensionHeaders(ip, payloadLength, out _, out var upperLayer, out var upperOffset) == Nodes.ChainVerdict.Forward
                && upperLayer != 255;
            protocol = upperLayer;
            hasPorts = hasProtocol && (protocol == IpProtocols.Udp || protocol == IpProtocols.Tcp) && upperOffset + 4 <= available;
            if (hasPorts)
            {
                sourcePort = (uint)((ip[upperOffset] << 8) | ip[upperOffset + 1]);
                destinationPort = (uint)((ip[upperOffset + 2] << 8) | ip[upperOffset + 3]);
            }
        }
        else
        {
            return false;
        }
        for (var t = 0; t < kinds.Length; t++)
        {
            var value = _values[t];
            var side = _sides[t];
            bool ok;
            switch (kinds[t])
            {
                case TermKind.Address:
                    var mask = _masks[t];
                    ok = version == 4 && ((side != Side.Destination && (source & mask) == value) || (side != Side.Source && (destination & mask) == value));
                    break;
                case TermKind.Address6:
                    var mask6 = _masks6[t];
                    var value6 = _values6[t];
                    ok = version == 6 && ((side != Side.Destination && (source6 & mask6) == value6) || (side != Side.Source && (destination6 & mask6) == value6));
                    break;
                case TermKind.Version:
                    ok = version == value;
                    break;
                case TermKind.Protocol:
                    ok = hasProtocol && protocol == value;
                    break;
                default:
                    ok = hasPorts && ((side != Side.Destination && sourcePort == value) || (side != Side.Source && destinationPort == value));
                    break;
            }
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }
}
