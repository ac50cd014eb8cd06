using ActorRouter.DataPlane.Qos;
using static ActorRouter.DataPlane.Tests.Qos.SchedulerHarness;

namespace ActorRouter.DataPlane.Tests.Qos;

/// <summary>The HQF scheduler against its configuration, in virtual time (deterministic).</summary>
public class SchedulerTests
{
    private const long TenMegabit = 10_000_000;
    private static readonly TimeSpan OneSecond = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Step = TimeSpan.FromMicroseconds(100);
    private static readonly int[] FullSize = [1500];
    private static readonly int[] Mixed = [64, 1500, 576, 1200, 300, 1500, 90];

    private static PolicyMapDefinition Policy(RateSpec? shape, params PolicyClassDefinition[] classes) => new("test", shape, classes);

    private static void AssertWithin(double expected, double actual, double relative, string what) =>
        Assert.True(Math.Abs(actual - expected) <= relative * expected, $"{what}: expected {expected:F0} ±{relative:P0}, got {actual:F0} ({actual / expected - 1:P2})");

    [Fact]
    public void Bandwidth_percentages_divide_a_saturated_shaped_link_within_2_percent()
    {
        var h = new SchedulerHarness(Policy(new RateSpec(TenMegabit, 15000),
            new PolicyClassDefinition(Dscp("gold", 10), BandwidthPercent: 50),
            new PolicyClassDefinition(Dscp("silver", 20), BandwidthPercent: 30),
            new PolicyClassDefinition(Dscp("bronze", 30), BandwidthPercent: 20)));
        h.Run(OneSecond, Step,
            new OfferedLoad(1, TenMegabit, FullSize),
            new OfferedLoad(2, TenMegabit, Mixed),
            new OfferedLoad(3, TenMegabit, [64, 128]));

        var total = (double)(h.TransmittedBytes[1] + h.TransmittedBytes[2] + h.TransmittedBytes[3]);
        AssertWithin(0.5, h.TransmittedBytes[1] / total, 0.02, "gold share");
        AssertWithin(0.3, h.TransmittedBytes[2] / total, 0.02, "silver share");
        AssertWithin(0.2, h.TransmittedBytes[3] / total, 0.02, "bronze share");
    }

    [Fact]
    public void Bandwidth_weights_divide_the_link_in_proportion()
    {
        var h = new SchedulerHarness(Policy(new RateSpec(TenMegabit, 15000),
            new PolicyClassDefinition(Dscp("a", 10), BandwidthWeight: 1),
            new PolicyClassDefinition(Dscp("b", 20), BandwidthWeight: 3)));
        h.Run(OneSecond, Step, new OfferedLoad(1, TenMegabit, Mixed), new OfferedLoad(2, TenMegabit, FullSize), new OfferedLoad(3, TenMegabit, FullSize));

        // class-default takes weight 1 as well: 1 : 3 : 1.
        var total = (double)(h.TransmittedBytes[1] + h.TransmittedBytes[2] + h.TransmittedBytes[3]);
        AssertWithin(0.2, h.TransmittedBytes[1] / total, 0.02, "a share");
        AssertWithin(0.6, h.TransmittedBytes[2] / total, 0.02, "b share");
        AssertWithin(0.2, h.TransmittedBytes[3] / total, 0.02, "class-default share");
    }

    [Fact]
    public void Parent_shaper_holds_the_average_rate_within_2_percent_over_one_second()
    {
        var h = new SchedulerHarness(Policy(new RateSpec(TenMegabit, 15000), new PolicyClassDefinition(null, QueueLimit: 256)));
        h.Run(OneSecond, Step, new OfferedLoad(1, 3 * TenMegabit, Mixed));

        var sentBits = h.TransmittedBytes[1] * 8.0;
        AssertWithin(TenMegabit, sentBits, 0.02, "shaped bits in one second");
        Assert.True(h.DroppedPackets[1] > 0, "a 3x overload must tail-drop");
    }

    [Fact]
    public void Class_shaper_caps_its_class_and_the_rest_of_the_link_goes_to_the_others()
    {
        var h = new SchedulerHarness(Policy(new RateSpec(TenMegabit, 15000),
            new PolicyClassDefinition(Dscp("bulk", 10), BandwidthPercent: 80, Shape: new RateSpec(2_000_000, 3000)),
            new PolicyClassDefinition(Dscp("rest", 20), BandwidthPercent: 20)));
        h.Run(OneSecond, Step, new OfferedLoad(1, TenMegabit, FullSize), new OfferedLoad(2, TenMegabit, Mixed));

        AssertWithin(2_000_000, h.TransmittedBytes[1] * 8.0, 0.02, "bulk (shaped to 2 Mbit/s)");
        AssertWithin(8_000_000, h.TransmittedBytes[2] * 8.0, 0.02, "rest (work-conserving)");
    }

    [Fact]
    public void Unused_share_is_redistributed_to_the_busy_classes_in_proportion()
    {
        var h = new SchedulerHarness(Policy(new RateSpec(TenMegabit, 15000),
            new PolicyClassDefinition(Dscp("light", 10), BandwidthPercent: 50),
            new PolicyClassDefinition(Dscp("b", 20), BandwidthPercent: 30),
            new PolicyClassDefinition(Dscp("c", 30), BandwidthPercent: 20)));
        h.Run(OneSecond, Step,
            new OfferedLoad(1, 1_000_000, FullSize),
            new OfferedLoad(2, TenMegabit, Mixed),
            new OfferedLoad(3, TenMegabit, FullSize));

        Assert.Equal(0, h.DroppedPackets[1]);
        AssertWithin(1_000_000, h.TransmittedBytes[1] * 8.0, 0.02, "light class gets all it offers");
        // The 9 Mbit/s left are split 30 : 20.
        AssertWithin(5_400_000, h.TransmittedBytes[2] * 8.0, 0.02, "b");
        AssertWithin(3_600_000, h.TransmittedBytes[3] * 8.0, 0.02, "c");
    }

    [Fact]
    public void Priority_latency_stays_bounded_while_the_other_classes_are_saturated_and_its_policer_protects_them()
    {
        var h = new SchedulerHarness(Policy(new RateSpec(TenMegabit, 15000),
            new PolicyClassDefinition(Dscp("voice", 46), Priority: new RateSpec(2_000_000, 3000)),
            new PolicyClassDefinition(Dscp("data", 10), BandwidthPercent: 60, QueueLimit: 128),
            new PolicyClassDefinition(null, BandwidthPercent: 40, QueueLimit: 128)));
        // Voice within its rate first: latency.
        h.Run(OneSecond, TimeSpan.FromMicroseconds(50),
            new OfferedLoad(1, 1_000_000, [200]),
            new OfferedLoad(2, TenMegabit, FullSize),
            new OfferedLoad(3, TenMegabit, FullSize));

        Assert.Equal(0, h.DroppedPackets[1]);
        AssertWithin(1_000_000, h.TransmittedBytes[1] * 8.0, 0.02, "voice");
        // At worst a voice packet waits for the full-size frame that went just before it (1.2 ms at 10 Mbit/s) and one step.
        var maxVoiceMs = h.MaxLatencyTicks[1] / 1e6;
        Assert.True(maxVoiceMs <= 1.3, $"voice waited up to {maxVoiceMs:F3} ms");
        var maxDataMs = h.MaxLatencyTicks[2] / 1e6;
        Assert.True(maxDataMs > 50, $"data is queued behind a full queue ({maxDataMs:F1} ms), which is what voice escapes");

        // Voice far above its rate: the policer drops the excess and the rest keep the link.
        var flood = new SchedulerHarness(h.Policy.Definition);
        flood.Run(OneSecond, Step,
            new OfferedLoad(1, 8_000_000, [200]),
            new OfferedLoad(2, TenMegabit, FullSize),
            new OfferedLoad(3, TenMegabit, FullSize));
        AssertWithin(2_000_000, flood.TransmittedBytes[1] * 8.0, 0.03, "voice policed to 2 Mbit/s");
        Assert.Equal(flood.OfferedPackets[1] - flood.TransmittedPackets[1] - flood.Scheduler.ReadCounter(0, QosClassCounter.Depth),
            flood.Scheduler.ReadCounter(0, QosClassCounter.PolicerDropPackets));
        AssertWithin(8_000_000, (flood.TransmittedBytes[2] + flood.TransmittedBytes[3]) * 8.0, 0.03, "data + default");
    }

    [Theory]
    [InlineData(10)]
    [InlineData(25)]
    [InlineData(40)]
    [InlineData(55)]
    [InlineData(70)]
    public void Wred_drop_fraction_follows_the_linear_ramp_of_its_profile(int depth)
    {
        const int min = 20, max = 60, denominator = 10;
        var h = new SchedulerHarness(Policy(null,
            new PolicyClassDefinition(null, QueueLimit: 1000, RandomDetect: new RandomDetectSpec(min, max, denominator, ExponentialWeightConstant: 0))), seed: (ulong)depth);
        while (h.Scheduler.Depth < depth)
        {
            h.Scheduler.Requeue((uint)h.Scheduler.Depth, 100, 1);
        }
        const int samples = 40_000;
        var drops = 0;
        var one = new uint[1];
        for (var i = 0; i < samples; i++)
        {
            if (h.Scheduler.Enqueue(1, 100, 1) == QosVerdict.Queued)
            {
                Assert.Equal(1, h.Scheduler.Dequeue(one, out _));
            }
            else
            {
                drops++;
            }
        }
        var expected = depth < min ? 0.0 : depth >= max ? 1.0 : (depth - min) / (double)(max - min) / denominator;
        var measured = drops / (double)samples;
        // Four standard deviations of a binomial over 40 000 samples, and at least 0.005.
        var tolerance = Math.Max(0.005, 4 * Math.Sqrt(expected * (1 - expected) / samples));
        Assert.True(Math.Abs(measured - expected) <= tolerance, $"depth {depth}: expected drop fraction {expected:F4}, measured {measured:F4}");
        Assert.Equal(drops, h.Scheduler.ReadCounter(0, QosClassCounter.RandomDropPackets));
    }

    [Fact]
    public void Dscp_based_wred_applies_each_dscps_own_profile_at_the_same_average_depth()
    {
        var profiles = new RandomDetectDscpProfile[] { new(10, 10, 30, 2), new(14, 40, 80, 20) };
        var h = new SchedulerHarness(Policy(null,
            new PolicyClassDefinition(null, QueueLimit: 1000, RandomDetect: new RandomDetectSpec(20, 60, 10, 0, profiles))), seed: 99);
        Assert.True(h.Scheduler.ReadsDscp);
        const int depth = 25;
        while (h.Scheduler.Depth < depth)
        {
            h.Scheduler.Requeue((uint)h.Scheduler.Depth, 100, 1);
        }
        const int samples = 40_000;
        var one = new uint[1];
        double DropFraction(int dscp)
        {
            var drops = 0;
            for (var i = 0; i < samples; i++)
            {
                if (h.Scheduler.Enqueue(1, 100, 1, dscp) == QosVerdict.Queued)
                {
                    h.Scheduler.Dequeue(one, out _);
                }
                else
                {
                    drops++;
                }
            }
            return drops / (double)samples;
        }
        // Class profile: (25 − 20) / 40 × 1/10; DSCP 10: (25 − 10) / 20 × 1/2; DSCP 14: below its minimum.
        Assert.InRange(DropFraction(0), 0.0125 - 0.004, 0.0125 + 0.004);
        Assert.InRange(DropFraction(10), 0.375 - 0.012, 0.375 + 0.012);
        Assert.Equal(0, DropFraction(14));
    }

    [Fact]
    public void Wred_average_follows_the_depth_slowly_with_a_large_exponential_weight_constant()
    {
        var h = new SchedulerHarness(Policy(null,
            new PolicyClassDefinition(null, QueueLimit: 1000, RandomDetect: new RandomDetectSpec(10, 20, 1, ExponentialWeightConstant: 9))));
        // A sudden burst of 100 packets: the average (weight 1/512) stays below the minimum, so nothing is dropped early.
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(QosVerdict.Queued, h.Offer(1, 100));
        }
        // Held above the maximum for long, the average catches up and everything is dropped.
        var dropped = 0;
        for (var i = 0; i < 5000; i++)
        {
            if (h.Offer(1, 100) == QosVerdict.Queued)
            {
                h.Scheduler.Dequeue(new uint[1], out _);
            }
            else
            {
                dropped++;
            }
        }
        Assert.True(dropped > 3000, $"dropped {dropped}");
    }

    [Fact]
    public void Wred_average_decays_while_the_queue_is_idle()
    {
        var h = new SchedulerHarness(Policy(new RateSpec(12_000_000, 1_000_000),
            new PolicyClassDefinition(null, QueueLimit: 1000, RandomDetect: new RandomDetectSpec(10, 20, 1, ExponentialWeightConstant: 4))));
        // Build the average up above the maximum with a standing queue...
        for (var i = 0; i < 300; i++)
        {
            h.Offer(1, 1500);
        }
        Assert.True(h.DroppedPackets[1] > 0);
        // ...drain it completely (the 1 MB burst lets it all go at once), then stay idle for 100 ms:
        // 1000 frame times at 12 Mbit/s, far more than the 2^4 the average needs to forget.
        h.Clock.Now += 1;
        h.Scheduler.Advance();
        h.DequeueAll();
        Assert.Equal(0, h.Scheduler.Depth);
        h.Clock.Now += 100_000_000;
        h.Scheduler.Advance();
        var dropped = h.DroppedPackets[1];
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(QosVerdict.Queued, h.Offer(1, 1500));
        }
        Assert.Equal(dropped, h.DroppedPackets[1]);
    }

    [Fact]
    public void Per_class_counters_add_up()
    {
        var h = new SchedulerHarness(Policy(new RateSpec(TenMegabit, 15000),
            new PolicyClassDefinition(Dscp("voice", 46), Priority: new RateSpec(1_000_000, 1500)),
            new PolicyClassDefinition(Dscp("data", 10), BandwidthPercent: 50, QueueLimit: 32,
                RandomDetect: new RandomDetectSpec(8, 24, 4, 1)),
            new PolicyClassDefinition(null, QueueLimit: 16)));
        h.Run(OneSecond, Step, new OfferedLoad(1, 3_000_000, [200]), new OfferedLoad(2, TenMegabit, Mixed), new OfferedLoad(3, TenMegabit, FullSize));
        var s = h.Scheduler;
        for (var c = 0; c < 3; c++)
        {
            long Read(QosClassCounter k) => s.ReadCounter(c, k);
            var offered = h.OfferedPackets[c + 1];
            Assert.Equal(offered, Read(QosClassCounter.EnqueuedPackets) + Read(QosClassCounter.TailDropPackets) + Read(QosClassCounter.RandomDropPackets) + Read(QosClassCounter.PolicerDropPackets));
            Assert.Equal(Read(QosClassCounter.EnqueuedPackets), Read(QosClassCounter.TransmittedPackets) + Read(QosClassCounter.Depth));
            Assert.Equal(h.OfferedBytes[c + 1], Read(QosClassCounter.EnqueuedBytes) + Read(QosClassCounter.TailDropBytes) + Read(QosClassCounter.RandomDropBytes) + Read(QosClassCounter.PolicerDropBytes));
            Assert.True(Read(QosClassCounter.PeakDepth) >= Read(QosClassCounter.Depth));
        }
        Assert.True(s.ReadCounter(0, QosClassCounter.PolicerDropPackets) > 0);
        Assert.True(s.ReadCounter(1, QosClassCounter.RandomDropPackets) > 0);
        Assert.True(s.ReadCounter(2, QosClassCounter.TailDropPackets) > 0);
        Assert.Equal(16, s.ReadCounter(2, QosClassCounter.PeakDepth));
    }

    [Fact]
    public void Sleep_hint_is_the_time_until_the_shaper_allows_the_next_packet()
    {
        var h = new SchedulerHarness(Policy(new RateSpec(8_000_000, 1000), new PolicyClassDefinition(null)));
        Assert.Equal(long.MaxValue, h.Scheduler.TicksUntilEligible());
        h.Offer(1, 1500);
        h.Offer(1, 1500);
        Assert.Equal(0, h.Scheduler.TicksUntilEligible());
        Assert.Equal(1, h.DequeueAll());
        // 500 bytes of debt at 1 byte/µs: 0.5 ms until the next may go.
        var wait = h.Scheduler.TicksUntilEligible();
        Assert.InRange(wait, 500_000, 500_002);
        h.Clock.Now += wait;
        h.Scheduler.Advance();
        Assert.Equal(1, h.DequeueAll());
    }

    [Fact]
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    // No tiering or on-stack replacement of this method while it measures: an OSR compile allocates on this thread.
    public void Scheduling_allocates_nothing()
    {
        var h = new SchedulerHarness(Policy(new RateSpec(TenMegabit, 15000),
            new PolicyClassDefinition(Dscp("voice", 46), Priority: new RateSpec(1_000_000, 1500)),
            new PolicyClassDefinition(Dscp("data", 10), BandwidthPercent: 50, RandomDetect: new RandomDetectSpec(8, 24, 4, 1), Shape: new RateSpec(4_000_000, 4000)),
            new PolicyClassDefinition(null)));
        var output = new uint[32];
        void Loop()
        {
            for (var i = 0; i < 100_000; i++)
            {
                h.Clock.Now += 10_000;
                h.Scheduler.Advance();
                h.Scheduler.Enqueue((uint)i, 64 + i % 1400, 1 + i % 3);
                h.Scheduler.Dequeue(output, out _);
                h.Scheduler.TicksUntilEligible();
            }
        }
        Assert.Equal(0, SteadyAllocation.Measure(Loop, warmup: 1, rounds: 1).Bytes);
    }
}
