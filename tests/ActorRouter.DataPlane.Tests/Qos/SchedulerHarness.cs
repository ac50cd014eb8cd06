using ActorRouter.DataPlane.Qos;

namespace ActorRouter.DataPlane.Tests.Qos;

/// <summary>A clock the test moves by hand: nanosecond ticks.</summary>
public sealed class VirtualClock
{
    public const long TicksPerSecond = 1_000_000_000;
    public long Now;
    public long Read() => Now;
}

/// <summary>What one class offers: a rate in bit/s and a packet size pattern.</summary>
public sealed record OfferedLoad(int TrafficClass, long BitsPerSecond, int[] PacketSizes);

/// <summary>
/// Drives an <see cref="HqfScheduler"/> in virtual time: every step each class offers what its
/// rate has earned, the clock moves, and everything the shapers allow is dequeued (the link
/// itself is never the bottleneck, so the shapers are what is measured). Buffers are sequence
/// numbers, so each packet's class and enqueue time are known when it leaves.
/// </summary>
public sealed class SchedulerHarness
{
    private const int MaxInFlight = 1 << 20;
    private readonly int[] _classOf = new int[MaxInFlight];
    private readonly long[] _enqueuedAt = new long[MaxInFlight];
    private readonly uint[] _output = new uint[64];
    private uint _next;

    public SchedulerHarness(PolicyMapDefinition policy, ulong seed = 1)
    {
        Policy = new CompiledPolicy(policy);
        Scheduler = new HqfScheduler(Policy, Clock.Read, VirtualClock.TicksPerSecond, seed);
        var n = Policy.ClassCount + 1;
        OfferedBytes = new long[n];
        OfferedPackets = new long[n];
        TransmittedBytes = new long[n];
        TransmittedPackets = new long[n];
        DroppedPackets = new long[n];
        MaxLatencyTicks = new long[n];
    }

    public VirtualClock Clock { get; } = new();
    public CompiledPolicy Policy { get; }
    public HqfScheduler Scheduler { get; }

    // Indexed by traffic class (1-based).
    public long[] OfferedBytes { get; }
    public long[] OfferedPackets { get; }
    public long[] TransmittedBytes { get; }
    public long[] TransmittedPackets { get; }
    public long[] DroppedPackets { get; }
    public long[] MaxLatencyTicks { get; }

    public void Run(TimeSpan duration, TimeSpan step, params OfferedLoad[] loads)
    {
        var credit = new double[loads.Length];
        var sizeIndex = new int[loads.Length];
        var stepTicks = step.Ticks * 100;
        var end = Clock.Now + duration.Ticks * 100;
        while (Clock.Now < end)
        {
            Clock.Now += stepTicks;
            Scheduler.Advance();
            for (var l = 0; l < loads.Length; l++)
            {
                var load = loads[l];
                credit[l] += load.BitsPerSecond / 8.0 * stepTicks / VirtualClock.TicksPerSecond;
                while (true)
                {
                    var size = load.PacketSizes[sizeIndex[l] % load.PacketSizes.Length];
                    if (credit[l] < size)
                    {
                        break;
                    }
                    credit[l] -= size;
                    sizeIndex[l]++;
                    Offer(load.TrafficClass, size);
                }
            }
            DequeueAll();
        }
    }

    public QosVerdict Offer(int trafficClass, int size)
    {
        var buffer = _next++ % MaxInFlight;
        _classOf[buffer] = trafficClass;
        _enqueuedAt[buffer] = Clock.Now;
        OfferedBytes[trafficClass] += size;
        OfferedPackets[trafficClass]++;
        var verdict = Scheduler.Enqueue(buffer, size, trafficClass);
        if (verdict != QosVerdict.Queued)
        {
            DroppedPackets[trafficClass]++;
        }
        return verdict;
    }

    public int DequeueAll()
    {
        var total = 0;
        int n;
        while ((n = Scheduler.Dequeue(_output, out _)) > 0)
        {
            for (var i = 0; i < n; i++)
            {
                var buffer = _output[i];
                var trafficClass = _classOf[buffer];
                TransmittedPackets[trafficClass]++;
                // The harness knows the size from the class's counter delta; recompute from the scheduler's view.
                MaxLatencyTicks[trafficClass] = Math.Max(MaxLatencyTicks[trafficClass], Clock.Now - _enqueuedAt[buffer]);
            }
            total += n;
        }
        for (var c = 1; c < TransmittedBytes.Length; c++)
        {
            TransmittedBytes[c] = Scheduler.ReadCounter(Policy.ClassIndexOf(c), QosClassCounter.TransmittedBytes);
        }
        return total;
    }

    public static ClassMapDefinition Dscp(string name, params int[] dscp) =>
        new(name, false, dscp, [], null, null, null, null, null, null);
}
