using ActorRouter.DataPlane.Vnic;

namespace ActorRouter.DataPlane.Interfaces;

/// <summary>
/// A micro interface descriptor block: the data plane's view of one interface. Immutable; a change
/// makes a new <see cref="UidbTable"/> that is published with one reference swap.
/// </summary>
public sealed record Uidb(
    int Index,
    string Name,
    string OsName,
    int Mtu,
    ulong Mac,
    bool AdminUp,
    uint Ipv4Address,
    int Ipv4PrefixLength,
    IVnicPort? Port)
{
    /// <summary>Highest 802.1Q VLAN id a subinterface can use (4095 is reserved).</summary>
    public const ushort MaxVlan = 4094;

    /// <summary>The physical interface an 802.1Q subinterface belongs to; -1 for a physical interface.</summary>
    public int ParentIndex { get; init; } = -1;

    /// <summary>The subinterface's 802.1Q VLAN id (1..4094); 0 for a physical interface.</summary>
    public ushort Vlan { get; init; }

    /// <summary>The interface's configured IPv6 addresses (global or unique-local), in configuration order.</summary>
    public IReadOnlyList<Forwarding.Ipv6InterfaceAddress> Ipv6Addresses { get; init; } = [];

    /// <summary>The link-local address every IPv6 interface has: fe80::/64 with the modified EUI-64 of the MAC (RFC 4291 §2.5.1).</summary>
    public UInt128 Ipv6LinkLocal => Forwarding.Ipv6InterfaceAddress.LinkLocalFromMac(Mac);

    public bool IsSubinterface => ParentIndex >= 0;

    /// <summary>
    /// A tunnel interface (<c>Tunnel1</c>): no port and no MAC; what is routed into it is encrypted and
    /// sent on by esp4-encrypt, what its inbound SA decrypts is received on it. Up while admin up.
    /// </summary>
    public bool IsTunnel { get; init; }

    /// <summary>
    /// Registered with the I/O layer (a vNIC port is open for it). A subinterface shares its parent's
    /// port; the table's <see cref="UidbTable.Ports"/> gives it the parent's.
    /// </summary>
    public bool Registered => Port is not null;

    public uint Ipv4Mask => Ipv4PrefixLength == 0 ? 0u : uint.MaxValue << (32 - Ipv4PrefixLength);

    /// <summary>The subnet's directed-broadcast address, or 0 when none (no address, /31, /32).</summary>
    public uint Ipv4Broadcast => Ipv4Address == 0 || Ipv4PrefixLength >= 31 ? 0u : Ipv4Address | ~Ipv4Mask;
}

/// <summary>
/// Snapshot of all uIDBs, with the fields the per-packet path reads laid out as flat arrays indexed
/// by uIDB index so a PPE touches no object per packet.
/// </summary>
public sealed class UidbTable
{
    private readonly Uidb?[] _byIndex;

    public UidbTable(Uidb?[] byIndex, long generation, int maxInterfaces)
    {
        MaxInterfaces = maxInterfaces;
        _byIndex = new Uidb?[maxInterfaces];
        Array.Copy(byIndex, _byIndex, Math.Min(byIndex.Length, maxInterfaces));
        Generation = generation;
        Macs = new ulong[maxInterfaces];
        Mtus = new int[maxInterfaces];
        Up = new bool[maxInterfaces];
        Addresses = new uint[maxInterfaces];
        Ports = new IVnicPort?[maxInterfaces];
        Vlans = new ushort[maxInterfaces];
        Ipv6Sources = new UInt128[maxInterfaces];
        SubinterfacesByVlan = new ushort[]?[maxInterfaces];
        var active = new List<int>();
        for (var i = 0; i < maxInterfaces; i++)
        {
            var u = _byIndex[i];
            if (u is null || u.IsSubinterface)
            {
                continue;
            }
            Macs[i] = u.Mac;
            Mtus[i] = u.Mtu;
            Up[i] = u.AdminUp && (u.Registered || u.IsTunnel);
            Addresses[i] = u.Ipv4Address;
            Ipv6Sources[i] = u.Ipv6Addresses.Count > 0 ? u.Ipv6Addresses[0].Address : UInt128.Zero;
            Ports[i] = u.Port;
            if (u.Registered)
            {
                active.Add(i);
            }
        }
        // Subinterfaces after their parents: they take the parent's port and MAC, and are up only
        // while they and their parent are.
        for (var i = 0; i < maxInterfaces; i++)
        {
            var u = _byIndex[i];
            if (u is null || !u.IsSubinterface || (uint)u.ParentIndex >= (uint)maxInterfaces || _byIndex[u.ParentIndex] is not { } parent)
            {
                continue;
            }
            Macs[i] = parent.Mac;
            Mtus[i] = u.Mtu;
            Up[i] = u.AdminUp && Up[u.ParentIndex];
            Addresses[i] = u.Ipv4Address;
            Ipv6Sources[i] = u.Ipv6Addresses.Count > 0 ? u.Ipv6Addresses[0].Address : UInt128.Zero;
            Ports[i] = parent.Port;
            Vlans[i] = u.Vlan;
            var byVlan = SubinterfacesByVlan[u.ParentIndex] ??= new ushort[Uidb.MaxVlan + 2];
            byVlan[u.Vlan] = (ushort)(i + 1);
        }
        RegisteredIndices = active.ToArray();
    }

    public int MaxInterfaces { get; }
    public long Generation { get; }

    /// <summary>Per index: MAC (0 when no interface).</summary>
    public ulong[] Macs { get; }
    /// <summary>Per index: IP MTU.</summary>
    public int[] Mtus { get; }
    /// <summary>Per index: administratively up and registered with a port.</summary>
    public bool[] Up { get; }
    /// <summary>Per index: primary IPv4 address (0 when none).</summary>
    public uint[] Addresses { get; }

    /// <summary>Per interface: the IPv6 address ICMPv6 errors leaving by it come from (its first configured address), or 0.</summary>
    public UInt128[] Ipv6Sources { get; }
    /// <summary>Per index: the vNIC port, once registered (a subinterface's is its parent's).</summary>
    public IVnicPort?[] Ports { get; }
    /// <summary>Per index: the 802.1Q VLAN id frames leaving it are tagged with (0: untagged, a physical interface).</summary>
    public ushort[] Vlans { get; }
    /// <summary>
    /// Per physical index: VLAN id → subinterface index + 1 (0: no such subinterface); null for an
    /// interface without subinterfaces. Flat arrays, so the VLAN demultiplexing is two loads per frame.
    /// </summary>
    public ushort[]?[] SubinterfacesByVlan { get; }

    /// <summary>The subinterface of physical interface <paramref name="physicalIndex"/> for <paramref name="vlan"/>, or -1.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public int FindSubinterface(int physicalIndex, int vlan)
    {
        var byVlan = SubinterfacesByVlan[physicalIndex];
        return byVlan is null ? -1 : byVlan[vlan & 0xFFF] - 1;
    }
    /// <summary>Physical indices with a registered port (what the Rx thread polls).</summary>
    public int[] RegisteredIndices { get; }

    public Uidb? this[int index] => (uint)index < (uint)_byIndex.Length ? _byIndex[index] : null;

    public IEnumerable<Uidb> All
    {
        get
        {
            foreach (var u in _byIndex)
            {
                if (u is not null)
                {
                    yield return u;
                }
            }
        }
    }

    public Uidb? FindByName(string name)
    {
        foreach (var u in _byIndex)
        {
            if (u is not null && string.Equals(u.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return u;
            }
        }
        return null;
    }

    internal Uidb?[] CopyEntries() => (Uidb?[])_byIndex.Clone();
}
