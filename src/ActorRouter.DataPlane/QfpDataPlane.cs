using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Fib;
using ActorRouter.DataPlane.Forwarding;
using ActorRouter.DataPlane.Graph;
using ActorRouter.DataPlane.Interfaces;
using ActorRouter.DataPlane.Ipsec;
using ActorRouter.DataPlane.Memory;
using ActorRouter.DataPlane.Qos;
using ActorRouter.DataPlane.Rings;
using ActorRouter.DataPlane.Threads;
using ActorRouter.DataPlane.Vnic;

namespace ActorRouter.DataPlane;

/// <summary>A data-plane command the control plane sent could not be applied; nothing was changed.</summary>
public sealed class DataPlaneCommandException(string message) : Exception(message);

/// <summary>
/// The QFP process: owns GPM, the rings, the uIDB table, the forwarding snapshot and the Rx, PPE
/// and HQF threads. The control plane (through the QFP client) drives it only through the methods
/// here: commands build a new immutable snapshot and publish it with one reference swap, which
/// the threads pick up between bursts; punted packets come out through <see cref="TakePunted"/>,
/// the control plane's own frames go in through <see cref="Inject"/>.
/// </summary>
public sealed partial class QfpDataPlane : IDisposable
{
    private readonly object _commandLock = new();
    private readonly object _puntLock = new();
    private readonly object _injectLock = new();
    private readonly PpeChannel[] _channels;
    private readonly SpscRing[] _puntRings;
    /// <summary>The control plane's frames to each egress stage (split: the HQF thread; collapsed: each worker).</summary>
    private readonly SpscRing[] _injectRings;
    /// <summary>The recycle rings from each egress stage back into PPE input (split: HQF → Rx; collapsed: each worker's own).</summary>
    private readonly SpscRing[] _recycleRings;
    private readonly RxWorker? _rx;
    private readonly HqfWorker? _hqf;
    private readonly CollapsedWorker[] _collapsed;
    /// <summary>The threads that run the PPE graph (and so read the forwarding tables): the PPEs, or the collapsed workers.</summary>
    private readonly DataPlaneWorker[] _graphWorkers;
    /// <summary>The HQF stages: the HQF thread, or each collapsed worker's.</summary>
    private readonly HqfWorker[] _egressStages;
    /// <summary>Collapsed layout: the ring from one worker to another (for <c>show platform qfp statistics</c>).</summary>
    private readonly List<(string From, string To, PpeChannel Channel)> _crossWorkerRings = new();
    private readonly GpmCache _controlCache;
    private readonly ThreadCounters _controlCounters;
    private readonly List<(ForwardingTables Tables, long[] Epochs)> _retired = new();
    private readonly List<ThreadCounters> _allCounters = new();
    private volatile UidbTable _interfaces;
    private volatile ForwardingTables _forwarding;
    private readonly GracePeriod _grace;
    private readonly Ipv4ForwardingProgrammer _routes;
    private readonly ForwardingTables _programmed;
    private volatile QosPolicyTable _qos;
    private long _generation;
    private int _nextPuntRing;
    private bool _started;
    private readonly int[] _processCores;
    private WorkerCoreIsolation? _isolation;
    private bool _disposed;

    public QfpDataPlane(DataPlaneOptions options)
    {
        options.Validate();
        Options = options;
        Gpm = new PacketMemory(options.BufferCount, options.BufferSize, options.Headroom);
        Ipsec = new IpsecDatabase();
        Multicast = new Multicast.MulticastDatabase();
        _interfaces = new UidbTable(Array.Empty<Uidb?>(), 0, options.MaxInterfaces);
        // One FIB and one adjacency table for the data plane's life, changed in place; unlinked tbl8 groups and
        // adjacency ids are reused only once every PPE has left the bursts that might still read them.
        _grace = new GracePeriod(new PpeEpochs(this));
        var fib = Ipv4Fib.CreateEmpty();
        fib.Grace = _grace;
        _routes = new Ipv4ForwardingProgrammer(fib, new AdjacencyTable(_grace));
        _programmed = new ForwardingTables(fib, _routes.Adjacencies, 0);
        _routes6 = CreateIpv6Forwarding(_grace);
        _programmed.Ipv6 = _routes6.Forwarding;
        _forwarding = _programmed;
        _qos = QosPolicyTable.Empty(options.MaxInterfaces);
        PuntSignal = new WakeSignal();
        _controlCounters = new ThreadCounters("control", options.MaxInterfaces);
        _controlCache = new GpmCache(Gpm, 64);
        _processCores = LayoutPlanner.AvailableCores();
        Plan = LayoutPlanner.Plan(options, _processCores);
        if (Plan.Layout == DataPlaneLayout.Collapsed)
        {
            (_channels, _puntRings, _injectRings, _recycleRings, _collapsed) = BuildCollapsed(options, Plan);
            _graphWorkers = _collapsed;
            _egressStages = new HqfWorker[_collapsed.Length];
            for (var i = 0; i < _collapsed.Length; i++)
            {
                _egressStages[i] = _collapsed[i].HqfStage;
                _allCounters.Add(_collapsed[i].Counters);
            }
            Ppes = Array.Empty<PpeWorker>();
            GraphThreads = _collapsed.Select(w => (w.Name, w.Graph)).ToArray();
            Workers = _collapsed;
            _allCounters.Add(_controlCounters);
            return;
        }
        _collapsed = Array.Empty<CollapsedWorker>();
        _injectRings = [new SpscRing(options.InjectRingSize)];
        _recycleRings = [new SpscRing(options.RecycleRingSize)];
        _allCounters.Add(_controlCounters);

        var maxOutputPerPacket = MaxOutputPerPacket(options);
        var burstRing = BurstRingSize(options);
        var outputRing = OutputRingSize(options);
        _channels = new PpeChannel[options.PpeThreads];
        Dispatch = new PpeDispatch(options.PpeThreads, burstRing);
        _puntRings = new SpscRing[options.PpeThreads];
        var ppes = new PpeWorker[options.PpeThreads];
        for (var i = 0; i < options.PpeThreads; i++)
        {
            _channels[i] = new PpeChannel(options.RingSize, burstRing, outputRing);
            _puntRings[i] = new SpscRing(options.PuntRingSize);
            var counters = new ThreadCounters($"ppe{i}", options.MaxInterfaces);
            var graph = CreateGraph(options, counters, _puntRings[i], options.PpeThreads, i);
            var core = i < options.PpeCores.Count ? options.PpeCores[i] : -1;
            ppes[i] = new PpeWorker($"ppe{i}", core, this, i, _channels[i], graph);
            _allCounters.Add(counters);
        }
        Ppes = ppes;
        GraphThreads = ppes.Select(p => (p.Name, p.Graph)).ToArray();
        var rxCounters = new ThreadCounters("rx", options.MaxInterfaces);
        _rx = new RxWorker("rx", options.RxCore, this, _channels, Dispatch, new GpmCache(Gpm, Math.Max(256, options.BurstSize * 8)), rxCounters, options.BurstSize,
            _recycleRings[0]);
        var hqfCounters = new ThreadCounters("hqf", options.MaxInterfaces);
        _hqf = new HqfWorker("hqf", options.HqfCore, this, _channels, _injectRings[0], new GpmCache(Gpm, Math.Max(256, options.BurstSize * 8)), hqfCounters,
            options.MaxInterfaces, options.EgressQueueLimit, options.BurstSize, options.BurstSize * maxOutputPerPacket, dispatch: Dispatch, recycle: _recycleRings[0]);
        _allCounters.Insert(0, rxCounters);
        _allCounters.Add(hqfCounters);
        _graphWorkers = ppes;
        _egressStages = [_hqf];
        Workers = [_rx, .. ppes, _hqf];
    }

    private static int MaxOutputPerPacket(DataPlaneOptions options) => options.BufferSize / 8 + 2;

    private static int BurstRingSize(DataPlaneOptions options)
        => (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(2, options.RingSize / Math.Max(1, options.BurstSize) * 2));

    private static int OutputRingSize(DataPlaneOptions options)
        => (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(options.RingSize, options.BurstSize * MaxOutputPerPacket(options)));

    /// <summary>A PPE graph with its share (one of <paramref name="graphThreads"/>) of the punt and ICMP error rates.</summary>
    private PpeGraph CreateGraph(DataPlaneOptions options, ThreadCounters counters, SpscRing puntRing, int graphThreads, int graphThread)
    {
        var cache = new GpmCache(Gpm, Math.Max(256, options.BurstSize * 4));
        return PpeGraph.CreateIpv4(Gpm, cache, counters, puntRing, PuntSignal, options.BurstSize,
            options.EffectivePuntPolicy.PerPpe(graphThreads),
            options.IcmpErrorRatePerSecond / graphThreads, Math.Max(1, options.IcmpErrorBurst / graphThreads), Ipsec, graphThread, Multicast);
    }

    /// <summary>
    /// The collapsed layout: per worker a graph, a punt ring, an inject ring and an HQF stage run on
    /// its own thread; between every two workers one SPSC ring each way for output whose egress port
    /// the other owns.
    /// </summary>
    private (PpeChannel[] Channels, SpscRing[] PuntRings, SpscRing[] InjectRings, SpscRing[] RecycleRings, CollapsedWorker[] Workers) BuildCollapsed(DataPlaneOptions options, LayoutPlan plan)
    {
        var count = plan.Workers;
        var maxOutputPerPacket = MaxOutputPerPacket(options);
        var channels = new List<PpeChannel>();
        // ring[from, to]: only OutPackets/OutBursts are used (the dispatcher rings of a PpeChannel stay minimal).
        var rings = new PpeChannel?[count, count];
        for (var from = 0; from < count; from++)
        {
            for (var to = 0; to < count; to++)
            {
                if (from != to)
                {
                    rings[from, to] = new PpeChannel(2, BurstRingSize(options), OutputRingSize(options));
                    channels.Add(rings[from, to]!);
                    _crossWorkerRings.Add(($"worker{from}", $"worker{to}", rings[from, to]!));
                }
            }
        }
        var puntRings = new SpscRing[count];
        var injectRings = new SpscRing[count];
        var recycleRings = new SpscRing[count];
        var workers = new CollapsedWorker[count];
        for (var i = 0; i < count; i++)
        {
            var worker = i;
            puntRings[i] = new SpscRing(options.PuntRingSize);
            injectRings[i] = new SpscRing(options.InjectRingSize);
            recycleRings[i] = new SpscRing(options.RecycleRingSize);
            var counters = new ThreadCounters($"worker{i}", options.MaxInterfaces);
            var graph = CreateGraph(options, counters, puntRings[i], count, i);
            var inbound = new PpeChannel[Math.Max(1, count - 1)];
            var outbound = new PpeChannel?[count];
            var n = 0;
            for (var other = 0; other < count; other++)
            {
                if (other != i)
                {
                    inbound[n++] = rings[other, i]!;
                    outbound[other] = rings[i, other];
                }
            }
            if (count == 1)
            {
                // One worker: nothing comes from another; an empty ring keeps the HQF stage's collection uniform.
                inbound[0] = new PpeChannel(2, 2, 2);
                channels.Add(inbound[0]);
            }
            // The HQF stage shares the worker's counters and buffer cache: it runs on the worker's thread.
            var stage = new HqfWorker($"worker{i}-hqf", -1, this, inbound, injectRings[i], graph.Context.Cache, counters,
                options.MaxInterfaces, options.EgressQueueLimit, options.BurstSize, options.BurstSize * maxOutputPerPacket,
                transmitsFor: ownerIndex => CollapsedOwner(ownerIndex) == worker, recycle: recycleRings[i]);
            workers[i] = new CollapsedWorker($"worker{i}", plan.WorkerCores[i], this, i, count, graph, stage, outbound, options.BurstSize, recycleRings[i]);
            workers[i].SetCoalescing(options.CoalesceMicroseconds, options.CoalesceBatch);
        }
        return (channels.ToArray(), puntRings, injectRings, recycleRings, workers);
    }

    public DataPlaneOptions Options { get; }
    public PacketMemory Gpm { get; }

    /// <summary>The IPsec tunnels and SAs the PPEs' esp4-encrypt and esp4-decrypt nodes use (published as a snapshot).</summary>
    public IpsecDatabase Ipsec { get; }

    /// <summary>The multicast forwarding entries the PPEs' ip4-input and ip4-mcast use (published as a snapshot).</summary>
    public Multicast.MulticastDatabase Multicast { get; }

    /// <summary>Packets waiting on the recycle rings (racy reading).</summary>
    public int RecycleRingDepth
    {
        get
        {
            var depth = 0;
            foreach (var ring in _recycleRings)
            {
                depth += ring.Count;
            }
            return depth;
        }
    }
    /// <summary>The layout the threads run in (auto resolved) and where they are pinned.</summary>
    public LayoutPlan Plan { get; }

    /// <summary>With <see cref="DataPlaneOptions.IsolateWorkerCores"/>: where the other threads are kept, or why not (null before the first start).</summary>
    public string? IsolationNote { get; private set; }

    /// <summary>The isolation of the data-plane cores while running with <see cref="DataPlaneOptions.IsolateWorkerCores"/> (null otherwise).</summary>
    public WorkerCoreIsolation? Isolation => _isolation;

    /// <summary>The Rx thread (split layout only).</summary>
    public RxWorker Rx => _rx ?? throw new InvalidOperationException("the collapsed layout has no Rx thread: its workers receive");

    /// <summary>The PPE threads (split layout; empty in the collapsed layout, whose workers run the graph).</summary>
    public IReadOnlyList<PpeWorker> Ppes { get; }

    /// <summary>Split layout: which PPE each burst went to, and which PPEs the dispatcher passes over (null in the collapsed layout).</summary>
    public PpeDispatch? Dispatch { get; }

    /// <summary>
    /// Every thread that runs a PPE graph, with its graph, in index order: the PPEs in the split layout, the workers
    /// in the collapsed one. Runtime, packet trace, capture and the punt classes reach the graphs through this.
    /// </summary>
    internal IReadOnlyList<(string Name, PpeGraph Graph)> GraphThreads { get; }

    /// <summary>How many threads run a PPE graph (a capture has one ring per such thread).</summary>
    public int GraphThreadCount => GraphThreads.Count;

    /// <summary>The HQF thread (split layout only); <see cref="EgressStageFor"/> works in both.</summary>
    public HqfWorker Hqf => _hqf ?? throw new InvalidOperationException("the collapsed layout has no HQF thread: each worker runs an HQF stage");

    /// <summary>The collapsed layout's workers (empty in the split layout).</summary>
    public IReadOnlyList<CollapsedWorker> CollapsedWorkers => _collapsed;

    /// <summary>Every data-plane thread, as the supervisor sees them.</summary>
    public IReadOnlyList<DataPlaneWorker> Workers { get; }

    /// <summary>The HQF that queues and transmits for interface <paramref name="interfaceIndex"/>.</summary>
    public HqfWorker EgressStageFor(int interfaceIndex) => _hqf ?? _collapsed[CollapsedOwner(interfaceIndex)].HqfStage;

    /// <summary>Depth of an interface's egress queue (racy but safe to read).</summary>
    public int QueueDepth(int interfaceIndex) => EgressStageFor(interfaceIndex).QueueDepth(interfaceIndex);

    private int CollapsedOwner(int interfaceIndex)
        => CollapsedWorker.OwnerOf(interfaceIndex, _interfaces[interfaceIndex]?.ParentIndex ?? -1, _collapsed.Length);

    /// <summary>The signal that wakes the thread receiving on interface <paramref name="interfaceIndex"/>'s port.</summary>
    private WakeSignal RxSignalFor(int interfaceIndex) => _rx?.Signal ?? _collapsed[CollapsedOwner(interfaceIndex)].Signal;

    /// <summary>The signal that wakes the thread transmitting on interface <paramref name="interfaceIndex"/>'s port.</summary>
    private WakeSignal TxSignalFor(int interfaceIndex) => _hqf?.Signal ?? _collapsed[CollapsedOwner(interfaceIndex)].Signal;

    internal WakeSignal CollapsedWorkerSignal(int worker) => _collapsed[worker].Signal;

    /// <summary>Wakes every thread that polls ports or runs an HQF (after a change they must see).</summary>
    private void WakeIoThreads()
    {
        _rx?.Signal.Wake();
        _hqf?.Signal.Wake();
        foreach (var worker in _collapsed)
        {
            worker.Signal.Wake();
        }
    }

    /// <summary>Every thread's counters (rx, ppe0.., hqf) plus the control-plane injector's.</summary>
    public IReadOnlyList<ThreadCounters> Counters => _allCounters;

    /// <summary>Set when punted packets are waiting; the control plane's punt reader sleeps on it.</summary>
    public WakeSignal PuntSignal { get; }

    /// <summary>The current uIDB snapshot (what the threads see).</summary>
    public UidbTable Interfaces => _interfaces;

    /// <summary>The forwarding tables in force (what the PPEs read); the route commands change them in place.</summary>
    public ForwardingTables Forwarding => _forwarding;

    /// <summary>The output service policies in force (what the PPEs classify with and the HQF schedules by).</summary>
    public QosPolicyTable Qos => _qos;

    internal WakeSignal HqfSignal => Hqf.Signal;
    internal WakeSignal PpeSignal(int index) => Ppes[index].Signal;

    public bool IsRunning => _started;

    public void Start()
    {
        lock (_commandLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_started)
            {
                return;
            }
            foreach (var worker in Workers)
            {
                worker.SetLinger(Options.LingerMilliseconds);
                worker.Start();
            }
            _started = true;
            if (Options.IsolateWorkerCores)
            {
                _isolation = WorkerCoreIsolation.Start(() => Workers, _processCores, Workers.Select(w => w.Core).ToArray(), out var whyNot);
                IsolationNote = _isolation is null
                    ? $"other threads not kept off the data-plane cores: {whyNot}"
                    : $"other threads kept on cores [{string.Join(", ", _isolation.HousekeepingCores)}], off the data-plane cores [{string.Join(", ", _isolation.WorkerCores)}]";
            }
        }
    }

    /// <summary>
    /// Stops every thread and returns every buffer to GPM: rings, egress queues, punt and inject
    /// rings, thread caches. Afterwards <see cref="PacketMemory.ReadAccounting"/> shows all free.
    /// </summary>
    public void Stop()
    {
        lock (_commandLock)
        {
            if (!_started)
            {
                return;
            }
            _isolation?.Dispose();
            _isolation = null;
            foreach (var worker in Workers)
            {
                worker.Stop();
            }
            _started = false;
            Span<uint> scratch = stackalloc uint[256];
            DrainPpeChannels(scratch);
            lock (_puntLock)
            {
                foreach (var ring in _puntRings)
                {
                    DrainRing(ring, scratch);
                }
            }
            lock (_injectLock)
            {
                foreach (var ring in _injectRings)
                {
                    DrainRing(ring, scratch);
                }
                _controlCache.Drain();
            }
            foreach (var ring in _recycleRings)
            {
                DrainRing(ring, scratch);
            }
            foreach (var worker in Workers)
            {
                worker.ReclaimHeldBuffers();
            }
            // A PPE's reclaim writes the records the HQF would have expected of its bursts: empty them again.
            DrainPpeChannels(scratch);
            foreach (var stage in _egressStages)
            {
                stage.DrainQueues();
            }
        }
    }

    private void DrainPpeChannels(Span<uint> scratch)
    {
        foreach (var channel in _channels)
        {
            DrainTransitRing(channel.InPackets, scratch);
            DrainCounts(channel.InBursts, scratch);
            DrainTransitRing(channel.OutPackets, scratch);
            DrainCounts(channel.OutBursts, scratch);
        }
        if (Dispatch is not null)
        {
            // Every ring is empty now: no burst is owed to the HQF and no PPE is behind.
            DrainCounts(Dispatch.Order, scratch);
            _hqf!.ForgetSkippedBursts();
        }
    }

    private void DrainRing(SpscRing ring, Span<uint> scratch)
    {
        int n;
        while ((n = ring.DequeueBurst(scratch)) > 0)
        {
            Gpm.FreeBulk(scratch[..n]);
        }
    }

    /// <summary>
    /// A ring of received packets between two stages: what is in it when the data plane stops (at shutdown,
    /// or reloaded as a supervision escalation) is dropped and counted as a thread fault, not lost silently.
    /// </summary>
    private void DrainTransitRing(SpscRing ring, Span<uint> scratch)
    {
        int n;
        while ((n = ring.DequeueBurst(scratch)) > 0)
        {
            for (var i = 0; i < n; i++)
            {
                _controlCounters.Drop(Gpm.Meta(scratch[i]).RxInterface, DropReason.ThreadFault);
            }
            Gpm.FreeBulk(scratch[..n]);
        }
    }

    private static void DrainCounts(SpscRing ring, Span<uint> scratch)
    {
        while (ring.DequeueBurst(scratch) > 0)
        {
        }
    }

    // ---- uIDB commands -------------------------------------------------------------------

    /// <summary>Creates the uIDB for an interface (step 3 of the handshake); returns its index.</summary>
    public Uidb CreateUidb(string name, string osName, int mtu, ulong mac)
    {
        lock (_commandLock)
        {
            var current = _interfaces;
            if (current.FindByName(name) is not null)
            {
                throw new DataPlaneCommandException($"uIDB for {name} already exists");
            }
            ValidateMtu(name, mtu);
            var entries = current.CopyEntries();
            var index = Array.IndexOf(entries, null);
            if (index < 0)
            {
                throw new DataPlaneCommandException($"no free uIDB for {name}: all {entries.Length} are in use");
            }
            var uidb = new Uidb(index, name, osName, mtu, mac, AdminUp: false, 0, 0, Port: null);
            entries[index] = uidb;
            PublishInterfaces(entries);
            return uidb;
        }
    }

    /// <summary>
    /// Creates the uIDB of an 802.1Q subinterface (<c>GigabitEthernet1.100</c>) of the physical
    /// interface <paramref name="parentIndex"/>: frames tagged <paramref name="vlan"/> on the parent's
    /// port are received on it (untagged from then on) and what leaves by it is tagged. It shares the
    /// parent's port and MAC; it has its own admin state (created down), address, MTU and counters,
    /// and is up only while it is admin up and its parent is up and registered.
    /// </summary>
    /// <exception cref="DataPlaneCommandException">The name is taken, the parent is missing or itself a
    /// subinterface, the VLAN is outside 1..4094 or already used on that parent, or the MTU is invalid.</exception>
    public Uidb CreateSubinterfaceUidb(string name, int parentIndex, ushort vlan, int mtu)
    {
        lock (_commandLock)
        {
            var current = _interfaces;
            if (current.FindByName(name) is not null)
            {
                throw new DataPlaneCommandException($"uIDB for {name} already exists");
            }
            if (current[parentIndex] is not { } parent)
            {
                throw new DataPlaneCommandException($"subinterface {name}: no parent uIDB with index {parentIndex}");
            }
            if (parent.IsSubinterface)
            {
                throw new DataPlaneCommandException($"subinterface {name}: parent {parent.Name} is itself a subinterface (no QinQ)");
            }
            if (vlan is < 1 or > Uidb.MaxVlan)
            {
                throw new DataPlaneCommandException($"subinterface {name}: VLAN {vlan} is outside 1..{Uidb.MaxVlan}");
            }
            foreach (var other in current.All)
            {
                if (other.ParentIndex == parentIndex && other.Vlan == vlan)
                {
                    throw new DataPlaneCommandException($"subinterface {name}: VLAN {vlan} on {parent.Name} is already {other.Name}");
                }
            }
            ValidateMtu(name, mtu);
            var entries = current.CopyEntries();
            var index = Array.IndexOf(entries, null);
            if (index < 0)
            {
                throw new DataPlaneCommandException($"no free uIDB for {name}: all {entries.Length} are in use");
            }
            var uidb = new Uidb(index, name, parent.OsName, mtu, parent.Mac, AdminUp: false, 0, 0, parent.Port)
            {
                ParentIndex = parentIndex,
                Vlan = vlan,
            };
            entries[index] = uidb;
            PublishInterfaces(entries);
            return uidb;
        }
    }

    /// <summary>
    /// Registers the interface with the I/O layer (step 5): the opened vNIC port is attached to the
    /// Rx and HQF threads' signals and the Rx thread starts polling it with the next snapshot.
    /// </summary>
    public Uidb RegisterPort(int index, IVnicPort port)
    {
        lock (_commandLock)
        {
            var uidb = Require(index);
            if (uidb.IsSubinterface)
            {
                throw new DataPlaneCommandException($"{uidb.Name} is a subinterface: it uses its parent's port");
            }
            if (uidb.Port is not null)
            {
                throw new DataPlaneCommandException($"{uidb.Name} is already registered with port {uidb.Port.OsName}");
            }
            port.AttachRxSignal(RxSignalFor(index));
            port.AttachTxSignal(TxSignalFor(index));
            var registered = uidb with { Port = port, Mac = port.Mac };
            var entries = _interfaces.CopyEntries();
            entries[index] = registered;
            // Subinterfaces share the parent's port and MAC.
            for (var i = 0; i < entries.Length; i++)
            {
                if (entries[i] is { } sub && sub.ParentIndex == index)
                {
                    entries[i] = sub with { Port = port, Mac = port.Mac };
                }
            }
            PublishInterfaces(entries);
            return registered;
        }
    }

    /// <summary>
    /// Removes a uIDB (handshake rollback or interface removal); its port is detached, not disposed.
    /// A physical interface's uIDB cannot be removed while it has subinterfaces: remove those first.
    /// </summary>
    public void DeleteUidb(int index)
    {
        lock (_commandLock)
        {
            var uidb = Require(index);
            foreach (var other in _interfaces.All)
            {
                if (other.ParentIndex == index)
                {
                    throw new DataPlaneCommandException($"{uidb.Name} has subinterface {other.Name}: remove its subinterfaces first");
                }
            }
            var entries = _interfaces.CopyEntries();
            entries[index] = null;
            PublishInterfaces(entries);
            if (_qos.Policies[index] is not null)
            {
                PublishQos(index, null);
            }
            if (!uidb.IsSubinterface)
            {
                uidb.Port?.AttachRxSignal(null);
                uidb.Port?.AttachTxSignal(null);
            }
        }
    }

    public Uidb SetAdminState(int index, bool up)
    {
        lock (_commandLock)
        {
            return Replace(Require(index) with { AdminUp = up });
        }
    }

    public Uidb SetMtu(int index, int mtu)
    {
        lock (_commandLock)
        {
            var uidb = Require(index);
            ValidateMtu(uidb.Name, mtu);
            return Replace(uidb with { Mtu = mtu });
        }
    }

    public Uidb SetIpv4Address(int index, uint address, int prefixLength)
    {
        lock (_commandLock)
        {
            if (prefixLength is < 0 or > 32)
            {
                throw new DataPlaneCommandException($"prefix length {prefixLength} is not 0..32");
            }
            return Replace(Require(index) with { Ipv4Address = address, Ipv4PrefixLength = prefixLength });
        }
    }

    private void ValidateMtu(string name, int mtu)
    {
        var max = Gpm.MaxFrameLength - 18;
        if (mtu < 68 || mtu > max)
        {
            throw new DataPlaneCommandException($"MTU {mtu} for {name} is outside 68..{max} (GPM buffers of {Gpm.BufferSize} bytes)");
        }
    }

    private Uidb Require(int index)
        => _interfaces[index] ?? throw new DataPlaneCommandException($"no uIDB with index {index}");

    private Uidb Replace(Uidb uidb)
    {
        var entries = _interfaces.CopyEntries();
        entries[uidb.Index] = uidb;
        PublishInterfaces(entries);
        return uidb;
    }

    private void PublishInterfaces(Uidb?[] entries)
    {
        _interfaces = new UidbTable(entries, Interlocked.Increment(ref _generation), Options.MaxInterfaces);
        WakeIoThreads();
    }

    // ---- forwarding ----------------------------------------------------------------------

    /// <summary>The PPE threads' burst epochs, for the grace period of the tables they read.</summary>
    private sealed class PpeEpochs(QfpDataPlane dataPlane) : IReaderEpochs
    {
        public long[] Capture()
        {
            var readers = dataPlane._graphWorkers;
            var epochs = new long[readers.Length];
            for (var i = 0; i < epochs.Length; i++)
            {
                epochs[i] = readers[i].Epoch;
            }
            return epochs;
        }

        public bool AllQuiescentSince(long[] captured)
        {
            if (!dataPlane._started)
            {
                return true;
            }
            var readers = dataPlane._graphWorkers;
            for (var i = 0; i < captured.Length; i++)
            {
                if (!readers[i].IsQuiescentSince(captured[i]))
                {
                    return false;
                }
            }
            return true;
        }
    }

    /// <summary>
    /// Publishes a wholly new forwarding pair (a bulk load) with one reference swap. The previous pair's FIB is
    /// freed once every PPE has finished the bursts that might still read it (the data plane's own, changed in
    /// place by the route commands, is kept; the next route command puts it back in force).
    /// </summary>
    public void PublishForwarding(ForwardingTables tables)
    {
        lock (_commandLock)
        {
            SwapForwarding(tables);
        }
    }

    private void SwapForwarding(ForwardingTables tables)
    {
        var old = _forwarding;
        tables.Ipv6 ??= _routes6.Forwarding;
        _forwarding = tables;
        if (!ReferenceEquals(old.Fib, tables.Fib) && !ReferenceEquals(old.Fib, _programmed.Fib))
        {
            var epochs = new long[_graphWorkers.Length];
            for (var i = 0; i < epochs.Length; i++)
            {
                epochs[i] = _graphWorkers[i].Epoch;
            }
            _retired.Add((old, epochs));
        }
        ReclaimRetiredTables();
    }

    /// <summary>
    /// Makes the forwarding state match the uIDBs, these static routes and neighbors, changing only what differs:
    /// routes added or removed one by one in the FIB, neighbor adjacencies rewritten in place.
    /// </summary>
    public ForwardingUpdate PublishRoutes(IReadOnlyList<StaticRoute> staticRoutes, IReadOnlyList<Neighbor> neighbors)
    {
        lock (_commandLock)
        {
            var interfaces = new List<ConnectedInterface>();
            foreach (var u in _interfaces.All)
            {
                interfaces.Add(new ConnectedInterface(u.Index, u.Ipv4Address, u.Ipv4PrefixLength, u.AdminUp && (u.Registered || u.IsTunnel), u.IsTunnel));
            }
            var update = _routes.Replace(interfaces, staticRoutes, neighbors);
            AfterRouteChange();
            // Interface state changed with it, perhaps: IPv6's connected and local routes follow the same uIDBs.
            ReprogramIpv6();
            return update;
        }
    }

    /// <summary>A neighbor learned or changed: one adjacency rewritten in place, plus its /32 when it is new.</summary>
    public ForwardingUpdate PublishNeighbor(Neighbor neighbor)
    {
        lock (_commandLock)
        {
            var update = _routes.SetNeighbor(neighbor);
            AfterRouteChange();
            return update;
        }
    }

    /// <summary>A neighbor lost: its adjacency turns incomplete in place and its /32 is deleted.</summary>
    public ForwardingUpdate WithdrawNeighbor(int interfaceIndex, uint address)
    {
        lock (_commandLock)
        {
            var update = _routes.RemoveNeighbor(interfaceIndex, address);
            AfterRouteChange();
            return update;
        }
    }

    /// <summary>FIB route writes and adjacency rewrites the route commands have made (what a change cost).</summary>
    public (long RouteWrites, long AdjacencyRewrites) ForwardingChangeCounts
    {
        get
        {
            lock (_commandLock)
            {
                return (_routes.RouteWrites, _routes.AdjacencyRewrites);
            }
        }
    }

    private void AfterRouteChange()
    {
        if (!ReferenceEquals(_forwarding, _programmed))
        {
            SwapForwarding(_programmed);
        }
        else
        {
            ReclaimRetiredTables();
        }
    }

    /// <summary>
    /// Frees retired FIBs, and makes reusable the tbl8 groups and adjacency ids, that no PPE can still be reading.
    /// Returns how many remain retired (tables, groups and ids together).
    /// </summary>
    public int ReclaimRetiredTables()
    {
        lock (_commandLock)
        {
            for (var r = _retired.Count - 1; r >= 0; r--)
            {
                var (tables, epochs) = _retired[r];
                var quiescent = !_started;
                if (!quiescent)
                {
                    quiescent = true;
                    for (var i = 0; i < epochs.Length; i++)
                    {
                        if (!_graphWorkers[i].IsQuiescentSince(epochs[i]))
                        {
                            quiescent = false;
                            break;
                        }
                    }
                }
                if (quiescent && !ReferenceEquals(tables.Fib, _forwarding.Fib))
                {
                    tables.Fib.Dispose();
                    _retired.RemoveAt(r);
                }
            }
            return _retired.Count + _programmed.Fib.ReclaimRetired() + _programmed.Adjacencies.Reclaim()
                + _routes6.Forwarding.Fib.ReclaimRetired() + _routes6.Forwarding.Adjacencies.Reclaim();
        }
    }

    // ---- QoS -------------------------------------------------------------------------------

    /// <summary>
    /// "service-policy output": compiles the policy for the interface (the PPE's matcher and a fresh
    /// HQF scheduler) and publishes it with one reference swap. Replacing a policy takes effect
    /// atomically; the HQF thread moves the packets already queued into the new classes.
    /// </summary>
    public CompiledPolicy AttachServicePolicy(int index, PolicyMapDefinition policy)
    {
        lock (_commandLock)
        {
            Require(index);
            var compiled = new CompiledPolicy(policy);
            var scheduler = new HqfScheduler(compiled, Options.HqfClock, Options.HqfClockTicksPerSecond, seed: (ulong)(index + 1) * 0x9E3779B97F4A7C15UL);
            PublishQos(index, (compiled, scheduler));
            return compiled;
        }
    }

    /// <summary>"no service-policy output": the interface goes back to one FIFO; queued packets stay queued as far as they fit.</summary>
    public void DetachServicePolicy(int index)
    {
        lock (_commandLock)
        {
            Require(index);
            PublishQos(index, null);
        }
    }

    private void PublishQos(int index, (CompiledPolicy Policy, HqfScheduler Scheduler)? attached)
    {
        var current = _qos;
        var policies = (CompiledPolicy?[])current.Policies.Clone();
        var schedulers = (HqfScheduler?[])current.Schedulers.Clone();
        policies[index] = attached?.Policy;
        schedulers[index] = attached?.Scheduler;
        _qos = new QosPolicyTable(policies, schedulers, Interlocked.Increment(ref _generation));
        WakeIoThreads();
    }

    /// <summary>
    /// The per-class counters of an interface's service policy, read while forwarding goes on
    /// (a reading may be a few packets behind). Null when no policy is attached.
    /// </summary>
    public ServicePolicyStatus? ReadServicePolicy(int index)
    {
        var table = _qos;
        if ((uint)index >= (uint)table.Policies.Length || table.Policies[index] is not { } policy || table.Schedulers[index] is not { } scheduler)
        {
            return null;
        }
        var classes = new List<ServicePolicyClassStatus>(policy.ClassCount);
        for (var c = 0; c < policy.ClassCount; c++)
        {
            long Read(QosClassCounter counter) => scheduler.ReadCounter(c, counter);
            classes.Add(new ServicePolicyClassStatus(policy.Classes[c], policy.Weights[c],
                Read(QosClassCounter.EnqueuedPackets), Read(QosClassCounter.EnqueuedBytes),
                Read(QosClassCounter.TransmittedPackets), Read(QosClassCounter.TransmittedBytes),
                Read(QosClassCounter.TailDropPackets), Read(QosClassCounter.TailDropBytes),
                Read(QosClassCounter.RandomDropPackets), Read(QosClassCounter.RandomDropBytes),
                Read(QosClassCounter.PolicerDropPackets), Read(QosClassCounter.PolicerDropBytes),
                Read(QosClassCounter.FlushedPackets), Read(QosClassCounter.Depth), Read(QosClassCounter.PeakDepth)));
        }
        return new ServicePolicyStatus(index, policy.Definition, ReferenceEquals(EgressStageFor(index).AdoptedScheduler(index), scheduler), classes);
    }

    // ---- punt and inject -----------------------------------------------------------------

    /// <summary>
    /// Takes up to <paramref name="buffers"/>.Length punted packets (from all PPEs). The caller reads
    /// them with <see cref="PacketMemory.Frame"/> and <see cref="PacketMemory.Meta"/> and must give
    /// each back with <see cref="ReleasePunted"/>. Safe from any control-plane thread.
    /// </summary>
    public int TakePunted(Span<uint> buffers)
    {
        lock (_puntLock)
        {
            var total = 0;
            for (var turn = 0; turn < _puntRings.Length && total < buffers.Length; turn++)
            {
                var ring = _puntRings[_nextPuntRing];
                _nextPuntRing = (_nextPuntRing + 1) % _puntRings.Length;
                total += ring.DequeueBurst(buffers[total..]);
            }
            for (var i = 0; i < total; i++)
            {
                Gpm.SetOwner(buffers[i], BufferOwner.ControlPlane);
            }
            return total;
        }
    }

    public bool HasPunted
    {
        get
        {
            foreach (var ring in _puntRings)
            {
                if (!ring.IsEmpty)
                {
                    return true;
                }
            }
            return false;
        }
    }

    public void ReleasePunted(ReadOnlySpan<uint> buffers) => Gpm.FreeBulk(buffers);

    /// <summary>
    /// Sends a frame the control plane built (ARP, ICMP echo reply) out of an interface through the
    /// inject ring and the HQF. For a subinterface the frame is given untagged and leaves with its
    /// 802.1Q tag inserted. False, counted, when the interface is unknown or not up, the frame
    /// invalid, or GPM or the ring is full.
    /// </summary>
    public bool Inject(int interfaceIndex, ReadOnlySpan<byte> frame)
    {
        lock (_injectLock)
        {
            var interfaces = _interfaces;
            var vlan = interfaces[interfaceIndex]?.Vlan ?? 0;
            var length = frame.Length + (vlan == 0 ? 0 : 4);
            if (interfaces[interfaceIndex] is null || frame.Length < 14 || length > Gpm.MaxFrameLength)
            {
                _controlCounters.Drop(Math.Clamp(interfaceIndex, 0, Options.MaxInterfaces - 1), DropReason.InjectInvalid);
                return false;
            }
            if (!interfaces.Up[interfaceIndex])
            {
                _controlCounters.Drop(interfaceIndex, DropReason.InterfaceDown);
                return false;
            }
            if (!_controlCache.TryAllocate(out var buffer))
            {
                _controlCounters.Drop(interfaceIndex, DropReason.NoBuffer);
                return false;
            }
            Gpm.ResetMeta(buffer, length, BufferOwner.Inject);
            var destination = Gpm.Frame(buffer);
            if (vlan == 0)
            {
                frame.CopyTo(destination);
            }
            else
            {
                // MACs, then the tag (PCP 0), then the frame's own EtherType and payload.
                frame[..12].CopyTo(destination);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(destination[12..], Packets.EtherTypes.Vlan);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(destination[14..], vlan);
                frame[12..].CopyTo(destination[16..]);
            }
            Gpm.Meta(buffer).TxInterface = (ushort)interfaceIndex;
            var stage = _hqf is null ? CollapsedOwner(interfaceIndex) : 0;
            if (!_injectRings[stage].TryEnqueue(buffer))
            {
                _controlCache.Free(buffer);
                _controlCounters.Drop(interfaceIndex, DropReason.QueueFull);
                return false;
            }
            _controlCounters.Packets++;
            (_hqf?.Signal ?? _collapsed[stage].Signal).Notify();
            return true;
        }
    }

    // ---- observation ---------------------------------------------------------------------

    public long ReadInterfaceCounter(int interfaceIndex, InterfaceCounter counter)
    {
        long sum = 0;
        foreach (var c in _allCounters)
        {
            sum += c.Read(interfaceIndex, counter);
        }
        return sum;
    }

    /// <summary>
    /// Frames the interface's driver or the kernel's rings dropped before the data plane saw them (input: RX ring
    /// full, no free buffer, too long) or after it let them go (output: link down, refused descriptors); zero for a
    /// subinterface or an interface without a port.
    /// </summary>
    public (long Input, long Output) ReadDriverDrops(int interfaceIndex)
    {
        var uidb = _interfaces[interfaceIndex];
        if (uidb is null || uidb.IsSubinterface || uidb.Port is not { } port)
        {
            return (0, 0);
        }
        var statistics = port.Statistics;
        return (statistics.InputDrops, statistics.OutputDrops);
    }

    public long ReadDrops(DropReason reason, int? interfaceIndex = null)
    {
        long sum = 0;
        foreach (var c in _allCounters)
        {
            sum += interfaceIndex is int i ? c.ReadDrops(i, reason) : c.ReadDrops(reason);
        }
        return sum;
    }

    /// <summary>"clear counters": all interfaces, or one.</summary>
    public void ClearCounters(int? interfaceIndex = null)
    {
        foreach (var c in _allCounters)
        {
            c.Clear(interfaceIndex);
        }
    }

    /// <summary>The graph nodes' counters of PPE <paramref name="ppe"/> (racy reading; for <c>show platform runtime</c>).</summary>
    public IReadOnlyList<NodeRuntimeCounters> ReadNodeCounters(int ppe) => _hqf is null ? _collapsed[ppe].ReadNodeCounters() : Ppes[ppe].ReadNodeCounters();

    public DataPlaneWorker? FindWorker(string name)
    {
        foreach (var w in Workers)
        {
            if (string.Equals(w.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return w;
            }
        }
        return null;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        Stop();
        lock (_commandLock)
        {
            _disposed = true;
            foreach (var (tables, _) in _retired)
            {
                if (!ReferenceEquals(tables.Fib, _forwarding.Fib) && !ReferenceEquals(tables.Fib, _programmed.Fib))
                {
                    tables.Fib.Dispose();
                }
            }
            _retired.Clear();
            if (!ReferenceEquals(_forwarding.Fib, _programmed.Fib))
            {
                _forwarding.Fib.Dispose();
            }
            _programmed.Fib.Dispose();
            Dispatch?.Dispose();
            _routes6.Forwarding.Fib.Dispose();
            foreach (var channel in _channels)
            {
                channel.Dispose();
            }
            foreach (var ring in _puntRings)
            {
                ring.Dispose();
            }
            foreach (var ring in _injectRings)
            {
                ring.Dispose();
            }
            foreach (var ring in _recycleRings)
            {
                ring.Dispose();
            }
            Ipsec.Dispose();
            foreach (var worker in Workers)
            {
                worker.Signal.Dispose();
            }
            foreach (var worker in _collapsed)
            {
                worker.HqfStage.Signal.Dispose();
            }
            PuntSignal.Dispose();
            Gpm.Dispose();
        }
    }
}
