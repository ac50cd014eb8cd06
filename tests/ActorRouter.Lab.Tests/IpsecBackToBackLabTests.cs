using System.Security.Cryptography;

namespace ActorRouter.Lab.Tests;

/// <summary>
/// Two ActorRouter processes back to back, each the other's IPsec peer:
/// <code>
///   h1 192.0.2.10 ─ eth1 [router A] eth2 198.51.100.1/25 ─── 198.51.100.2/25 eth2 [router B] eth1 ─ h2 203.0.113.10
///                        Tunnel1 198.51.100.129/30 ═══════ ESP ═══════ Tunnel1 198.51.100.130/30
/// </code>
/// A routes 203.0.113.0/24 into its tunnel, B routes 192.0.2.0/24 into its: ping crosses, an iperf3 TCP stream
/// crosses, and a 4 MiB random file copied over TCP arrives with the same SHA-256. The 1500-byte TCP segments meet
/// the 1400-byte tunnel MTU, so path MTU discovery through the tunnel (the router's Fragmentation Needed) is
/// exercised too. The namespaces are this test's own and are
/// deleted afterwards, also after a failure.
/// </summary>
public sealed class IpsecBackToBackLabTests
{
    private const string KeyAToB = "0x00112233445566778899aabbccddeeff", SaltAToB = "0x0a0b0c0d";
    private const string KeyBToA = "0xffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100", SaltBToA = "0x01020304";

    private sealed class BackToBack(string prefix) : IDisposable
    {
        public string H1 => prefix + "-h1";
        public string A => prefix + "-a";
        public string B => prefix + "-b";
        public string H2 => prefix + "-h2";

        public void Build()
        {
            foreach (var ns in new[] { H1, A, B, H2 })
            {
                Must(Tools.Ip("netns", "add", ns));
                Tools.InNamespace(ns, TimeSpan.FromSeconds(10), "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1", "net.ipv4.ip_forward=0");
                Must(Tools.Ip("-n", ns, "link", "set", "lo", "up"));
            }
            Link(H1, "eth0", A, "eth1");
            Link(A, "eth2", B, "eth2");
            Link(B, "eth1", H2, "eth0");
            Must(Tools.Ip("-n", H1, "addr", "add", "192.0.2.10/24", "dev", "eth0"));
            Must(Tools.Ip("-n", H1, "route", "add", "default", "via", "192.0.2.1"));
            Must(Tools.Ip("-n", H2, "addr", "add", "203.0.113.10/24", "dev", "eth0"));
            Must(Tools.Ip("-n", H2, "route", "add", "default", "via", "203.0.113.1"));
            foreach (var host in new[] { H1, H2 })
            {
                if (Tools.Which("ethtool") is not null)
                {
                    Tools.InNamespace(host, TimeSpan.FromSeconds(10), "ethtool", "-K", "eth0", "tso", "off", "gso", "off", "tx", "off");
                }
            }
        }

        private static void Link(string left, string leftName, string right, string rightName)
        {
            Must(Tools.Ip("-n", left, "link", "add", leftName, "type", "veth", "peer", "name", rightName, "netns", right));
            Must(Tools.Ip("-n", left, "link", "set", leftName, "up"));
            Must(Tools.Ip("-n", right, "link", "set", rightName, "up"));
        }

        private static void Must(Tools.Result result) =>
            Assert.True(result.ExitCode == 0, result.Output);

        public void Dispose()
        {
            foreach (var ns in new[] { H1, A, B, H2 })
            {
                if (File.Exists($"/var/run/netns/{ns}"))
                {
                    Tools.Ip("netns", "del", ns);
                }
            }
        }
    }

    /// <summary>One router's configuration: eth1 to its host, eth2 to the other router, Tunnel1 to the other router's tunnel.</summary>
    private static string Config(string hostSide, string transit, string tunnel, string peer, string remoteNet, string remoteTunnel,
        (string Spi, string Key, string Salt) espOut, (string Spi, string Key, string Salt) espIn) => $$"""
        actorrouter {
          platform { discovery = linux, exclude = [], name-prefix = "GigabitEthernet", poll-interval = 500ms }
          data-plane { ppe-threads = 1 }
          interfaces = [
            { os-name = "eth1", name = "GigabitEthernet1", driver = af-packet, ipv4 = "{{hostSide}}" },
            { os-name = "eth2", name = "GigabitEthernet2", driver = af-packet, ipv4 = "{{transit}}" },
            { name = "Tunnel1", ipv4 = "{{tunnel}}", mtu = 1400,
              tunnel { source = "{{transit.Split('/')[0]}}", destination = "{{peer}}"
                esp-out { spi = "{{espOut.Spi}}", key = "{{espOut.Key}}", salt = "{{espOut.Salt}}" }
                esp-in { spi = "{{espIn.Spi}}", key = "{{espIn.Key}}", salt = "{{espIn.Salt}}" } } }
          ]
          static-routes = [ { prefix = "{{remoteNet}}", next-hop = "{{remoteTunnel}}" } ]
          control { hostname = "127.0.0.1", port = 0 }
        }
        """;

    [SkippableFact]
    public void Two_routers_tunnel_ping_an_iperf3_tcp_stream_and_a_file_whose_sha256_arrives_unchanged()
    {
        Skip.If(LabNetwork.Unavailable is not null, LabNetwork.Unavailable);
        Skip.If(Tools.Which("iperf3") is null, "the back-to-back IPsec lab needs iperf3 (bash .ci/run installs it)");
        using var net = new BackToBack($"arb2b{Environment.ProcessId % 100000}");
        net.Dispose();
        net.Build();
        var aToB = ("0x1001", KeyAToB, SaltAToB);
        var bToA = ("0x2002", KeyBToA, SaltBToA);
        using var a = RouterProcess.Start(net.A, Config("192.0.2.1/24", "198.51.100.1/25", "198.51.100.129/30", "198.51.100.2", "203.0.113.0/24", "198.51.100.130", aToB, bToA));
        using var b = RouterProcess.Start(net.B, Config("203.0.113.1/24", "198.51.100.2/25", "198.51.100.130/30", "198.51.100.1", "192.0.2.0/24", "198.51.100.129", bToA, aToB));
        a.WaitUntilReady(3);
        b.WaitUntilReady(3);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        var first = false;
        while (!first && DateTime.UtcNow < deadline)
        {
            first = Tools.InNamespace(net.H1, TimeSpan.FromSeconds(5), "ping", "-n", "-c", "1", "-W", "1", "203.0.113.10").ExitCode == 0;
        }
        Assert.True(first, a.Transcript + "\n" + b.Transcript);
        var ping = Tools.InNamespace(net.H1, TimeSpan.FromSeconds(15), "ping", "-n", "-c", "5", "-i", "0.2", "-W", "2", "203.0.113.10");
        Assert.Contains("5 received", ping.Stdout);

        // An iperf3 TCP stream through both tunnels: its bytes reach the server.
        using (var server = Tools.StartInNamespace(net.H2, "iperf3", "-s", "-1", "-p", "5301"))
        {
            Thread.Sleep(1000);
            var client = Tools.InNamespace(net.H1, TimeSpan.FromSeconds(60), "iperf3", "-c", "203.0.113.10", "-p", "5301", "-t", "3", "--json");
            Assert.True(client.ExitCode == 0, client.Output + "\n" + a.Transcript);
            var (_, receivedBytes) = Tools.IperfTcpBytes(client);
            Assert.True(receivedBytes > 1 << 20, client.Stdout);
            server.Finish(TimeSpan.FromSeconds(30));
        }

        // A file over TCP through the tunnels, end to end by SHA-256. (iperf3's -F is no file transfer: it writes
        // out blocks as its reads return them, and drops what is in flight at the end; a plain socket copy is used.)
        var sent = Path.Combine(Path.GetTempPath(), $"ipsec-b2b-{Environment.ProcessId}.bin");
        var received = sent + ".received";
        try
        {
            File.WriteAllBytes(sent, RandomNumberGenerator.GetBytes(4 << 20));
            const string Receive = "import socket,sys\ns=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(('0.0.0.0',5302));s.listen(1)\n" +
                "c,_=s.accept()\nwith open(sys.argv[1],'wb') as f:\n  while True:\n    b=c.recv(65536)\n    if not b: break\n    f.write(b)\n";
            const string Send = "import socket,sys\nc=socket.create_connection((sys.argv[2],5302),timeout=30)\nc.sendall(open(sys.argv[1],'rb').read())\nc.close()\n";
            using var sink = Tools.StartInNamespace(net.H2, "/usr/bin/python3", "-c", Receive, received);
            Thread.Sleep(1000);
            var copy = Tools.InNamespace(net.H1, TimeSpan.FromSeconds(60), "/usr/bin/python3", "-c", Send, sent, "203.0.113.10");
            Assert.True(copy.ExitCode == 0, copy.Output + "\n" + a.Transcript);
            Assert.Equal(0, sink.Finish(TimeSpan.FromSeconds(30)).ExitCode);
            Assert.Equal(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(sent))), Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(received))));
        }
        finally
        {
            File.Delete(sent);
            File.Delete(received);
        }
    }
}
