using System.Buffers.Binary;
using System.Diagnostics;
using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Forwarding;
using ActorRouter.Packets;

namespace ActorRouter.DataPlane.Tests.Pipeline;

/// <summary>
/// Routes added and removed while the PPE threads forward: every packet that leaves must leave by the next hop of a
/// routing state the table was in while the packet was inside the router (each route write atomic) — checked packet by
/// packet.
/// </summary>
public sealed class RouteChurnUnderTrafficTests
{
    private const int Slices = 16;

    /// <summary>
    /// State <paramref name="version"/> of the churn: 10.99.0.0/16 via host 1 always; a pseudo-random half of the
    /// 10.99.N.0/24 (N &lt; 16) via host 2, and of the 10.99.N.16/28 via host 0 (tbl8 groups made and freed).
    /// </summary>
    private static (bool[] Slash24, bool[] Slash28) State(int version)
    {
        var random = new Random(version * 7919 + 1);
        var slash24 = new bool[Slices];
        var slash28 = new bool[Slices];
        for (var n = 0; n < Slices; n++)
        {
            slash24[n] = random.Next(2) == 0;
            slash28[n] = random.Next(2) == 0;
        }
        return (slash24, slash28);
    }

    private static List<StaticRoute> Routes((bool[] Slash24, bool[] Slash28) state)
    {
        var routes = new List<StaticRoute> { new(TestRouter.RemotePrefix, 16, TestRouter.HostAddresses[1]) };
        for (var n = 0; n < Slices; n++)
        {
            if (state.Slash24[n])
            {
                routes.Add(new StaticRoute(TestRouter.RemotePrefix | (uint)n << 8, 24, TestRouter.HostAddresses[2]));
            }
            if (state.Slash28[n])
            {
                routes.Add(new StaticRoute(TestRouter.RemotePrefix | (uint)n << 8 | 16, 28, TestRouter.HostAddresses[0]));
            }
        }
        return routes;
    }

    /// <summary>The host a packet to <paramref name="destination"/> leaves towards (longest match) with these routes of its /24.</summary>
    private static int ExpectedHost(bool slash24, bool slash28, uint destination)
    {
        var low = destination & 0xFF;
        if (low is >= 16 and < 32 && slash28)
        {
            return 0;
        }
        return slash24 ? 2 : 1;
    }

    /// <summary>
    /// Whether leaving towards <paramref name="host"/> matches a table the router had between states
    /// <paramref name="from"/> and <paramref name="to"/>. One publication writes route by route, each write atomic:
    /// between state v−1 and v the table holds each changed route as before or as after, in any combination.
    /// </summary>
    private static bool IsLegal((bool[] Slash24, bool[] Slash28)[] states, long from, long to, uint destination, int host)
    {
        var n = (int)(destination >> 8) & 0xFF;
        if (ExpectedHost(states[from].Slash24[n], states[from].Slash28[n], destination) == host)
        {
            return true;
        }
        for (var v = from + 1; v <= to; v++)
        {
            var before = states[v - 1];
            var after = states[v];
            foreach (var slash24 in new[] { before.Slash24[n], after.Slash24[n] })
            {
                foreach (var slash28 in new[] { before.Slash28[n], after.Slash28[n] })
                {
                    if (ExpectedHost(slash24, slash28, destination) == host)
                    {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    [Fact]
    public void Every_packet_forwarded_during_churn_leaves_by_a_next_hop_the_table_had_while_it_was_inside()
    {
        using var router = new TestRouter(ppeThreads: 2);
        const int Versions = 3000;
        var states = new (bool[] Slash24, bool[] Slash28)[Versions + 1];
        for (var v = 0; v <= Versions; v++)
        {
            states[v] = State(v);
        }
        router.DataPlane.PublishRoutes(Routes(states[0]), router.Neighbors);
        // started: versions whose publication has begun; completed: versions fully published.
        long started = 0, completed = 0, sentCount = 0;
        var stop = false;
        var churn = new Thread(() =>
        {
            for (var v = 1; v <= Versions && !Volatile.Read(ref stop); v++)
            {
                Volatile.Write(ref started, v);
                router.DataPlane.PublishRoutes(Routes(states[v]), router.Neighbors);
                Volatile.Write(ref completed, v);
                // Interleaved with the traffic however the threads are scheduled: the next change waits until two
                // more packets went out (publishing alone outruns the sender on a busy machine).
                var wanted = Volatile.Read(ref sentCount) + 2;
                while (Volatile.Read(ref sentCount) < wanted && !Volatile.Read(ref stop))
                {
                    Thread.Yield();
                }
            }
        }) { IsBackground = true, Name = "route-churn" };

        var random = new Random(7);
        var sentFrom = new Dictionary<uint, (uint Destination, long From)>();
        var checkedPackets = 0;
        var violations = new List<string>();
        void DrainHosts()
        {
            for (var host = 0; host < 3; host++)
            {
                byte[]? frame;
                while ((frame = router.Host(host).TryReceive()) is not null)
                {
                    var to = Volatile.Read(ref started);
                    var sequence = BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(42, 4));
                    if (!sentFrom.Remove(sequence, out var sent))
                    {
                        violations.Add($"host {host} got a frame that was not sent or came twice (sequence {sequence})");
                        continue;
                    }
                    var legal = IsLegal(states, sent.From, to, sent.Destination, host);
                    if (!legal && violations.Count < 10)
                    {
                        var n = (int)(sent.Destination >> 8) & 0xFF;
                        var history = string.Join(" ", Enumerable.Range((int)sent.From, (int)(to - sent.From + 1)).Select(v => $"v{v}:/24={states[v].Slash24[n]},/28={states[v].Slash28[n]}"));
                        violations.Add($"{Ipv4Address.Format(sent.Destination)} (sequence {sequence}) left towards host {host}; states {sent.From}..{to} send it elsewhere: {history}");
                    }
                    checkedPackets++;
                }
            }
        }

        churn.Start();
        var clock = Stopwatch.StartNew();
        uint next = 0;
        // Bounded in time: until the churn has run through its states, or 20 s on a machine that is very busy.
        while (churn.IsAlive && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            var destination = TestRouter.RemotePrefix | (uint)random.Next(Slices) << 8 | (uint)random.Next(48);
            var frame = TestRouter.UdpFrom(0, destination, payloadLength: 18);
            BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(42, 4), next);
            sentFrom[next] = (destination, Volatile.Read(ref completed));
            router.Send(0, frame);
            next++;
            Volatile.Write(ref sentCount, next);
            // At most 64 in flight: the check is about routes, not about queues overflowing.
            var waitUntil = clock.Elapsed + TimeSpan.FromSeconds(5);
            while (sentFrom.Count >= 64 && clock.Elapsed < waitUntil)
            {
                DrainHosts();
                if (sentFrom.Count >= 64)
                {
                    Thread.Yield();
                }
            }
        }
        Volatile.Write(ref stop, true);
        churn.Join();
        TestRouter.WaitUntil(() =>
        {
            DrainHosts();
            return sentFrom.Count == 0;
        }, 10_000);

        Assert.True(violations.Count == 0, string.Join("\n", violations));
        Assert.True(sentFrom.Count == 0, $"{sentFrom.Count} packets never arrived (first: {string.Join(", ", sentFrom.Take(5).Select(p => $"{p.Key}→{Ipv4Address.Format(p.Value.Destination)} from state {p.Value.From}"))}); " +
            $"drops: {string.Join(", ", Enum.GetValues<DropReason>().Select(r => (r, n: router.DataPlane.ReadDrops(r))).Where(x => x.n > 0).Select(x => $"{x.r}={x.n}"))}; punted {router.DataPlane.ReadInterfaceCounter(0, InterfaceCounter.Punted)}");
        Assert.Equal(next, (uint)checkedPackets);
        Assert.True(Volatile.Read(ref completed) > 100, $"the churn published only {completed} states while traffic ran");
        Assert.True(checkedPackets > 1000, $"only {checkedPackets} packets crossed during the churn");
        Assert.Equal(0, router.DataPlane.ReadDrops(DropReason.NoRoute));
        Assert.True(router.DataPlane.ForwardingChangeCounts.RouteWrites > 0);
    }
}
