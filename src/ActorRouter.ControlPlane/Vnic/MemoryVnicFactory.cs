using System.Collections.Concurrent;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.DataPlane.Vnic;
using ActorRouter.IO.Memory;

namespace ActorRouter.ControlPlane.Vnic;

/// <summary>
/// The memory driver: each opened interface is the router's end (A) of a <see cref="MemoryWire"/>;
/// tests and simulated hosts reach the far end (B) through <see cref="TryGetWire"/>. Closing a
/// port keeps its wire alive until the factory is disposed, because the data-plane threads may
/// still hold the old snapshot that points at it.
/// </summary>
public sealed class MemoryVnicFactory : IVnicFactory, IDisposable
{
    private readonly ConcurrentDictionary<string, MemoryWire> _open = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<MemoryWire> _all = new();
    private readonly int _slotSize;

    /// <param name="slotSize">Bytes per wire slot; the GPM buffer size fits every frame the router can carry.</param>
    public MemoryVnicFactory(int slotSize = MemoryWire.DefaultSlotSize)
    {
        _slotSize = slotSize;
    }

    public IVnicPort Open(InterfaceConfig config)
    {
        if (config.Driver != InterfaceDriver.Memory)
        {
            throw new VnicOpenException($"{config.OsName}: the memory driver cannot open a {config.Driver} interface");
        }
        var mac = config.Mac ?? DriverMacFor(config.OsName);
        MemoryWire wire;
        try
        {
            wire = new MemoryWire(config.OsName, mac, config.OsName + "-peer", FarEndMacFor(mac), config.RingSize, config.Mtu, _slotSize);
        }
        catch (ArgumentException e)
        {
            throw new VnicOpenException($"{config.OsName}: {e.Message}");
        }
        if (!_open.TryAdd(config.OsName, wire))
        {
            wire.Dispose();
            throw new VnicOpenException($"{config.OsName} is already open");
        }
        _all.Add(wire);
        return wire.A;
    }

    public void Close(string osName) => _open.TryRemove(osName, out _);

    /// <summary>The wire of an open memory interface; its <see cref="MemoryWire.B"/> end is the far side.</summary>
    public bool TryGetWire(string osName, out MemoryWire wire) => _open.TryGetValue(osName, out wire!);

    /// <summary>The MAC a memory vNIC has of its own: locally administered, derived from the name.</summary>
    public static ulong DriverMacFor(string osName)
    {
        uint hash = 2166136261;
        foreach (var c in osName)
        {
            hash = (hash ^ c) * 16777619;
        }
        return 0x0200_0000_0000UL | hash;
    }

    private static ulong FarEndMacFor(ulong mac) => mac ^ 0x0000_0080_0000UL;

    public void Dispose()
    {
        _open.Clear();
        while (_all.TryTake(out var wire))
        {
            wire.Dispose();
        }
    }
}
