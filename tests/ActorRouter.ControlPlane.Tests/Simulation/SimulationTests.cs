using System.Buffers.Binary;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.ControlPlane.Simulation;
using ActorRouter.ControlPlane.Tests.Punt;
using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Forwarding;
using ActorRouter.IO.Memory;
using ActorRouter.Packets;
using Akka.Actor;
using static ActorRouter.ControlPlane.Tests.Punt.TestRouter;

namespace ActorRouter.ControlPlane.Tests.Simulation;

public class SimulationTests : Akka.TestKit.Xunit2.TestKit
{
    private const ushort Port = SimulatedHost.UdpPort;

    private static byte[] Payload(int length, uint sequence)
    {
        var payload = new byte[length];
        BinaryPrimitives.WriteUInt32BigEndian(payload, sequence);
        return payload;
    }

    /// <summary>The next frame on the router's end that is not one of the host's own UDP datagrams.</summary>
    private static byte[] NextNonUdp(MemoryVnicPort routerEnd)
    {
        while (true)
        {
            var frame = ReceiveRequired(routerEnd);
            if (!(frame.Length > 23 && frame[12] == 0x08 && frame[13] == 0x00 && frame[23] == IpProtocols.Udp))
            {
                return frame;
            }
        }
    }

    [Fact]
    public void Host_resolves_its_gateway_sends_numbered_datagrams_and_answers_arp_and_ping()
    {
        using var wire = new MemoryWire("mem0", RouterMac1.Value, "host1", HostMac1.Value, 512, 1500);
        var config = new SimulatedHostConfig("GigabitEthernet1", Host1, HostMac1.Value, Router1, Host2, 200, 16);
        using var runner = new SimulationRunner();
        runner.Start([(config, wire.B)]);

        Assert.Equal(PacketBuilder.ArpRequest(HostMac1, Host1, Router1), ReceiveRequired(wire.A));
        Assert.True(wire.A.Send(PacketBuilder.ArpReply(RouterMac1, Router1, HostMac1, Host1)));
        for (uint sequence = 0; sequence < 3; sequence++)
        {
            Assert.Equal(PacketBuilder.Udp(HostMac1, RouterMac1, Host1, Host2, Port, Port, Payload(16, sequence)), ReceiveRequired(wire.A));
        }

        Assert.True(wire.A.Send(PacketBuilder.ArpRequest(RouterMac1, Router1, Host1)));
        Assert.Equal(PacketBuilder.ArpReply(HostMac1, Host1, RouterMac1, Router1), NextNonUdp(wire.A));
        Assert.True(wire.A.Send(PacketBuilder.IcmpEchoRequest(RouterMac1, HostMac1, Router1, Host1, 77, 5, [9, 8, 7])));
        Assert.Equal(PacketBuilder.IcmpEchoReply(HostMac1, RouterMac1, Host1, Router1, 77, 5, [9, 8, 7]), NextNonUdp(wire.A));

        // Datagrams from host 2 numbered 0, 1, 3, 2, 10: one late, 4..9 lost.
        foreach (var sequence in new uint[] { 0, 1, 3, 2, 10 })
        {
            Assert.True(wire.A.Send(PacketBuilder.Udp(RouterMac1, HostMac1, Host2, Host1, Port, Port, Payload(16, sequence), new Ipv4Fields { Ttl = 63 })));
        }
        WaitUntil(() => runner.Snapshot()[0].Received == 5, TimeSpan.FromSeconds(5), "five datagrams");
        var counters = runner.Snapshot()[0];
        Assert.Equal((true, 1L, 1L, 1L, 5L, 1L, 6L), (counters.GatewayResolved, counters.ArpRequestsSent, counters.ArpRepliesSent, counters.EchoRepliesSent, counters.Received, counters.OutOfOrder, counters.Lost));
        Assert.True(counters.Sent >= 3, $"sent {counters.Sent}");
        Assert.True(runner.Stop(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void Two_hosts_exchange_datagrams_through_a_running_router_in_order()
    {
        using var router = new TestRouter();
        var fman = Sys.ActorOf(Props.Create(() => new FmanStandIn(router)));
        router.StartPuntPath(Sys, fman);
        using var runner = new SimulationRunner();
        runner.Start(
        [
            (new SimulatedHostConfig("GigabitEthernet1", Host1, HostMac1.Value, Router1, Host2, 200, 64), router.Far1),
            (new SimulatedHostConfig("GigabitEthernet2", Host2, HostMac2.Value, Router2, Host1, 200, 64), router.Far2),
        ]);

        WaitUntil(() => runner.Snapshot().All(h => h.Received >= 50), TimeSpan.FromSeconds(20), "both hosts to receive 50 datagrams");
        Assert.True(runner.Stop(TimeSpan.FromSeconds(5)));
        Assert.Null(runner.Fault);

        var hosts = runner.Snapshot();
        foreach (var host in hosts)
        {
            Assert.True(host.GatewayResolved);
            Assert.True(host.Received >= 50, $"{host.Interface} received {host.Received}");
            Assert.Equal(0, host.OutOfOrder);
            Assert.Equal(0, host.Lost);
        }
        Assert.True(hosts[0].Received <= hosts[1].Sent && hosts[1].Received <= hosts[0].Sent);
        Assert.True(router.DataPlane.ReadInterfaceCounter(router.Index2, InterfaceCounter.TxPackets) >= hosts[1].Received);
    }

    /// <summary>What FMAN does with the ARP actor's news: keep the neighbor set and republish routes.</summary>
    private sealed class FmanStandIn : ReceiveActor
    {
        private readonly Dictionary<(int, uint), Neighbor> _neighbors = new();

        public FmanStandIn(TestRouter router)
        {
            Receive<NeighborResolved>(m =>
            {
                _neighbors[(m.InterfaceIndex, m.Address)] = new Neighbor(m.InterfaceIndex, m.Address, m.Mac);
                router.PublishNeighbors([.. _neighbors.Values]);
            });
            Receive<NeighborExpired>(m =>
            {
                _neighbors.Remove((m.InterfaceIndex, m.Address));
                router.PublishNeighbors([.. _neighbors.Values]);
            });
        }
    }
}
