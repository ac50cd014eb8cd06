using System.Text;
using ActorRouter.DataPlane.Fib;

namespace ActorRouter.DataPlane.Tests.Fib;

public sealed class RouteFileLoaderTests
{
    [Fact]
    public void ParsesRoutesWithEitherLineEnd()
    {
        var table = new Ipv4RouteTable();
        int lines = RouteFileLoader.Parse(
            Encoding.ASCII.GetBytes("27.168.214.0/24 8\n0.0.0.0/0 64\r\n\n255.255.255.255/32 16777215\n10.0.0.0/8\t3"), table);

        Assert.Equal(4, lines);
        Assert.Equal(
            new[]
            {
                new Ipv4Route(0, 0, 64), new Ipv4Route(0x0A000000, 8, 3), new Ipv4Route(0x1BA8D600, 24, 8),
                new Ipv4Route(0xFFFFFFFF, 32, 0xFFFFFF),
            },
            table.OrderBy(r => r.Length).ToArray());
    }

    [Theory]
    [InlineData("10.0.0/8 1")]
    [InlineData("10.0.0.256/32 1")]
    [InlineData("10.0.0.0/33 1")]
    [InlineData("10.0.0.0 1")]
    [InlineData("10.0.0.0/8")]
    [InlineData("10.0.0.0/8 1 2")]
    [InlineData("10.0.0.0/8 x")]
    [InlineData("10.0.0.0/8 99999999999")]
    public void MalformedLinesNameTheLine(string bad)
    {
        var e = Assert.Throws<FormatException>(
            () => RouteFileLoader.Parse(Encoding.ASCII.GetBytes("1.0.0.0/8 1\n" + bad + "\n"), new Ipv4RouteTable(), "r.txt"));
        Assert.Equal($"r.txt:2: expected 'a.b.c.d/len nexthop' but found '{bad}'.", e.Message);
    }

    [Fact]
    public void InvalidRoutesNameTheLine()
    {
        var e = Assert.Throws<ArgumentException>(
            () => RouteFileLoader.Parse(Encoding.ASCII.GetBytes("10.0.0.1/8 1\n"), new Ipv4RouteTable(), "r.txt"));
        Assert.StartsWith("r.txt:1: Prefix 10.0.0.1/8 has host bits set", e.Message);
    }

    [Fact]
    public void LoadsTheShared10kFile()
    {
        var table = RouteFileLoader.Load(SharedBench.File("routes-10k.txt"));
        Assert.Equal(10_000, table.Count);
        Assert.True(table.TryGetNextHop(0x1BA8D600, 24, out uint nextHop));   // first line: 27.168.214.0/24 8
        Assert.Equal(8u, nextHop);
        Assert.All(table, r => Assert.InRange(r.Length, 8, 24));
    }
}
