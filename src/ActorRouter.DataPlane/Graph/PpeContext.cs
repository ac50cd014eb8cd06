using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Forwarding;
using ActorRouter.DataPlane.Interfaces;
using ActorRouter.DataPlane.Memory;
using ActorRouter.DataPlane.Qos;
using ActorRouter.Packets;

namespace ActorRouter.DataPlane.Graph;

/// <summary>
/// What the nodes of one PPE's graph share: GPM, the thread's buffer cache and counters, and the
/// snapshots (forwarding tables, uIDBs, service policies) current for the burst being processed.
/// One instance per PPE thread.
/// </summary>
public sealed unsafe class PpeContext
{
    public const int EthernetHeaderLength = 14;
    public const int VlanTagLength = 4;

    internal PpeContext(PacketMemory gpm, GpmCache cache, ThreadCounters counters)
    {
        Gpm = gpm;
        Cache = cache;
        Counters = counters;
    }

    public PacketMemory Gpm { get; }
    public GpmCache Cache { get; }
    public ThreadCounters Counters { get; }

    /// <summary>The multicast forwarding entries and whether multicast routing is on (read once per burst by the nodes that need them).</summary>
    public Multicast.MulticastDatabase Multicast { get; internal set; } = new();

    /// <summary>The forwarding snapshot of the current burst.</summary>
    public ForwardingTables Tables { get; internal set; } = null!;

    /// <summary>The uIDB snapshot of the current burst.</summary>
    public UidbTable Interfaces { get; internal set; } = null!;

    /// <summary>Per egress interface: its output service policy, or null; null when no interface has one.</summary>
    public CompiledPolicy?[]? Policies { get; internal set; }

    /// <summary>
    /// Writes an Ethernet header at <paramref name="p"/> for an IPv4 packet leaving by an interface
    /// tagged with <paramref name="vlan"/> (0: untagged; otherwise an 802.1Q tag, PCP 0, is pushed)
    /// and returns its length (14 or 18).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WriteEthernet(byte* p, ulong destination, ulong source, ushort vlan)
        => WriteEthernet(p, destination, source, vlan, EtherTypes.Ipv4);

    /// <summary>As <see cref="WriteEthernet(byte*, ulong, ulong, ushort)"/> for a payload of <paramref name="etherType"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int WriteEthernet(byte* p, ulong destination, ulong source, ushort vlan, ushort etherType)
    {
        BinaryPrimitives.WriteUInt32BigEndian(new Span<byte>(p, 4), (uint)(destination >> 16));
        BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(p + 4, 2), (ushort)destination);
        BinaryPrimitives.WriteUInt32BigEndian(new Span<byte>(p + 6, 4), (uint)(source >> 16));
        BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(p + 10, 2), (ushort)source);
        if (vlan == 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(p + 12, 2), etherType);
            return EthernetHeaderLength;
        }
        BinaryPrimitives.WriteUInt32BigEndian(new Span<byte>(p + 12, 4), ((uint)EtherTypes.Vlan << 16) | vlan);
        BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(p + 16, 2), etherType);
        return EthernetHeaderLength + VlanTagLength;
    }

    /// <summary>Length of the Ethernet header <see cref="WriteEthernet"/> writes for <paramref name="vlan"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int EthernetLength(ushort vlan) => vlan == 0 ? EthernetHeaderLength : EthernetHeaderLength + VlanTagLength;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong ReadMac(byte* p)
        => ((ulong)BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(p, 4)) << 16) | BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(p + 4, 2));
}
