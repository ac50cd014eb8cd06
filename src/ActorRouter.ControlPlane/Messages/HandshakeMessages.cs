using ActorRouter.ControlPlane.Configuration;

namespace ActorRouter.ControlPlane.Messages;

// The device-initialization handshake, one record per step, in the order they flow:
// Platform → FMAN → QFP client → data plane and back. Each interface runs it on its own; a
// failure at any step comes back as InterfaceInitFailed and affects that interface only.

/// <summary>Asks the platform to discover the configured interfaces and start the handshake for each.</summary>
public sealed record DiscoverInterfaces
{
    public static readonly DiscoverInterfaces Instance = new();
}

/// <summary>Platform → FMAN: an OS interface was found and mapped to its router name (os-name, name, state, MTU, ring size, MAC in <paramref name="Interface"/>).</summary>
public sealed record InterfaceDiscovered(InterfaceConfig Interface);

/// <summary>FMAN → QFP client: create the data plane's uIDB for an interface.</summary>
/// <param name="Mac">The configured MAC, or 0 to take the driver's when the port is registered.</param>
public sealed record CreateUidb(string Name, string OsName, int Mtu, ulong Mac);

/// <summary>QFP client → FMAN: the uIDB exists at <paramref name="Index"/>.</summary>
public sealed record UidbCreated(string Name, int Index);

/// <summary>FMAN → QFP client: bind the uIDB at <paramref name="Index"/> to the interface name.</summary>
public sealed record BindUidb(string Name, int Index);

/// <summary>QFP client → FMAN: the uIDB at <paramref name="Index"/> is bound to <paramref name="Name"/>.</summary>
public sealed record UidbBound(string Name, int Index);

/// <summary>FMAN → QFP client: open the vNIC, register it with the I/O layer, apply admin state and address.</summary>
public sealed record RegisterInterface(string Name, int Index, InterfaceConfig Interface);

/// <summary>
/// FMAN → QFP client, in place of <see cref="CreateUidb"/> for an 802.1Q subinterface, once its parent is
/// registered: the subinterface's uIDB shares the parent's port and MAC. Answered with <see cref="UidbCreated"/>.
/// </summary>
public sealed record CreateSubinterfaceUidb(string Name, int ParentIndex, ushort Vlan, int Mtu);

/// <summary>
/// FMAN → QFP client, in place of <see cref="RegisterInterface"/> for a subinterface (it has no port of its
/// own to register): apply admin state and address. Answered with <see cref="InterfaceReady"/>.
/// </summary>
public sealed record ConfigureSubinterface(string Name, int Index, InterfaceConfig Interface);

/// <summary>QFP client → FMAN: the interface is registered and configured in the data plane.</summary>
public sealed record InterfaceReady(string Name, int Index);

/// <summary>FMAN → platform and the event stream: the handshake for the interface is complete.</summary>
public sealed record InterfaceUp(string Name, string OsName, int Index);

/// <summary>FMAN → QFP client: remove a uIDB (rollback of a failed handshake); the port is closed.</summary>
public sealed record DeleteUidb(string Name, int Index);

/// <summary>QFP client → FMAN: the uIDB is gone.</summary>
public sealed record UidbDeleted(string Name, int Index);

/// <summary>The handshake steps, named for where a failure is reported.</summary>
public enum HandshakeStep
{
    Discover,
    CreateUidb,
    BindUidb,
    OpenPort,
    RegisterPort,
    Configure,
}

/// <summary>
/// A step of an interface's handshake failed. Sent by the QFP client to FMAN; FMAN rolls back
/// (no uIDB remains) and then forwards it to the platform and the event stream.
/// </summary>
public sealed record InterfaceInitFailed(string Name, HandshakeStep Step, string Reason);

/// <summary>FMAN → QFP client: create the uIDB of a tunnel interface (no port); answered with <see cref="UidbCreated"/>.</summary>
public sealed record CreateTunnelUidb(string Name, int Mtu);

/// <summary>
/// FMAN → QFP client: apply a tunnel interface's state and address and make its SAs the data plane's (or change them);
/// answered with <see cref="InterfaceReady"/>, or <see cref="InterfaceInitFailed"/> at the Configure step.
/// </summary>
public sealed record ConfigureTunnel(string Name, int Index, InterfaceConfig Interface);
