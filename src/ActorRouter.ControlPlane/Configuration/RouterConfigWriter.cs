using System.Globalization;
using System.Text;

namespace ActorRouter.ControlPlane.Configuration;

/// <summary>
/// Renders a configuration as canonical HOCON: every key written out, in schema order, with the
/// same layout every time, so that <c>show running-config</c> output is stable and diffable and
/// <c>write memory</c> produces a file that loads back to an equal configuration.
/// </summary>
public static partial class RouterConfigWriter
{
    public static string ToHocon(RouterConfig config)
    {
        var w = new HoconTextWriter();
        w.Open(RouterConfigLoader.RootKey);

        var dataPlane = config.DataPlane;
        w.Open("data-plane");
        w.Open("gpm");
        w.Value("buffer-size", dataPlane.Gpm.BufferSize);
        w.Value("buffer-count", dataPlane.Gpm.BufferCount);
        w.Value("headroom", dataPlane.Gpm.Headroom);
        w.Close();
        w.Value("ppe-threads", dataPlane.PpeThreads);
        w.Value("burst-size", dataPlane.BurstSize);
        w.Value("ring-size", dataPlane.RingSize);
        w.Raw("layout", DataPlaneLayouts.Text(dataPlane.Layout));
        w.Value("workers", dataPlane.Workers);
        w.Value("isolate-workers", dataPlane.IsolateWorkers);
        w.Value("coalesce-microseconds", dataPlane.CoalesceMicroseconds);
        w.Value("coalesce-batch", dataPlane.CoalesceBatch);
        w.Value("linger-milliseconds", dataPlane.LingerMilliseconds);
        w.Open("cores");
        w.Value("rx", dataPlane.Cores.Rx);
        w.Raw("ppe", "[" + string.Join(", ", dataPlane.Cores.Ppe.Select(Number)) + "]");
        w.Value("hqf", dataPlane.Cores.Hqf);
        w.Raw("workers", "[" + string.Join(", ", dataPlane.Cores.Workers.Select(Number)) + "]");
        w.Close();
        w.Close();

        WritePunt(w, config.Punt);

        w.Open("icmp");
        w.Value("error-rate-limit-pps", config.Icmp.ErrorRateLimitPps);
        w.Value("burst", config.Icmp.Burst);
        w.Close();

        w.OpenList("interfaces", config.Interfaces, (w, i) =>
        {
            if (i.Tunnel is { } tunnel)
            {
                // A tunnel has no port: its name, address, MTU and state, and its endpoints and manually keyed SAs.
                w.Value("name", i.Name);
                if (i.Ipv4 is { } tunnelSubnet)
                {
                    w.Value("ipv4", tunnelSubnet.ToString());
                }
                w.Value("mtu", i.Mtu);
                w.Value("shutdown", i.Shutdown);
                w.Open("tunnel");
                w.Value("source", Ipv4Text.Format(tunnel.Source));
                w.Value("destination", Ipv4Text.Format(tunnel.Destination));
                foreach (var (key, sa) in new[] { ("esp-out", tunnel.Outbound), ("esp-in", tunnel.Inbound) })
                {
                    w.Open(key);
                    w.Value("spi", "0x" + sa.Spi.ToString("x", System.Globalization.CultureInfo.InvariantCulture));
                    w.Value("key", EspSaConfig.Hex(sa.KeyHex));
                    w.Value("salt", EspSaConfig.SaltHex(sa.Salt));
                    w.Close();
                }
                w.Close();
                return;
            }
            if (i.IsSubinterface)
            {
                // What a subinterface shares with its parent (os-name, driver, ring, MAC) is written on the parent only.
                w.Value("name", i.Name);
                w.Value("vlan", i.Vlan);
                if (i.Ipv4 is { } subnet)
                {
                    w.Value("ipv4", subnet.ToString());
                }
                WriteInterfaceIpv6(w, i);
                w.Value("mtu", i.Mtu);
                w.Value("shutdown", i.Shutdown);
                if (i.ServicePolicyOutput is { } subPolicy)
                {
                    w.Value("service-policy-output", subPolicy);
                }
                return;
            }
            w.Value("os-name", i.OsName);
            w.Value("name", i.Name);
            w.Raw("driver", InterfaceDrivers.Text(i.Driver));
            if (i.Ipv4 is { } ipv4)
            {
                w.Value("ipv4", ipv4.ToString());
            }
            WriteInterfaceIpv6(w, i);
            w.Value("mtu", i.Mtu);
            w.Value("ring-size", i.RingSize);
            if (i.Mac is { } mac)
            {
                w.Value("mac", MacText.Format(mac));
            }
            w.Value("shutdown", i.Shutdown);
            if (i.Driver is InterfaceDriver.AfPacket or InterfaceDriver.Auto)
            {
                w.Raw("af-packet-mode", i.AfPacketMode == IO.AfPacket.AfPacketMode.Throughput ? "throughput" : "latency");
            }
            if (i.ServicePolicyOutput is { } policy)
            {
                w.Value("service-policy-output", policy);
            }
        });

        w.OpenList("static-routes", config.StaticRoutes, (w, r) =>
        {
            w.Value("prefix", r.Prefix.ToString());
            w.Value("next-hop", Ipv4Text.Format(r.NextHop));
            if (r.Interface is not null)
            {
                w.Value("interface", r.Interface);
            }
            if (r.Share)
            {
                w.Value("share", true);
            }
        });

        WriteIpv6(w, config.Ipv6);
        WriteMulticast(w, config.Multicast);

        w.Open("control");
        w.Value("hostname", config.Control.Hostname);
        w.Value("port", config.Control.Port);
        if (config.Control.StateDirectory is { } stateDirectory)
        {
            w.Value("state-directory", stateDirectory);
        }
        if (config.Control.ReadOnlyGroup is { } group)
        {
            w.Value("read-only-group", group);
        }
        if (config.Control.ConfigDirectory is { } configDirectory)
        {
            w.Value("config-directory", configDirectory);
        }
        if (config.Control.CaptureDirectory is { } captureDirectory)
        {
            w.Value("capture-directory", captureDirectory);
        }
        if (config.Control.KeyPassword is { } secret)
        {
            // Only where the password is kept: the configuration never carries a secret.
            w.Open("key-password");
            if (secret.File is not null)
            {
                w.Value("password-file", secret.File);
            }
            if (secret.EnvironmentVariable is not null)
            {
                w.Value("password-env", secret.EnvironmentVariable);
            }
            w.Close();
        }
        w.Close();

        w.Open("fault-injection");
        w.Value("enabled", config.FaultInjection.Enabled);
        w.Close();

        w.Open("simulation");
        w.OpenList("hosts", config.Simulation.Hosts, (w, h) =>
        {
            w.Value("interface", h.Interface);
            w.Value("ipv4", Ipv4Text.Format(h.Ipv4));
            w.Value("mac", MacText.Format(h.Mac));
            w.Value("gateway", Ipv4Text.Format(h.Gateway));
            if (h.SendTo is { } sendTo)
            {
                w.Value("send-to", Ipv4Text.Format(sendTo));
            }
            w.Value("rate-pps", h.RatePps);
            w.Value("payload-bytes", h.PayloadBytes);
        });
        w.Close();

        // Written only when set, so configurations that do not use it read back unchanged.
        if (config.Platform != PlatformConfig.Default)
        {
            w.Open("platform");
            w.Raw("discovery", config.Platform.Discovery == PlatformDiscovery.Linux ? "linux" : "config");
            w.Raw("exclude", "[" + string.Join(", ", config.Platform.Exclude.Select(HoconTextWriter.Quote)) + "]");
            w.Value("name-prefix", config.Platform.NamePrefix);
            w.Raw("poll-interval", Number((int)config.Platform.PollInterval.TotalMilliseconds) + "ms");
            w.Close();
        }
        if (config.Arp != ArpConfig.Default)
        {
            w.Open("arp");
            w.Raw("timeout", ArpDurationText(config.Arp.Timeout));
            w.Raw("retry-interval", ArpDurationText(config.Arp.RetryInterval));
            w.Value("max-requests", config.Arp.MaxRequests);
            w.Value("max-entries", config.Arp.MaxEntries);
            w.Value("max-entries-per-interface", config.Arp.MaxEntriesPerInterface);
            w.Value("max-incomplete", config.Arp.MaxIncomplete);
            w.Value("requests-per-second", config.Arp.RequestsPerSecond);
            w.Raw("mac-change-interval", ArpDurationText(config.Arp.MacChangeInterval));
            if (config.Arp.Static.Count > 0)
            {
                w.Raw("static", "[" + string.Join(", ", config.Arp.Static.Select(e =>
                    $"{{ address = {HoconTextWriter.Quote(Ipv4Text.Format(e.Address))}, mac = {HoconTextWriter.Quote(MacText.Format(e.Mac))} }}")) + "]");
            }
            w.Close();
        }
        WriteQos(w, config.Qos);
        WriteMetrics(w, config.Metrics);
        WriteSupervision(w, config.Supervision);
        WriteFleet(w, config.Fleet);

        w.Close();
        return w.ToString();
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private sealed class HoconTextWriter
    {
        private readonly StringBuilder _text = new();
        private int _depth;

        public void Open(string key)
        {
            Line($"{key} {{");
            _depth++;
        }

        public void Close()
        {
            _depth--;
            Line("}");
        }

        public void Value(string key, int value) => Raw(key, Number(value));

        public void Value(string key, bool value) => Raw(key, value ? "true" : "false");

        public void Value(string key, string value) => Raw(key, Quote(value));

        public void Raw(string key, string hocon) => Line($"{key} = {hocon}");

        public void OpenList<T>(string key, IReadOnlyList<T> items, Action<HoconTextWriter, T> writeItem)
        {
            if (items.Count == 0)
            {
                Raw(key, "[]");
                return;
            }
            Line($"{key} = [");
            _depth++;
            for (var index = 0; index < items.Count; index++)
            {
                Line("{");
                _depth++;
                writeItem(this, items[index]);
                _depth--;
                Line(index < items.Count - 1 ? "}," : "}");
            }
            _depth--;
            Line("]");
        }

        public override string ToString() => _text.ToString();

        private void Line(string text) => _text.Append(' ', 2 * _depth).Append(text).Append('\n');

        public static string Quote(string value)
        {
            var quoted = new StringBuilder("\"");
            foreach (var c in value)
            {
                switch (c)
                {
                    case '"': quoted.Append("\\\""); break;
                    case '\\': quoted.Append("\\\\"); break;
                    case '\n': quoted.Append("\\n"); break;
                    case '\r': quoted.Append("\\r"); break;
                    case '\t': quoted.Append("\\t"); break;
                    default: quoted.Append(c); break;
                }
            }
            return quoted.Append('"').ToString();
        }
    }
}
