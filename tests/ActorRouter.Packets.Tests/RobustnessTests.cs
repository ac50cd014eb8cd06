namespace ActorRouter.Packets.Tests;

/// <summary>Truncated and random buffers: every view refuses or stays in bounds, and nothing throws.</summary>
public class RobustnessTests
{
    public static TheoryData<string> FrameNames()
    {
        var names = new TheoryData<string>();
        foreach ((string name, _) in Frames.All())
        {
            names.Add(name);
        }

        return names;
    }

    [Theory]
    [MemberData(nameof(FrameNames))]
    public void EveryTruncationOfAValidFrameFailsToParseWithoutThrowing(string name)
    {
        byte[] frame = Frames.All().Single(f => f.Name == name).Frame;
        Assert.True(FrameParser.TryParseAll(frame), $"{name} as built");

        for (int length = 0; length < frame.Length; length++)
        {
            // A fresh array of exactly this length, so nothing past it is reachable even by mistake.
            byte[] truncated = frame[..length];
            Assert.False(FrameParser.TryParseAll(truncated), $"{name} truncated to {length} of {frame.Length} bytes");
        }
    }

    [Theory]
    [MemberData(nameof(FrameNames))]
    public void EveryViewOnEveryTruncationAndOffsetStaysInBounds(string name)
    {
        byte[] frame = Frames.All().Single(f => f.Name == name).Frame;
        for (int start = 0; start < frame.Length; start++)
        {
            for (int end = start; end <= frame.Length; end++)
            {
                byte[] slice = frame[start..end];
                FrameParser.TryEveryView(slice);
            }
        }
    }

    [Fact]
    public void RandomGarbageNeverThrows()
    {
        var random = new Random(20241125);
        int accepted = 0;
        for (int round = 0; round < 20_000; round++)
        {
            byte[] buffer = new byte[random.Next(0, 120)];
            random.NextBytes(buffer);
            FrameParser.TryParseAll(buffer);
            accepted += FrameParser.TryEveryView(buffer);
        }

        // Some random buffers pass some length-only checks; the point is that none threw.
        Assert.True(accepted > 0);
    }

    [Fact]
    public void RandomGarbageRarelyPassesTheIpv4Checks()
    {
        var random = new Random(4);
        int accepted = 0;
        byte[] buffer = new byte[64];
        for (int round = 0; round < 10_000; round++)
        {
            random.NextBytes(buffer);
            if (Ipv4Header.TryParse(buffer, out Ipv4Header ip) && ip.IsChecksumValid)
            {
                accepted++;
            }
        }

        // Version 4 (1/16), IHL and total length in range (< 1/256): random bytes practically never pass.
        Assert.True(accepted < 3, $"{accepted} random buffers accepted");
    }

    [Fact]
    public void MutatedLengthFieldsAreRefused()
    {
        byte[] frame = Frames.Udp();
        Span<byte> ipBytes = frame.AsSpan(14);
        Assert.True(Ipv4Header.TryParse(ipBytes, out Ipv4Header ip));
        ushort total = ip.TotalLength;

        ip.TotalLength = (ushort)(total + 1);
        Assert.Equal(Ipv4ParseResult.BadTotalLength, Ipv4Header.Parse(ipBytes, out _));
        ip.TotalLength = total;

        Assert.True(UdpHeader.TryParse(ip.Payload, out UdpHeader udp));
        udp.DatagramLength = (ushort)(udp.DatagramLength + 1);
        Assert.False(UdpHeader.TryParse(ip.Payload, out _));
    }
}
