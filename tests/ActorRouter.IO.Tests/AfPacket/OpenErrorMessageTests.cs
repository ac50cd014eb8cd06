using ActorRouter.IO.AfPacket;

namespace ActorRouter.IO.Tests.AfPacket;

/// <summary>The wording of open errors, which needs no privileges to check.</summary>
public class OpenErrorMessageTests
{
    [Fact]
    public void No_permission_names_both_interface_names_and_the_capability()
    {
        var error = AfPacketVnicPort.OpenError("GigabitEthernet2", "veth-r2", null, errno: 1, ringSize: 512, frameSize: 2048);
        Assert.Equal("cannot open GigabitEthernet2 (veth-r2): Operation not permitted — needs CAP_NET_RAW", error.Message);
        Assert.Equal("GigabitEthernet2", error.RouterName);
        Assert.Equal("veth-r2", error.OsName);
        Assert.Equal(1, error.Errno);
    }

    [Fact]
    public void A_missing_interface_is_named()
    {
        var error = AfPacketVnicPort.OpenError("GigabitEthernet2", "veth-r2", null, errno: 19, ringSize: 512, frameSize: 2048);
        Assert.Equal("cannot open GigabitEthernet2 (veth-r2): No such device — no interface named veth-r2", error.Message);
    }

    [Fact]
    public void Without_a_router_name_only_the_os_name_is_given_and_unknown_errors_keep_the_system_text()
    {
        var error = AfPacketVnicPort.OpenError(null, "eth9", null, errno: 5, ringSize: 512, frameSize: 2048);
        Assert.Equal("cannot open eth9: Input/output error", error.Message);
    }
}
