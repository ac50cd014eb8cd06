using System.Text;
using ActorRouter.Control.Contracts;

namespace ActorRouter.Cli;

public static partial class ReplyFormatter
{
    /// <summary><c>show ip mroute</c>: one block per (S,G) or (*,G) route, as IOS lays it out, then the data plane's multicast drops.</summary>
    private static string Mroute(MrouteTableView v)
    {
        var s = new StringBuilder();
        s.AppendLine($"IP Multicast Routing Table (ip multicast-routing {(v.Routing ? "on" : "off")})");
        if (v.Routes.Count == 0)
        {
            s.AppendLine("No multicast routes are configured.");
        }
        foreach (var r in v.Routes)
        {
            s.AppendLine();
            s.AppendLine($"({r.Source}, {r.Group}){(r.Programmed ? "" : ", not programmed: its incoming interface is not up")}");
            s.AppendLine($"  Incoming interface: {r.Incoming}, RPF check on it");
            s.AppendLine("  Outgoing interface list:" + (r.Outgoing.Count == 0 ? " Null" : ""));
            foreach (var o in r.Outgoing)
            {
                s.AppendLine($"    {o.Interface} ({o.Origin})");
            }
        }
        s.AppendLine();
        s.Append($"Multicast drops: RPF failures {N(v.RpfFailures)}, no route {N(v.NoRoute)}, link-local groups {N(v.LinkLocal)}, " +
                 $"TTL scope {N(v.TtlScope)}, no receivers {N(v.NoReceivers)}");
        return s.ToString();
    }

    /// <summary><c>show ip igmp groups</c>: the groups with members per interface, then each interface's querier.</summary>
    private static string IgmpGroups(IgmpGroupsView v)
    {
        var s = new StringBuilder();
        s.AppendLine("IGMP Connected Group Membership");
        s.AppendLine("Group Address    Interface            Uptime    Expires   Last Reporter    Version");
        foreach (var g in v.Groups)
        {
            s.AppendLine($"{g.Group,-16} {g.Interface,-20} {Seconds(g.UptimeSeconds),-9} {Seconds(g.ExpiresSeconds),-9} {g.LastReporter,-16} v{g.Version}");
        }
        if (v.Groups.Count == 0)
        {
            s.AppendLine("(no groups)");
        }
        s.AppendLine();
        s.AppendLine("Interface            Address          Querier");
        foreach (var i in v.Interfaces)
        {
            s.AppendLine($"{i.Interface,-20} {i.Address,-16} {i.Querier}{(i.RouterIsQuerier ? " (this router)" : "")}");
        }
        if (v.Interfaces.Count == 0)
        {
            s.AppendLine("(IGMP runs on no interface: multicast routing is off, or no interface is up with an IPv4 address)");
        }
        return s.ToString().TrimEnd('\n');
    }

    private static string Seconds(double seconds)
    {
        var t = TimeSpan.FromSeconds(Math.Round(seconds));
        return t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}" : $"{t.Minutes:00}:{t.Seconds:00}";
    }
}
