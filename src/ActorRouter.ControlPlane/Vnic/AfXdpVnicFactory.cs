using System.Collections.Concurrent;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.DataPlane.Memory;
using ActorRouter.DataPlane.Vnic;
using ActorRouter.IO.AfXdp;

namespace ActorRouter.ControlPlane.Vnic;

/// <summary>
/// The AF_XDP driver: opens a real Linux interface of the router's network namespace as an
/// <see cref="AfXdpVnicPort"/> over the data plane's GPM (step 7 of the handshake). The driver's
/// precise reason for a failed open (the step, the system's text, what is missing) becomes the
/// handshake's OpenPort failure unchanged.
/// </summary>
public sealed class AfXdpVnicFactory : IVnicFactory, IDisposable
{
    private readonly ConcurrentDictionary<string, AfXdpVnicPort> _open = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<AfXdpVnicPort> _closed = new();
    private readonly string? _networkNamespace;

    /// <param name="networkNamespace">Open interfaces in this named namespace (/var/run/netns/NAME) rather than the process's own.</param>
    public AfXdpVnicFactory(string? networkNamespace = null)
    {
        _networkNamespace = networkNamespace;
    }

    public IVnicPort Open(InterfaceConfig config) =>
        throw new VnicOpenException($"cannot open {config.Name} ({config.OsName}) with af-xdp: the driver needs the data plane's packet memory");

    public IVnicPort Open(InterfaceConfig config, PacketMemory gpm)
    {
        if (config.Driver != InterfaceDriver.AfXdp)
        {
            throw new VnicOpenException($"{config.OsName}: the af-xdp driver cannot open a {InterfaceDrivers.Text(config.Driver)} interface");
        }
        if (_open.ContainsKey(config.OsName))
        {
            throw new VnicOpenException($"cannot open {config.Name} ({config.OsName}): it is already open");
        }
        AfXdpVnicPort port;
        try
        {
            port = new AfXdpVnicPort(config.OsName, gpm, config.RingSize, routerName: config.Name, networkNamespace: _networkNamespace);
        }
        catch (IO.AfPacket.VnicOpenException e)
        {
            throw new VnicOpenException(e.Message);
        }
        catch (DllNotFoundException e)
        {
            throw new VnicOpenException($"cannot open {config.Name} ({config.OsName}) with af-xdp: the native shim is missing ({e.Message})");
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
    /// that points at it; <see cref="Dispose"/> at shutdown releases every port ever opened (and
    /// detaches their XDP programs).
    /// </summary>
    public void Close(string osName)
    {
        if (_open.TryRemove(osName, out var port))
        {
            _closed.Add(port);
        }
    }

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
}
