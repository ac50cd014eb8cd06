namespace ActorRouter.Packets.Tests;

public class AddressTests
{
    [Fact]
    public void MacAddressParsesFormatsAndRoundTripsThroughBytes()
    {
        MacAddress mac = MacAddress.Parse("02:1A:b3:00:ff:09");
        Assert.Equal(0x021ab300ff09UL, mac.Value);
        Assert.Equal("02:1a:b3:00:ff:09", mac.ToString());
        Assert.Equal(mac, MacAddress.Parse("02-1a-b3-00-ff-09"));

        byte[] bytes = new byte[8];
        mac.Write(bytes.AsSpan(1));
        Assert.Equal(new byte[] { 0, 0x02, 0x1a, 0xb3, 0x00, 0xff, 0x09, 0 }, bytes);
        Assert.Equal(mac, MacAddress.Read(bytes.AsSpan(1)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("02:00:00:00:00")]
    [InlineData("02:00:00:00:00:0g")]
    [InlineData("02:00:00-00:00:01")]
    [InlineData("02.00.00.00.00.01")]
    [InlineData("02:00:00:00:00:001")]
    public void MacAddressRefusesMalformedText(string text)
    {
        Assert.False(MacAddress.TryParse(text, out _));
        Assert.Throws<FormatException>(() => MacAddress.Parse(text));
    }

    [Fact]
    public void MacAddressKnowsBroadcastAndMulticast()
    {
        Assert.True(MacAddress.Broadcast.IsBroadcast);
        Assert.True(MacAddress.Broadcast.IsMulticast);
        Assert.Equal("ff:ff:ff:ff:ff:ff", MacAddress.Broadcast.ToString());
        Assert.True(MacAddress.Parse("01:00:5e:00:00:01").IsMulticast);
        Assert.False(MacAddress.Parse("01:00:5e:00:00:01").IsBroadcast);
        Assert.False(MacAddress.Parse("02:00:00:00:00:01").IsMulticast);
        Assert.False(MacAddress.Parse("fe:ff:ff:ff:ff:ff").IsMulticast);
        Assert.True(MacAddress.Zero.IsZero);
        Assert.Equal(0x0000_ffff_ffff_ffffUL, new MacAddress(ulong.MaxValue).Value);
    }

    [Theory]
    [InlineData("10.0.0.1", 0x0A000001u)]
    [InlineData("0.0.0.0", 0u)]
    [InlineData("255.255.255.255", 0xFFFFFFFFu)]
    [InlineData("192.168.0.199", 0xC0A800C7u)]
    public void Ipv4AddressParsesAndFormatsDottedQuads(string text, uint value)
    {
        Assert.Equal(value, Ipv4Address.Parse(text));
        Assert.Equal(text, Ipv4Address.Format(value));
    }

    [Theory]
    [InlineData("")]
    [InlineData("10.0.0")]
    [InlineData("10.0.0.1.")]
    [InlineData("10.0.0.256")]
    [InlineData("10..0.1")]
    [InlineData("10.0.0.0001")]
    [InlineData(" 10.0.0.1")]
    [InlineData("10.0.0.-1")]
    [InlineData("a.b.c.d")]
    public void Ipv4AddressRefusesMalformedText(string text)
    {
        Assert.False(Ipv4Address.TryParse(text, out _));
        Assert.Throws<FormatException>(() => Ipv4Address.Parse(text));
    }

    [Fact]
    public void Ipv4AddressFromOctetsIsHostOrder()
    {
        Assert.Equal(0x0A000001u, Ipv4Address.FromOctets(10, 0, 0, 1));
    }
}
