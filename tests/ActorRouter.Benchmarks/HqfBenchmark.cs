using System.Diagnostics;
using ActorRouter.DataPlane;
using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Forwarding;
using ActorRouter.DataPlane.Qos;
using ActorRouter.IO.Memory;
using ActorRouter.Packets;

namespace ActorRouter.Benchmarks;

/// <summary>
/// HQF egress QoS: (1) the scheduler alone — enqueue and dequeue through an 8-class policy
/// (priority with policer, six DRR classes two of them with WRED and one shaped, class-default)
/// under a parent shaper, driven by a virtual clock that never makes the shaper the bottleneck;
/// (2) the whole in-memory pipeline (as the pipeline case) without a policy and with that policy
/// on the egress interface, so the PPE's classification and the HQF's scheduling are both paid.
/// </summary>
public sealed class HqfBenchmark : IBenchmarkCase
{
    public string Name => "hqf";

    public string Description => "HQF QoS: scheduler ns/packet (8 classes + parent shaper), pipeline Mpps with and without a policy (args: seconds, default 3)";

    private static ClassMapDefinition Dscp(string name, params int[] dscp) => new(name, false, dscp, [], null, null, null, null, null, null);

    /// <summary>Eight classes; packets with DSCP 0 walk every rule to class-default.</summary>
    public static PolicyMapDefinition EightClasses(long parentRate) => new("bench", new RateSpec(parentRate, 1_000_000),
    [
        new PolicyClassDefinition(Dscp("voice", 46), Priority: new RateSpec(parentRate / 10, 100_000), QueueLimit: 256),
        new PolicyClassDefinition(Dscp("video", 34), BandwidthPercent: 20, QueueLimit: 256),
        new PolicyClassDefinition(Dscp("business", 26), BandwidthPercent: 15, QueueLimit: 256, RandomDetect: new RandomDetectSpec(64, 192, 10, 9)),
        new PolicyClassDefinition(Dscp("transactional", 18), BandwidthPercent: 15, QueueLimit: 256),
        new PolicyClassDefinition(Dscp("bulk", 10), BandwidthPercent: 10, QueueLimit: 256, Shape: new RateSpec(parentRate / 4, 100_000)),
        new PolicyClassDefinition(Dscp("scavenger", 8), BandwidthPercent: 5, QueueLimit: 256, RandomDetect: new RandomDetectSpec(32, 128, 5, 9)),
        new PolicyClassDefinition(new ClassMapDefinition("mgmt", true, [], [], 6, null, null, null, new PortRange(22, 23), null), BandwidthPercent: 5, QueueLimit: 256),
        new PolicyClassDefinition(null, BandwidthPercent: 25, QueueLimit: 512),
    ]);

    public int Run(string[] args)
    {
        var seconds = args.Length > 0 && double.TryParse(args[0], out var s) ? s : 3;
        var nsPerPacket = SchedulerCost(seconds);
        var without = Pipeline(null, seconds);
        var with = Pipeline(EightClasses(100_000_000_000), seconds);
        Console.WriteLine($"pipeline with an 8-class policy: {with:F2} Mpps, without: {without:F2} Mpps ({(with / without - 1) * 100:+0.0;-0.0} %)");
        Console.WriteLine($"hqf: {nsPerPacket:F1} ns/packet");
        return 0;
    }

    private static double SchedulerCost(double seconds)
    {
        long now = 0;
        var scheduler = new HqfScheduler(new CompiledPolicy(EightClasses(10_000_000_000)), () => now, 1_000_000_000);
        var output = new uint[32];
        // Traffic classes 1..8 in an uneven mix, sizes from 64 to 1500 bytes.
        var classes = new int[256];
        var sizes = new int[256];
        var random = new Random(7);
        for (var i = 0; i < classes.Length; i++)
        {
            classes[i] = 1 + random.Next(8);
            sizes[i] = 64 + random.Next(1437);
        }
        long packets = 0, dequeued = 0;
        uint buffer = 0;
        var clock = Stopwatch.StartNew();
        var deadline = (long)(seconds * Stopwatch.Frequency);
        var before = GC.GetAllocatedBytesForCurrentThread();
        while (clock.ElapsedTicks < deadline)
        {
            for (var round = 0; round < 1024; round++)
            {
                // 10 Gbit/s is 1.25 bytes/ns: 32 packets of about 780 bytes need ~20 µs of credit.
                now += 20_000;
                scheduler.Advance();
                for (var i = 0; i < 32; i++)
                {
                    var k = (int)(buffer & 255);
                    scheduler.Enqueue(buffer++, sizes[k], classes[k]);
                }
                dequeued += scheduler.Dequeue(output, out _);
                packets += 32;
            }
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var elapsed = clock.Elapsed.TotalSeconds;
        var ns = elapsed * 1e9 / packets;
        Console.WriteLine($"scheduler: {packets:N0} enqueued, {dequeued:N0} dequeued in {elapsed:F2} s = {ns:F1} ns/packet (enqueue + dequeue), {allocated} bytes allocated");
        for (var c = 0; c < scheduler.ClassCount; c++)
        {
            Console.WriteLine($"  {scheduler.Policy.Classes[c].Name,-14} sent {scheduler.ReadCounter(c, QosClassCounter.TransmittedBytes) * 8 / (now / 1e9) / 1e6,8:F0} Mbit/s (virtual)" +
                              $"  drops tail {scheduler.ReadCounter(c, QosClassCounter.TailDropPackets):N0} wred {scheduler.ReadCounter(c, QosClassCounter.RandomDropPackets):N0} policer {scheduler.ReadCounter(c, QosClassCounter.PolicerDropPackets):N0}");
        }
        return ns;
    }

    private static double Pipeline(PolicyMapDefinition? policy, double seconds)
    {
        using var rig = new MemoryPipelineRig(1, dp =>
        {
            if (policy is not null)
            {
                dp.AttachServicePolicy(1, policy);
            }
        });
        var result = rig.Measure(seconds);
        var dp = rig.DataPlane;
        var forwarded = result.Forwarded;
        var elapsed = result.Seconds;
        var status = dp.ReadServicePolicy(1);
        dp.Stop();
        var mpps = forwarded / elapsed / 1e6;
        var hqfAllocated = dp.Hqf.AllocatedBytes;
        Console.WriteLine($"pipeline {(policy is null ? "without a policy" : $"with policy {policy.Name}")}: forwarded {forwarded:N0} in {elapsed:F2} s = {mpps:F2} Mpps" +
                          (status is null ? "" : $"; class-default sent {status.Classes[^1].TransmittedPackets:N0}, dropped {status.Classes[^1].DroppedPackets:N0}") +
                          $"; HQF thread allocated {hqfAllocated} bytes in all");
        return mpps;
    }
}
