using System.Runtime.CompilerServices;

namespace ActorRouter.DataPlane.Counters;

/// <summary>Per-interface counter kinds.</summary>
public enum InterfaceCounter
{
    RxPackets = 0,
    RxBytes,
    TxPackets,
    TxBytes,
    Drops,
    Punted,
}

/// <summary>
/// The counters one data-plane thread writes. Only its owner writes (plain increments, no atomics,
/// no sharing of cache lines with other threads' blocks); readers sum the blocks of all threads
/// while forwarding goes on. A reading may be a few packets behind, never torn.
/// </summary>
public sealed class ThreadCounters
{
    public const int InterfaceCounterKinds = 6;
    private static readonly int DropReasonCount = Enum.GetValues<DropReason>().Length;
    private readonly long[] _interfaces;
    private readonly long[] _drops;

    public ThreadCounters(string threadName, int maxInterfaces)
    {
        ThreadName = threadName;
        MaxInterfaces = maxInterfaces;
        _interfaces = new long[maxInterfaces * InterfaceCounterKinds];
        _drops = new long[maxInterfaces * DropReasonCount];
    }

    public string ThreadName { get; }
    public int MaxInterfaces { get; }

    /// <summary>Packets this thread handled (received, processed or transmitted, by its role).</summary>
    public long Packets;
    /// <summary>Bursts this thread handled.</summary>
    public long Bursts;
    /// <summary>Times the thread went to sleep for lack of work.</summary>
    public long Sleeps;
    /// <summary>Short sleeps after a pass with a small batch (receive coalescing, collapsed workers).</summary>
    public long Naps;
    /// <summary>
    /// Naps and sleeps that ended at least <see cref="Threads.DataPlaneWorker.LateWakeMilliseconds"/> later than asked:
    /// the thread was not running when it should have been (on a virtual machine, typically the host resuming a halted
    /// vCPU late). Each can mean a ring's worth of frames arriving with no one to take them.
    /// </summary>
    public long LateWakes;
    /// <summary>ICMP errors generated, suppressed by RFC 1812 §4.3.2.7 rules, and refused by the rate limit.</summary>
    public long IcmpErrorsSent;
    public long IcmpErrorsSuppressed;
    public long IcmpErrorsRateLimited;
    /// <summary>ICMPv6 errors generated, suppressed by RFC 4443 §2.4 rules, and refused by the rate limit.</summary>
    public long Icmpv6ErrorsSent;
    public long Icmpv6ErrorsSuppressed;
    public long Icmpv6ErrorsRateLimited;
    /// <summary>Fragments generated.</summary>
    public long FragmentsCreated;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(int interfaceIndex, InterfaceCounter counter, long value)
        => _interfaces[interfaceIndex * InterfaceCounterKinds + (int)counter] += value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Drop(int interfaceIndex, DropReason reason)
    {
        _drops[interfaceIndex * DropReasonCount + (int)reason]++;
        _interfaces[interfaceIndex * InterfaceCounterKinds + (int)InterfaceCounter.Drops]++;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Drop(int interfaceIndex, DropReason reason, long count)
    {
        _drops[interfaceIndex * DropReasonCount + (int)reason] += count;
        _interfaces[interfaceIndex * InterfaceCounterKinds + (int)InterfaceCounter.Drops] += count;
    }

    public long Read(int interfaceIndex, InterfaceCounter counter)
        => Volatile.Read(ref _interfaces[interfaceIndex * InterfaceCounterKinds + (int)counter]);

    public long ReadDrops(int interfaceIndex, DropReason reason)
        => Volatile.Read(ref _drops[interfaceIndex * DropReasonCount + (int)reason]);

    public long ReadDrops(DropReason reason)
    {
        long sum = 0;
        for (var i = 0; i < MaxInterfaces; i++)
        {
            sum += ReadDrops(i, reason);
        }
        return sum;
    }

    public long ReadTotalDrops()
    {
        long sum = 0;
        for (var i = 0; i < _drops.Length; i++)
        {
            sum += Volatile.Read(ref _drops[i]);
        }
        return sum;
    }

    /// <summary>Zeroes every counter ("clear counters"); racy with the writer by design, like a hardware clear.</summary>
    public void Clear(int? interfaceIndex = null)
    {
        if (interfaceIndex is int i)
        {
            Array.Clear(_interfaces, i * InterfaceCounterKinds, InterfaceCounterKinds);
            Array.Clear(_drops, i * DropReasonCount, DropReasonCount);
            return;
        }
        Array.Clear(_interfaces);
        Array.Clear(_drops);
        Packets = Bursts = Sleeps = 0;
        IcmpErrorsSent = IcmpErrorsSuppressed = IcmpErrorsRateLimited = FragmentsCreated = 0;
        Icmpv6ErrorsSent = Icmpv6ErrorsSuppressed = Icmpv6ErrorsRateLimited = 0;
    }
}
