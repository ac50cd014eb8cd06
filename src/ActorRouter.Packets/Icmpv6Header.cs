using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace ActorRouter.Packets;

/// <summary>
/// An ICMPv6 message header (RFC 4443): type, code, checksum and the first four bytes of the message
/// body (identifier/sequence for echo, MTU for "packet too big").
/// </summary>
public readonly ref struct Icmpv6Header
{
    public const int Length = 8;

    private readonly Span<byte> _message;

    private Icmpv6Header(Span<byte> message) => _message = message;

    /// <summary>Accepts at least 8 bytes (every RFC 4443 message has them); the view covers the whole message.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParse(Span<byte> message, out Icmpv6Header header)
    {
        header = new Icmpv6Header(message);
        return message.Length >= Length;
    }

    public static Icmpv6Header Write(Span<byte> message, byte type, byte code)
    {
        if (message.Length < Length)
        {
            throw new ArgumentException($"an ICMPv6 header needs {Length} bytes, the buffer has {message.Length}", nameof(message));
        }

        message[..Length].Clear();
        message[0] = type;
        message[1] = code;
        return new Icmpv6Header(message);
    }

    public Span<byte> Message => _message;

    public Span<byte> Data => _message[Length..];

    public byte Type
    {
        get => _message[0];
        set => _message[0] = value;
    }

    public byte Code
    {
        get => _message[1];
        set => _message[1] = value;
    }

    public ushort Checksum
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_message[2..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_message[2..], value);
    }

    public ushort Identifier
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_message[4..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_message[4..], value);
    }

    public ushort SequenceNumber
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_message[6..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_message[6..], value);
    }

    /// <summary>MTU of a "packet too big" message (bytes 4-7).</summary>
    public uint Mtu
    {
        get => BinaryPrimitives.ReadUInt32BigEndian(_message[4..]);
        set => BinaryPrimitives.WriteUInt32BigEndian(_message[4..], value);
    }

    /// <summary>Computes the checksum over the IPv6 pseudo-header and the whole message and stores it.</summary>
    public ushort UpdateChecksum(ReadOnlySpan<byte> sourceAddress, ReadOnlySpan<byte> destinationAddress)
    {
        Checksum = 0;
        ushort checksum = InternetChecksum.Fold(InternetChecksum.Sum(_message, PseudoHeader.Ipv6Sum(sourceAddress, destinationAddress, IpProtocols.Icmpv6, _message.Length)));
        Checksum = checksum;
        return checksum;
    }

    public bool IsChecksumValid(ReadOnlySpan<byte> sourceAddress, ReadOnlySpan<byte> destinationAddress) =>
        InternetChecksum.Fold(InternetChecksum.Sum(_message, PseudoHeader.Ipv6Sum(sourceAddress, destinationAddress, IpProtocols.Icmpv6, _message.Length))) == 0;
}
