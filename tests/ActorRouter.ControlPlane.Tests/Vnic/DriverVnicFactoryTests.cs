using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Vnic;
using ActorRouter.DataPlane.Memory;
using ActorRouter.DataPlane.Vnic;

namespace ActorRouter.ControlPlane.Tests.Vnic;

/// <summary><c>driver = af-xdp | auto</c>: which factory opens the port, and what a failure says.</summary>
public sealed class DriverVnicFactoryTests : IDisposable
{
    private readonly MemoryVnicFactory _memory = new();
    private readonly PacketMemory _gpm = new(bufferCount: 256, bufferSize: 2048, headroom: 128);

    public void Dispose()
    {
        _memory.Dispose();
        _gpm.Dispose();
    }

    private static InterfaceConfig Interface(InterfaceDriver driver) =>
        new("eth1", "GigabitEthernet1", driver, Ipv4: null, Mtu: 1500, RingSize: 512, Mac: null, Shutdown: false);

    [Fact]
    public void Af_xdp_interfaces_open_through_the_af_xdp_factory_with_the_packet_memory()
    {
        var afXdp = new RecordingFactory(_memory, fail: null);
        var afPacket = new RecordingFactory(_memory, fail: null);
        var factory = new DriverVnicFactory(_memory, afPacket, afXdp);

        factory.Open(Interface(InterfaceDriver.AfXdp), _gpm);

        Assert.Equal([(InterfaceDriver.AfXdp, true)], afXdp.Opened);
        Assert.Empty(afPacket.Opened);
    }

    [Fact]
    public void Auto_takes_af_xdp_when_it_opens()
    {
        var afXdp = new RecordingFactory(_memory, fail: null);
        var afPacket = new RecordingFactory(_memory, fail: null);

        new DriverVnicFactory(_memory, afPacket, afXdp).Open(Interface(InterfaceDriver.Auto), _gpm);

        Assert.Equal([(InterfaceDriver.AfXdp, true)], afXdp.Opened);
        Assert.Empty(afPacket.Opened);
    }

    [Fact]
    public void Auto_falls_back_to_af_packet_when_af_xdp_cannot_open()
    {
        var afXdp = new RecordingFactory(_memory, fail: "cannot open GigabitEthernet1 (eth1) with af-xdp: attaching the XDP program failed: Operation not permitted");
        var afPacket = new RecordingFactory(_memory, fail: null);

        new DriverVnicFactory(_memory, afPacket, afXdp).Open(Interface(InterfaceDriver.Auto), _gpm);

        Assert.Equal([(InterfaceDriver.AfXdp, true)], afXdp.Opened);
        Assert.Equal([(InterfaceDriver.AfPacket, false)], afPacket.Opened);
    }

    [Fact]
    public void Auto_says_both_reasons_when_neither_driver_opens()
    {
        var afXdp = new RecordingFactory(_memory, fail: "xdp reason");
        var afPacket = new RecordingFactory(_memory, fail: "packet reason");

        var e = Assert.Throws<VnicOpenException>(() => new DriverVnicFactory(_memory, afPacket, afXdp).Open(Interface(InterfaceDriver.Auto), _gpm));

        Assert.Equal("packet reason (af-xdp first: xdp reason)", e.Message);
    }

    [Fact]
    public void Af_xdp_without_its_factory_fails_with_a_reason()
    {
        var e = Assert.Throws<VnicOpenException>(() => new DriverVnicFactory(_memory).Open(Interface(InterfaceDriver.AfXdp), _gpm));

        Assert.Equal($"eth1: {DriverVnicFactory.AfXdpUnavailable}", e.Message);
    }

    /// <summary>Records each open (driver, whether GPM came with it); fails with the given text, or opens a memory port.</summary>
    private sealed class RecordingFactory(MemoryVnicFactory memory, string? fail) : IVnicFactory
    {
        public List<(InterfaceDriver Driver, bool WithGpm)> Opened { get; } = [];

        public IVnicPort Open(InterfaceConfig config) => Record(config, withGpm: false);

        public IVnicPort Open(InterfaceConfig config, PacketMemory gpm) => Record(config, withGpm: true);

        private IVnicPort Record(InterfaceConfig config, bool withGpm)
        {
            Opened.Add((config.Driver, withGpm));
            if (fail is not null)
            {
                throw new VnicOpenException(fail);
            }
            return memory.Open(config with { Driver = InterfaceDriver.Memory });
        }

        public void Close(string osName) => memory.Close(osName);
    }
}
