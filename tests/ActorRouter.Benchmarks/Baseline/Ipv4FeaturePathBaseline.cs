using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Fib;
using ActorRouter.DataPlane.Forwarding;
using ActorRouter.DataPlane.Interfaces;
using ActorRouter.DataPlane.Memory;
using ActorRouter.DataPlane.Qos;
using ActorRouter.DataPlane.Rings;
using ActorRouter.DataPlane.Vnic;
using ActorRouter.Packets;

namespace ActorRouter.Benchmarks.Baseline;

/// <summary>The forwarding tables as the baseline path read them: the FIB and a plain adjacency array.</summary>
public sealed record BaselineTables(Ipv4Fib Fib, Adjacency[] Adjacencies);

/// <summary>
/// The reference for <c>ppe-vs-baseline</c>: the PPE's forwarding path as it was before the graph of nodes, kept
/// unchanged (only its table type adapted) so the graph's speed is always measured against it in one run. Not used
/// by the router.
/// </summary>
/// <remarks>
/// The IPv4 unicast features a PPE runs on a burst, per RFC 1812, in three passes over the burst
/// as VPP and DPDK's l3fwd do: (1) Ethernet check, EtherType dispatch and header validation, which
/// collects the destinations of the survivors; (2) one batched FIB lookup for all of them;
/// (3) the per-packet decision — punt, ICMP error, fragment, or TTL decrement and Ethernet rewrite —
/// including, for an egress interface with an output service policy, classification into its
/// traffic class and DSCP marking, so that the HQF thread only schedules.
/// One instance per PPE thread; it owns that thread's counters, rate limiters and buffer cache.
/// Nothing here allocates, locks, throws or sends a message per packet.
/// </remarks>
public sealed unsafe class Ipv4FeaturePathBaseline
{
    private const int EthernetHeaderLength = 14;
    private const int IcmpErrorHeaders = 20 + 8;
    /// <summary>RFC 1812 §4.3.2.3: an ICMP error carries as much of the original as fits in 576 bytes.</summary>
    private const int IcmpErrorMaxIpLength = 576;

    private readonly PacketMemory _gpm;
    private readonly GpmCache _cache;
    private readonly ThreadCounters _counters;
    private readonly SpscRing _puntRing;
    private readonly WakeSignal? _puntSignal;
    private TokenBucket _puntLimiter;
    private TokenBucket _icmpLimiter;
    private ushort _nextIpId;

    // Per-burst scratch, sized once for the largest burst.
    private readonly uint[] _keys;
    private readonly uint[] _nextHops;
    private readonly uint[] _pendingBuffers;
    private readonly ushort[] _pendingL3;
    private readonly bool[] _pendingL2Group;

    public Ipv4FeaturePathBaseline(PacketMemory gpm, GpmCache cache, ThreadCounters counters, SpscRing puntRing, WakeSignal? puntSignal,
        int maxBurst, double puntRatePerSecond, double puntBurst, double icmpRatePerSecond, double icmpBurst)
    {
        _gpm = gpm;
        _cache = cache;
        _counters = counters;
        _puntRing = puntRing;
        _puntSignal = puntSignal;
        _puntLimiter = new TokenBucket(puntRatePerSecond, puntBurst);
        _icmpLimiter = new TokenBucket(icmpRatePerSecond, icmpBurst);
        _keys = new uint[maxBurst];
        _nextHops = new uint[maxBurst];
        _pendingBuffers = new uint[maxBurst];
        _pendingL3 = new ushort[maxBurst];
        _pendingL2Group = new bool[maxBurst];
        MaxBurst = maxBurst;
        MaxOutputPerPacket = gpm.BufferSize / 8 + 2;
    }

    public int MaxBurst { get; }

    /// <summary>Most output buffers one input packet can become (fragments of the smallest MTU).</summary>
    public int MaxOutputPerPacket { get; }

    public ThreadCounters Counters => _counters;

    /// <summary>
    /// Runs the features on <paramref name="input"/> (at most <see cref="MaxBurst"/> buffers) and
    /// writes the buffers to transmit, in arrival order, to <paramref name="output"/> (room for
    /// <see cref="MaxOutputPerPacket"/> per input). Dropped buffers go back to the cache, punted ones
    /// to the punt ring. Returns how many buffers were written to <paramref name="output"/>.
    /// <paramref name="qos"/>: the service policies to classify by (null or none: every packet is unclassified).
    /// </summary>
    // Fully optimized from the first call: the hot loop must not allocate or change speed while tiering up.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public int ProcessBurst(ReadOnlySpan<uint> input, Span<uint> output, BaselineTables tables, UidbTable interfaces, QosPolicyTable? qos = null)
    {
        var policies = qos is { Any: true } ? qos.Policies : null;
        var now = Stopwatch.GetTimestamp();
        _puntLimiter.Refill(now);
        _icmpLimiter.Refill(now);
        var macs = interfaces.Macs;
        var fib = tables.Fib;
        var pending = 0;

        // Pass 1: layer 2 and IPv4 header checks; collect destinations.
        for (var i = 0; i < input.Length; i++)
        {
            var buffer = input[i];
            ref var meta = ref _gpm.Meta(buffer);
            var rx = meta.RxInterface;
            var frame = _gpm.BufferPointer(buffer) + meta.Offset;
            int length = meta.Length;
            if (length < EthernetHeaderLength)
            {
                Drop(buffer, rx, DropReason.RuntFrame);
                continue;
            }
            var l2Group = (frame[0] & 1) != 0;
            if (!l2Group && ReadMac(frame) != macs[rx])
            {
                Drop(buffer, rx, DropReason.NotForUs);
                continue;
            }
            int l3 = EthernetHeaderLength;
            var etherType = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(frame + 12, 2));
            if (etherType == EtherTypes.Vlan)
            {
                if (length < EthernetHeaderLength + 4)
                {
                    Drop(buffer, rx, DropReason.RuntFrame);
                    continue;
                }
                l3 += 4;
                etherType = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(frame + 16, 2));
            }
            if (etherType != EtherTypes.Ipv4)
            {
                if (etherType == EtherTypes.Arp)
                {
                    Punt(buffer, rx, PuntReason.Arp, 0);
                }
                else
                {
                    Drop(buffer, rx, etherType == EtherTypes.Ipv6 ? DropReason.Ipv6Unsupported : DropReason.UnknownEtherType);
                }
                continue;
            }

            // RFC 1812 §5.2.2 header validation.
            var ip = frame + l3;
            var l3Length = length - l3;
            if (l3Length < 20)
            {
                Drop(buffer, rx, DropReason.Ipv4Truncated);
                continue;
            }
            var versionIhl = ip[0];
            if (versionIhl >> 4 != 4)
            {
                Drop(buffer, rx, DropReason.Ipv4BadVersion);
                continue;
            }
            var headerLength = (versionIhl & 0xF) << 2;
            if (headerLength < 20)
            {
                Drop(buffer, rx, DropReason.Ipv4BadHeaderLength);
                continue;
            }
            if (headerLength > l3Length)
            {
                Drop(buffer, rx, DropReason.Ipv4Truncated);
                continue;
            }
            if (!HeaderChecksumValid(ip, headerLength))
            {
                Drop(buffer, rx, DropReason.Ipv4BadChecksum);
                continue;
            }
            int totalLength = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(ip + 2, 2));
            if (totalLength < headerLength)
            {
                Drop(buffer, rx, DropReason.Ipv4BadTotalLength);
                continue;
            }
            if (totalLength > l3Length)
            {
                Drop(buffer, rx, DropReason.Ipv4Truncated);
                continue;
            }
            // Ethernet pads short frames; the IP total length is the truth from here on.
            meta.Length = (ushort)(l3 + totalLength);

            // RFC 1812 §5.3.7 martian filtering.
            var source = BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(ip + 12, 4));
            var sourceTop = source >> 24;
            if (sourceTop == 0 || sourceTop == 127 || sourceTop >= 224)
            {
                Drop(buffer, rx, DropReason.MartianSource);
                continue;
            }
            var destination = BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(ip + 16, 4));
            var destinationTop = destination >> 24;
            if (destination == 0xFFFFFFFFu)
            {
                Punt(buffer, rx, PuntReason.ForUs, 0);
                continue;
            }
            if (destinationTop >= 224)
            {
                Drop(buffer, rx, destinationTop < 240 ? DropReason.MulticastUnsupported : DropReason.MartianDestination);
                continue;
            }
            if (destinationTop == 0 || destinationTop == 127)
            {
                Drop(buffer, rx, DropReason.MartianDestination);
                continue;
            }

            fib.Prefetch(destination);
            _pendingBuffers[pending] = buffer;
            _pendingL3[pending] = (ushort)l3;
            _pendingL2Group[pending] = l2Group;
            _keys[pending] = destination;
            pending++;
        }

        // Pass 2: one batched lookup for the burst.
        fib.LookupBurst(new ReadOnlySpan<uint>(_keys, 0, pending), new Span<uint>(_nextHops, 0, pending));

        // Pass 3: decide and rewrite.
        var adjacencies = tables.Adjacencies;
        var mtus = interfaces.Mtus;
        var up = interfaces.Up;
        var written = 0;
        for (var p = 0; p < pending; p++)
        {
            var buffer = _pendingBuffers[p];
            ref var meta = ref _gpm.Meta(buffer);
            var rx = meta.RxInterface;
            var frame = _gpm.BufferPointer(buffer) + meta.Offset;
            int l3 = _pendingL3[p];
            var ip = frame + l3;
            var nextHop = _nextHops[p];
            if (nextHop == 0 || nextHop >= (uint)adjacencies.Length || adjacencies[nextHop].Kind == AdjacencyKind.None)
            {
                if (_pendingL2Group[p])
                {
                    Drop(buffer, rx, DropReason.NotForUs);
                    continue;
                }
                SendIcmpError(buffer, ref meta, l3, IcmpTypes.DestinationUnreachable, IcmpCodes.NetUnreachable, 0, tables, interfaces, output, ref written);
                Drop(buffer, rx, DropReason.NoRoute);
                continue;
            }
            ref readonly var adjacency = ref adjacencies[nextHop];
            if (adjacency.Kind == AdjacencyKind.Receive)
            {
                Punt(buffer, rx, PuntReason.ForUs, nextHop);
                continue;
            }
            if (_pendingL2Group[p])
            {
                // RFC 1812 §5.3.4: a unicast IP packet received as link-layer broadcast is not forwarded.
                Drop(buffer, rx, DropReason.NotForUs);
                continue;
            }
            if (ip[8] <= 1)
            {
                SendIcmpError(buffer, ref meta, l3, IcmpTypes.TimeExceeded, IcmpCodes.TtlExceededInTransit, 0, tables, interfaces, output, ref written);
                Drop(buffer, rx, DropReason.TtlExpired);
                continue;
            }
            switch (adjacency.Kind)
            {
                case AdjacencyKind.Resolved:
                    break;
                case AdjacencyKind.Drop:
                    Drop(buffer, rx, DropReason.NullRoute);
                    continue;
                default:
                    // Glean or incomplete: ask the control plane to resolve, and count the drop.
                    GleanPunt(buffer, ref meta, adjacency.Kind == AdjacencyKind.Glean ? _keys[p] : adjacency.NextHopAddress, rx);
                    continue;
            }
            var egress = adjacency.Interface;
            if (!up[egress])
            {
                Drop(buffer, rx, DropReason.InterfaceDown);
                continue;
            }
            byte trafficClass = 0;
            if (policies is not null && policies[egress] is { } policy)
            {
                // Before fragmentation, so fragments inherit the class and the marking.
                trafficClass = policy.ClassifyAndMark(ip, meta.Length - l3, rx);
            }
            meta.TrafficClass = trafficClass;
            int totalLength = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(ip + 2, 2));
            var mtu = mtus[egress];
            if (totalLength > mtu)
            {
                if ((ip[6] & 0x40) != 0)
                {
                    SendIcmpError(buffer, ref meta, l3, IcmpTypes.DestinationUnreachable, IcmpCodes.FragmentationNeeded, (ushort)mtu, tables, interfaces, output, ref written);
                    Drop(buffer, rx, DropReason.FragmentationNeeded);
                    continue;
                }
                Fragment(buffer, ref meta, l3, mtu, in adjacency, interfaces.Macs[egress], output, ref written);
                continue;
            }

            InternetChecksum.DecrementTtl(new Span<byte>(ip, 20));
            // Rewrite the Ethernet header just before the IP header (drops any 802.1Q tag).
            var newStart = ip - EthernetHeaderLength;
            WriteEthernet(newStart, adjacency.Mac, interfaces.Macs[egress]);
            var shift = l3 - EthernetHeaderLength;
            meta.Offset = (ushort)(meta.Offset + shift);
            meta.Length = (ushort)(meta.Length - shift);
            meta.TxInterface = egress;
            meta.NextHop = nextHop;
            meta.Owner = BufferOwner.Ppe;
            output[written++] = buffer;
        }

        _counters.Packets += input.Length;
        _counters.Bursts++;
        return written;
    }

    /// <summary>Counts a dropped packet under its reason and returns its buffer to this PPE's cache.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Drop(uint buffer, int rxInterface, DropReason reason)
    {
        _counters.Drop(rxInterface, reason);
        _cache.Free(buffer);
    }

    private void Punt(uint buffer, int rxInterface, PuntReason reason, uint nextHop)
    {
        if (!_puntLimiter.TryTake())
        {
            Drop(buffer, rxInterface, DropReason.PuntRateLimit);
            return;
        }
        ref var meta = ref _gpm.Meta(buffer);
        meta.PuntReason = (byte)reason;
        meta.NextHop = nextHop;
        meta.Owner = BufferOwner.Punt;
        if (!_puntRing.TryEnqueue(buffer))
        {
            Drop(buffer, rxInterface, DropReason.PuntRingFull);
            return;
        }
        _counters.Add(rxInterface, InterfaceCounter.Punted, 1);
        _puntSignal?.Notify();
    }

    private void GleanPunt(uint buffer, ref PacketMeta meta, uint address, int rxInterface)
    {
        // The packet itself is not forwarded (counted as no-adjacency); the punt only carries the request.
        _counters.Drop(rxInterface, DropReason.NoAdjacency);
        if (!_puntLimiter.TryTake())
        {
            _cache.Free(buffer);
            return;
        }
        meta.PuntReason = (byte)PuntReason.Glean;
        meta.NextHop = address;
        meta.Owner = BufferOwner.Punt;
        if (!_puntRing.TryEnqueue(buffer))
        {
            _cache.Free(buffer);
            return;
        }
        _puntSignal?.Notify();
    }

    /// <summary>
    /// Builds an ICMP error about the packet in <paramref name="buffer"/> in a fresh buffer and
    /// appends it to the output, observing RFC 1812 §4.3.2.7 (never about an ICMP error, a non-first
    /// fragment, a broadcast or multicast, or an invalid source) and the rate limit. The original
    /// buffer is left to the caller.
    /// </summary>
    private void SendIcmpError(uint buffer, ref PacketMeta meta, int l3, byte type, byte code, ushort nextHopMtu,
        BaselineTables tables, UidbTable interfaces, Span<uint> output, ref int written)
    {
        var frame = _gpm.BufferPointer(buffer) + meta.Offset;
        var ip = frame + l3;
        var headerLength = (ip[0] & 0xF) << 2;
        var fragmentOffset = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(ip + 6, 2)) & 0x1FFF;
        // Link-layer broadcasts and multicasts never get here: they were dropped or punted before.
        if (fragmentOffset != 0 || (ip[9] == 1 && IsIcmpError(ip + headerLength, meta.Length - l3 - headerLength)))
        {
            _counters.IcmpErrorsSuppressed++;
            return;
        }
        if (!_icmpLimiter.HasToken)
        {
            // Checked before the route lookup so a flood of errored packets costs next to nothing.
            _counters.IcmpErrorsRateLimited++;
            return;
        }
        var source = BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(ip + 12, 4));
        // Route back to the source; the error leaves by that interface, from its address (RFC 1812 §4.3.2.4).
        var back = tables.Fib.Lookup(source);
        var adjacencies = tables.Adjacencies;
        if (back == 0 || back >= (uint)adjacencies.Length || adjacencies[back].Kind != AdjacencyKind.Resolved)
        {
            _counters.IcmpErrorsSuppressed++;
            return;
        }
        ref readonly var adjacency = ref adjacencies[back];
        var egress = adjacency.Interface;
        var routerAddress = interfaces.Addresses[egress];
        if (routerAddress == 0)
        {
            routerAddress = interfaces.Addresses[meta.RxInterface];
        }
        if (routerAddress == 0 || !interfaces.Up[egress])
        {
            _counters.IcmpErrorsSuppressed++;
            return;
        }
        if (!_icmpLimiter.TryTake())
        {
            _counters.IcmpErrorsRateLimited++;
            return;
        }
        if (!_cache.TryAllocate(out var errorBuffer))
        {
            _counters.Drop(meta.RxInterface, DropReason.NoBuffer);
            return;
        }
        var originalLength = meta.Length - l3;
        var quoted = Math.Min(originalLength, IcmpErrorMaxIpLength - IcmpErrorHeaders);
        var errorLength = EthernetHeaderLength + IcmpErrorHeaders + quoted;
        _gpm.ResetMeta(errorBuffer, errorLength, BufferOwner.Ppe);
        var e = _gpm.BufferPointer(errorBuffer) + _gpm.Headroom;
        WriteEthernet(e, adjacency.Mac, interfaces.Macs[egress]);
        var eip = e + EthernetHeaderLength;
        var ipSpan = new Span<byte>(eip, 20);
        ipSpan.Clear();
        eip[0] = 0x45;
        eip[1] = 0xC0; // RFC 1812 §4.3.2.5: precedence 6 (internetwork control)
        BinaryPrimitives.WriteUInt16BigEndian(ipSpan[2..], (ushort)(IcmpErrorHeaders + quoted));
        BinaryPrimitives.WriteUInt16BigEndian(ipSpan[4..], _nextIpId++);
        eip[8] = 64;
        eip[9] = 1;
        BinaryPrimitives.WriteUInt32BigEndian(ipSpan[12..], routerAddress);
        BinaryPrimitives.WriteUInt32BigEndian(ipSpan[16..], source);
        BinaryPrimitives.WriteUInt16BigEndian(ipSpan[10..], InternetChecksum.Compute(ipSpan));
        var icmp = new Span<byte>(eip + 20, 8 + quoted);
        icmp[0] = type;
        icmp[1] = code;
        icmp[2] = 0;
        icmp[3] = 0;
        icmp[4] = 0;
        icmp[5] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[6..], nextHopMtu);
        new ReadOnlySpan<byte>(ip, quoted).CopyTo(icmp[8..]);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], InternetChecksum.Compute(icmp));
        ref var errorMeta = ref _gpm.Meta(errorBuffer);
        errorMeta.RxInterface = meta.RxInterface;
        errorMeta.TxInterface = egress;
        errorMeta.NextHop = back;
        output[written++] = errorBuffer;
        _counters.IcmpErrorsSent++;
    }

    private static bool IsIcmpError(byte* icmp, int available)
    {
        if (available < 1)
        {
            return false;
        }
        var type = icmp[0];
        return type is IcmpTypes.DestinationUnreachable or IcmpTypes.SourceQuench or IcmpTypes.Redirect
            or IcmpTypes.TimeExceeded or IcmpTypes.ParameterProblem;
    }

    /// <summary>
    /// RFC 791 fragmentation into fresh buffers: data in multiples of 8 bytes, all options in the
    /// first fragment and only the copied ones after it, MF on all but the last (which keeps the
    /// original's MF), offsets relative to the original's. The original buffer is released.
    /// </summary>
    private void Fragment(uint buffer, ref PacketMeta meta, int l3, int mtu, in Adjacency adjacency, ulong sourceMac, Span<uint> output, ref int written)
    {
        var rx = meta.RxInterface;
        var ip = _gpm.BufferPointer(buffer) + meta.Offset + l3;
        var headerLength = (ip[0] & 0xF) << 2;
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(ip + 2, 2));
        var flagsOffset = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(ip + 6, 2));
        var originalMoreFragments = (flagsOffset & 0x2000) != 0;
        var originalOffset = flagsOffset & 0x1FFF;
        var payload = ip + headerLength;
        var payloadLength = totalLength - headerLength;

        // Options a non-first fragment carries: those with the copied flag.
        Span<byte> laterOptions = stackalloc byte[40];
        var laterOptionsLength = CopiedOptions(new ReadOnlySpan<byte>(ip + 20, headerLength - 20), laterOptions);
        var laterHeaderLength = 20 + ((laterOptionsLength + 3) & ~3);
        if (mtu - headerLength < 8 || mtu - laterHeaderLength < 8)
        {
            Drop(buffer, rx, DropReason.FragmentationNeeded);
            return;
        }

        var startWritten = written;
        var offset = 0;
        var first = true;
        while (offset < payloadLength)
        {
            var thisHeaderLength = first ? headerLength : laterHeaderLength;
            var room = (mtu - thisHeaderLength) & ~7;
            var chunk = Math.Min(room, payloadLength - offset);
            var last = offset + chunk >= payloadLength;
            if (!_cache.TryAllocate(out var fragment))
            {
                for (var i = startWritten; i < written; i++)
                {
                    _cache.Free(output[i]);
                }
                written = startWritten;
                Drop(buffer, rx, DropReason.NoBuffer);
                return;
            }
            _gpm.ResetMeta(fragment, EthernetHeaderLength + thisHeaderLength + chunk, BufferOwner.Ppe);
            var f = _gpm.BufferPointer(fragment) + _gpm.Headroom;
            WriteEthernet(f, adjacency.Mac, sourceMac);
            var fip = f + EthernetHeaderLength;
            if (first)
            {
                new ReadOnlySpan<byte>(ip, headerLength).CopyTo(new Span<byte>(fip, headerLength));
            }
            else
            {
                new ReadOnlySpan<byte>(ip, 20).CopyTo(new Span<byte>(fip, 20));
                fip[0] = (byte)(0x40 | (laterHeaderLength >> 2));
                var options = new Span<byte>(fip + 20, laterHeaderLength - 20);
                options.Clear();
                laterOptions[..laterOptionsLength].CopyTo(options);
            }
            var header = new Span<byte>(fip, thisHeaderLength);
            BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)(thisHeaderLength + chunk));
            var moreFragments = !last || originalMoreFragments;
            var fragmentOffset = originalOffset + (offset >> 3);
            BinaryPrimitives.WriteUInt16BigEndian(header[6..], (ushort)((flagsOffset & 0x8000) | (moreFragments ? 0x2000 : 0) | fragmentOffset));
            fip[8] = (byte)(ip[8] - 1);
            header[10] = 0;
            header[11] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(header[10..], InternetChecksum.Compute(header));
            new ReadOnlySpan<byte>(payload + offset, chunk).CopyTo(new Span<byte>(fip + thisHeaderLength, chunk));
            ref var fragmentMeta = ref _gpm.Meta(fragment);
            fragmentMeta.RxInterface = rx;
            fragmentMeta.TxInterface = adjacency.Interface;
            fragmentMeta.TrafficClass = meta.TrafficClass;
            output[written++] = fragment;
            offset += chunk;
            first = false;
        }
        _counters.FragmentsCreated += written - startWritten;
        _cache.Free(buffer);
    }

    /// <summary>Copies the options whose copied flag is set (RFC 791) and returns their length.</summary>
    private static int CopiedOptions(ReadOnlySpan<byte> options, Span<byte> destination)
    {
        var length = 0;
        var i = 0;
        while (i < options.Length)
        {
            var type = options[i];
            if (type == 0)
            {
                break; // end of option list
            }
            if (type == 1)
            {
                i++; // no-operation, not copied
                continue;
            }
            if (i + 1 >= options.Length)
            {
                break;
            }
            var optionLength = options[i + 1];
            if (optionLength < 2 || i + optionLength > options.Length)
            {
                break; // malformed: copy nothing further
            }
            if ((type & 0x80) != 0)
            {
                options.Slice(i, optionLength).CopyTo(destination[length..]);
                length += optionLength;
            }
            i += optionLength;
        }
        return length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool HeaderChecksumValid(byte* ip, int headerLength)
    {
        if (headerLength == 20)
        {
            // Common case unrolled: ten 16-bit words summed in 64 bits, then folded.
            ulong sum = (ulong)BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(ip, 4))
                + BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(ip + 4, 4))
                + BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(ip + 8, 4))
                + BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(ip + 12, 4))
                + BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(ip + 16, 4));
            sum = (sum & 0xFFFFFFFF) + (sum >> 32);
            sum = (sum & 0xFFFF) + (sum >> 16);
            sum = (sum & 0xFFFF) + (sum >> 16);
            sum = (sum & 0xFFFF) + (sum >> 16);
            return sum == 0xFFFF;
        }
        return InternetChecksum.IsValid(new ReadOnlySpan<byte>(ip, headerLength));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ReadMac(byte* p)
        => ((ulong)BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(p, 4)) << 16) | BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(p + 4, 2));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteEthernet(byte* p, ulong destination, ulong source)
    {
        var span = new Span<byte>(p, EthernetHeaderLength);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)(destination >> 16));
        BinaryPrimitives.WriteUInt16BigEndian(span[4..], (ushort)destination);
        BinaryPrimitives.WriteUInt32BigEndian(span[6..], (uint)(source >> 16));
        BinaryPrimitives.WriteUInt16BigEndian(span[10..], (ushort)source);
        BinaryPrimitives.WriteUInt16BigEndian(span[12..], EtherTypes.Ipv4);
    }
}
