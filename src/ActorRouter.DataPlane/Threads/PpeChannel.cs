using ActorRouter.DataPlane.Rings;

namespace ActorRouter.DataPlane.Threads;

/// <summary>
/// The rings between the dispatcher, one PPE and the HQF. Packets and burst lengths travel in
/// separate rings: the dispatcher records how many packets each burst it assigns has, the PPE
/// records how many packets each processed burst became, and the HQF takes whole bursts from the
/// PPEs in the order the dispatcher assigned them — which is how arrival order (and so per-flow
/// order) survives whatever PPE handled a packet.
/// </summary>
public sealed class PpeChannel : IDisposable
{
    public PpeChannel(int packetRingSize, int burstRingSize, int outputRingSize)
    {
        InPackets = new SpscRing(packetRingSize);
        InBursts = new SpscRing(burstRingSize);
        OutPackets = new SpscRing(outputRingSize);
        OutBursts = new SpscRing(burstRingSize);
    }

    /// <summary>Dispatcher → PPE: buffer indices.</summary>
    public SpscRing InPackets { get; }
    /// <summary>Dispatcher → PPE: length of each assigned burst, with <see cref="RecycledBurstFlag"/> for a burst from the recycle ring.</summary>
    public SpscRing InBursts { get; }

    /// <summary>Set in an <see cref="InBursts"/> record: the burst's packets come from the recycle ring (each enters the graph where its recycler said).</summary>
    public const uint RecycledBurstFlag = 0x8000_0000;
    /// <summary>PPE → HQF (the B4Q gather ring): buffers to transmit.</summary>
    public SpscRing OutPackets { get; }
    /// <summary>PPE → HQF: how many output buffers each input burst became.</summary>
    public SpscRing OutBursts { get; }

    public void Dispose()
    {
        InPackets.Dispose();
        InBursts.Dispose();
        OutPackets.Dispose();
        OutBursts.Dispose();
    }
}
