using ActorRouter.Control.Contracts.Rules;

namespace ActorRouter.ControlPlane.Configuration;

// An 802.1Q subinterface (GigabitEthernet1.100) is an InterfaceConfig with a VLAN: it has its own
// address, MTU, shutdown and output policy, and shares its parent's port, MAC, driver and os-name.
public sealed partial record InterfaceConfig
{
    /// <summary>The 802.1Q VLAN of a subinterface (1..4094); 0 for a physical interface.</summary>
    public int Vlan { get; init; }

    public bool IsSubinterface => Vlan != 0;

    /// <summary>The parent's name for a subinterface (GigabitEthernet1 for GigabitEthernet1.100); null for a physical interface.</summary>
    public string? ParentName => IsSubinterface && InterfaceRules.IsSubinterfaceName(Name, out var parent) ? parent : null;

    /// <summary>A subinterface of <paramref name="parent"/>: what it shares comes from the parent, the rest starts as defaults.</summary>
    public static InterfaceConfig Subinterface(InterfaceConfig parent, string name, int vlan) =>
        new(parent.OsName, name, parent.Driver, Ipv4: null, parent.Mtu, parent.RingSize, Mac: null, Shutdown: false) { Vlan = vlan };
}
