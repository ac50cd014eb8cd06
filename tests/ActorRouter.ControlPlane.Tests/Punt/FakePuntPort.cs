using System.Collections.Concurrent;
using ActorRouter.DataPlane.Forwarding;
using ActorRouter.DataPlane.Interfaces;
using ActorRouter.DataPlane.Ports;

namespace ActorRouter.ControlPlane.Tests.Punt;

/// <summary>
/// The punt port as the neighbour discovery actors see it: one interface (GigabitEthernet1, index 0, MAC
/// 02:00:00:00:00:01, MTU 1500, up and registered), the frames they inject, and the use marks the test sets.
/// </summary>
internal sealed class FakePort : IPuntPort
{
    public FakePort(params Ipv6InterfaceAddress[] addresses)
    {
        var uidb = new Uidb(0, "GigabitEthernet1", "mem0", 1500, 0x0200_0000_0001, true, 0, 0, new ActorRouter.IO.Memory.MemoryWire("mem0", 0x0200_0000_0001, "host1", 0x0200_0000_010A, 64, 1500).A)
        {
            Ipv6Addresses = addresses.Length > 0 ? addresses : [new Ipv6InterfaceAddress(Icmpv6ResponderTests.Address("2001:db8:1::1"), 64)],
        };
        Interfaces = new UidbTable([uidb], 1, 4);
    }

    public ConcurrentQueue<byte[]> Injected { get; } = new();
    public ConcurrentDictionary<UInt128, bool> Used { get; } = new();
    public int MaxFrameLength => 2048;
    public UidbTable Interfaces { get; set; }
    public int Take(Span<uint> buffers) => 0;
    public PuntedPacket Read(uint buffer) => throw new InvalidOperationException("nothing is punted");
    public void Release(ReadOnlySpan<uint> buffers) { }
    public void WaitForPunted(int milliseconds) { }
    public void WakeReader() { }

    public bool Inject(int interfaceIndex, ReadOnlySpan<byte> frame)
    {
        Injected.Enqueue(frame.ToArray());
        return true;
    }

    public bool TakeIpv6NeighborUsed(int interfaceIndex, UInt128 address) => Used.TryRemove(address, out _);

    public byte[] Next()
    {
        Assert.True(Injected.TryDequeue(out var frame), "a frame was expected");
        return frame;
    }
}
