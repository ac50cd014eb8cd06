using System.Buffers.Binary;
using ActorRouter.Packets;

namespace ActorRouter.Benchmarks.Fuzz;

/// <summary>
/// Structure-aware frame mutator for the fuzz rig: starts from valid frames of every kind the router
/// meets (Ethernet, 802.1Q, ARP, IPv4 with and without options, fragments, ICMP, UDP, TCP, IPv6, broadcast)
/// and mutates fields, lengths, tags, options and fragment fields, or sends raw random bytes. Seeded
/// and deterministic: the same seed gives the same frames. No allocation per frame.
/// </summary>
/// <remarks>
/// The IPv4 identification field is the rig's key for each frame: the mutator writes the frame's
/// sequence number there (and records the TTL it sent), so the checker can match a forwarded frame,
/// or a fragment of it, to what was sent. The other fields are all fair game. The router's own
/// addresses are never written as a source, so that an ICMP error the router generates cannot be
/// mistaken for a forwarded frame.
/// </remarks>
public sealed class FuzzFrames
{
    public const int MaxFrameLength = 1600;

    public static readonly MacAddress[] RouterMacs = [MacAddress.Parse("02:00:00:00:00:01"), MacAddress.Parse("02:00:00:00:00:02")];
    public static readonly MacAddress[] HostMacs = [MacAddress.Parse("02:00:00:00:0a:01"), MacAddress.Parse("02:00:00:00:0a:02")];
    public static readonly MacAddress VlanHostMac = MacAddress.Parse("02:00:00:00:0a:03");

    /// <summary>Gi1 192.0.2.1/24, Gi2 198.51.100.1/24, Gi1.100 (VLAN 100) 203.0.113.1/24.</summary>
    public static readonly uint[] RouterAddresses = [Ipv4Address.Parse("192.0.2.1"), Ipv4Address.Parse("198.51.100.1"), Ipv4Address.Parse("203.0.113.1")];
    public static readonly uint[] HostAddresses = [Ipv4Address.Parse("192.0.2.10"), Ipv4Address.Parse("198.51.100.10"), Ipv4Address.Parse("203.0.113.10")];
    public const ushort Vlan = 100;

    private static readonly uint[] InterestingAddresses =
    [
        0, 0xFFFFFFFF, Ipv4Address.Parse("127.0.0.1"), Ipv4Address.Parse("224.0.0.5"), Ipv4Address.Parse("240.0.0.1"),
        Ipv4Address.Parse("192.0.2.255"), Ipv4Address.Parse("198.51.100.255"), Ipv4Address.Parse("192.0.2.0"),
        Ipv4Address.Parse("192.0.2.10"), Ipv4Address.Parse("198.51.100.10"), Ipv4Address.Parse("203.0.113.10"),
        Ipv4Address.Parse("198.51.100.77"), Ipv4Address.Parse("10.1.2.3"), Ipv4Address.Parse("172.16.0.5"), Ipv4Address.Parse("8.8.8.8"),
        Ipv4Address.Parse("192.0.2.1"), Ipv4Address.Parse("198.51.100.1"), Ipv4Address.Parse("203.0.113.1"),
    ];

    private static readonly ushort[] InterestingEtherTypes = [0x0800, 0x0806, 0x86DD, 0x8100, 0x88A8, 0x9100, 0x0000, 0xFFFF];

    private readonly Random _random;
    private readonly byte[][][] _templates;

    public FuzzFrames(int seed)
    {
        _random = new Random(seed);
        _templates = [Templates(0), Templates(1)];
    }

    /// <summary>Writes the next frame for the port <paramref name="port"/> (0: Gi1's host, 1: Gi2's) into <paramref name="frame"/>; returns its length.</summary>
    /// <param name="sequence">Written as the IPv4 identification of an IPv4-shaped frame (low 16 bits).</param>
    /// <param name="ttl">The TTL the frame carries (when <paramref name="ipv4Shaped"/>).</param>
    public int Next(int port, Span<byte> frame, ushort sequence, out bool ipv4Shaped, out byte ttl)
    {
        var random = _random;
        int length;
        if (random.Next(20) == 0)
        {
            length = RawRandom(port, frame);
        }
        else
        {
            var templates = _templates[port];
            var template = templates[random.Next(templates.Length)];
            template.CopyTo(frame);
            length = template.Length;
            var mutations = random.Next(4);
            for (var i = 0; i < mutations; i++)
            {
                length = Mutate(port, frame, length);
            }
        }
        ipv4Shaped = false;
        ttl = 0;
        var ip = Ipv4Offset(frame[..length]);
        if (ip < 0)
        {
            return length;
        }
        ipv4Shaped = true;
        var header = frame[ip..];
        ttl = header[8];
        var oldId = BinaryPrimitives.ReadUInt16BigEndian(header[4..]);
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], sequence);
        var headerLength = (header[0] & 0x0F) * 4;
        if (random.Next(10) < 8 && headerLength >= 20 && ip + headerLength <= length)
        {
            // Most frames get a correct checksum so that their mutations reach the nodes past ip4-input.
            header[10] = 0;
            header[11] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(header[10..], InternetChecksum.Compute(header[..headerLength]));
        }
        else
        {
            // The rest keep whatever validity their checksum had: only the key's change is folded in.
            var checksum = BinaryPrimitives.ReadUInt16BigEndian(header[10..]);
            BinaryPrimitives.WriteUInt16BigEndian(header[10..], InternetChecksum.IncrementalUpdate(checksum, oldId, sequence));
        }
        return length;
    }

    /// <summary>Where the router would find an IPv4 header: after an untagged or a single-tagged IPv4 EtherType; -1 when not IPv4 or too short.</summary>
    public static int Ipv4Offset(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < 14)
        {
            return -1;
        }
        var etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
        var offset = etherType switch
        {
            0x0800 => 14,
            0x8100 when frame.Length >= 18 && BinaryPrimitives.ReadUInt16BigEndian(frame[16..]) == 0x0800 => 18,
            _ => -1,
        };
        return offset >= 0 && frame.Length >= offset + 20 ? offset : -1;
    }

    private int RawRandom(int port, Span<byte> frame)
    {
        var length = 1 + _random.Next(MaxFrameLength);
        _random.NextBytes(frame[..length]);
        if (length >= 14 && _random.Next(2) == 0)
        {
            // Past the MAC filter, into ethernet-input's EtherType switch.
            RouterMacs[port].Write(frame);
            BinaryPrimitives.WriteUInt16BigEndian(frame[12..], InterestingEtherTypes[_random.Next(InterestingEtherTypes.Length)]);
        }
        return length;
    }

    private int Mutate(int port, Span<byte> frame, int length)
    {
        var random = _random;
        var ip = Ipv4Offset(frame[..length]);
        switch (random.Next(13))
        {
            case 0:
                if (length > 0)
                {
                    frame[random.Next(length)] ^= (byte)(1 << random.Next(8));
                }
                return length;
            case 1:
                if (length > 0)
                {
                    frame[random.Next(length)] = (byte)random.Next(256);
                }
                return length;
            case 2 or 3 or 4:
                if (ip >= 0)
                {
                    MutateIpv4Field(frame[ip..length]);
                }
                return length;
            case 5:
                return 1 + random.Next(length);
            case 6:
            {
                var longer = Math.Min(MaxFrameLength, length + 1 + random.Next(64));
                random.NextBytes(frame[length..longer]);
                return longer;
            }
            case 7:
                if (length >= 14)
                {
                    BinaryPrimitives.WriteUInt16BigEndian(frame[12..], InterestingEtherTypes[random.Next(InterestingEtherTypes.Length)]);
                }
                return length;
            case 8:
                if (length >= 14 && length + 4 <= MaxFrameLength)
                {
                    frame[12..length].CopyTo(frame[16..]);
                    BinaryPrimitives.WriteUInt16BigEndian(frame[12..], random.Next(4) == 0 ? (ushort)0x88A8 : (ushort)0x8100);
                    ushort[] vlans = [Vlan, Vlan, 200, 0, 4095];
                    BinaryPrimitives.WriteUInt16BigEndian(frame[14..], (ushort)((random.Next(8) << 13) | vlans[random.Next(vlans.Length)]));
                    return length + 4;
                }
                return length;
            case 9:
                if (length >= 18 && BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) == 0x8100)
                {
                    frame[16..length].CopyTo(frame[12..]);
                    return length - 4;
                }
                return length;
            case 10:
                if (length >= 6)
                {
                    switch (random.Next(4))
                    {
                        case 0: MacAddress.Broadcast.Write(frame); break;
                        case 1: frame[0] = 0x01; frame[1] = 0x00; frame[2] = 0x5E; break;
                        case 2: random.NextBytes(frame[..6]); break;
                        default: RouterMacs[port].Write(frame); break;
                    }
                }
                return length;
            case 11:
                // IPv4 options: grow the header by 4..40 bytes of well-formed or random options.
                if (ip >= 0 && (frame[ip] & 0x0F) == 5)
                {
                    var words = 1 + random.Next(10);
                    var added = words * 4;
                    if (length + added > MaxFrameLength)
                    {
                        return length;
                    }
                    frame[(ip + 20)..length].CopyTo(frame[(ip + 20 + added)..]);
                    var options = frame.Slice(ip + 20, added);
                    if (random.Next(2) == 0)
                    {
                        random.NextBytes(options);
                    }
                    else
                    {
                        // Record route with room for the rest, then end of list.
                        options.Clear();
                        options[0] = 7;
                        options[1] = (byte)Math.Min(added, 39);
                        options[2] = 4;
                    }
                    frame[ip] = (byte)(0x40 | (5 + words));
                    var total = BinaryPrimitives.ReadUInt16BigEndian(frame[(ip + 2)..]);
                    BinaryPrimitives.WriteUInt16BigEndian(frame[(ip + 2)..], (ushort)(total + added));
                    return length + added;
                }
                return length;
            default:
                // Transport or ARP body: random bytes right after the network header.
                var start = ip >= 0 ? ip + Math.Max(20, (frame[ip] & 0x0F) * 4) : 14;
                if (start < length)
                {
                    var count = Math.Min(length - start, 1 + random.Next(8));
                    random.NextBytes(frame.Slice(start + random.Next(length - start - count + 1), count));
                }
                return length;
        }
    }

    private void MutateIpv4Field(Span<byte> header)
    {
        var random = _random;
        switch (random.Next(10))
        {
            case 0:
                header[0] = random.Next(2) == 0 ? (byte)random.Next(256) : (byte)(0x40 | random.Next(16));
                break;
            case 1:
                header[1] = (byte)random.Next(256);
                break;
            case 2:
            {
                var total = BinaryPrimitives.ReadUInt16BigEndian(header[2..]);
                var changed = random.Next(3) switch
                {
                    0 => (ushort)random.Next(65536),
                    1 => (ushort)(total + random.Next(-24, 25)),
                    _ => (ushort)random.Next(0, 21),
                };
                BinaryPrimitives.WriteUInt16BigEndian(header[2..], changed);
                break;
            }
            case 3:
            {
                // Flags and fragment offset: DF, MF, reserved bit, offsets near the 13-bit limit.
                ushort[] flags = [0x0000, 0x4000, 0x2000, 0x8000, 0x2001, 0x0001, 0x1FFF, 0x3FFF, 0x1FF0];
                var value = random.Next(2) == 0 ? flags[random.Next(flags.Length)] : (ushort)random.Next(65536);
                BinaryPrimitives.WriteUInt16BigEndian(header[6..], value);
                break;
            }
            case 4 or 5:
            {
                byte[] ttls = [0, 1, 2, 64, 255];
                header[8] = random.Next(3) == 0 ? (byte)random.Next(256) : ttls[random.Next(ttls.Length)];
                break;
            }
            case 6:
            {
                byte[] protocols = [1, 6, 17, 2, 47, 50, 89, 255];
                header[9] = protocols[random.Next(protocols.Length)];
                break;
            }
            case 7:
            {
                var source = random.Next(2) == 0 ? InterestingAddresses[random.Next(InterestingAddresses.Length)] : (uint)random.NextInt64(0, 1L << 32);
                if (Array.IndexOf(RouterAddresses, source) >= 0)
                {
                    source = HostAddresses[0];
                }
                BinaryPrimitives.WriteUInt32BigEndian(header[12..], source);
                break;
            }
            default:
            {
                var destination = random.Next(4) != 0 ? InterestingAddresses[random.Next(InterestingAddresses.Length)] : (uint)random.NextInt64(0, 1L << 32);
                BinaryPrimitives.WriteUInt32BigEndian(header[16..], destination);
                break;
            }
        }
    }

    /// <summary>The valid frames the mutations start from, as a host on port <paramref name="port"/> would send them.</summary>
    private static byte[][] Templates(int port)
    {
        var mac = HostMacs[port];
        var router = RouterMacs[port];
        var self = HostAddresses[port];
        var other = HostAddresses[1 - port];
        var small = new byte[18];
        var medium = new byte[512];
        var large = new byte[1472];
        for (var i = 0; i < large.Length; i++)
        {
            large[i] = (byte)i;
        }
        var list = new List<byte[]>
        {
            PacketBuilder.Udp(mac, router, self, other, 1000, 2000, small),
            PacketBuilder.Udp(mac, router, self, other, 1000, 2000, medium),
            PacketBuilder.Udp(mac, router, self, other, 1000, 2000, large),
            PacketBuilder.Udp(mac, router, self, other, 1000, 2000, large, new Ipv4Fields { DontFragment = true }),
            PacketBuilder.Udp(mac, router, self, HostAddresses[2], 1000, 2000, medium),
            PacketBuilder.Udp(mac, router, self, Ipv4Address.Parse("10.1.2.3"), 1000, 2000, small),
            PacketBuilder.Tcp(mac, router, self, Ipv4Address.Parse("10.9.8.7"), 40000, 443, 1, 0, TcpFlags.Syn, 65535, []),
            PacketBuilder.Tcp(mac, router, self, other, 40000, 80, 100, 200, TcpFlags.Ack | TcpFlags.Psh, 512, medium),
            PacketBuilder.IcmpEchoRequest(mac, router, self, other, 1, 1, small),
            PacketBuilder.IcmpEchoRequest(mac, router, self, RouterAddresses[port], 1, 1, small),
            PacketBuilder.Udp(mac, router, self, RouterAddresses[port], 1000, 161, small),
            PacketBuilder.Udp(mac, MacAddress.Broadcast, self, 0xFFFFFFFF, 68, 67, medium),
            PacketBuilder.Udp(mac, router, self, Ipv4Address.Parse("172.16.0.5"), 1000, 2000, small),
            PacketBuilder.Udp(mac, router, self, Ipv4Address.Parse("8.8.8.8"), 1000, 53, small),
            PacketBuilder.Udp(mac, router, self, other, 1000, 2000, small, new Ipv4Fields { Ttl = 1 }),
            PacketBuilder.Udp(mac, router, self, other, 1000, 2000, medium, new Ipv4Fields { Options = [0x01, 0x01, 0x07, 0x07, 0x04, 0, 0, 0, 0, 0, 0, 0] }),
            PacketBuilder.Udp(mac, router, self, other, 1000, 2000, medium, new Ipv4Fields { Options = [0x83, 0x07, 0x04, 0, 0, 0, 0, 0x00] }),
            PacketBuilder.ArpRequest(mac, self, RouterAddresses[port]),
            PacketBuilder.ArpReply(mac, self, router, RouterAddresses[port]),
            PacketBuilder.ArpRequest(mac, self, self),
            PacketBuilder.Icmpv6EchoRequest(mac, router, ((UInt128)0xFE80 << 112) | 1, ((UInt128)0xFE80 << 112) | 2, 1, 1, small),
        };
        // A first fragment and a later one.
        var first = PacketBuilder.Udp(mac, router, self, other, 1000, 2000, medium);
        BinaryPrimitives.WriteUInt16BigEndian(first.AsSpan(14 + 6), 0x2000);
        var later = PacketBuilder.Udp(mac, router, self, other, 1000, 2000, medium);
        BinaryPrimitives.WriteUInt16BigEndian(later.AsSpan(14 + 6), 0x0040);
        list.Add(first);
        list.Add(later);
        if (port == 0)
        {
            list.Add(PacketBuilder.Udp(VlanHostMac, router, HostAddresses[2], HostAddresses[1], 1000, 2000, medium, vlan: new VlanTci(Vlan)));
            list.Add(PacketBuilder.IcmpEchoRequest(VlanHostMac, router, HostAddresses[2], RouterAddresses[2], 1, 1, small, vlan: new VlanTci(Vlan)));
            list.Add(PacketBuilder.ArpRequest(VlanHostMac, HostAddresses[2], RouterAddresses[2], new VlanTci(Vlan)));
            list.Add(PacketBuilder.Udp(VlanHostMac, router, HostAddresses[2], HostAddresses[1], 1000, 2000, small, vlan: new VlanTci(200)));
        }
        return list.ToArray();
    }
}
