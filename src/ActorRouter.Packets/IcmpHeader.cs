using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace ActorRouter.Packets;

/// <summary>
/// An ICMPv4 message header (RFC 792): type, code, checksum and the 4-byte rest of header, whose meaning
/// depends on the type (identifier/sequence for echo, next-hop MTU for "fragmentation needed").
/// </summary>
public readonly ref struct IcmpHeader
{
    public const int Length = 8;

    private readonly Span<byte> _message;

    private IcmpHeader(Span<byte> message) => _message = message;

    /// <summary>Accepts at least the 8-byte header; the view covers the whole message (the checksum covers it all).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParse(Span<byte> message, out IcmpHeader header)
    {
        header = new IcmpHeader(message);
        return message.Length >= Length;
    }

    /// <summary>Writes type and code and zeroes checksum and rest of header.</summary>
    public static IcmpHeader Write(Span<byte> message, byte type, byte code)
    {
        if (message.Length < Length)
        {
            throw new ArgumentException($"an ICMP header needs {Length} bytes, the buffer has {message.Length}", nameof(message));
        }

        message[..Length].Clear();
        message[0] = type;
        message[1] = code;
        return new IcmpHeader(message);
    }

    /// <summary>The whole message: header and data.</summary>
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

    /// <summary>Bytes 4-7 as one number.</summary>
    public uint RestOfHeader
    {
        get => BinaryPrimitives.ReadUInt32BigEndian(_message[4..]);
        set => BinaryPrimitives.WriteUInt32BigEndian(_message[4..], value);
    }

    /// <summary>Echo request/reply identifier (bytes 4-5).</summary>
    public ushort Identifier
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_message[4..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_message[4..], value);
    }

    /// <summary>Echo request/reply sequence number (bytes 6-7).</summary>
    public ushort SequenceNumber
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_message[6..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_message[6..], value);
    }

    /// <summary>Next-hop MTU of a "fragmentation needed" message (RFC 1191; bytes 6-7, bytes 4-5 unused).</summary>
    public ushort NextHopMtu
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_message[6..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_message[6..], value);
    }

    /// <summary>Gateway address of a redirect (bytes 4-7), host order.</summary>
    public uint GatewayAddress
    {
        get => BinaryPrimitives.ReadUInt32BigEndian(_message[4..]);
        set => BinaryPrimitives.WriteUInt32BigEndian(_message[4..], value);
    }

    public bool IsChecksumValid => InternetChecksum.IsValid(_message);

    /// <summary>Recomputes the checksum over the whole message and stores it; returns it.</summary>
    public ushort UpdateChecksum()
    {
        Checksum = 0;
        ushort checksum = InternetChecksum.Compute(_message);
        Checksum = checksum;
        return checksum;
    }
}
