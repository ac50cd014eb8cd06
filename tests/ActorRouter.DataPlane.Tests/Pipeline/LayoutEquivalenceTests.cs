using ActorRouter.DataPlane.Counters;
using ActorRouter.Packets;
using static ActorRouter.DataPlane.Tests.Pipeline.TestRouter;

namespace ActorRouter.DataPlane.Tests.Pipeline;

/// <summary>
/// Every thread layout is only a schedule of the same stages: for the same input frames on the
/// memory wires, each gives the same output frames (exact bytes) on each interface, in the same
/// order within a flow, and the same interface, drop and feature counters.
/// </summary>
[Collection("Load")]
public class LayoutEquivalenceTests
{
    public static TheoryData<string> OtherLayouts() => ["split-3ppe", "collapsed-1", "collapsed-2", "collapsed-3"];

    private static DataPlaneOptions Options(string layout)
    {
        var options = new DataPlaneOptions
        {
            BufferCount = 8192,
            PpeThreads = 1,
            // Rates far above what the test sends: every ICMP error and punt is taken, whichever thread does it.
            PuntRatePerSecond = 100_000,
            PuntBurst = 10_000,
            IcmpErrorRatePerSecond = 100_000,
            IcmpErrorBurst = 10_000,
        };
        return layout switch
        {
            "split-1ppe" => options with { Layout = DataPlaneLayout.Split },
            "split-3ppe" => options with { Layout = DataPlaneLayout.Split, PpeThreads = 3 },
            "collapsed-1" => options with { Layout = DataPlaneLayout.Collapsed, Workers = 1 },
            "collapsed-2" => options with { Layout = DataPlaneLayout.Collapsed, Workers = 2 },
            "collapsed-3" => options with { Layout = DataPlaneLayout.Collapsed, Workers = 3 },
            _ => throw new ArgumentException(layout),
        };
    }

    /// <summary>
    /// What each host sends: flows to both other hosts and to the static route behind Gi2, with TTL 1
    /// (time exceeded back to the sender), no route, a bad header checksum, frames larger than Gi3's
    /// MTU (fragmented, or frag-needed with DF), and datagrams to the router itself (punted).
    /// </summary>
    private static List<byte[]>[] Input()
    {
        var noRoute = Ipv4Address.Parse("100.64.0.1");
        var remote = Ipv4Address.Parse("10.99.1.7");
        var input = new List<byte[]>[3];
        for (var host = 0; host < 3; host++)
        {
            input[host] = new List<byte[]>();
            for (var s = 0; s < 180; s++)
            {
                var id = (ushort)(host * 1000 + s);
                var sourcePort = (ushort)(1000 + s % 4);
                byte[] frame;
                if (s % 7 == 3)
                {
                    frame = UdpFrom(host, HostAddresses[(host + 1) % 3], ttl: 1, id: id, sourcePort: sourcePort);
                }
                else if (s % 11 == 5)
                {
                    frame = UdpFrom(host, noRoute, id: id, sourcePort: sourcePort);
                }
                else if (s % 13 == 6)
                {
                    frame = UdpFrom(host, HostAddresses[2 == host ? 0 : 2], payloadLength: 1300, id: id, sourcePort: sourcePort, dontFragment: s % 26 == 19);
                }
                else if (s % 17 == 8)
                {
                    frame = UdpFrom(host, RouterAddresses[host], id: id, sourcePort: sourcePort);
                }
                else if (s % 19 == 9)
                {
                    frame = UdpFrom(host, HostAddresses[(host + 2) % 3], id: id, sourcePort: sourcePort);
                    frame[14 + 10] ^= 0x5a; // header checksum broken
                }
                else if (s % 5 == 1 && host != 1)
                {
                    frame = UdpFrom(host, remote, id: id, sourcePort: sourcePort);
                }
                else
                {
                    frame = UdpFrom(host, HostAddresses[(host + 1 + s % 2) % 3], id: id, sourcePort: sourcePort, payloadLength: 18 + s % 40);
                }
                input[host].Add(frame);
            }
        }
        return input;
    }

    private sealed record Outcome(
        Dictionary<string, List<string>>[] FramesByFlow,
        long[,] InterfaceCounters,
        Dictionary<DropReason, long> Drops,
        (long IcmpSent, long IcmpSuppressed, long IcmpRateLimited, long Fragments) Features);

    private static Outcome Run(string layout)
    {
        using var router = new TestRouter(mtus: [1500, 1500, 1000], options: Options(layout), start: false);
        var input = Input();
        // Everything is in the RX rings before the threads start, so each layout sees the same bursts to pick from.
        for (var host = 0; host < 3; host++)
        {
            foreach (var frame in input[host])
            {
                Assert.True(router.Host(host).Send(frame));
            }
        }
        var dp = router.DataPlane;
        dp.Start();
        var sent = input.Sum(i => i.Count);
        long Received() => Enumerable.Range(0, 3).Sum(i => dp.ReadInterfaceCounter(i, InterfaceCounter.RxPackets));
        Assert.True(WaitUntil(() => Received() == sent, 20000), $"{layout}: received {Received()} of {sent}");
        // Then quiet: nothing more leaves for a while.
        long Transmitted() => Enumerable.Range(0, 3).Sum(i => dp.ReadInterfaceCounter(i, InterfaceCounter.TxPackets));
        var last = -1L;
        Assert.True(WaitUntil(() =>
        {
            var now = Transmitted();
            var settled = now == last && Enumerable.Range(0, 3).All(i => dp.QueueDepth(i) == 0);
            last = now;
            if (!settled)
            {
                Thread.Sleep(100);
            }
            return settled;
        }, 20000));
        var frames = new Dictionary<string, List<string>>[3];
        for (var i = 0; i < 3; i++)
        {
            frames[i] = new Dictionary<string, List<string>>();
            while (router.Host(i).TryReceive() is { } frame)
            {
                var flow = Convert.ToHexString(frame.AsSpan(26, 8)); // source and destination address
                if (!frames[i].TryGetValue(flow, out var list))
                {
                    frames[i][flow] = list = new List<string>();
                }
                list.Add(Masked(frame));
            }
        }
        var counters = new long[3, Enum.GetValues<InterfaceCounter>().Length];
        for (var i = 0; i < 3; i++)
        {
            foreach (var counter in Enum.GetValues<InterfaceCounter>())
            {
                counters[i, (int)counter] = dp.ReadInterfaceCounter(i, counter);
            }
        }
        var drops = Enum.GetValues<DropReason>().ToDictionary(r => r, r => dp.ReadDrops(r));
        var features = (dp.Counters.Sum(c => c.IcmpErrorsSent), dp.Counters.Sum(c => c.IcmpErrorsSuppressed), dp.Counters.Sum(c => c.IcmpErrorsRateLimited), dp.Counters.Sum(c => c.FragmentsCreated));
        Assert.True(router.StopAndAccount().AllFree, $"{layout}: GPM accounting after stop");
        return new Outcome(frames, counters, drops, features);
    }

    /// <summary>
    /// The frame as hex, with the IP identification and header checksum of the router's own ICMP
    /// errors blanked: each graph (one per PPE or worker) numbers the datagrams it originates itself.
    /// </summary>
    private static string Masked(byte[] frame)
    {
        var copy = (byte[])frame.Clone();
        var source = (uint)(copy[26] << 24 | copy[27] << 16 | copy[28] << 8 | copy[29]);
        if (copy.Length >= 34 && copy[23] == 1 && RouterAddresses.Contains(source))
        {
            copy[18] = copy[19] = 0;
            copy[24] = copy[25] = 0;
        }
        return Convert.ToHexString(copy);
    }

    [Theory]
    [MemberData(nameof(OtherLayouts))]
    public void Every_layout_gives_the_same_frames_and_counters_as_split_with_one_ppe(string layout)
    {
        var reference = Run("split-1ppe");
        var other = Run(layout);

        // The input exercised what it should: forwarded, fragmented, ICMP errors, punts, drops.
        Assert.True(reference.Features.Fragments > 0 && reference.Features.IcmpSent > 0);
        Assert.True(reference.Drops[DropReason.NoRoute] > 0 || reference.Features.IcmpSent > 0);
        Assert.True(Enumerable.Range(0, 3).All(i => reference.InterfaceCounters[i, (int)InterfaceCounter.Punted] > 0));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(reference.FramesByFlow[i].Keys.Order(), other.FramesByFlow[i].Keys.Order());
            foreach (var (flow, frames) in reference.FramesByFlow[i])
            {
                Assert.Equal(frames, other.FramesByFlow[i][flow]);
            }
        }
        Assert.Equal(reference.InterfaceCounters, other.InterfaceCounters);
        Assert.Equal(reference.Drops, other.Drops);
        Assert.Equal(reference.Features, other.Features);
    }
}
