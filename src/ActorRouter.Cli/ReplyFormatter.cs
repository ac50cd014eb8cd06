using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using ActorRouter.Control.Contracts;

namespace ActorRouter.Cli;

/// <summary>
/// Renders a gateway reply as IOS-style text or as JSON. Both come from the same record, so the
/// numbers in one are exactly the numbers in the other.
/// </summary>
public static partial class ReplyFormatter
{
    /// <summary>--json's options: web naming (camelCase), indented, over source-generated metadata (arctl is compiled ahead of time).</summary>
    public static JsonSerializerOptions JsonOptions => ReplyJsonContext.Default.Options;

    public static string Json(object reply) => reply switch
    {
        CommandDone d => JsonSerializer.Serialize(new JsonDone(true, d.Message), ReplyJsonContext.Default.JsonDone),
        CommandRefused r => JsonSerializer.Serialize(new JsonError(false, r.Reason), ReplyJsonContext.Default.JsonError),
        NotAuthorised r => JsonSerializer.Serialize(new JsonNotAuthorised(false, true, r.Reason), ReplyJsonContext.Default.JsonNotAuthorised),
        FleetAnswersView v => FleetJson(v),
        _ when ReplyJsonContext.Default.GetTypeInfo(reply.GetType()) is { } info => JsonSerializer.Serialize(reply, info),
        _ => JsonSerializer.Serialize(new JsonError(false, $"unexpected reply {reply.GetType().Name}"), ReplyJsonContext.Default.JsonError),
    };

    /// <summary><c>{"ok": true, "message": ...}</c></summary>
    internal sealed record JsonDone(bool Ok, string Message);

    /// <summary><c>{"ok": false, "error": ...}</c></summary>
    internal sealed record JsonError(bool Ok, string Error);

    /// <summary><c>{"ok": false, "notAuthorised": true, "error": ...}</c></summary>
    internal sealed record JsonNotAuthorised(bool Ok, bool NotAuthorised, string Error);

    public static string Text(object reply) => reply switch
    {
        CommandDone d => d.Message,
        CommandRefused r => r.Reason,
        InterfacesView v => Interfaces(v),
        IpInterfaceBrief b => Brief(b.View),
        RoutesView v => Routes(v),
        Ipv6InterfacesView v => Ipv6Interfaces(v),
        Ipv6NeighborsView v => Ipv6Neighbors(v),
        Ipv6RoutesView v => Ipv6Routes(v),
        ArpView v => Arp(v),
        PolicyMapView v => v.Text.TrimEnd('\n'),
        QfpStatisticsView v => QfpStatistics(v),
        PuntView v => Punt(v),
        ThreadsView v => Threads(v),
        ActorsView v => Actors(v),
        ControlEndpointView v => ControlEndpoint(v),
        ControlClientsView v => ControlClients(v),
        PlatformRuntimeView v => PlatformRuntime(v),
        PacketTraceView v => PacketTrace(v),
        MonitorCaptureView v => MonitorCapture(v),
        CryptoIpsecSaView v => CryptoIpsecSa(v),
        MrouteTableView v => Mroute(v),
        IgmpGroupsView v => IgmpGroups(v),
        FleetView v => Fleet(v),
        FleetRoutesView v => FleetRoutes(v),
        FleetNeighborsView v => FleetNeighbors(v),
        FleetDatabaseView v => FleetDatabase(v),
        FleetAnswersView v => FleetText(v, null),
        RunningConfigView v => $"# running configuration; the router was started from {v.Source}\n{v.Text.TrimEnd('\n')}",
        _ => $"(unexpected reply {reply.GetType().Name})",
    };

    private static string ControlClients(ControlClientsView v)
    {
        var s = new StringBuilder();
        s.AppendLine($"Connected clients (requests in the last {v.ActiveWindowSeconds / 60} min):");
        s.AppendLine("Name                 Role        Requests  Last seen             Address");
        foreach (var c in v.Clients)
        {
            s.AppendLine($"{c.Name,-20} {c.Role,-11} {N(c.Requests),8}  {c.LastSeen,-21} {c.Address}");
        }
        s.AppendLine("Refused attempts by reason:");
        if (v.Refusals.Count == 0)
        {
            s.AppendLine("  none");
        }
        foreach (var r in v.Refusals)
        {
            s.AppendLine($"  {N(r.Count),8}  {r.Reason}");
        }
        if (v.RecentRefusals.Count > 0)
        {
            s.AppendLine("Recent refusals:");
            foreach (var line in v.RecentRefusals)
            {
                s.AppendLine($"  {line}");
            }
        }
        return s.ToString().TrimEnd('\n');
    }

    /// <summary><c>show ip interface brief</c> is rendered from the same InterfacesView as <c>show interfaces</c>.</summary>
    public sealed record IpInterfaceBrief(InterfacesView View);

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string StateText(InterfaceView i) => !i.AdminUp ? "administratively down" : i.OperUp ? "up" : "down";

    private static string Interfaces(InterfacesView v)
    {
        var s = new StringBuilder();
        foreach (var i in v.Interfaces)
        {
            s.AppendLine($"{i.Name} is {StateText(i)}, line protocol is {(i.OperUp ? "up" : "down")}");
            s.AppendLine($"  Hardware is {i.OsName}, address is {i.Mac}");
            s.AppendLine(i.Address is null ? "  Internet address is unassigned" : $"  Internet address is {i.Address}");
            s.AppendLine($"  MTU {N(i.Mtu)} bytes");
            if (i.Rate is { } rate)
            {
                s.AppendLine(RateLines(rate));
            }
            s.AppendLine($"  {N(i.RxPackets)} packets input, {N(i.RxBytes)} bytes");
            s.AppendLine($"  {N(i.TxPackets)} packets output, {N(i.TxBytes)} bytes");
            s.AppendLine($"  {N(i.Drops)} drops, {N(i.Punted)} punted");
            // As IOS's "Input queue … drops" and "Total output drops": frames the driver or the kernel's rings
            // dropped, which the data plane never counted (an RX ring full, no free buffer, a refused descriptor).
            s.AppendLine($"  {N(i.InputDrops)} input drops, {N(i.OutputDrops)} output drops (driver)");
        }
        return s.ToString().TrimEnd('\n');
    }

    private static string Brief(InterfacesView v)
    {
        var s = new StringBuilder();
        s.AppendLine($"{"Interface",-22} {"IP-Address",-15} OK? Method {"Status",-21} Protocol");
        foreach (var i in v.Interfaces)
        {
            var address = i.Address?.Split('/')[0] ?? "unassigned";
            s.AppendLine($"{i.Name,-22} {address,-15} YES {(i.Address is null ? "unset" : "manual"),-6} {StateText(i),-21} {(i.OperUp ? "up" : "down")}");
        }
        return s.ToString().TrimEnd('\n');
    }

    private static (uint Network, int Length) SortKey(string prefix)
    {
        var parts = prefix.Split('/');
        var bytes = IPAddress.TryParse(parts[0], out var a) ? a.GetAddressBytes() : [0, 0, 0, 0];
        var length = parts.Length > 1 && int.TryParse(parts[1], out var l) ? l : 32;
        return ((uint)(bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8 | bytes[3]), length);
    }

    private static string Routes(RoutesView v)
    {
        var s = new StringBuilder();
        s.AppendLine("Codes: L - local, C - connected, S - static, F - fleet");
        s.AppendLine();
        var defaultRoute = v.Routes.FirstOrDefault(r => r.Code == "S" && r.Prefix == "0.0.0.0/0" && r.Active);
        s.AppendLine(defaultRoute is null
            ? "Gateway of last resort is not set"
            : $"Gateway of last resort is {defaultRoute.NextHop} to network 0.0.0.0");
        s.AppendLine();
        foreach (var r in v.Routes.OrderBy(r => SortKey(r.Prefix).Network).ThenBy(r => SortKey(r.Prefix).Length))
        {
            var line = r.Code switch
            {
                "S" => $"S        {r.Prefix} [1/0] via {r.NextHop}{(r.Interface is null ? "" : ", " + r.Interface)}",
                // Fleet routes: administrative distance 110 (connected and static routes win), metric the path cost.
                "F" => $"F        {r.Prefix} [110/{r.Metric ?? 0}] via {r.NextHop}{(r.Interface is null ? "" : ", " + r.Interface)}",
                _ => $"{r.Code}        {r.Prefix} is directly connected, {r.Interface}",
            };
            s.AppendLine(r.Active ? line : line + " (inactive)");
        }
        return s.ToString().TrimEnd('\n');
    }

    private static string Arp(ArpView v)
    {
        var s = new StringBuilder();
        s.AppendLine($"{"Protocol",-9} {"Address",-16} {"Age (min)",9}  {"Hardware Addr",-17}  {"Type",-5} {"Interface",-20} State");
        foreach (var e in v.Entries)
        {
            var age = e.AgeMinutes is int minutes ? N(minutes) : "-";
            s.AppendLine($"{"Internet",-9} {e.Address,-16} {age,9}  {e.Mac ?? "Incomplete",-17}  {"ARPA",-5} {e.Interface,-20} {e.State}");
        }
        return s.ToString().TrimEnd('\n');
    }

    private static string QfpStatistics(QfpStatisticsView v)
    {
        var s = new StringBuilder();
        s.AppendLine("Data-plane threads:");
        s.AppendLine($"  {"Thread",-10} {"Packets",14} {"Bursts",14} {"Sleeps",14} {"Naps",14} {"Late wakes",12}");
        foreach (var t in v.Threads)
        {
            s.AppendLine($"  {t.Thread,-10} {N(t.Packets),14} {N(t.Bursts),14} {N(t.Sleeps),14} {N(t.Naps),14} {N(t.LateWakes),12}");
        }
        s.AppendLine("Drops by reason (non-zero):");
        if (v.Drops.Count == 0)
        {
            s.AppendLine("  none");
        }
        foreach (var d in v.Drops)
        {
            s.AppendLine($"  {d.Reason,-24} {N(d.Count),14}");
        }
        s.AppendLine($"GPM: {N(v.GpmTotal)} buffers, {N(v.GpmInPool)} in the pool");
        foreach (var o in v.GpmByOwner)
        {
            s.AppendLine($"  {o.Owner,-24} {N(o.Buffers),14}");
        }
        s.AppendLine("Rings (depth/capacity):");
        foreach (var r in v.Rings)
        {
            s.AppendLine($"  {r.Ring,-24} {N(r.Depth)}/{N(r.Capacity)}");
        }
        s.AppendLine("Egress queues (HQF):");
        foreach (var q in v.EgressQueues)
        {
            s.AppendLine($"  {q.Interface,-24} {N(q.Depth),14}");
        }
        return s.ToString().TrimEnd('\n');
    }

    private static string Threads(ThreadsView v)
    {
        var s = new StringBuilder();
        s.AppendLine($"{"Thread",-8} {"Core",4} {"Pinned",-6} {"State",-8} {"Heartbeat",14} {"Restarts",8} {"Hangs",5} {"OS-TID",8}  Last fault");
        foreach (var t in v.Threads)
        {
            s.AppendLine($"{t.Name,-8} {N(t.Core),4} {(t.Pinned ? "yes" : "no"),-6} {t.State,-8} {N(t.Heartbeat),14} {N(t.Restarts),8} {N(t.Hangs),5} {N(t.OsThreadId),8}  {t.LastFault ?? "-"}");
        }
        var fences = v.Threads.Sum(t => t.Fences);
        if (fences > 0)
        {
            s.AppendLine($"Hung threads fenced off and replaced: {N(fences)} ({string.Join(", ", v.Threads.Where(t => t.Fences > 0).Select(t => $"{t.Name} {N(t.Fences)}"))})");
        }
        if (v.DataPlaneReloads > 0 || v.ControlPlaneEscalations > 0)
        {
            s.AppendLine($"Escalations: {N(v.DataPlaneReloads)} data-plane reload(s), {N(v.ControlPlaneEscalations)} restart(s) of every control-plane actor; last: {v.LastEscalation ?? "-"}");
        }
        return s.ToString().TrimEnd('\n');
    }

    private static string ControlEndpoint(ControlEndpointView v)
    {
        var s = new StringBuilder();
        s.AppendLine($"Control endpoint {v.Listen}, maximum frame {N(v.MaximumFrameSize)} bytes");
        s.AppendLine($"  Requests: {N(v.RequestsAdmitted)} admitted, {N(v.RequestsThrottled)} refused (client queue full, capacity {N(v.QueueCapacityPerClient)})");
        s.AppendLine($"  Clients with requests in flight: {N(v.ClientsWithRequestsInFlight)}");
        s.AppendLine($"  Dropped before reaching any actor: {N(v.Dropped.Sum(d => d.Count))}");
        foreach (var d in v.Dropped)
        {
            s.AppendLine($"    {d.Reason,-12} {N(d.Count)}");
        }
        return s.ToString().TrimEnd('\n');
    }

    private static string Actors(ActorsView v)
    {
        var s = new StringBuilder();
        s.AppendLine("/user");
        foreach (var path in v.Paths)
        {
            var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            s.AppendLine($"{new string(' ', 2 * (segments.Length - 1))}{segments[^1]}");
        }
        return s.ToString().TrimEnd('\n');
    }
}
