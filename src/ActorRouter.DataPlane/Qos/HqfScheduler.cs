using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace ActorRouter.DataPlane.Qos;

/// <summary>What became of a packet offered to an <see cref="HqfScheduler"/>.</summary>
public enum QosVerdict : byte
{
    Queued = 0,
    /// <summary>The class queue was at its queue-limit.</summary>
    TailDrop,
    /// <summary>WRED dropped it early.</summary>
    RandomDrop,
    /// <summary>A priority class's policer found it over rate.</summary>
    Policed,
}

/// <summary>Per-class counters of an <see cref="HqfScheduler"/>.</summary>
public enum QosClassCounter
{
    EnqueuedPackets = 0,
    EnqueuedBytes,
    TransmittedPackets,
    TransmittedBytes,
    TailDropPackets,
    TailDropBytes,
    RandomDropPackets,
    RandomDropBytes,
    PolicerDropPackets,
    PolicerDropBytes,
    /// <summary>Queued packets thrown away without transmission: interface down, stop.</summary>
    FlushedPackets,
    Depth,
    PeakDepth,
}

/// <summary>
/// The HQF scheduler of one egress interface with a service policy: per-class FIFOs of buffer
/// indices under an optional parent shaper. Priority classes (each with its own policer at
/// enqueue) are served first; the rest share what is left by deficit round robin in proportion to
/// their weights, skipping empty and shaper-blocked classes, so unused share goes to the others.
/// Per-class shapers, queue-limits (tail drop) and WRED apply per class. Token buckets are
/// credited by elapsed clock ticks in <see cref="Advance"/>, never per call.
/// Owned by the HQF thread once adopted: no locks, no allocation after construction. Counters are
/// plain longs that other threads may read while it runs.
/// </summary>
public sealed class HqfScheduler
{
    /// <summary>DRR quantum of the class with the largest weight, in bytes.</summary>
    public const int MaxQuantum = 4 * 1600;
    private const int CounterKinds = 13;

    private struct ClassState
    {
        public int Base;
        public int Mask;
        public int Limit;
        public long Head;
        public long Tail;
        public bool IsPriority;
        public long Quantum;
        public long Deficit;
        public bool Shaped;
        public double ShapeTokens, ShapeBytesPerTick, ShapeBurst;
        public bool Policed;
        public double PoliceTokens, PoliceBytesPerTick, PoliceBurst;
        public bool Red;
        public bool RedByDscp;
        public double RedMin, RedMax, RedMaxProbability, RedWeight, RedAverage;
        /// <summary>Clock tick at which the queue last went empty (for WRED's idle decay).</summary>
        public long EmptySince;
        /// <summary>Full-size frames per tick at the rate that drains the class (its shaper's, else the parent's); 0 when unknown.</summary>
        public double FramesPerTick;
    }

    /// <summary>The frame size WRED's idle decay counts in: the average falls as if that many had left the queue.</summary>
    private const double IdleDecayFrameBytes = 1500;

    /// <summary>Per class and DSCP (class × 64 + DSCP): min, max, max probability; null when no class is DSCP-based.</summary>
    private readonly double[]? _redProfiles;

    private readonly Func<long> _clock;
    private readonly ClassState[] _classes;
    private readonly int[] _priorityOrder;
    private readonly uint[] _buffers;
    private readonly ushort[] _lengths;
    private readonly long[] _counters;
    private readonly bool _shaped;
    private readonly double _bytesPerTick;
    private readonly double _burst;
    private double _tokens;
    private long _lastTick;
    private int _drrCurrent;
    private bool _drrFresh = true;
    private int _depth;
    private ulong _random;

    public HqfScheduler(CompiledPolicy policy, Func<long>? clock = null, long ticksPerSecond = 0, ulong seed = 0x9E3779B97F4A7C15UL)
    {
        Policy = policy;
        _clock = clock ?? Stopwatch.GetTimestamp;
        TicksPerSecond = ticksPerSecond > 0 ? ticksPerSecond : Stopwatch.Frequency;
        _random = seed == 0 ? 1 : seed;
        var classes = policy.Classes;
        _classes = new ClassState[classes.Count];
        _counters = new long[classes.Count * CounterKinds];
        var total = 0;
        var maxWeight = 1;
        foreach (var w in policy.Weights)
        {
            maxWeight = Math.Max(maxWeight, w);
        }
        var priorities = new List<int>();
        for (var i = 0; i < classes.Count; i++)
        {
            var c = classes[i];
            ref var s = ref _classes[i];
            var size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(2, c.QueueLimit));
            s.Base = total;
            s.Mask = size - 1;
            s.Limit = c.QueueLimit;
            total += size;
            s.IsPriority = c.Priority is not null;
            if (s.IsPriority)
            {
                priorities.Add(i);
                s.Policed = true;
                s.PoliceBytesPerTick = BytesPerTick(c.Priority!.BitsPerSecond);
                s.PoliceBurst = Math.Max(1, c.Priority.BurstBytes);
                s.PoliceTokens = s.PoliceBurst;
            }
            else
            {
                // Quanta in proportion to the weights, the largest a few frames' worth: a short
                // round keeps every class (and its shaper's burst) served often; a class whose
                // quantum is below a frame saves up over rounds (see SelectClass).
                s.Quantum = Math.Max(1, (long)Math.Ceiling((double)MaxQuantum * policy.Weights[i] / maxWeight));
            }
            if (c.Shape is { } shape)
            {
                s.Shaped = true;
                s.ShapeBytesPerTick = BytesPerTick(shape.BitsPerSecond);
                s.ShapeBurst = Math.Max(1, shape.BurstBytes);
                s.ShapeTokens = s.ShapeBurst;
            }
            if (c.RandomDetect is { } red)
            {
                s.Red = true;
                s.RedMin = red.MinThreshold;
                s.RedMax = red.MaxThreshold;
                s.RedMaxProbability = 1.0 / Math.Max(1, red.MarkProbabilityDenominator);
                s.RedWeight = Math.Pow(2, -red.ExponentialWeightConstant);
                var drainRate = c.Shape?.BitsPerSecond ?? policy.Definition.Shape?.BitsPerSecond ?? 0;
                s.FramesPerTick = BytesPerTick(drainRate) / IdleDecayFrameBytes;
            }
        }
        _priorityOrder = priorities.ToArray();
        for (var i = 0; i < classes.Count; i++)
        {
            if (classes[i].RandomDetect is not { DscpProfiles.Count: > 0 } red)
            {
                continue;
            }
            _redProfiles ??= new double[classes.Count * 64 * 3];
            ref var s = ref _classes[i];
            s.RedByDscp = true;
            for (var dscp = 0; dscp < 64; dscp++)
            {
                SetProfile(i, dscp, s.RedMin, s.RedMax, s.RedMaxProbability);
            }
            foreach (var profile in red.DscpProfiles!)
            {
                SetProfile(i, profile.Dscp, profile.MinThreshold, profile.MaxThreshold, 1.0 / Math.Max(1, profile.MarkProbabilityDenominator));
            }
        }
        ReadsDscp = _redProfiles is not null;
        _buffers = new uint[total];
        _lengths = new ushort[total];
        if (policy.Definition.Shape is { } parent)
        {
            _shaped = true;
            _bytesPerTick = BytesPerTick(parent.BitsPerSecond);
            _burst = Math.Max(1, parent.BurstBytes);
            _tokens = _burst;
        }
        _lastTick = _clock();
    }

    public CompiledPolicy Policy { get; }

    /// <summary>Some class drops by DSCP profile, so <see cref="Enqueue"/> needs each packet's DSCP.</summary>
    public bool ReadsDscp { get; }

    private void SetProfile(int classIndex, int dscp, double min, double max, double probability)
    {
        var at = (classIndex * 64 + dscp) * 3;
        _redProfiles![at] = min;
        _redProfiles[at + 1] = max;
        _redProfiles[at + 2] = probability;
    }
    public long TicksPerSecond { get; }
    public int ClassCount => _classes.Length;

    /// <summary>Packets queued in all classes.</summary>
    public int Depth => Volatile.Read(ref _depth);

    private double BytesPerTick(long bitsPerSecond) => bitsPerSecond / 8.0 / TicksPerSecond;

    public long ReadCounter(int classIndex, QosClassCounter counter) =>
        Volatile.Read(ref _counters[classIndex * CounterKinds + (int)counter]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Count(int classIndex, QosClassCounter counter, long value) => _counters[classIndex * CounterKinds + (int)counter] += value;

    /// <summary>Credits every token bucket with the time elapsed since the last call (once per burst).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Advance()
    {
        var now = _clock();
        var elapsed = now - _lastTick;
        if (elapsed <= 0)
        {
            return;
        }
        _lastTick = now;
        if (_shaped)
        {
            _tokens = Math.Min(_burst, _tokens + elapsed * _bytesPerTick);
        }
        var classes = _classes;
        for (var i = 0; i < classes.Length; i++)
        {
            ref var s = ref classes[i];
            if (s.Shaped)
            {
                s.ShapeTokens = Math.Min(s.ShapeBurst, s.ShapeTokens + elapsed * s.ShapeBytesPerTick);
            }
            if (s.Policed)
            {
                s.PoliceTokens = Math.Min(s.PoliceBurst, s.PoliceTokens + elapsed * s.PoliceBytesPerTick);
            }
        }
    }

    /// <summary>
    /// Offers a packet of <paramref name="length"/> bytes with the traffic class the PPE gave it
    /// (and its DSCP, which only DSCP-based WRED reads; see <see cref="ReadsDscp"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public QosVerdict Enqueue(uint buffer, int length, int trafficClass, int dscp = 0)
    {
        var index = Policy.ClassIndexOf(trafficClass);
        ref var s = ref _classes[index];
        if (s.Policed)
        {
            if (s.PoliceTokens < length)
            {
                Count(index, QosClassCounter.PolicerDropPackets, 1);
                Count(index, QosClassCounter.PolicerDropBytes, length);
                return QosVerdict.Policed;
            }
            s.PoliceTokens -= length;
        }
        var depth = s.Tail - s.Head;
        if (s.Red)
        {
            if (depth == 0 && s.FramesPerTick > 0 && _lastTick > s.EmptySince)
            {
                // RED's idle rule: an empty queue lowers the average as if the frames the link could
                // have sent meanwhile had each been counted at depth 0.
                var idleFrames = (_lastTick - s.EmptySince) * s.FramesPerTick;
                s.RedAverage *= Math.Pow(1 - s.RedWeight, idleFrames);
                s.EmptySince = _lastTick;
            }
            s.RedAverage += (depth - s.RedAverage) * s.RedWeight;
            if (RandomDrop(ref s, index, dscp & 63))
            {
                Count(index, QosClassCounter.RandomDropPackets, 1);
                Count(index, QosClassCounter.RandomDropBytes, length);
                return QosVerdict.RandomDrop;
            }
        }
        if (depth >= s.Limit)
        {
            Count(index, QosClassCounter.TailDropPackets, 1);
            Count(index, QosClassCounter.TailDropBytes, length);
            return QosVerdict.TailDrop;
        }
        Put(ref s, index, buffer, length);
        return QosVerdict.Queued;
    }

    /// <summary>
    /// Queues a packet carried over from the previous policy (or the plain FIFO) when the policy
    /// changes: no policer or WRED (it was admitted once), only the queue-limit. False: tail drop.
    /// </summary>
    public bool Requeue(uint buffer, int length, int trafficClass)
    {
        var index = Policy.ClassIndexOf(trafficClass);
        ref var s = ref _classes[index];
        if (s.Tail - s.Head >= s.Limit)
        {
            Count(index, QosClassCounter.TailDropPackets, 1);
            Count(index, QosClassCounter.TailDropBytes, length);
            return false;
        }
        Put(ref s, index, buffer, length);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Put(ref ClassState s, int index, uint buffer, int length)
    {
        var slot = s.Base + (int)(s.Tail & s.Mask);
        _buffers[slot] = buffer;
        _lengths[slot] = (ushort)length;
        s.Tail++;
        _depth++;
        var depth = s.Tail - s.Head;
        Count(index, QosClassCounter.EnqueuedPackets, 1);
        Count(index, QosClassCounter.EnqueuedBytes, length);
        _counters[index * CounterKinds + (int)QosClassCounter.Depth] = depth;
        ref var peak = ref _counters[index * CounterKinds + (int)QosClassCounter.PeakDepth];
        if (depth > peak)
        {
            peak = depth;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool RandomDrop(ref ClassState s, int classIndex, int dscp)
    {
        double min = s.RedMin, max = s.RedMax, maxProbability = s.RedMaxProbability;
        if (s.RedByDscp)
        {
            var at = (classIndex * 64 + dscp) * 3;
            min = _redProfiles![at];
            max = _redProfiles[at + 1];
            maxProbability = _redProfiles[at + 2];
        }
        if (s.RedAverage < min)
        {
            return false;
        }
        if (s.RedAverage >= max)
        {
            return true;
        }
        var probability = (s.RedAverage - min) / (max - min) * maxProbability;
        // xorshift64*: a seeded, allocation-free generator owned by this scheduler.
        _random ^= _random >> 12;
        _random ^= _random << 25;
        _random ^= _random >> 27;
        var sample = ((_random * 0x2545F4914F6CDD1DUL) >> 11) * (1.0 / (1UL << 53));
        return sample < probability;
    }

    /// <summary>
    /// Takes up to <paramref name="output"/>.Length packets in scheduling order, as far as the
    /// shapers allow now (call <see cref="Advance"/> first). Returns how many; their bytes in <paramref name="bytes"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Dequeue(Span<uint> output, out long bytes)
    {
        bytes = 0;
        var n = 0;
        while (n < output.Length && _depth > 0)
        {
            if (_shaped && _tokens <= 0)
            {
                break;
            }
            var index = SelectClass();
            if (index < 0)
            {
                break;
            }
            ref var s = ref _classes[index];
            var slot = s.Base + (int)(s.Head & s.Mask);
            int length = _lengths[slot];
            output[n++] = _buffers[slot];
            s.Head++;
            _depth--;
            bytes += length;
            // Shapers may go into debt by one packet; the debt is paid from later credit, so the long-run rate is exact.
            if (_shaped)
            {
                _tokens -= length;
            }
            if (s.Shaped)
            {
                s.ShapeTokens -= length;
            }
            if (s.Head == s.Tail)
            {
                s.Deficit = 0;
                s.EmptySince = _lastTick;
            }
            Count(index, QosClassCounter.TransmittedPackets, 1);
            Count(index, QosClassCounter.TransmittedBytes, length);
            _counters[index * CounterKinds + (int)QosClassCounter.Depth] = s.Tail - s.Head;
        }
        return n;
    }

    /// <summary>The class whose head packet goes next, or -1 when every non-empty class is shaper-blocked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int SelectClass()
    {
        var classes = _classes;
        var priorities = _priorityOrder;
        for (var p = 0; p < priorities.Length; p++)
        {
            ref var s = ref classes[priorities[p]];
            if (s.Head != s.Tail && (!s.Shaped || s.ShapeTokens > 0))
            {
                return priorities[p];
            }
        }
        // Deficit round robin: one full turn finds the next class with enough deficit.
        var eligible = false;
        for (var visited = 0; visited <= classes.Length; visited++)
        {
            var index = _drrCurrent;
            ref var s = ref classes[index];
            if (!s.IsPriority && s.Head != s.Tail && (!s.Shaped || s.ShapeTokens > 0))
            {
                eligible = true;
                if (_drrFresh)
                {
                    s.Deficit += s.Quantum;
                    _drrFresh = false;
                }
                int length = _lengths[s.Base + (int)(s.Head & s.Mask)];
                if (length <= s.Deficit)
                {
                    s.Deficit -= length;
                    return index;
                }
            }
            _drrCurrent = index + 1 == classes.Length ? 0 : index + 1;
            _drrFresh = true;
        }
        if (!eligible)
        {
            return -1;
        }
        // Every eligible class is still short of its head packet (quanta below a frame): credit
        // at once the rounds it would take the first of them to get there, less the one the next
        // turn adds, instead of spinning through them.
        var rounds = long.MaxValue;
        for (var i = 0; i < classes.Length; i++)
        {
            ref var s = ref classes[i];
            if (!s.IsPriority && s.Head != s.Tail && (!s.Shaped || s.ShapeTokens > 0))
            {
                int length = _lengths[s.Base + (int)(s.Head & s.Mask)];
                rounds = Math.Min(rounds, (length - s.Deficit + s.Quantum - 1) / s.Quantum);
            }
        }
        for (var i = 0; i < classes.Length; i++)
        {
            ref var s = ref classes[i];
            if (!s.IsPriority && s.Head != s.Tail && (!s.Shaped || s.ShapeTokens > 0))
            {
                s.Deficit += (rounds - 1) * s.Quantum;
            }
        }
        for (var visited = 0; visited <= classes.Length; visited++)
        {
            var index = _drrCurrent;
            ref var s = ref classes[index];
            if (!s.IsPriority && s.Head != s.Tail && (!s.Shaped || s.ShapeTokens > 0))
            {
                if (_drrFresh)
                {
                    s.Deficit += s.Quantum;
                    _drrFresh = false;
                }
                int length = _lengths[s.Base + (int)(s.Head & s.Mask)];
                if (length <= s.Deficit)
                {
                    s.Deficit -= length;
                    return index;
                }
            }
            _drrCurrent = index + 1 == classes.Length ? 0 : index + 1;
            _drrFresh = true;
        }
        return -1;
    }

    /// <summary>
    /// Ticks until a waiting packet may be sent: 0 when one may go now, <see cref="long.MaxValue"/>
    /// when nothing waits. What the HQF thread sleeps for while shaped packets wait.
    /// </summary>
    public long TicksUntilEligible()
    {
        if (_depth == 0)
        {
            return long.MaxValue;
        }
        long parentWait = 0;
        if (_shaped && _tokens <= 0)
        {
            parentWait = (long)Math.Ceiling(-_tokens / _bytesPerTick) + 1;
        }
        var classWait = long.MaxValue;
        var classes = _classes;
        for (var i = 0; i < classes.Length; i++)
        {
            ref var s = ref classes[i];
            if (s.Head == s.Tail)
            {
                continue;
            }
            if (!s.Shaped || s.ShapeTokens > 0)
            {
                classWait = 0;
                break;
            }
            classWait = Math.Min(classWait, (long)Math.Ceiling(-s.ShapeTokens / s.ShapeBytesPerTick) + 1);
        }
        return Math.Max(parentWait, classWait);
    }

    /// <summary>Takes queued packets regardless of shapers, class by class (interface down, policy change, stop).</summary>
    public int DrainAll(Span<uint> output, bool countAsFlushed)
    {
        var n = 0;
        var classes = _classes;
        for (var i = 0; i < classes.Length && n < output.Length; i++)
        {
            ref var s = ref classes[i];
            while (s.Head != s.Tail && n < output.Length)
            {
                output[n] = _buffers[s.Base + (int)(s.Head & s.Mask)];
                n++;
                s.Head++;
                _depth--;
                if (countAsFlushed)
                {
                    Count(i, QosClassCounter.FlushedPackets, 1);
                }
            }
            s.Deficit = 0;
            _counters[i * CounterKinds + (int)QosClassCounter.Depth] = 0;
        }
        return n;
    }
}
