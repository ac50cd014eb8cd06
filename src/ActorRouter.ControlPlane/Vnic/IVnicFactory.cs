using ActorRouter.ControlPlane.Configuration;
using ActorRouter.DataPlane.Vnic;

namespace ActorRouter.ControlPlane.Vnic;

/// <summary>A vNIC driver could not open (or find) a port.</summary>
public sealed class VnicOpenException(string message) : Exception(message);

/// <summary>
/// The I/O layer's driver entry point: opens the port for an interface (step 6 of the handshake)
/// and closes it on rollback or removal. Injected so tests and other drivers can stand in.
/// </summary>
public interface IVnicFactory
{
    /// <summary>Opens the port for <paramref name="config"/>; throws <see cref="VnicOpenException"/> when it cannot.</summary>
    IVnicPort Open(InterfaceConfig config);

    /// <summary>
    /// Opens the port for <paramref name="config"/> over the data plane's packet memory: a zero-copy
    /// driver (af-xdp) registers <paramref name="gpm"/> with the kernel; the others ignore it.
    /// </summary>
    IVnicPort Open(InterfaceConfig config, DataPlane.Memory.PacketMemory gpm) => Open(config);

    /// <summary>Closes the port opened for <paramref name="osName"/>, if any.</summary>
    void Close(string osName);
}
