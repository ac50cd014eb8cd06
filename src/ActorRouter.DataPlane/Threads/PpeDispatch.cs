using ActorRouter.DataPlane.Rings;

namespace ActorRouter.DataPlane.Threads;

/// <summary>
/// Split layout: the dispatcher's record of which PPE each burst went to, and which PPEs it must pass
/// over. The dispatcher (Rx) writes a burst's PPE into <see cref="Order"/> after handing the burst to that
/// PPE; the HQF takes processed bursts in exactly that order, so arrival order (and per-flow order) holds
/// whichever PPEs the dispatcher chose. That freedom is what lets traffic go on while a PPE is down or
/// hung: the dispatcher skips a PPE that is <see cref="IsDown"/> (its thread died or was fenced, until its
/// restart) or lagging (the HQF gave up waiting for it), and the HQF skips, and later drops as
/// <see cref="Counters.DropReason.PpeStalled"/>, the bursts such a PPE did not finish in time: what is
/// delivered is still in order, what is not is counted.
/// </summary>
public sealed class PpeDispatch : IDisposable
{
    // One int per PPE on its own cache line: written rarely, read by the dispatcher once per burst.
    private const int Stride = 16;
    private readonly int[] _down;
    private readonly int[] _lagging;

    public PpeDispatch(int ppeCount, int burstRingSize)
    {
        PpeCount = ppeCount;
        // Every burst between its dispatch and the HQF taking it: queued to the PPE, in the PPE's hand, or
        // waiting in its B4Q burst ring. The dispatcher also stops when this ring is full.
        Order = new SpscRing((int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(ppeCount * (2 * burstRingSize + 2))));
        _down = new int[ppeCount * Stride];
        _lagging = new int[ppeCount * Stride];
    }

    public int PpeCount { get; }

    /// <summary>Rx → HQF: the PPE index of each dispatched burst, in dispatch order.</summary>
    public SpscRing Order { get; }

    /// <summary>The PPE's thread died or was fenced and has not been restarted yet.</summary>
    public bool IsDown(int ppe) => Volatile.Read(ref _down[ppe * Stride]) != 0;

    /// <summary>The HQF stopped waiting for this PPE: it has bursts the HQF skipped and will drop when they come.</summary>
    public bool IsLagging(int ppe) => Volatile.Read(ref _lagging[ppe * Stride]) != 0;

    /// <summary>The dispatcher may give this PPE a burst.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public bool Accepts(int ppe) => (Volatile.Read(ref _down[ppe * Stride]) | Volatile.Read(ref _lagging[ppe * Stride])) == 0;

    internal void SetDown(int ppe, bool down) => Volatile.Write(ref _down[ppe * Stride], down ? 1 : 0);

    /// <summary>Written by the HQF thread only.</summary>
    internal void SetLagging(int ppe, bool lagging) => Volatile.Write(ref _lagging[ppe * Stride], lagging ? 1 : 0);

    public void Dispose() => Order.Dispose();
}
