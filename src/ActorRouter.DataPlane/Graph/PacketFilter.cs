using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using ActorRouter.Packets;

namespace ActorRouter.DataPlane.Graph;

/// <summary>
/// The <c>match FILTER</c> of packet trace and capture: a conjunction of terms, each optionally joined
/// by <c>and</c>, evaluated on a frame's bytes without allocating:
/// <list type="bullet">
/// <item><c>[src|dst] host A.B.C.D</c> — the source, the destination, or either address is A.B.C.D;</item>
/// <item><c>[src|dst] net A.B.C.D/LEN</c> — likewise within a prefix;</item>
/// <item><c>proto icmp|udp|tcp|N</c> (or just <c>icmp</c>, <c>udp</c>, <c>tcp</c>) — the IPv4 protocol;</item>
/// <item><c>[src|dst] port N</c> — a UDP or TCP port (first fragments and whole packets only).</item>
/// </list>
/// A frame that is not IPv4 (after at most one 802.1Q tag) matches no filter with a term; the empty
/// filter matches every frame.
/// </summary>
public sealed unsafe class PacketFilter
{
    public const int MaxTerms = 16;

    private enum TermKind : byte { Address, Protocol, Port }

    private enum Side : byte { Either, Source, Destination }

    private readonly TermKind[] _kinds;
    private readonly Side[] _sides;
    private readonly uint[] _values;
    private readonly uint[] _masks;

    private PacketFilter(string text, List<(TermKind Kind, Side Side, uint Value, uint Mask)> terms)
    {
        Text = text;
        _kinds = terms.Select(t => t.Kind).ToArray();
        _sides = terms.Select(t => t.Side).ToArray();
        _values = terms.Select(t => t.Value).ToArray();
        _masks = terms.Select(t => t.Mask).ToArray();
    }

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
        var terms = new List<(TermKind, Side, uint, uint)>();
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
            if (word is "icmp" or "udp" or "tcp")
            {
                terms.Add((TermKind.Protocol, Side.Either, ProtocolNumber(word), 0));
                i++;
                continue;
            }
            if (word is not ("host" or "net" or "port" or "proto"))
            {
                error = $"unknown filter word '{words[i]}' (expected [src|dst] host A.B.C.D, [src|dst] net A.B.C.D/LEN, proto icmp|udp|tcp|N, [src|dst] port N, joined by 'and')";
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
                case "host":
                    if (!Ipv4Address.TryParse(value, out uint host))
                    {
                        error = $"'{value}' is not an IPv4 address (host A.B.C.D)";
                        return false;
                    }
                    terms.Add((TermKind.Address, side, host, uint.MaxValue));
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
                    terms.Add((TermKind.Address, side, network & mask, mask));
                    break;
                case "proto":
                    var number = value.ToLowerInvariant() is "icmp" or "udp" or "tcp" ? ProtocolNumber(value.ToLowerInvariant())
                        : uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= 255 ? n : uint.MaxValue;
                    if (number == uint.MaxValue)
                    {
                        error = $"'{value}' is not a protocol (icmp, udp, tcp or 0..255)";
                        return false;
                    }
                    terms.Add((TermKind.Protocol, Side.Either, number, 0));
                    break;
                default:
                    if (!uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
                    {
                        error = $"'{value}' is not a port (0..65535)";
                        return false;
                    }
                    terms.Add((TermKind.Port, side, port, 0));
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
        if (etherType != EtherTypes.Ipv4 || length < l3 + 20 || frame[l3] >> 4 != 4)
        {
            return false;
        }
        var ip = frame + l3;
        var headerLength = (ip[0] & 0x0F) * 4;
        var source = BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(ip + 12, 4));
        var destination = BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(ip + 16, 4));
        uint protocol = ip[9];
        var firstFragment = (BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(ip + 6, 2)) & 0x1FFF) == 0;
        var hasPorts = firstFragment && (protocol == IpProtocols.Udp || protocol == IpProtocols.Tcp) && length >= l3 + headerLength + 4;
        uint sourcePort = hasPorts ? (uint)BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(ip + headerLength, 2)) : 0;
        uint destinationPort = hasPorts ? (uint)BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(ip + headerLength + 2, 2)) : 0;
        for (var t = 0; t < kinds.Length; t++)
        {
            var value = _values[t];
            var side = _sides[t];
            bool ok;
            switch (kinds[t])
            {
                case TermKind.Address:
                    var mask = _masks[t];
                    ok = (side != Side.Destination && (source & mask) == value) || (side != Side.Source && (destination & mask) == value);
                    break;
                case TermKind.Protocol:
                    ok = protocol == value;
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
