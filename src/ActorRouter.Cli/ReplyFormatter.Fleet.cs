using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ActorRouter.Control.Contracts;

namespace ActorRouter.Cli;

/// <summary><c>show fleet</c>, and the merged answers of <c>arctl --fleet show ...</c> with a Router column.</summary>
public static partial class ReplyFormatter
{
    private static string Fleet(FleetView v)
    {
        var s = new StringBuilder();
        s.AppendLine($"Fleet {v.Fleet}, as seen from {v.Router}; leader {v.Leader ?? "(none)"}");
        s.AppendLine($"{"Router",-20} {"Status",-9} {"Reachable",-9} {"Leader",-6} {"Uptime",-10} Address");
        foreach (var m in v.Members)
        {
            var router = m.Self ? m.Router + " (this)" : m.Router;
            s.AppendLine($"{router,-20} {m.Status,-9} {(m.Reachable ? "yes" : "no"),-9} {(m.Leader ? "*" : ""),-6} {Uptime(m.UptimeSeconds),-10} {m.Address}");
        }
        return s.ToString().TrimEnd('\n');
    }

    private static string FleetRoutes(FleetRoutesView v)
    {
        var s = new StringBuilder();
        s.AppendLine($"Fleet routes of {v.Router} (installed as F, distance 110; of equal-cost next hops the first on an up interface is used)");
        s.AppendLine($"{"Prefix",-20} {"Cost",4}  {"Next hop",-16} {"Neighbor",-16} From");
        foreach (var r in v.Routes)
        {
            for (int i = 0; i < r.NextHops.Count; i++)
            {
                var hop = r.NextHops[i];
                s.AppendLine(i == 0
                    ? $"{r.Prefix,-20} {r.Cost,4}  {hop.Address,-16} {hop.Neighbor,-16} {string.Join(", ", r.Origins)}"
                    : $"{"",-20} {"",4}  {hop.Address,-16} {hop.Neighbor,-16}");
            }
        }
        if (v.Routes.Count == 0)
        {
            s.AppendLine("(none)");
        }
        return s.ToString().TrimEnd('\n');
    }

    private static string FleetNeighbors(FleetNeighborsView v)
    {
        var s = new StringBuilder();
        s.AppendLine($"Fleet neighbors of {v.Router}: probe every {v.ProbeIntervalMilliseconds} ms, down after {v.DeadIntervals} missed; "
            + $"hellos received {v.HellosReceived}, of another fleet {v.HellosForeign}, malformed {v.HellosMalformed}");
        s.AppendLine($"{"Neighbor",-16} {"Interface",-20} {"Address",-16} {"State",-8} {"Last hello",10} {"Up",10} {"Hellos",8}");
        foreach (var n in v.Neighbors)
        {
            s.AppendLine($"{n.Router,-16} {n.Interface,-20} {n.Address,-16} {n.State,-8} {n.LastHeardMilliseconds + " ms",10} {(n.State == "up" ? Uptime(n.UpForSeconds) : "-"),10} {n.Hellos,8}");
        }
        if (v.Neighbors.Count == 0)
        {
            s.AppendLine("(none)");
        }
        return s.ToString().TrimEnd('\n');
    }

    private static string FleetDatabase(FleetDatabaseView v)
    {
        var s = new StringBuilder();
        s.AppendLine($"Fleet link-state database of {v.Router}: {v.Routers} routers, {v.Adjacencies} adjacencies, {v.Prefixes} prefixes, about {v.EncodedBytes} bytes"
            + (v.Unreadable > 0 ? $"; {v.Unreadable} unreadable entries left out" : ""));
        foreach (var e in v.Entries)
        {
            s.AppendLine($"{e.Router} (sequence {e.Sequence})");
            s.AppendLine($"  connected:   {(e.Connected.Count == 0 ? "-" : string.Join(", ", e.Connected))}");
            s.AppendLine($"  adjacencies: {(e.Adjacencies.Count == 0 ? "-" : string.Join(", ", e.Adjacencies.Select(a => $"{a.Neighbor} at {a.Address} cost {a.Cost}")))}");
            if (e.SharedStaticRoutes.Count > 0)
            {
                s.AppendLine($"  shared static routes: {string.Join(", ", e.SharedStaticRoutes)}");
            }
        }
        return s.ToString().TrimEnd('\n');
    }

    /// <summary>IOS's uptime style: hh:mm:ss under a day, then 1d02h, then 1w2d.</summary>
    public static string Uptime(long? seconds)
    {
        if (seconds is not long total)
        {
            return "-";
        }
        var t = TimeSpan.FromSeconds(total);
        if (t.TotalDays < 1)
        {
            return $"{(int)t.TotalHours:00}:{t.Minutes:00}:{t.Seconds:00}";
        }
        if (t.TotalDays < 7)
        {
            return $"{t.Days}d{t.Hours:00}h";
        }
        return $"{t.Days / 7}w{t.Days % 7}d";
    }

    /// <summary>
    /// The members' answers as one table with a Router column where the reply is a table (interfaces,
    /// brief, routes, ARP), else each member's answer under its name; then the members that did not answer.
    /// </summary>
    /// <param name="inner">The show request that ran on every member (brief and interfaces share a reply type).</param>
    public static string FleetText(FleetAnswersView v, IArctlRequest? inner)
    {
        var s = new StringBuilder();
        var views = v.Answers.Where(a => a.Reply is not CommandRefused and not NotAuthorised).ToList();
        if (views.Count > 0)
        {
            switch (views[0].Reply)
            {
                case InterfacesView when inner is ShowIpInterfaceBriefRequest && views.All(a => a.Reply is InterfacesView):
                    s.AppendLine($"{"Router",-16} {"Interface",-22} {"IP-Address",-15} OK? Method {"Status",-21} Protocol");
                    foreach (var a in views)
                    {
                        foreach (var i in ((InterfacesView)a.Reply).Interfaces)
                        {
                            var address = i.Address?.Split('/')[0] ?? "unassigned";
                            s.AppendLine($"{a.Router,-16} {i.Name,-22} {address,-15} YES {(i.Address is null ? "unset" : "manual"),-6} {StateText(i),-21} {(i.OperUp ? "up" : "down")}");
                        }
                    }
                    break;
                case InterfacesView when views.All(a => a.Reply is InterfacesView):
                    s.AppendLine($"{"Router",-16} {"Interface",-22} {"Status",-21} {"Protocol",-8} {"Address",-18} {"MTU",5} {"In packets",12} {"Out packets",12} {"Drops",8}");
                    foreach (var a in views)
                    {
                        foreach (var i in ((InterfacesView)a.Reply).Interfaces)
                        {
                            s.AppendLine($"{a.Router,-16} {i.Name,-22} {StateText(i),-21} {(i.OperUp ? "up" : "down"),-8} {i.Address ?? "unassigned",-18} {N(i.Mtu),5} {N(i.RxPackets),12} {N(i.TxPackets),12} {N(i.Drops),8}");
                        }
                    }
                    break;
                case RoutesView when views.All(a => a.Reply is RoutesView):
                    s.AppendLine("Codes: L - local, C - connected, S - static, F - fleet");
                    s.AppendLine($"{"Router",-16} Code {"Prefix",-18} {"Next hop",-15} Interface");
                    foreach (var a in views)
                    {
                        foreach (var r in ((RoutesView)a.Reply).Routes.OrderBy(r => SortKey(r.Prefix).Network).ThenBy(r => SortKey(r.Prefix).Length))
                        {
                            s.AppendLine($"{a.Router,-16} {r.Code,-4} {r.Prefix,-18} {r.NextHop ?? "-",-15} {r.Interface ?? "-"}{(r.Active ? "" : " (inactive)")}");
                        }
                    }
                    break;
                case ArpView when views.All(a => a.Reply is ArpView):
                    s.AppendLine($"{"Router",-16} {"Protocol",-9} {"Address",-16} {"Age (min)",9}  {"Hardware Addr",-17}  {"Type",-5} {"Interface",-20} State");
                    foreach (var a in views)
                    {
                        foreach (var e in ((ArpView)a.Reply).Entries)
                        {
                            var age = e.AgeMinutes is int minutes ? N(minutes) : "-";
                            s.AppendLine($"{a.Router,-16} {"Internet",-9} {e.Address,-16} {age,9}  {e.Mac ?? "Incomplete",-17}  {"ARPA",-5} {e.Interface,-20} {e.State}");
                        }
                    }
                    break;
                default:
                    foreach (var a in views)
                    {
                        s.AppendLine($"Router {a.Router}:");
                        foreach (var line in Text(a.Reply).Split('\n'))
                        {
                            s.AppendLine("  " + line);
                        }
                    }
                    break;
            }
        }
        foreach (var a in v.Answers)
        {
            switch (a.Reply)
            {
                case CommandRefused r:
                    s.AppendLine($"% {a.Router}: {r.Reason}");
                    break;
                case NotAuthorised r:
                    s.AppendLine($"% {a.Router}: {r.Reason}");
                    break;
            }
        }
        if (v.NotAnswered.Count > 0)
        {
            s.AppendLine("Not answered:");
            foreach (var silent in v.NotAnswered)
            {
                s.AppendLine($"  {silent.Router}: {silent.Reason}");
            }
        }
        return s.ToString().TrimEnd('\n');
    }

    /// <summary>
    /// <c>--json</c> of a <c>--fleet</c> answer: a reply that is one list (interfaces, routes, entries, ...)
    /// is merged into one list whose items carry <c>"router"</c> first; any other reply is listed under
    /// <c>"replies"</c> with its router; refusals under <c>"errors"</c>; then <c>"answered"</c> and <c>"notAnswered"</c>.
    /// </summary>
    public static string FleetJson(FleetAnswersView v)
    {
        var merged = new JsonObject();
        var replies = new JsonArray();
        var errors = new JsonArray();
        foreach (var a in v.Answers)
        {
            switch (a.Reply)
            {
                case CommandRefused r:
                    errors.Add((JsonNode)new JsonObject { ["router"] = a.Router, ["error"] = r.Reason });
                    continue;
                case NotAuthorised r:
                    errors.Add((JsonNode)new JsonObject { ["router"] = a.Router, ["notAuthorised"] = true, ["error"] = r.Reason });
                    continue;
            }
            var node = JsonNode.Parse(Json(a.Reply));
            if (node is JsonObject { Count: 1 } single && single.First() is { Value: JsonArray items } only)
            {
                if (merged[only.Key] is not JsonArray list)
                {
                    list = new JsonArray();
                    merged[only.Key] = list;
                }
                foreach (var item in items.ToList())
                {
                    items.Remove(item);
                    if (item is JsonObject fields)
                    {
                        var withRouter = new JsonObject { ["router"] = a.Router };
                        foreach (var field in fields.ToList())
                        {
                            fields.Remove(field.Key);
                            withRouter[field.Key] = field.Value;
                        }
                        list.Add((JsonNode)withRouter);
                    }
                    else
                    {
                        list.Add((JsonNode)new JsonObject { ["router"] = a.Router, ["value"] = item });
                    }
                }
            }
            else
            {
                replies.Add((JsonNode)new JsonObject { ["router"] = a.Router, ["reply"] = node });
            }
        }
        if (replies.Count > 0)
        {
            merged["replies"] = replies;
        }
        if (errors.Count > 0)
        {
            merged["errors"] = errors;
        }
        var answered = new JsonArray();
        foreach (var a in v.Answers)
        {
            answered.Add((JsonNode)JsonValue.Create(a.Router));
        }
        merged["answered"] = answered;
        var silent = new JsonArray();
        foreach (var s in v.NotAnswered)
        {
            silent.Add((JsonNode)new JsonObject { ["router"] = s.Router, ["reason"] = s.Reason });
        }
        merged["notAnswered"] = silent;
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            merged.WriteTo(writer);
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The exit code of a <c>--fleet</c> answer: 0 when every member answered with a view, else the worst of refused (1), silent (3), not authorised (4).</summary>
    public static int FleetExitCode(FleetAnswersView v)
    {
        var code = ArctlApp.ExitOk;
        if (v.Answers.Any(a => a.Reply is CommandRefused))
        {
            code = ArctlApp.ExitCommandFailed;
        }
        if (v.NotAnswered.Count > 0)
        {
            code = ArctlApp.ExitUnreachable;
        }
        if (v.Answers.Any(a => a.Reply is NotAuthorised))
        {
            code = ArctlApp.ExitNotAuthorised;
        }
        return code;
    }
}
