namespace ActorRouter.DataPlane.Forwarding;

/// <summary>What the PPE does with a packet whose route resolves to an adjacency.</summary>
public enum AdjacencyKind : byte
{
    /// <summary>Unused slot: treated as no route.</summary>
    None = 0,
    /// <summary>Next-hop MAC known: rewrite and send.</summary>
    Resolved,
    /// <summary>Connected subnet, host not yet resolved: punt a glean for the packet's destination.</summary>
    Glean,
    /// <summary>Gateway known but its MAC not yet: punt a glean for the adjacency's next-hop address.</summary>
    Incomplete,
    /// <summary>One of the router's own addresses (or a subnet broadcast): punt to the control plane.</summary>
    Receive,
    /// <summary>Explicit discard route.</summary>
    Drop,
}

/// <summary>A next hop as the PPE needs it: where to send and which MAC to write.</summary>
public readonly record struct Adjacency(AdjacencyKind Kind, ushort Interface, ulong Mac, uint NextHopAddress)
{
    public static Adjacency Receive => new(AdjacencyKind.Receive, 0, 0, 0);
}
