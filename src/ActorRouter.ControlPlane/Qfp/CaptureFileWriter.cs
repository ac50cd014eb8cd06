using System.Buffers.Binary;
using System.Text;

namespace ActorRouter.ControlPlane.Qfp;

/// <summary>
/// Writes captured Ethernet frames as classic pcap (<c>.pcap</c>) or pcapng (<c>.pcapng</c>, with the
/// direction in each packet's flags and a dropped frame's reason as its comment). Timestamps in
/// microseconds. The file is created (or truncated) mode 0600.
/// </summary>
public sealed class CaptureFileWriter : IDisposable
{
    private const int LinkTypeEthernet = 1;
    private readonly FileStream _file;
    private readonly byte[] _scratch = new byte[256];

    public CaptureFileWriter(string path, int snapLength)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the router runs on Linux");
        }
        Path = path;
        Pcapng = path.EndsWith(".pcapng", StringComparison.Ordinal);
        _file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            Share = FileShare.Read,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            BufferSize = 64 * 1024,
        });
        if (Pcapng)
        {
            WriteSectionHeader();
            WriteInterfaceDescription(snapLength);
        }
        else
        {
            var header = _scratch.AsSpan(0, 24);
            BinaryPrimitives.WriteUInt32LittleEndian(header, 0xA1B2C3D4);
            BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 2);
            BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 4);
            BinaryPrimitives.WriteInt32LittleEndian(header[8..], 0);
            BinaryPrimitives.WriteUInt32LittleEndian(header[12..], 0);
            BinaryPrimitives.WriteUInt32LittleEndian(header[16..], (uint)snapLength);
            BinaryPrimitives.WriteUInt32LittleEndian(header[20..], LinkTypeEthernet);
            _file.Write(header);
        }
        BytesWritten = _file.Position;
    }

    public string Path { get; }

    public bool Pcapng { get; }

    public long Packets { get; private set; }

    public long BytesWritten { get; private set; }

    /// <param name="inbound">true: received; false: sent; null: neither (a drop).</param>
    /// <param name="comment">A pcapng comment (ignored in pcap).</param>
    public void Write(DateTime timestamp, ReadOnlySpan<byte> frame, int originalLength, bool? inbound, string? comment)
    {
        var microseconds = (ulong)((timestamp - DateTime.UnixEpoch).Ticks / 10);
        if (!Pcapng)
        {
            var record = _scratch.AsSpan(0, 16);
            BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)(microseconds / 1_000_000));
            BinaryPrimitives.WriteUInt32LittleEndian(record[4..], (uint)(microseconds % 1_000_000));
            BinaryPrimitives.WriteUInt32LittleEndian(record[8..], (uint)frame.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(record[12..], (uint)originalLength);
            _file.Write(record);
            _file.Write(frame);
        }
        else
        {
            var commentBytes = comment is null ? [] : Encoding.UTF8.GetBytes(comment);
            var optionsLength = (comment is null ? 0 : 4 + Pad(commentBytes.Length)) + (inbound is null ? 0 : 8) + 4;
            var total = 28 + Pad(frame.Length) + optionsLength + 4;
            var head = _scratch.AsSpan(0, 28);
            BinaryPrimitives.WriteUInt32LittleEndian(head, 6); // enhanced packet block
            BinaryPrimitives.WriteUInt32LittleEndian(head[4..], (uint)total);
            BinaryPrimitives.WriteUInt32LittleEndian(head[8..], 0);
            BinaryPrimitives.WriteUInt32LittleEndian(head[12..], (uint)(microseconds >> 32));
            BinaryPrimitives.WriteUInt32LittleEndian(head[16..], (uint)microseconds);
            BinaryPrimitives.WriteUInt32LittleEndian(head[20..], (uint)frame.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(head[24..], (uint)originalLength);
            _file.Write(head);
            _file.Write(frame);
            WritePadding(frame.Length);
            if (comment is not null)
            {
                WriteOptionHeader(1, commentBytes.Length); // opt_comment
                _file.Write(commentBytes);
                WritePadding(commentBytes.Length);
            }
            if (inbound is bool direction)
            {
                WriteOptionHeader(2, 4); // epb_flags: bits 0-1 direction, 1 inbound, 2 outbound
                BinaryPrimitives.WriteUInt32LittleEndian(_scratch, direction ? 1u : 2u);
                _file.Write(_scratch, 0, 4);
            }
            WriteOptionHeader(0, 0); // end of options
            BinaryPrimitives.WriteUInt32LittleEndian(_scratch, (uint)total);
            _file.Write(_scratch, 0, 4);
        }
        Packets++;
        BytesWritten = _file.Position;
    }

    public void Flush() => _file.Flush();

    public void Dispose()
    {
        _file.Flush(flushToDisk: true);
        _file.Dispose();
    }

    private static int Pad(int length) => (length + 3) & ~3;

    private void WritePadding(int length)
    {
        var padding = Pad(length) - length;
        if (padding > 0)
        {
            _scratch.AsSpan(0, padding).Clear();
            _file.Write(_scratch, 0, padding);
        }
    }

    private void WriteOptionHeader(ushort code, int length)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(_scratch, code);
        BinaryPrimitives.WriteUInt16LittleEndian(_scratch.AsSpan(2), (ushort)length);
        _file.Write(_scratch, 0, 4);
    }

    private void WriteSectionHeader()
    {
        var block = _scratch.AsSpan(0, 28);
        BinaryPrimitives.WriteUInt32LittleEndian(block, 0x0A0D0D0A);
        BinaryPrimitives.WriteUInt32LittleEndian(block[4..], 28);
        BinaryPrimitives.WriteUInt32LittleEndian(block[8..], 0x1A2B3C4D);
        BinaryPrimitives.WriteUInt16LittleEndian(block[12..], 1);
        BinaryPrimitives.WriteUInt16LittleEndian(block[14..], 0);
        BinaryPrimitives.WriteInt64LittleEndian(block[16..], -1); // section length not given
        BinaryPrimitives.WriteUInt32LittleEndian(block[24..], 28);
        _file.Write(block);
    }

    private void WriteInterfaceDescription(int snapLength)
    {
        var block = _scratch.AsSpan(0, 20);
        BinaryPrimitives.WriteUInt32LittleEndian(block, 1);
        BinaryPrimitives.WriteUInt32LittleEndian(block[4..], 20);
        BinaryPrimitives.WriteUInt16LittleEndian(block[8..], LinkTypeEthernet);
        BinaryPrimitives.WriteUInt16LittleEndian(block[10..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(block[12..], (uint)snapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(block[16..], 20);
        _file.Write(block);
    }
}
