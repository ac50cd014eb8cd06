using ActorRouter.ControlPlane.Observability;
using ActorRouter.DataPlane.Memory;
using ActorRouter.DataPlane.Ports;
using ActorRouter.ControlPlane.Messages;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Xunit.Abstractions;

namespace ActorRouter.ControlPlane.Tests.Observability;

public class LoadRateTests
{
    private static readonly TimeSpan FiveMinutes = TimeSpan.FromSeconds(300);
    private static readonly TimeSpan FiveSeconds = TimeSpan.FromSeconds(5);

    [Fact]
    public void One_sample_moves_the_rate_by_one_minus_e_to_the_minus_dt_over_t()
    {
        // 1000 × (1 − e^(−5/300))
        Assert.Equal(16.52854617838251, LoadRate.Decay(0, 1000, FiveSeconds, FiveMinutes), 9);
    }

    [Fact]
    public void A_steady_rate_reaches_63_percent_after_one_load_interval()
    {
        var rate = 0.0;
        for (var sample = 0; sample < 60; sample++)
        {
            rate = LoadRate.Decay(rate, 1000, FiveSeconds, FiveMinutes);
        }
        // 1000 × (1 − e^(−1))
        Assert.Equal(632.1205588285577, rate, 9);
    }

    [Fact]
    public void A_stopped_flow_fades_to_e_to_the_minus_one_after_one_load_interval()
    {
        Assert.Equal(367.87944117144235, LoadRate.Decay(1000, 0, FiveMinutes, FiveMinutes), 9);
    }

    [Fact]
    public void No_elapsed_time_leaves_the_rate_as_it_was()
    {
        Assert.Equal(42.0, LoadRate.Decay(42, 1000, TimeSpan.Zero, FiveMinutes));
    }

    [Fact]
    public void A_counter_that_went_backwards_gives_no_sample()
    {
        Assert.Null(LoadRate.CounterRate(500, 100, FiveSeconds));
        Assert.Equal(100.0, LoadRate.CounterRate(0, 500, FiveSeconds));
    }

    [Fact]
    public void The_tracker_starts_from_a_baseline_and_decays_bits_and_packets_of_both_directions()
    {
        var tracker = new InterfaceRateTracker(TimeSpan.FromSeconds(30));
        tracker.Sample([(1, new InterfaceRateTracker.Counters(1000, 125_000, 0, 0))], TimeSpan.FromSeconds(10));
        Assert.Equal(InterfaceRate.Zero, tracker.Rates[1]);

        // 500 packets and 62 500 bytes in 5 s: 100 pps, 100 000 bits/s; share 1 − e^(−5/30).
        tracker.Sample([(1, new InterfaceRateTracker.Counters(1500, 187_500, 500, 62_500))], TimeSpan.FromSeconds(15));
        var rate = tracker.Rates[1];
        Assert.Equal(15.351827510938588, rate.InputPacketsPerSecond, 9);
        Assert.Equal(15351.827510938587, rate.InputBitsPerSecond, 6);
        Assert.Equal(15.351827510938588, rate.OutputPacketsPerSecond, 9);
        Assert.Equal(15351.827510938587, rate.OutputBitsPerSecond, 6);

        // Nothing more for 5 s: the rate fades by e^(−5/30).
        tracker.Sample([(1, new InterfaceRateTracker.Counters(1500, 187_500, 500, 62_500))], TimeSpan.FromSeconds(20));
        Assert.Equal(12.995041431682479, tracker.Rates[1].InputPacketsPerSecond, 9);
    }

    [Fact]
    public void Cleared_counters_start_a_new_baseline_and_keep_the_rate()
    {
        var tracker = new InterfaceRateTracker(TimeSpan.FromSeconds(30));
        tracker.Sample([(1, new InterfaceRateTracker.Counters(0, 0, 0, 0))], TimeSpan.Zero);
        tracker.Sample([(1, new InterfaceRateTracker.Counters(500, 62_500, 500, 62_500))], FiveSeconds);
        var before = tracker.Rates[1];

        tracker.Sample([(1, new InterfaceRateTracker.Counters(10, 1250, 10, 1250))], TimeSpan.FromSeconds(10));
        Assert.Equal(before, tracker.Rates[1]);

        // The next sample counts from the new baseline: 10 packets in 5 s is 2 pps.
        tracker.Sample([(1, new InterfaceRateTracker.Counters(20, 2500, 20, 2500))], TimeSpan.FromSeconds(15));
        Assert.Equal(LoadRate.Decay(before.InputPacketsPerSecond, 2, FiveSeconds, TimeSpan.FromSeconds(30)), tracker.Rates[1].InputPacketsPerSecond, 12);
    }

    [Fact]
    public void An_interface_that_is_gone_is_forgotten()
    {
        var tracker = new InterfaceRateTracker(FiveMinutes);
        tracker.Sample([(1, default(InterfaceRateTracker.Counters)), (2, default(InterfaceRateTracker.Counters))], TimeSpan.Zero);
        tracker.Sample([(2, default(InterfaceRateTracker.Counters))], FiveSeconds);
        Assert.Equal([2], tracker.Rates.Keys);
    }
}

public class InterfaceRateSamplerTests(ITestOutputHelper output) : TestKit("akka.loglevel = WARNING", output)
{
    private static DataPlaneStatistics Snapshot(long rxPackets, long rxBytes) =>
        new([], [], new GpmAccounting(16, 16, new int[16]), [], [new InterfaceStatistics(1, rxPackets, rxBytes, 0, 0, 0, 0, 0)]);

    [Fact]
    public void The_sampler_asks_the_qfp_client_for_a_snapshot_each_sample_interval_and_answers_decayed_rates()
    {
        var qfpClient = CreateTestProbe();
        var sampler = Sys.ActorOf(InterfaceRateSampler.Props(qfpClient, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200)));

        qfpClient.ExpectMsg<ReadDataPlaneStatistics>(TimeSpan.FromSeconds(5));
        qfpClient.Reply(Snapshot(0, 0));
        qfpClient.ExpectMsg<ReadDataPlaneStatistics>(TimeSpan.FromSeconds(5));
        qfpClient.Reply(Snapshot(1000, 125_000));

        AwaitAssert(() =>
        {
            var rates = sampler.Ask<InterfaceRates>(GetInterfaceRates.Instance, TimeSpan.FromSeconds(3)).Result;
            Assert.Equal(TimeSpan.FromSeconds(30), rates.LoadInterval);
            Assert.True(rates.ByIndex[1].InputPacketsPerSecond > 0);
            // bits = 8 × bytes; 125 bytes a packet: 1000 bits per packet.
            Assert.Equal(rates.ByIndex[1].InputPacketsPerSecond * 1000, rates.ByIndex[1].InputBitsPerSecond, 6);
            Assert.Equal(0.0, rates.ByIndex[1].OutputPacketsPerSecond);
        }, TimeSpan.FromSeconds(5));
    }
}
