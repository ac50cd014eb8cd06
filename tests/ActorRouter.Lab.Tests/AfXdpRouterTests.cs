using System.Diagnostics;

namespace ActorRouter.Lab.Tests;

/// <summary>
/// The router process on <c>driver = af-xdp</c> interfaces (config/lab.conf with the driver changed):
/// real pings across it, its XDP programs detached after a clean stop, and after <c>kill -9</c>
/// (programs left on the interfaces with nothing behind them) a second router that finds them,
/// replaces them and forwards. Root only; skipped where the shim has no AF_XDP.
/// </summary>
[Collection(nameof(LabCollection))]
public sealed class AfXdpRouterTests
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(10);
    private static readonly string[] RouterInterfaces = ["eth1", "eth2", "eth3"];

    private static string WithAfXdp(string config) => RealClientTests.WithDriver(config, "af-xdp");

    [SkippableFact]
    public void A_router_killed_with_af_xdp_ports_open_is_replaced_by_one_that_forwards_and_detaches_on_stop()
    {
        Skip.If(ActorRouter.IO.Native.NativeShim.XskSupported() == 0, "the native shim was built without libxdp/libbpf (install libxdp-dev libbpf-dev pkg-config)");
        var (lab, first) = RealClientTests.Boot(WithAfXdp);
        using (lab)
        {
            using (first)
            {
                Assert.True(lab.WaitForPing(lab.H1, LabNetwork.H2Address, Short), first.Transcript);
                Assert.All(RouterInterfaces, i => Assert.True(ProgramAttached(lab, i), Link(lab, i)));

                using var killed = Process.GetProcessById(first.Id);
                killed.Kill(); // SIGKILL: no clean-up of any kind
                Assert.True(killed.WaitForExit(10_000));
            }
            // What the killed router left: its programs, redirecting into maps no socket is in.
            Assert.All(RouterInterfaces, i => Assert.True(ProgramAttached(lab, i), Link(lab, i)));

            using (var second = RouterProcess.Start(lab.Router, RouterProcess.LabConfig(WithAfXdp)))
            {
                second.WaitUntilReady(3);
                Assert.True(lab.WaitForPing(lab.H1, LabNetwork.H2Address, Short), second.Transcript);
                Assert.Equal(3, lab.Ping(lab.H2, LabNetwork.H1Address));
                // The first packet from H3 waits for ARP on both sides: the wait absorbs it.
                Assert.True(lab.WaitForPing(lab.H3, LabNetwork.H1Address, Short), second.Transcript);
                Assert.Equal(3, lab.Ping(lab.H3, LabNetwork.H1Address));
            }
            // A clean stop detaches every program.
            Assert.All(RouterInterfaces, i => Assert.False(ProgramAttached(lab, i), Link(lab, i)));
        }
    }

    private static bool ProgramAttached(LabNetwork lab, string dev) => Link(lab, dev).Contains("prog/xdp", StringComparison.Ordinal);

    private static string Link(LabNetwork lab, string dev) => Tools.Ip("-n", lab.Router, "link", "show", dev).Stdout;
}
