using System.Runtime.CompilerServices;
using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Forwarding;
using ActorRouter.DataPlane.Memory;
using ActorRouter.DataPlane.Rings;
using ActorRouter.DataPlane.Vnic;
using ActorRouter.Packets;

namespace ActorRouter.DataPlane.Graph.Nodes;

/// <summary>
/// punt: hands packets for the control plane (ARP, packets for the router, glean requests) to this
/// PPE's punt ring, policed by class (control-plane policing): each <see cref="PuntClass"/> has its own
/// token bucket and its own share of the ring, so a flood in one class (gleans towards unused
/// addresses, a storm of spoofed ARP) is dropped within that class while the others keep their rate
/// and their room. Over its rate or with its share full, the packet is dropped and counted; the punt
/// reader is woken once per call. A glean carries only a request (the packet itself is counted as a
/// no-adjacency drop either way).
/// </summary>
/// <remarks>
/// The shares are occupancy budgets on the one ring per PPE rather than one ring per class: the ring
/// stays FIFO across classes (the reader sees punts in arrival order, and the data plane's punt port is
/// unchanged), and the budget needs no counter written by the reader. This node is the ring's only
/// producer and the ring is FIFO, so it logs the class of every packet it enqueues; whatever the
/// ring's count says the reader has taken since, it retires from the head of that log, on its own
/// thread, once per call. A class's count of waiting packets is thus exact up to what the reader took
/// during this call, which errs on the safe side (a share looks fuller than it is, never emptier).
/// </remarks>
public sealed unsafe class PuntNode : GraphNode
{
    private readonly PpeContext _context;
    private readonly SpscRing _ring;
    private readonly WakeSignal? _signal;
    private readonly TokenBucket[] _limiters = new TokenBucket[PuntClasses.Count];
    private readonly int[] _shares = new int[PuntClasses.Count];
    private readonly long[] _counters = new long[PuntClasses.Count * PuntClasses.CounterKinds];
    private readonly long[] _waiting = new long[PuntClasses.Count];
    private readonly byte[] _classLog;
    private readonly long _logMask;
    private long _enqueued;
    private long _retired;

    /// <param name="policy">This PPE's part of the punt policy (<see cref="PuntPolicy.PerPpe"/>).</param>
    public PuntNode(PpeContext context, SpscRing ring, WakeSignal? signal, PuntPolicy policy)
        : base(NodeNames.Punt)
    {
        _context = context;
        _ring = ring;
        _signal = signal;
        for (var i = 0; i < PuntClasses.Count; i++)
        {
            var limit = policy.Classes[i];
            _limiters[i] = new TokenBucket(limit.RatePerSecond, limit.Burst);
            _shares[i] = Math.Min(limit.RingShare, ring.Capacity);
        }
        _classLog = new byte[ring.Capacity];
        _logMask = ring.Capacity - 1;
    }

    /// <summary>A class's counter on this PPE, read while the PPE runs (a few packets behind at most).</summary>
    public long ReadCounter(PuntClass punt, PuntClassCounter counter) =>
        Volatile.Read(ref _counters[(int)punt * PuntClasses.CounterKinds + (int)counter]);

    /// <summary>
    /// Adds, per class, the packets this PPE has on its punt ring now to <paramref name="perClass"/>. Read by an
    /// observer from the ring's count and the class log, not from the node's own budget counts, which learn
    /// what the reader took only at the node's next call (after a storm there may be none for a long time).
    /// </summary>
    public void ReadWaiting(Span<long> perClass)
    {
        var enqueued = Volatile.Read(ref _enqueued);
        var waiting = Math.Min(_ring.Count, Math.Min(enqueued, _classLog.Length));
        for (var sequence = enqueued - waiting; sequence < enqueued; sequence++)
        {
            perClass[_classLog[sequence & _logMask]]++;
        }
    }

    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected internal override void Process(uint[] buffers, int count)
    {
        var now = PpeGraph.Now();
        var limiters = _limiters;
        for (var c = 0; c < limiters.Length; c++)
        {
            limiters[c].Refill(now);
        }
        RetireTaken();
        var context = _context;
        var gpm = context.Gpm;
        var counters = context.Counters;
        var cache = context.Cache;
        var classCounters = _counters;
        var waiting = _waiting;
        var shares = _shares;
        var punted = false;
        for (var i = 0; i < count; i++)
        {
            var buffer = buffers[i];
            ref var meta = ref gpm.Meta(buffer);
            int rx = meta.RxInterface;
            var glean = meta.PuntReason == (byte)PuntReason.Glean;
            var punt = Classify(gpm, buffer, ref meta);
            var row = punt * PuntClasses.CounterKinds;
            classCounters[row + (int)PuntClassCounter.Received]++;
            if (glean)
            {
                // The packet that asked is not forwarded whatever becomes of its request.
                counters.Drop(rx, DropReason.NoAdjacency);
            }
            if (!limiters[punt].TryTake())
            {
                classCounters[row + (int)PuntClassCounter.Policed]++;
                if (!glean)
                {
                    counters.Drop(rx, DropReason.PuntRateLimit);
                }
                cache.Free(buffer);
                continue;
            }
            meta.Owner = BufferOwner.Punt;
            if (waiting[punt] >= shares[punt] || !_ring.TryEnqueue(buffer))
            {
                classCounters[row + (int)PuntClassCounter.Dropped]++;
                if (!glean)
                {
                    counters.Drop(rx, DropReason.PuntRingFull);
                }
                cache.Free(buffer);
                continue;
            }
            _classLog[_enqueued & _logMask] = (byte)punt;
            // Published after the log entry: an observer reading the count finds the entry written.
            Volatile.Write(ref _enqueued, _enqueued + 1);
            waiting[punt]++;
            classCounters[row + (int)PuntClassCounter.Queued]++;
            if (!glean)
            {
                counters.Add(rx, InterfaceCounter.Punted, 1);
            }
            punted = true;
        }
        if (punted)
        {
            _signal?.Notify();
        }
    }

    /// <summary>Takes what the reader (or a drain at stop) removed from the ring since the last call off the classes' waiting counts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void RetireTaken()
    {
        var taken = _enqueued - _ring.Count;
        var waiting = _waiting;
        while (_retired < taken)
        {
            waiting[_classLog[_retired & _logMask]]--;
            _retired++;
        }
    }

    /// <summary>The packet's class from its punt reason and, for packets to the router, its destination and protocol.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Classify(Memory.PacketMemory gpm, uint buffer, ref PacketMeta meta)
    {
        switch ((PuntReason)meta.PuntReason)
        {
            case PuntReason.Arp:
                return (int)PuntClass.Arp;
            case PuntReason.Glean:
                return (int)PuntClass.Glean;
        }
        // For us: ethernet-input already popped any 802.1Q tag, and ip4-input checked the header.
        var frame = gpm.BufferPointer(buffer) + meta.Offset;
        if (frame[12] == 0x86 && frame[13] == 0xDD)
        {
            // IPv6 (ip6-input checked the header): neighbour discovery comes to multicast groups and is ICMPv6 for us,
            // not broadcast; ip6-input punts only ICMPv6 to link-scope groups and link-local addresses.
            return frame[PpeContext.EthernetHeaderLength + 6] == IpProtocols.Icmpv6 ? (int)PuntClass.IcmpForUs : (int)PuntClass.OtherForUs;
        }
        if ((frame[0] & 1) != 0)
        {
            return (int)PuntClass.Broadcast;
        }
        if (meta.Length < PpeContext.EthernetHeaderLength + Ipv4Header.MinimumLength)
        {
            return (int)PuntClass.OtherForUs;
        }
        var ip = frame + PpeContext.EthernetHeaderLength;
        if (*(uint*)(ip + 16) == uint.MaxValue)
        {
            return (int)PuntClass.Broadcast;
        }
        return ip[9] == IpProtocols.Icmp ? (int)PuntClass.IcmpForUs : (int)PuntClass.OtherForUs;
    }
}
