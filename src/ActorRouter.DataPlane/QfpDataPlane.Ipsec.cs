using ActorRouter.DataPlane.Interfaces;
using ActorRouter.DataPlane.Ipsec;

namespace ActorRouter.DataPlane;

/// <summary>One manually keyed AES-GCM SA as configured: SPI, key (16 or 32 bytes) and salt.</summary>
public sealed record SaKeying(uint Spi, byte[] Key, uint Salt)
{
    public bool SameAs(SecurityAssociation sa) => sa.Spi == Spi && sa.Salt == Salt && sa.KeyLength == Key.Length && sa.KeyMatches(Key);
}

/// <summary>A route-based IPsec tunnel as configured: its tunnel interface, outer addresses, and the SAs each way.</summary>
public sealed record IpsecTunnelSpec(string InterfaceName, uint Source, uint Destination, SaKeying Outbound, SaKeying Inbound);

public sealed partial class QfpDataPlane
{
    /// <summary>
    /// Creates the uIDB of a tunnel interface: no port, no MAC; up while admin up. What routes send into
    /// it is encrypted by the tunnel published for it with <see cref="PublishIpsecTunnels"/> (none: dropped as interface down).
    /// </summary>
    public Uidb CreateTunnelUidb(string name, int mtu)
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
            var uidb = new Uidb(index, name, "", mtu, 0, AdminUp: false, 0, 0, Port: null) { IsTunnel = true };
            entries[index] = uidb;
            PublishInterfaces(entries);
            return uidb;
        }
    }

    /// <summary>
    /// Makes the IPsec tunnels these: each names its tunnel interface (a tunnel uIDB). An SA whose SPI,
    /// key and salt are unchanged is kept with its state (sequence number, anti-replay window,
    /// counters); a changed or removed one is replaced and its key zeroed once no PPE can be using it.
    /// </summary>
    /// <exception cref="DataPlaneCommandException">A tunnel names no tunnel interface, or two share an inbound SPI.</exception>
    public IpsecTables PublishIpsecTunnels(IReadOnlyList<IpsecTunnelSpec> specs)
    {
        lock (_commandLock)
        {
            var current = Ipsec.Current;
            var tunnels = new List<IpsecTunnel>(specs.Count);
            var spis = new HashSet<uint>();
            foreach (var spec in specs)
            {
                var uidb = _interfaces.FindByName(spec.InterfaceName);
                if (uidb is null || !uidb.IsTunnel)
                {
                    throw new DataPlaneCommandException($"{spec.InterfaceName} is not a tunnel interface");
                }
                if (!spis.Add(spec.Inbound.Spi))
                {
                    throw new DataPlaneCommandException($"inbound SPI {spec.Inbound.Spi} is used by two tunnels");
                }
                var previous = current.ByInterface.Length > uidb.Index ? current.ByInterface[uidb.Index] : null;
                var outbound = previous is not null && spec.Outbound.SameAs(previous.Outbound)
                    ? previous.Outbound
                    : new SecurityAssociation(spec.Outbound.Spi, SaDirection.Outbound, spec.Outbound.Key, spec.Outbound.Salt, GraphThreadCount,
                        (ulong)Random.Shared.NextInt64(), Options.AesGcm);
                var inbound = previous is not null && spec.Inbound.SameAs(previous.Inbound)
                    ? previous.Inbound
                    : new SecurityAssociation(spec.Inbound.Spi, SaDirection.Inbound, spec.Inbound.Key, spec.Inbound.Salt, GraphThreadCount, engine: Options.AesGcm);
                tunnels.Add(new IpsecTunnel(uidb.Index, uidb.Name, spec.Source, spec.Destination, outbound, inbound));
            }
            var tables = new IpsecTables(tunnels, Options.MaxInterfaces);
            Ipsec.Publish(tables);
            return tables;
        }
    }
}
