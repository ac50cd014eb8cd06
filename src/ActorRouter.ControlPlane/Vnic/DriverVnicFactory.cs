using ActorRouter.ControlPlane.Configuration;
using ActorRouter.DataPlane.Vnic;

namespace ActorRouter.ControlPlane.Vnic;

/// <summary>
/// Chooses the driver by the interface's <c>driver</c> key. AF_PACKET interfaces fail to open
/// until an AF_PACKET factory is supplied.
/// </summary>
public sealed class DriverVnicFactory(MemoryVnicFactory memory, IVnicFactory? afPacket = null) : IVnicFactory
{
    public const string AfPacketUnavailable = "af-packet driver not available yet";

    public MemoryVnicFactory Memory { get; } = memory;

    public IVnicPort Open(InterfaceConfig config) => config.Driver switch
    {
        InterfaceDriver.Memory => Memory.Open(config),
        InterfaceDriver.AfPacket when afPacket is not null => afPacket.Open(config),
        InterfaceDriver.AfPacket => throw new VnicOpenException($"{config.OsName}: {AfPacketUnavailable}"),
        _ => throw new VnicOpenException($"{config.OsName}: unknown driver {config.Driver}"),
    };

    public void Close(string osName)
    {
        Memory.Close(osName);
        afPacket?.Close(osName);
    }
}
