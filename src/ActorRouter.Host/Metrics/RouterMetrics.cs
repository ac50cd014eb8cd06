using System.Diagnostics.Metrics;
using ActorRouter.DataPlane.Memory;

namespace ActorRouter.Host.Metrics;

/// <summary>
/// The router's OpenTelemetry meter: observable instruments that read a <see cref="RouterSnapshot"/>
/// when an exporter collects (a scrape), nothing per packet. Names follow the OpenTelemetry
/// conventions (dotted, unit apart); the Prometheus exporter turns them into
/// <c>actorrouter_interface_received_packets_total{interface="GigabitEthernet1"}</c>,
/// <c>actorrouter_interface_received_bytes_total</c> and so on. The data plane's per-node counters,
/// once the statistics snapshot has them, join as one more group here
/// (<c>actorrouter.node.packets{node,thread}</c>).
/// </summary>
public sealed class RouterMetrics : IDisposable
{
    public const string MeterName = "ActorRouter";

    private readonly Meter _meter = new(MeterName);
    private readonly RouterSnapshotSource _source;

    public RouterMetrics(RouterSnapshotSource source)
    {
        _source = source;
        AddInterfaces();
        AddDataPlane();
        AddControlPlane();
    }

    public void Dispose() => _meter.Dispose();

    private static KeyValuePair<string, object?> Tag(string name, object? value) => new(name, value);

    /// <summary>One measurement per item of the current snapshot; none when the router did not answer.</summary>
    private IEnumerable<Measurement<T>> Each<T, TItem>(Func<RouterSnapshot, IEnumerable<TItem>?> items, Func<TItem, T> value, Func<TItem, KeyValuePair<string, object?>[]> tags)
        where T : struct
    {
        var snapshot = _source.Current();
        if (snapshot is null || items(snapshot) is not { } list)
        {
            return [];
        }
        return list.Select(item => new Measurement<T>(value(item), tags(item))).ToList();
    }

    private IEnumerable<Measurement<T>> One<T>(Func<RouterSnapshot, T?> value) where T : struct
    {
        var snapshot = _source.Current();
        return snapshot is null || value(snapshot) is not T v ? [] : [new Measurement<T>(v)];
    }

    private void AddInterfaces()
    {
        KeyValuePair<string, object?>[] Itf(ActorRouter.ControlPlane.Messages.InterfaceStatus i) => [Tag("interface", i.Name)];
        // The counters show interfaces prints, from the same FMAN answer.
        _meter.CreateObservableCounter("actorrouter.interface.received.packets", () => Each(s => s.Interfaces, i => i.RxPackets, Itf), "{packet}", "Packets received on the interface");
        _meter.CreateObservableCounter("actorrouter.interface.received", () => Each(s => s.Interfaces, i => i.RxBytes, Itf), "By", "Bytes received on the interface");
        _meter.CreateObservableCounter("actorrouter.interface.transmitted.packets", () => Each(s => s.Interfaces, i => i.TxPackets, Itf), "{packet}", "Packets transmitted on the interface");
        _meter.CreateObservableCounter("actorrouter.interface.transmitted", () => Each(s => s.Interfaces, i => i.TxBytes, Itf), "By", "Bytes transmitted on the interface");
        _meter.CreateObservableCounter("actorrouter.interface.dropped.packets", () => Each(s => s.Interfaces, i => i.Drops, Itf), "{packet}", "Packets of the interface the data plane dropped (any reason)");
        _meter.CreateObservableCounter("actorrouter.interface.driver.input.dropped.packets", () => Each(s => s.Interfaces, i => i.InputDrops, Itf), "{packet}", "Frames the driver or the kernel's rings dropped on input (RX ring full, no free buffer, too long)");
        _meter.CreateObservableCounter("actorrouter.interface.driver.output.dropped.packets", () => Each(s => s.Interfaces, i => i.OutputDrops, Itf), "{packet}", "Frames the driver or the kernel's rings dropped on output (link down, refused descriptors)");
        _meter.CreateObservableGauge("actorrouter.interface.up", () => Each(s => s.Interfaces, i => i.OperUp ? 1 : 0, Itf), null, "1 when the interface is up (line protocol), else 0");
        _meter.CreateObservableGauge("actorrouter.interface.admin.up", () => Each(s => s.Interfaces, i => i.AdminUp ? 1 : 0, Itf), null, "1 unless the interface is shut down");

        // Per-interface numbers only the data-plane snapshot has, joined to the names by uIDB index.
        IEnumerable<(string Name, ActorRouter.DataPlane.Ports.InterfaceStatistics Counters)> Joined(RouterSnapshot s) =>
            s.Interfaces.Join(s.Statistics.Interfaces, i => i.Index, c => c.Index, (i, c) => (i.Name, c));
        _meter.CreateObservableCounter("actorrouter.interface.punted.packets", () => Each(Joined, x => x.Counters.Punted, x => [Tag("interface", x.Name)]), "{packet}", "Packets of the interface punted to the control plane");
        _meter.CreateObservableGauge("actorrouter.interface.egress.queue.depth", () => Each(Joined, x => (long)x.Counters.EgressQueueDepth, x => [Tag("interface", x.Name)]), "{packet}", "Packets waiting in the interface's HQF egress queue");

        // The decayed load-interval rates of show interfaces.
        IEnumerable<(string Name, ActorRouter.ControlPlane.Observability.InterfaceRate Rate)> Rates(RouterSnapshot s) =>
            s.Rates is null ? [] : s.Interfaces.Where(i => s.Rates.ByIndex.ContainsKey(i.Index)).Select(i => (i.Name, s.Rates.ByIndex[i.Index]));
        _meter.CreateObservableGauge("actorrouter.interface.input.rate", () => Each(Rates, x => x.Rate.InputBitsPerSecond, x => [Tag("interface", x.Name)]), "bit/s", "Input rate decayed over the load interval");
        _meter.CreateObservableGauge("actorrouter.interface.output.rate", () => Each(Rates, x => x.Rate.OutputBitsPerSecond, x => [Tag("interface", x.Name)]), "bit/s", "Output rate decayed over the load interval");
    }

    private void AddDataPlane()
    {
        _meter.CreateObservableCounter("actorrouter.drops", () => Each(s => s.Statistics.Drops, d => d.Count, d => [Tag("reason", d.Reason)]), "{packet}", "Packets the data plane dropped, by reason");
        _meter.CreateObservableCounter("actorrouter.thread.packets", () => Each(s => s.Statistics.Threads, t => t.Packets, t => [Tag("thread", t.Name)]), "{packet}", "Packets a data-plane thread handled");
        _meter.CreateObservableCounter("actorrouter.thread.bursts", () => Each(s => s.Statistics.Threads, t => t.Bursts, t => [Tag("thread", t.Name)]), "{burst}", "Bursts a data-plane thread handled");
        _meter.CreateObservableCounter("actorrouter.thread.sleeps", () => Each(s => s.Statistics.Threads, t => t.Sleeps, t => [Tag("thread", t.Name)]), "{sleep}", "Times a data-plane thread went to sleep for want of work");
        _meter.CreateObservableCounter("actorrouter.thread.naps", () => Each(s => s.Statistics.Threads, t => t.Naps, t => [Tag("thread", t.Name)]), "{nap}", "Short sleeps of a collapsed worker between passes of small batches (receive coalescing)");
        _meter.CreateObservableCounter("actorrouter.thread.late_wakes", () => Each(s => s.Statistics.Threads, t => t.LateWakes, t => [Tag("thread", t.Name)]), "{wake}", "Naps and sleeps of a data-plane thread that ended a millisecond or more late (a vCPU the host resumed late)");
        _meter.CreateObservableCounter("actorrouter.thread.restarts", () => Each(s => s.Health?.Workers, w => (long)w.Restarts, w => [Tag("thread", w.Name)]), "{restart}", "Times the supervisor restarted a data-plane thread");
        _meter.CreateObservableCounter("actorrouter.thread.hangs", () => Each(s => s.Health?.Workers, w => (long)w.Hangs, w => [Tag("thread", w.Name)]), "{hang}", "Times a data-plane thread's heartbeat stopped moving");
        _meter.CreateObservableCounter("actorrouter.thread.fences", () => Each(s => s.Health?.Workers, w => (long)w.Fences, w => [Tag("thread", w.Name)]), "{fence}", "Times a hung data-plane thread was fenced off and replaced");
        _meter.CreateObservableCounter("actorrouter.supervision.escalations", () => Each(s => s.Health is { } health
                ? new[] { (Kind: "data-plane-reload", Count: (long)health.DataPlaneReloads), (Kind: "control-plane-restart", Count: (long)health.ControlPlaneEscalations) }
                : null, x => x.Count, x => [Tag("kind", x.Kind)]),
            "{escalation}", "Times the supervisor went past a restart limit: the data plane reloaded, or every control-plane actor restarted");
        _meter.CreateObservableGauge("actorrouter.gpm.buffers", () => Each(s => Enum.GetValues<BufferOwner>().Select(o => (Owner: o, Count: s.Statistics.Gpm.Held(o))), x => (long)x.Count, x => [Tag("owner", x.Owner.ToString())]), "{buffer}", "GPM buffers by owner (Free: in the pool)");
        _meter.CreateObservableGauge("actorrouter.gpm.capacity", () => One(s => (long?)s.Statistics.Gpm.Total), "{buffer}", "GPM buffers in all");
        _meter.CreateObservableGauge("actorrouter.ring.depth", () => Each(s => s.Statistics.Rings, r => (long)r.Count, r => [Tag("ring", r.Name)]), "{entry}", "Entries in a ring between data-plane threads");
        _meter.CreateObservableGauge("actorrouter.ring.capacity", () => Each(s => s.Statistics.Rings, r => (long)r.Capacity, r => [Tag("ring", r.Name)]), "{entry}", "Capacity of a ring between data-plane threads");
        _meter.CreateObservableCounter("actorrouter.punt.packets", () => Each(s => s.Punt?.Named, p => p.Value, p => [Tag("class", p.Name.StartsWith("punt-", StringComparison.Ordinal) ? p.Name["punt-".Length..] : p.Name)]),
            "{packet}", "Punted packets the control plane took, by class and outcome");
    }

    private void AddControlPlane()
    {
        _meter.CreateObservableCounter("actorrouter.actor.failures", () => ActorFailures.Snapshot().Select(p => new Measurement<long>(p.Value, Tag("actor", p.Key))), "{failure}",
            "Control-plane actor failures; each one restarts the actor (its supervisor's directive)");
    }
}
