using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Memory;
using ActorRouter.DataPlane.Ports;

namespace ActorRouter.DataPlane;

// The three narrow views the control plane gets of the data plane (besides the commands the QFP
// client sends): the threads for the supervisor, the punt/inject port for the punt service, and a
// statistics snapshot for observers. None of them hands out GPM, a ring or a worker object.
public sealed partial class QfpDataPlane
{
    private PuntPortView? _puntPort;

    /// <summary>The data-plane threads as the supervisor sees them (rx, ppe0…, hqf).</summary>
    public IReadOnlyList<ISupervisedThread> Threads => Workers;

    /// <summary>The punt/inject port; the QFP client lends it to the punt service.</summary>
    public IPuntPort PuntPort => _puntPort ??= new PuntPortView(this);

    /// <summary>The OS names of the interfaces registered with a port (the supervisor closes them when it stops).</summary>
    public IReadOnlyList<string> RegisteredPortNames()
    {
        var names = new List<string>();
        foreach (var uidb in _interfaces.All)
        {
            if (uidb.Registered)
            {
                names.Add(uidb.OsName);
            }
        }
        return names;
    }

    /// <summary>GPM's accounting now: after <see cref="Stop"/> every buffer is free.</summary>
    public GpmAccounting ReadGpmAccounting() => Gpm.ReadAccounting();

    /// <summary>The counters of every thread, ring, drop reason and interface, read while forwarding goes on.</summary>
    public DataPlaneStatistics ReadStatistics()
    {
        var threads = new List<ThreadStatistics>(_allCounters.Count);
        foreach (var c in _allCounters)
        {
            threads.Add(new ThreadStatistics(c.ThreadName, Volatile.Read(ref c.Packets), Volatile.Read(ref c.Bursts), Volatile.Read(ref c.Sleeps), Volatile.Read(ref c.Naps), Volatile.Read(ref c.LateWakes)));
        }
        var drops = new List<DropStatistics>();
        // Every reason, zero included: an exporter's series exist from the start.
        foreach (var reason in Enum.GetValues<DropReason>())
        {
            drops.Add(new DropStatistics(reason.ToString(), ReadDrops(reason)));
        }
        var rings = new List<RingStatistics>();
        foreach (var ppe in Ppes)
        {
            rings.Add(new RingStatistics($"rx->{ppe.Name}", ppe.Channel.InPackets.Count, ppe.Channel.InPackets.Capacity));
            rings.Add(new RingStatistics($"{ppe.Name}->hqf", ppe.Channel.OutPackets.Count, ppe.Channel.OutPackets.Capacity));
        }
        foreach (var (from, to, channel) in _crossWorkerRings)
        {
            rings.Add(new RingStatistics($"{from}->{to}", channel.OutPackets.Count, channel.OutPackets.Capacity));
        }
        var interfaces = new List<InterfaceStatistics>();
        foreach (var uidb in _interfaces.All)
        {
            var i = uidb.Index;
            var (inputDrops, outputDrops) = ReadDriverDrops(i);
            interfaces.Add(new InterfaceStatistics(i,
                ReadInterfaceCounter(i, InterfaceCounter.RxPackets), ReadInterfaceCounter(i, InterfaceCounter.RxBytes),
                ReadInterfaceCounter(i, InterfaceCounter.TxPackets), ReadInterfaceCounter(i, InterfaceCounter.TxBytes),
                ReadInterfaceCounter(i, InterfaceCounter.Drops), ReadInterfaceCounter(i, InterfaceCounter.Punted),
                QueueDepth(i), inputDrops, outputDrops));
        }
        return new DataPlaneStatistics(threads, drops, Gpm.ReadAccounting(), rings, interfaces);
    }

    private sealed class PuntPortView(QfpDataPlane dataPlane) : IPuntPort
    {
        public int MaxFrameLength => dataPlane.Gpm.MaxFrameLength;

        public ActorRouter.DataPlane.Interfaces.UidbTable Interfaces => dataPlane.Interfaces;

        public int Take(Span<uint> buffers) => dataPlane.TakePunted(buffers);

        public PuntedPacket Read(uint buffer)
        {
            var gpm = dataPlane.Gpm;
            ref var meta = ref gpm.Meta(buffer);
            return new PuntedPacket(meta.RxInterface, (PuntReason)meta.PuntReason, meta.NextHop, gpm.Frame(buffer));
        }

        public void Release(ReadOnlySpan<uint> buffers) => dataPlane.ReleasePunted(buffers);

        public void WaitForPunted(int milliseconds)
        {
            var signal = dataPlane.PuntSignal;
            signal.PrepareToSleep();
            if (dataPlane.HasPunted)
            {
                signal.CancelSleep();
                return;
            }
            signal.Sleep(milliseconds);
        }

        public void WakeReader() => dataPlane.PuntSignal.Wake();

        public bool Inject(int interfaceIndex, ReadOnlySpan<byte> frame) => dataPlane.Inject(interfaceIndex, frame);

        public bool TryFindIpv6Neighbor(uint adjacencyId, out int interfaceIndex, out UInt128 address)
            => dataPlane.TryFindIpv6Neighbor(adjacencyId, out interfaceIndex, out address);

        public bool TakeIpv6NeighborUsed(int interfaceIndex, UInt128 address) => dataPlane.TakeIpv6NeighborUsed(interfaceIndex, address);
    }
}
