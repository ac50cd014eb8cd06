namespace ActorRouter.DataPlane.Fib;

/// <summary>One IPv4 route: a masked prefix in host order (0x0A000000 = 10.0.0.0), its length and the next-hop id.</summary>
public readonly record struct Ipv4Route(uint Prefix, int Length, uint NextHopId)
{
    /// <summary>The largest next-hop id a FIB entry can hold (24 bits); id 0 is reserved for "no route".</summary>
    public const uint MaxNextHopId = 0xFFFFFF;

    /// <summary>The network mask of <paramref name="length"/> in host order; 0 for /0.</summary>
    public static uint Mask(int length) => length == 0 ? 0u : uint.MaxValue << (32 - length);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first rule the route breaks.</summary>
    public static void Validate(uint prefix, int length, uint nextHopId)
    {
        if ((uint)length > 32)
        {
            throw new ArgumentException($"Prefix length {length} is out of range; it must be 0..32.", nameof(length));
        }
        if ((prefix & ~Mask(length)) != 0)
        {
            throw new ArgumentException(
                $"Prefix {Format(prefix)}/{length} has host bits set; the masked prefix is {Format(prefix & Mask(length))}/{length}.",
                nameof(prefix));
        }
        if (nextHopId is 0 or > MaxNextHopId)
        {
            throw new ArgumentException(
                $"Next-hop id {nextHopId} for {Format(prefix)}/{length} is out of range; it must be 1..{MaxNextHopId} (0 means no route).",
                nameof(nextHopId));
        }
    }

    /// <summary>Dotted-quad text of a host-order address.</summary>
    public static string Format(uint address) =>
        $"{address >> 24}.{(address >> 16) & 0xFF}.{(address >> 8) & 0xFF}.{address & 0xFF}";

    public override string ToString() => $"{Format(Prefix)}/{Length} -> {NextHopId}";
}
