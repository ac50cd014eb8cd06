namespace ActorRouter.DataPlane.Ipsec;

/// <summary>
/// A route-based IPsec tunnel as the data plane runs it: the tunnel interface (uIDB index), the outer
/// addresses (source: the router's; destination: the peer's), and its pair of SAs. Tunnel mode, ESP
/// with AES-GCM, manually keyed.
/// </summary>
public sealed record IpsecTunnel(int InterfaceIndex, string Name, uint Source, uint Destination, SecurityAssociation Outbound, SecurityAssociation Inbound);

/// <summary>
/// The IPsec snapshot the PPEs read for a burst: tunnels by interface index (outbound) and by inbound
/// SPI. Immutable; a change publishes a new one with one reference swap.
/// </summary>
public sealed class IpsecTables
{
    public static readonly IpsecTables Empty = new([], 1);

    public IpsecTables(IReadOnlyList<IpsecTunnel> tunnels, int maxInterfaces)
    {
        Tunnels = tunnels;
        ByInterface = new IpsecTunnel?[maxInterfaces];
        BySpi = new Dictionary<uint, IpsecTunnel>(tunnels.Count);
        foreach (var tunnel in tunnels)
        {
            if ((uint)tunnel.InterfaceIndex >= (uint)maxInterfaces)
            {
                throw new ArgumentException($"tunnel {tunnel.Name}: interface index {tunnel.InterfaceIndex} beyond {maxInterfaces}");
            }
            if (!BySpi.TryAdd(tunnel.Inbound.Spi, tunnel))
            {
                throw new ArgumentException($"tunnel {tunnel.Name}: inbound SPI {tunnel.Inbound.Spi} is already another tunnel's");
            }
            ByInterface[tunnel.InterfaceIndex] = tunnel;
        }
    }

    public IReadOnlyList<IpsecTunnel> Tunnels { get; }

    /// <summary>Per uIDB index: the tunnel whose interface it is, or null.</summary>
    public IpsecTunnel?[] ByInterface { get; }

    /// <summary>Inbound SPI → tunnel (looked up without allocating).</summary>
    public Dictionary<uint, IpsecTunnel> BySpi { get; }
}

/// <summary>
/// Holds the IPsec snapshot in force (the PPE nodes read <see cref="Current"/> once per burst) and the
/// SAs it replaced, disposed (keys zeroed) only once no PPE can still be in a burst that read them.
/// </summary>
public sealed class IpsecDatabase : IDisposable
{
    private volatile IpsecTables _current = IpsecTables.Empty;
    private readonly List<(long RetiredAt, SecurityAssociation Sa)> _retired = new();
    private readonly object _lock = new();

    public IpsecTables Current => _current;

    /// <summary>Publishes <paramref name="tables"/>; SAs no longer in it are disposed a second later (a burst takes microseconds).</summary>
    public void Publish(IpsecTables tables)
    {
        lock (_lock)
        {
            var old = _current;
            _current = tables;
            var kept = new HashSet<SecurityAssociation>(ReferenceEqualityComparer.Instance);
            foreach (var t in tables.Tunnels)
            {
                kept.Add(t.Outbound);
                kept.Add(t.Inbound);
            }
            var now = Environment.TickCount64;
            foreach (var t in old.Tunnels)
            {
                foreach (var sa in new[] { t.Outbound, t.Inbound })
                {
                    if (!kept.Contains(sa))
                    {
                        _retired.Add((now, sa));
                    }
                }
            }
            _retired.RemoveAll(r =>
            {
                if (now - r.RetiredAt < 1000)
                {
                    return false;
                }
                r.Sa.Dispose();
                return true;
            });
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var (_, sa) in _retired)
            {
                sa.Dispose();
            }
            _retired.Clear();
            foreach (var t in _current.Tunnels)
            {
                t.Outbound.Dispose();
                t.Inbound.Dispose();
            }
            _current = IpsecTables.Empty;
        }
    }
}
