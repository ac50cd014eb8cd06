using ActorRouter.DataPlane.Memory;

namespace ActorRouter.DataPlane.Ports;

/// <summary>
/// One thread's totals: packets it handled, bursts, sleeps for want of work, naps (receive coalescing's short sleeps),
/// and the naps and sleeps that ended late (<see cref="Counters.ThreadCounters.LateWakes"/>).
/// </summary>
public sealed record ThreadStatistics(string Name, long Packets, long Bursts, long Sleeps, long Naps = 0, long LateWakes = 0);

/// <summary>Packets dropped for one reason, summed over every thread and interface (every reason is listed, zero or not).</summary>
public sealed record DropStatistics(string Reason, long Count);

/// <summary>A ring between threads: how many entries it holds now and how many it can.</summary>
public sealed record RingStatistics(string Name, int Count, int Capacity);

/// <summary>Per interface: what the threads counted for it.</summary>
/// <param name="InputDrops">Frames the driver or the kernel's rings dropped on input, before the data plane saw them.</param>
/// <param name="OutputDrops">Frames the driver or the kernel's rings dropped on output.</param>
public sealed record InterfaceStatistics(int Index, long RxPackets, long RxBytes, long TxPackets, long TxBytes, long Drops, long Punted, int EgressQueueDepth,
    long InputDrops = 0, long OutputDrops = 0);

/// <summary>
/// A read-only snapshot of the data plane's counters, taken while it forwards (a reading may be a
/// few packets behind): what <c>show platform qfp statistics</c> and <c>show interfaces</c> print.
/// Plain immutable data: holding it holds nothing of the data plane.
/// </summary>
public sealed record DataPlaneStatistics(
    IReadOnlyList<ThreadStatistics> Threads,
    IReadOnlyList<DropStatistics> Drops,
    GpmAccounting Gpm,
    IReadOnlyList<RingStatistics> Rings,
    IReadOnlyList<InterfaceStatistics> Interfaces);
