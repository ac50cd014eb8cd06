using ActorRouter.DataPlane.Fib;

namespace ActorRouter.DataPlane.Tests.Fib;

public sealed class Ipv4RouteTableTests
{
    [Fact]
    public void AddReplaceRemoveAndEnumerate()
    {
        var table = new Ipv4RouteTable();
        Assert.True(table.Add(0x0A000000, 8, 1));
        Assert.True(table.Add(0x0A000000, 16, 2));
        Assert.False(table.Add(0x0A000000, 8, 3));   // replaces the next hop of 10.0.0.0/8
        Assert.True(table.Add(new Ipv4Route(0, 0, 4)));
        Assert.Equal(3, table.Count);

        Assert.True(table.TryGetNextHop(0x0A000000, 8, out uint nextHop));
        Assert.Equal(3u, nextHop);
        Assert.Equal(
            new[] { new Ipv4Route(0, 0, 4), new Ipv4Route(0x0A000000, 8, 3), new Ipv4Route(0x0A000000, 16, 2) },
            table.OrderBy(r => r.Length).ToArray());

        Assert.True(table.Remove(0x0A000000, 16));
        Assert.False(table.Remove(0x0A000000, 16));
        Assert.False(table.Remove(0x0B000000, 8));
        Assert.Equal(2, table.Count);
        Assert.Equal(new[] { new Ipv4Route(0, 0, 4), new Ipv4Route(0x0A000000, 8, 3) }, table.ToArray().OrderBy(r => r.Length));
    }

    [Theory]
    [InlineData(0x0A000000u, -1, 1u, "length", "Prefix length -1 is out of range; it must be 0..32.")]
    [InlineData(0x0A000000u, 33, 1u, "length", "Prefix length 33 is out of range; it must be 0..32.")]
    [InlineData(0x0A000001u, 8, 1u, "prefix", "Prefix 10.0.0.1/8 has host bits set; the masked prefix is 10.0.0.0/8.")]
    [InlineData(0x00000001u, 0, 1u, "prefix", "Prefix 0.0.0.1/0 has host bits set; the masked prefix is 0.0.0.0/0.")]
    [InlineData(0x0A000000u, 8, 0u, "nextHopId", "Next-hop id 0 for 10.0.0.0/8 is out of range; it must be 1..16777215 (0 means no route).")]
    [InlineData(0x0A000000u, 8, 0x1000000u, "nextHopId", "Next-hop id 16777216 for 10.0.0.0/8 is out of range; it must be 1..16777215 (0 means no route).")]
    public void InvalidRoutesAreRejectedWithAPreciseMessage(uint prefix, int length, uint nextHop, string parameter, string message)
    {
        var table = new Ipv4RouteTable();
        var e = Assert.Throws<ArgumentException>(() => table.Add(prefix, length, nextHop));
        Assert.Equal(parameter, e.ParamName);
        Assert.StartsWith(message, e.Message);
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void RemoveValidatesToo()
    {
        var table = new Ipv4RouteTable();
        Assert.Throws<ArgumentException>(() => table.Remove(0x0A000000, 40));
        Assert.Throws<ArgumentException>(() => table.Remove(0x0A000001, 24));
    }
}
