using System.Collections.Immutable;
using ActorRouter.ControlPlane.Configuration;

namespace ActorRouter.ControlPlane.Fman;

/// <summary>An interface FMAN has brought up: its configuration as changed since, and its uIDB.</summary>
/// <param name="Order">Discovery order, which the running configuration keeps.</param>
public sealed record FmanInterface(InterfaceConfig Config, int Index, int Order);

/// <summary>What FMAN knows beyond the data plane's uIDB table: the desired configuration and the ARP neighbors.</summary>
public sealed partial record FmanState(
    ImmutableDictionary<string, FmanInterface> Interfaces,
    ImmutableList<StaticRouteConfig> StaticRoutes,
    ImmutableDictionary<(int Interface, uint Address), ulong> Neighbors)
{
    public static FmanState Initial(RouterConfig config) => new(
        ImmutableDictionary.Create<string, FmanInterface>(StringComparer.OrdinalIgnoreCase),
        config.StaticRoutes.ToImmutableList(),
        ImmutableDictionary<(int, uint), ulong>.Empty)
    {
        Qos = config.Qos,
        StaticArp = config.Arp.Static.ToImmutableList(),
        Ipv6 = config.Ipv6,
    };

    /// <summary>Interfaces whose link the platform reports down; enabled in the data plane only when absent here and not shut down.</summary>
    public ImmutableHashSet<string> LinkDown { get; init; } = ImmutableHashSet.Create<string>(StringComparer.OrdinalIgnoreCase);
}

/// <summary>
/// Keeps FMAN's state outside the actor so that a restarted FMAN resyncs from it and from the data
/// plane instead of starting empty: the supervisor creates it once and hands it to every FMAN
/// incarnation. Written only by FMAN; one reference swap per change.
/// </summary>
public sealed class FmanStateStore(RouterConfig config)
{
    private volatile FmanState _state = FmanState.Initial(config);

    public FmanState State
    {
        get => _state;
        set => _state = value;
    }
}

/// <summary>FMAN's QoS configuration: class maps and policy maps as changed since start.</summary>
public sealed partial record FmanState
{
    public QosConfig Qos { get; init; } = QosConfig.Empty;
}

/// <summary>FMAN's static ARP entries (<c>arp ADDRESS MAC</c>) as changed since start: part of the running configuration.</summary>
public sealed partial record FmanState
{
    public ImmutableList<StaticArpEntry> StaticArp { get; init; } = ImmutableList<StaticArpEntry>.Empty;
}

/// <summary>FMAN's IPv6 static routes and static neighbours as changed since start: part of the running configuration.</summary>
public sealed partial record FmanState
{
    public Ipv6Config Ipv6 { get; init; } = Ipv6Config.Default;
}
