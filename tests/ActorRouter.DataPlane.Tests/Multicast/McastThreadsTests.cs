using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Tests.Pipeline;
using ActorRouter.Packets;
using static ActorRouter.DataPlane.Tests.Pipeline.TestRouter;

namespace ActorRouter.DataPlane.Tests.Multicast;

/// <summary>
/// Multicast through the running data plane: Rx → PPE (ip4-mcast) → HQF → recycle ring → dispatcher → PPE
/// (ip4-mcast-rewrite) → HQF → the hosts' wires, in both thread layouts.
/// </summary>
public sealed class McastThreadsTests
{
    private static readonly uint Group = Ipv4Address.Parse("239.1.1.1");

    [Theory]
    [InlineData(DataPlaneLayout.Split)]
    [InlineData(DataPlaneLayout.Collapsed)]
    public void A_group_packet_from_host_0_reaches_hosts_1_and_2_once_each_and_every_buffer_comes_back(DataPlaneLayout layout)
    {
        using var router = new TestRouter(start: false, options: new DataPlaneOptions
        {
            BufferCount = 8192, PpeThreads = 1, Layout = layout, PuntRatePerSecond = 100_000, PuntBurst = 10_000,
        });
        router.DataPlane.PublishMulticast(true, [new MulticastRouteSpec(0, Group, "GigabitEthernet1", ["GigabitEthernet2", "GigabitEthernet3"])]);
        router.DataPlane.Start();
        var sent = PacketBuilder.Udp(HostMacs[0], MacAddress.Parse("01:00:5e:01:01:01"), HostAddresses[0], Group, 1000, 2000, new byte[18],
            new Ipv4Fields { Ttl = 16, Identification = 1 });

        for (var i = 0; i < 10; i++)
        {
            router.Send(0, sent);
        }

        for (var host = 1; host <= 2; host++)
        {
            for (var i = 0; i < 10; i++)
            {
                var received = Receive(router.Host(host));
                Assert.NotNull(received);
                Assert.Equal(MacAddress.Parse("01:00:5e:01:01:01").Value, MacAddress.Read(received.AsSpan(0, 6)).Value);
                Assert.Equal(RouterMacs[host].Value, MacAddress.Read(received.AsSpan(6, 6)).Value);
                Assert.Equal(15, received[14 + 8]);
            }
        }
        Assert.Null(Receive(router.Host(0), 200));
        Assert.Null(Receive(router.Host(1), 100));
        Assert.Null(Receive(router.Host(2), 100));
        var accounting = router.StopAndAccount();
        Assert.True(accounting.AllFree, accounting.ToString());
    }
}
