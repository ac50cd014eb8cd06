using ActorRouter.DataPlane.Counters;

namespace ActorRouter.DataPlane;

/// <summary>Sizes and layout of the data plane; validated at construction.</summary>
public sealed record DataPlaneOptions
{
    public int BufferCount { get; init; } = 16384;
    public int BufferSize { get; init; } = 2048;
    public int Headroom { get; init; } = 128;
    public int PpeThreads { get; init; } = 2;
    public int BurstSize { get; init; } = 32;
    /// <summary>Size of each dispatcher → PPE and PPE → HQF packet ring.</summary>
    public int RingSize { get; init; } = 1024;
    public int RxCore { get; init; } = -1;
    /// <summary>Core per PPE thread (index i for PPE i; missing or -1 = unpinned).</summary>
    public IReadOnlyList<int> PpeCores { get; init; } = Array.Empty<int>();
    public int HqfCore { get; init; } = -1;
    /// <summary>How the stages are laid out on threads (split unless asked: the router configuration's default is auto, see <see cref="Threads.LayoutPlanner"/>).</summary>
    public DataPlaneLayout Layout { get; init; } = DataPlaneLayout.Split;
    /// <summary>Collapsed layout: how many workers; 0 = one per core the process may run on.</summary>
    public int Workers { get; init; }
    /// <summary>Collapsed layout: core per worker (index i for worker i; missing or -1 = unpinned).</summary>
    public IReadOnlyList<int> WorkerCores { get; init; } = Array.Empty<int>();
    /// <summary>
    /// Keep every other thread of the process off the cores the data-plane threads are pinned to
    /// (<see cref="Threads.WorkerCoreIsolation"/>). Process-wide, so only for a process that is a router:
    /// the console host turns it on; data planes inside test or tool processes leave it off.
    /// </summary>
    public bool IsolateWorkerCores { get; init; }

    /// <summary>
    /// Collapsed layout, receive coalescing: after a pass that received fewer than <see cref="CoalesceBatch"/> frames
    /// (but some, and the pass before received some too: a stream, not a lone frame), the worker sleeps this many
    /// microseconds so the next pass finds a fuller batch (0: never), as a NIC's interrupt moderation waits for more
    /// frames. A pass costs system calls whatever its size (a TX kick per port, the sleep itself); at a few frames per
    /// pass those dominate the CPU per frame. A pass that receives a full batch never sleeps, so capacity is unchanged;
    /// a frame in a stream waits at most this long more, a lone frame (light load, a ping) not at all.
    /// </summary>
    public int CoalesceMicroseconds { get; init; }

    /// <summary>Frames per pass below which a collapsed worker coalesces (see <see cref="CoalesceMicroseconds"/>).</summary>
    public int CoalesceBatch { get; init; } = 16;

    /// <summary>
    /// For this many milliseconds after its last work an idle data-plane thread sleeps at most 1 ms at a time, so
    /// the next frame (light traffic: a ping, a keepalive) does not wait for the wake-up of a long-idle core; after
    /// that it sleeps up to 100 ms at a time (an idle router). 0: always the long sleep.
    /// </summary>
    public int LingerMilliseconds { get; init; }
    public int MaxInterfaces { get; init; } = 64;
    /// <summary>ESP's AES-GCM: the host passes the native shim's OpenSSL engine; the default is .NET's AesGcm.</summary>
    public Ipsec.IAesGcmEngine AesGcm { get; init; } = Ipsec.ManagedAesGcmEngine.Instance;
    public int EgressQueueLimit { get; init; } = 1024;
    public double PuntRatePerSecond { get; init; } = 1000;
    public double PuntBurst { get; init; } = 100;
    public int PuntRingSize { get; init; } = 1024;
    /// <summary>Per-class punt policers and ring shares; null: every class policed at <see cref="PuntRatePerSecond"/> and <see cref="PuntBurst"/>, with no share below the ring.</summary>
    public PuntPolicy? PuntPolicy { get; init; }
    public double IcmpErrorRatePerSecond { get; init; } = 100;
    public double IcmpErrorBurst { get; init; } = 10;
    public int InjectRingSize { get; init; } = 256;
    /// <summary>Size of the recycle ring (HQF back to PPE input) of each egress stage.</summary>
    public int RecycleRingSize { get; init; } = 1024;
    /// <summary>Monotonic clock the HQF thread and its QoS schedulers credit tokens by; null: <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>. Tests drive a virtual one.</summary>
    public Func<long>? HqfClock { get; init; }
    /// <summary>Ticks per second of <see cref="HqfClock"/>; 0: <see cref="System.Diagnostics.Stopwatch.Frequency"/>.</summary>
    public long HqfClockTicksPerSecond { get; init; }
    /// <summary>
    /// Split layout: how long the HQF waits for a PPE to finish the burst next in arrival order while other
    /// PPEs have finished bursts waiting, before it lets those go ahead and counts that PPE's late bursts as
    /// <see cref="DropReason.PpeStalled"/> drops. Far above any burst's processing time (a PPE descheduled on
    /// a loaded machine must not lose bursts), far below the supervisor's hang limit.
    /// </summary>
    public TimeSpan PpeOrderWait { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The punt policy in force for the whole router (rates not yet divided over the PPEs).</summary>
    public PuntPolicy EffectivePuntPolicy => PuntPolicy ?? PuntPolicy.Uniform(PuntRatePerSecond, PuntBurst, PuntRingSize);

    public void Validate()
    {
        static void Require(bool ok, string message)
        {
            if (!ok)
            {
                throw new ArgumentException(message);
            }
        }
        static bool PowerOfTwo(int v) => v >= 2 && (v & (v - 1)) == 0;
        Require(PpeThreads is >= 1 and <= 64, $"ppe-threads must be 1..64, got {PpeThreads}");
        Require(Workers is >= 0 and <= 64, $"workers must be 0..64 (0: one per core), got {Workers}");
        Require(Enum.IsDefined(Layout), $"layout must be split, collapsed or auto, got {Layout}");
        Require(BurstSize is >= 1 and <= 256, $"burst-size must be 1..256, got {BurstSize}");
        Require(CoalesceMicroseconds is >= 0 and <= 1000, $"coalesce-microseconds must be 0..1000, got {CoalesceMicroseconds}");
        Require(CoalesceBatch is >= 2 and <= 256, $"coalesce-batch must be 2..256, got {CoalesceBatch}");
        Require(LingerMilliseconds is >= 0 and <= 60000, $"linger-milliseconds must be 0..60000, got {LingerMilliseconds}");
        Require(PowerOfTwo(RingSize) && RingSize >= 2 * BurstSize, $"ring-size must be a power of two ≥ 2 × burst-size, got {RingSize}");
        Require(PowerOfTwo(PuntRingSize), $"punt ring-size must be a power of two, got {PuntRingSize}");
        Require(PuntPolicy?.WhyInvalid(PuntRingSize) is null, PuntPolicy?.WhyInvalid(PuntRingSize) ?? "");
        Require(PowerOfTwo(InjectRingSize), $"inject ring-size must be a power of two, got {InjectRingSize}");
        Require(PowerOfTwo(RecycleRingSize) && RecycleRingSize >= BurstSize, $"recycle ring-size must be a power of two ≥ burst-size, got {RecycleRingSize}");
        Require(MaxInterfaces is >= 1 and <= 4096, $"max interfaces must be 1..4096, got {MaxInterfaces}");
        Require(EgressQueueLimit >= 1, $"egress queue limit must be ≥ 1, got {EgressQueueLimit}");
        // A frame received untagged may leave on a subinterface: its rewrite pushes a 4-byte 802.1Q tag in front.
        Require(Headroom >= 4 && Headroom < BufferSize, $"GPM headroom must be at least 4 bytes (room for an 802.1Q tag) and below the buffer size, got {Headroom}");
        Require(PpeOrderWait > TimeSpan.Zero, $"PPE order wait must be positive, got {PpeOrderWait}");
        Require(BufferCount >= 4 * RingSize, $"GPM buffer count ({BufferCount}) must be at least 4 × ring-size ({RingSize})");
    }
}

/// <summary>
/// How the data-plane stages (Rx, the PPE graph, HQF, TX) are laid out on threads.
/// </summary>
public enum DataPlaneLayout
{
    /// <summary>Resolved from the cores the process may use: see <see cref="Threads.LayoutPlanner"/>.</summary>
    Auto,
    /// <summary>The reference design: an Rx thread, PPE threads and an HQF thread joined by SPSC rings.</summary>
    Split,
    /// <summary>One worker per core running Rx → PPE graph → HQF → TX to completion per burst (VPP's workers).</summary>
    Collapsed,
}
