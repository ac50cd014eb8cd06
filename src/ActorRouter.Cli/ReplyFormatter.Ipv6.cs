using System.Text;
using ActorRouter.Control.Contracts;

namespace ActorRouter.Cli;

/// <summary>The IPv6 shows, laid out as IOS lays out <c>show ipv6 interface brief</c> and <c>show ipv6 route</c>.</summary>
public static partial class ReplyFormatter
{
    private static string Ipv6Interfaces(Ipv6InterfacesView v)
    {
        var s = new StringBuilder();
        foreach (var i in v.Interfaces)
        {
            var state = !i.AdminUp ? "administratively down" : i.OperUp ? "up" : "down";
            s.AppendLine($"{i.Name,-30} [{state}/{(i.OperUp ? "up" : "down")}]");
            if (i.Addresses.Count == 0 && i.Duplicated.Count == 0)
            {
                s.AppendLine("    unassigned");
                continue;
            }
            s.AppendLine($"    {i.LinkLocal}");
            foreach (var a in i.Addresses)
            {
                s.AppendLine($"    {a}");
            }
            foreach (var a in i.Duplicated)
            {
                s.AppendLine($"    {a} [DUP]");
            }
        }
        return s.ToString().TrimEnd('\n');
    }

    private static string Ipv6Neighbors(Ipv6NeighborsView v)
    {
        var s = new StringBuilder();
        s.AppendLine($"{"IPv6 Address",-40} {"Age",4} {"Link-layer Addr",-17} {"State",-5} Interface");
        foreach (var n in v.Neighbors)
        {
            var age = n.AgeMinutes is int minutes ? minutes.ToString(System.Globalization.CultureInfo.InvariantCulture) : "-";
            s.AppendLine($"{n.Address,-40} {age,4} {n.Mac ?? "-",-17} {n.State,-5} {n.Interface}");
        }
        return s.ToString().TrimEnd('\n');
    }

    private static string Ipv6Routes(Ipv6RoutesView v)
    {
        var s = new StringBuilder();
        s.AppendLine($"IPv6 Routing Table - {v.Routes.Count(r => r.State != "unresolved")} entries");
        s.AppendLine("Codes: C - Connected, L - Local, S - Static");
        foreach (var r in v.Routes)
        {
            s.AppendLine($"{r.Code}   {r.Prefix} [{(r.Code == "S" ? "1/0" : "0/0")}]");
            var via = r.Code switch
            {
                "L" => "receive",
                "C" => $"directly connected, {r.Interface}",
                _ => r.State == "drop" ? "Null0" : $"{r.NextHop}{(r.Interface is null ? "" : ", " + r.Interface)}",
            };
            var note = r.State switch
            {
                "incomplete" => " (next hop not resolved)",
                "unresolved" => " (inactive: next hop on no connected prefix)",
                _ => "",
            };
            s.AppendLine($"     via {via}{note}");
        }
        return s.ToString().TrimEnd('\n');
    }
}
