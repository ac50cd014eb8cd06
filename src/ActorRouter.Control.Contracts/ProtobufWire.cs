namespace ActorRouter.Control.Contracts;

/// <summary>
/// The little of the protobuf wire format the control endpoint speaks (Akka.Remote's frames): find a
/// field in a message without allocating, and write the few messages arctl sends.
/// </summary>
public static class ProtobufWire
{
    /// <summary>The last occurrence of length-delimited field <paramref name="field"/>; false when the message is malformed.</summary>
    public static bool TryFindBytes(ReadOnlySpan<byte> message, int field, out ReadOnlySpan<byte> value, out bool present)
    {
        value = default;
        present = false;
        var position = 0;
        while (position < message.Length)
        {
            if (!TryReadVarint(message, ref position, out var key))
            {
                return false;
            }
            var number = (int)(key >> 3);
            var wireType = (int)(key & 7);
            if (wireType == 2)
            {
                if (!TryReadVarint(message, ref position, out var length) || length > (ulong)(message.Length - position))
                {
                    return false;
                }
                if (number == field)
                {
                    value = message.Slice(position, (int)length);
                    present = true;
                }
                position += (int)length;
            }
            else if (!TrySkip(message, ref position, wireType))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>A varint field; false when absent or when the message is malformed.</summary>
    public static bool TryFindVarint(ReadOnlySpan<byte> message, int field, out long value)
    {
        value = 0;
        var found = false;
        var position = 0;
        while (position < message.Length)
        {
            if (!TryReadVarint(message, ref position, out var key))
            {
                return false;
            }
            var number = (int)(key >> 3);
            var wireType = (int)(key & 7);
            if (wireType == 0 && number == field)
            {
                if (!TryReadVarint(message, ref position, out var raw))
                {
                    return false;
                }
                value = (long)raw;
                found = true;
            }
            else if (!TrySkip(message, ref position, wireType))
            {
                return false;
            }
        }
        return found;
    }

    private static bool TrySkip(ReadOnlySpan<byte> message, ref int position, int wireType)
    {
        switch (wireType)
        {
            case 0:
                return TryReadVarint(message, ref position, out _);
            case 1:
                position += 8;
                return position <= message.Length;
            case 2:
                if (!TryReadVarint(message, ref position, out var length) || length > (ulong)(message.Length - position))
                {
                    return false;
                }
                position += (int)length;
                return true;
            case 5:
                position += 4;
                return position <= message.Length;
            default:
                return false;
        }
    }

    private static bool TryReadVarint(ReadOnlySpan<byte> message, ref int position, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= message.Length)
            {
                return false;
            }
            var b = message[position++];
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return true;
            }
        }
        return false;
    }
}

/// <summary>Writes one protobuf message field by field (only the wire types the control endpoint uses).</summary>
public sealed class ProtobufWriter
{
    private readonly MemoryStream _buffer = new();

    public ProtobufWriter Bytes(int field, ReadOnlySpan<byte> value)
    {
        Key(field, 2);
        Varint((ulong)value.Length);
        _buffer.Write(value);
        return this;
    }

    public ProtobufWriter String(int field, string value) => Bytes(field, System.Text.Encoding.UTF8.GetBytes(value));

    public ProtobufWriter Message(int field, ProtobufWriter message) => Bytes(field, message.ToArray());

    public ProtobufWriter UInt(int field, ulong value)
    {
        Key(field, 0);
        Varint(value);
        return this;
    }

    public ProtobufWriter Fixed64(int field, ulong value)
    {
        Key(field, 1);
        Span<byte> bytes = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        _buffer.Write(bytes);
        return this;
    }

    public byte[] ToArray() => _buffer.ToArray();

    private void Key(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

    private void Varint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _buffer.WriteByte((byte)value);
    }
}
