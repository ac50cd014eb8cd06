using System.Collections.Concurrent;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.DataPlane.Vnic;

namespace ActorRouter.ControlPlane.Vnic;

/// <summary>
/// The ports a Linux driver factory has opened, by OS name: one open per interface, the driver's
/// own open failure turned into the handshake's <see cref="VnicOpenException"/>, and disposal only
/// at shutdown — a closed port is forgotten, not disposed, because the data-plane threads may still
/// hold the snapshot that points at it.
/// </summary>
internal sealed class OpenPorts<TPort> : IDisposable where TPort : IVnicPort
{
    private readonly ConcurrentDictionary<string, TPort> _open = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<TPort> _closed = new();

    /// <param name="driverPhrase">How a missing native shim names the driver (" with af-xdp"), or empty.</param>
    public TPort Open(InterfaceConfig config, string driverPhrase, Func<TPort> create)
    {
        if (_open.ContainsKey(config.OsName))
        {
            throw new VnicOpenException($"cannot open {config.Name} ({config.OsName}): it is already open");
        }
        TPort port;
        try
        {
            port = create();
        }
        catch (IO.AfPacket.VnicOpenException e)
        {
            throw new VnicOpenException(e.Message);
        }
        catch (DllNotFoundException e)
        {
            throw new VnicOpenException($"cannot open {config.Name} ({config.OsName}){driverPhrase}: the native shim is missing ({e.Message})");
        }
        if (!_open.TryAdd(config.OsName, port))
        {
            port.Dispose();
            throw new VnicOpenException($"cannot open {config.Name} ({config.OsName}): it is already open");
        }
        return port;
    }

    /// <summary>Forgets the port; <see cref="Dispose"/> releases it with every other.</summary>
    public void Close(string osName)
    {
        if (_open.TryRemove(osName, out var port))
        {
            _closed.Add(port);
        }
    }

    /// <summary>Releases every port ever opened. Only once the data plane has stopped.</summary>
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
