using System.Collections.Concurrent;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.DataPlane.Vnic;
using ActorRouter.IO.AfPacket;

namespace ActorRouter.ControlPlane.Vnic;

/// <summary>
/// The AF_PACKET driver: opens a real Linux interface of the router's network namespace as an
/// <see cref="AfPacketVnicPort"/> (step 7 of the handshake). The driver's precise reason for a
/// failed open ("cannot open GigabitEthernet2 (eth2): No such device …") becomes the handshake's
/// OpenPort failure unchanged.
/// </summary>
public sealed class AfPacketVnicFactory : IVnicFactory, IDisposable
{
    /// <summary>Room in a ring frame beyond the Ethernet frame: the tpacket header and sockaddr_ll, rounded up generously.</summary>
    private const int RingFrameOverhead = 128;
    private const int MinRingFrameSize = 2048;
    private const int EthernetAndVlanHeader = 18;

    private readonly ConcurrentDictionary<string, AfPacketVnicPort> _open = new(StringComparer.Ordinal);
    private readonly string? _networkNamespace;

    /// <param name="networkNamespace">Open interfaces in this named namespace (/var/run/netns/NAME) rather than the process's own.</param>
    public AfPacketVnicFactory(string? networkNamespace = null)
    {
        _networkNamespace = networkNamespace;
    }

    public IVnicPort Open(InterfaceConfig config)
    {
        if (config.Driver != InterfaceDriver.AfPacket)
        {
            throw new VnicOpenException($"{config.OsName}: the af-packet driver cannot open a {config.Driver} interface");
        }
        if (_open.ContainsKey(config.OsName))
        {
            throw new VnicOpenException($"cannot open {config.Name} ({config.OsName}): it is already open");
        }
        AfPacketVnicPort port;
        try
        {
            port = new AfPacketVnicPort(config.OsName, config.RingSize, config.AfPacketMode, RingFrameSizeFor(config.Mtu), config.Name, _networkNamespace);
        }
        catch (IO.AfPacket.VnicOpenException e)
        {
            throw new VnicOpenException(e.Message);
        }
        catch (DllNotFoundException e)
        {
            throw new VnicOpenException($"cannot open {config.Name} ({config.OsName}): the native shim is missing ({e.Message})");
        }
        if (!_open.TryAdd(config.OsName, port))
        {
            port.Dispose();
            throw new VnicOpenException($"cannot open {config.Name} ({config.OsName}): it is already open");
        }
        return port;
    }

    /// <summary>
    /// Forgets the port. It is not disposed here: the data-plane threads may still hold the snapshot
    /// that points at it; <see cref="Dispose"/> at shutdown releases every port ever opened.
    /// </summary>
    public void Close(string osName)
    {
        if (_open.TryRemove(osName, out var port))
        {
            _closed.Add(port);
        }
    }

    private readonly ConcurrentBag<AfPacketVnicPort> _closed = new();

    /// <summary>Closes every port this factory opened. Only once the data plane has stopped.</summary>
    public void Dispose()
    {
        foreach (var osName in _open.Keys)
        {
            Close(osName);
        }
        while (_closed.TryTake(out var port))
        {
            port.Dispose();
        }
    }

    /// <summary>The smallest power of two that holds a frame of <paramref name="mtu"/> with the ring's own header.</summary>
    public static int RingFrameSizeFor(int mtu) =>
        (int)Math.Max(MinRingFrameSize, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(mtu + EthernetAndVlanHeader + RingFrameOverhead)));
}
