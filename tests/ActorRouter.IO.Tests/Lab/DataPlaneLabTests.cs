using ActorRouter.DataPlane.Counters;

namespace ActorRouter.IO.Tests.Lab;

/// <summary>The data plane on AF_PACKET or AF_XDP ports between real Linux hosts, driven by real clients.</summary>
[Collection("Lab")]
public class DataPlaneLabTests
{
    [SkippableTheory]
    [InlineData("af-packet")]
    [InlineData("af-xdp")]
    public void Ping_crosses_the_router_with_ttl_decremented(string driver)
    {
        Skip.If(RouterLab.UnavailableFor(driver) is not null, RouterLab.UnavailableFor(driver));
        using var lab = RouterLab.Create(driver: driver);

        var (exit, output) = lab.Exec(lab.Host1, "ping -c 3 -i 0.2 -W 2 198.51.100.10");

        Assert.True(exit == 0, output + lab.Describe());
        Assert.Contains("3 received", output);
        Assert.Contains("ttl=63", output);
        Assert.True(lab.DataPlane.ReadInterfaceCounter(1, InterfaceCounter.TxPackets) >= 3);
    }

    [SkippableTheory]
    [InlineData("af-packet")]
    [InlineData("af-xdp")]
    public void Ping_with_ttl_one_gets_time_exceeded_from_the_router(string driver)
    {
        Skip.If(RouterLab.UnavailableFor(driver) is not null, RouterLab.UnavailableFor(driver));
        using var lab = RouterLab.Create(driver: driver);

        var (_, output) = lab.Exec(lab.Host1, "ping -c 1 -t 1 -W 2 198.51.100.10");

        Assert.True(output.Contains("From 192.0.2.1"), output + lab.Describe());
        Assert.Contains("Time to live exceeded", output);
        Assert.Equal(1, lab.DataPlane.ReadDrops(DropReason.TtlExpired));
    }

    [SkippableTheory]
    [InlineData("af-packet")]
    [InlineData("af-xdp")]
    public void Ping_with_df_across_a_smaller_mtu_gets_frag_needed_with_that_mtu(string driver)
    {
        Skip.If(RouterLab.UnavailableFor(driver) is not null, RouterLab.UnavailableFor(driver));
        using var lab = RouterLab.Create(mtus: [1500, 1280], driver: driver);

        var (exit, output) = lab.Exec(lab.Host1, "ping -c 1 -M do -s 1400 -W 2 198.51.100.10");

        Assert.NotEqual(0, exit);
        Assert.Contains("mtu = 1280", output);
        Assert.Equal(1, lab.DataPlane.ReadDrops(DropReason.FragmentationNeeded));
    }

    [SkippableTheory]
    [InlineData("af-packet")]
    [InlineData("af-xdp")]
    public void Traceroute_shows_the_router_hop(string driver)
    {
        Skip.If(RouterLab.UnavailableFor(driver) is not null, RouterLab.UnavailableFor(driver));
        Skip.If(RouterLab.Which("traceroute") is null, "traceroute is not installed (bash .ci/run installs it)");
        using var lab = RouterLab.Create(driver: driver);

        var (exit, output) = lab.Exec(lab.Host1, "traceroute -n -q 1 -w 2 -m 5 198.51.100.10");

        Assert.True(exit == 0, output);
        var hops = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Trim()).ToArray();
        Assert.StartsWith("1  192.0.2.1 ", hops[0]);
        Assert.StartsWith("2  198.51.100.10 ", hops[1]);
    }

    [SkippableTheory]
    [InlineData("af-packet")]
    [InlineData("af-xdp")]
    public void Large_ping_without_df_is_fragmented_and_answered(string driver)
    {
        Skip.If(RouterLab.UnavailableFor(driver) is not null, RouterLab.UnavailableFor(driver));
        using var lab = RouterLab.Create(mtus: [1500, 1280], driver: driver);

        var (exit, output) = lab.Exec(lab.Host1, "ping -c 2 -i 0.3 -M dont -s 1400 -W 2 198.51.100.10");

        Assert.True(exit == 0, output);
        Assert.Contains("2 received", output);
        Assert.True(lab.DataPlane.Ppes[0].Counters.FragmentsCreated >= 4);
    }
}
