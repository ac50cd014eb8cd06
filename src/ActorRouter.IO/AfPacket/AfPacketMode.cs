namespace ActorRouter.IO.AfPacket;

/// <summary>How the RX ring hands frames to user space; TX is the same in both.</summary>
public enum AfPacketMode
{
    /// <summary>TPACKET_V2: poll() wakes for every frame. Lowest latency, one wake-up per frame when idle-ish.</summary>
    Latency = 0,

    /// <summary>TPACKET_V3: poll() wakes once per filled block or after 1 ms. Best batching under load.</summary>
    Throughput = 1,
}
