using ActorRouter.ControlPlane.Configuration;
using ActorRouter.DataPlane.Memory;
using ActorRouter.DataPlane.Vnic;

namespace ActorRouter.ControlPlane.Vnic;

/// <summary>
/// Chooses the driver by the interface's <c>driver</c> key. AF_PACKET and AF_XDP interfaces fail to
/// open until a factory for them is supplied. <c>auto</c> tries af-xdp, then af-packet: the af-xdp
/// reason is kept in the error when both fail.
/// </summary>
public sealed class DriverVnicFactory(MemoryVnicFactory memory, IVnicFactory? afPacket = null, IVnicFactory? afXdp = null) : IVnicFactory
{
    public const string AfPacketUnavailable = "af-packet driver not available yet";
    public const string AfXdpUnavailable = "af-xdp driver not available";

    public MemoryVnicFactory Memory { get; } = memory;

    public IVnicPort Open(InterfaceConfig config) => config.Driver switch
    {
        InterfaceDriver.Memory => Memory.Open(config),
        InterfaceDriver.AfPacket or InterfaceDriver.Auto when afPacket is not null => afPacket.Open(config with { Driver = InterfaceDriver.AfPacket }),
        InterfaceDriver.AfPacket or InterfaceDriver.Auto => throw new VnicOpenException($"{config.OsName}: {AfPacketUnavailable}"),
        InterfaceDriver.AfXdp => throw new VnicOpenException($"cannot open {config.Name} ({config.OsName}) with af-xdp: the driver needs the data plane's packet memory"),
        _ => throw new VnicOpenException($"{config.OsName}: unknown driver {config.Driver}"),
    };

    public IVnicPort Open(InterfaceConfig config, PacketMemory gpm)
    {
        switch (config.Driver)
        {
            case InterfaceDriver.AfXdp when afXdp is not null:
                return afXdp.Open(config, gpm);
            case InterfaceDriver.AfXdp:
                throw new VnicOpenException($"{config.OsName}: {AfXdpUnavailable}");
            case InterfaceDriver.Auto when afXdp is not null:
                try
                {
                    return afXdp.Open(config with { Driver = InterfaceDriver.AfXdp }, gpm);
                }
                catch (VnicOpenException xdpFailure)
                {
                    try
                    {
                        return Open(config);
                    }
                    catch (VnicOpenException packetFailure)
                    {
                        throw new VnicOpenException($"{packetFailure.Message} (af-xdp first: {xdpFailure.Message})");
                    }
                }
            default:
                return Open(config);
        }
    }

    public void Close(string osName)
    {
        Memory.Close(osName);
        afPacket?.Close(osName);
        afXdp?.Close(osName);
    }
}
