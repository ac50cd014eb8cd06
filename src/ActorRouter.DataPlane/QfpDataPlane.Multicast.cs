using ActorRouter.DataPlane.Multicast;

namespace ActorRouter.DataPlane;

/// <summary>
/// One multicast route as configured or learned, by interface names: (S,G) with a source, (*,G) with source 0;
/// packets must come in on <paramref name="Incoming"/> and go out on every interface of <paramref name="Outgoing"/>.
/// </summary>
public sealed record MulticastRouteSpec(uint Source, uint Group, string Incoming, IReadOnlyList<string> Outgoing);

public sealed partial class QfpDataPlane
{
    /// <summary>
    /// Makes the multicast forwarding state this: <paramref name="routing"/> is <c>ip multicast-routing</c>,
    /// <paramref name="routes"/> the (S,G) and (*,G) entries. Outgoing interfaces named twice count once.
    /// </summary>
    /// <exception cref="DataPlaneCommandException">A route names an unknown or tunnel interface, a group outside
    /// 224/4 or inside 224.0.0.0/24, too many outgoing interfaces, or repeats another route's (S,G).</exception>
    public MulticastTables PublishMulticast(bool routing, IReadOnlyList<MulticastRouteSpec> routes)
    {
        lock (_commandLock)
        {
            var entries = new List<MulticastEntry>(routes.Count);
            var seen = new HashSet<(uint, uint)>();
            foreach (var route in routes)
            {
                var name = $"({(route.Source == 0 ? "*" : Packets.Ipv4Address.Format(route.Source))}, {Packets.Ipv4Address.Format(route.Group)})";
                if (route.Group >> 28 != 0xE || (route.Group & 0xFFFFFF00u) == Graph.Nodes.Ip4McastNode.LinkLocalBlock)
                {
                    throw new DataPlaneCommandException($"multicast route {name}: the group must be in 224.0.0.0/4 and outside 224.0.0.0/24");
                }
                if (!seen.Add((route.Source, route.Group)))
                {
                    throw new DataPlaneCommandException($"multicast route {name} is given twice");
                }
                var incoming = ResolveMulticastInterface(name, route.Incoming);
                var outgoing = new List<ushort>(route.Outgoing.Count);
                foreach (var interfaceName in route.Outgoing)
                {
                    var index = ResolveMulticastInterface(name, interfaceName);
                    if (!outgoing.Contains(index))
                    {
                        outgoing.Add(index);
                    }
                }
                if (outgoing.Count > MulticastTables.MaxOutgoingInterfaces)
                {
                    throw new DataPlaneCommandException($"multicast route {name}: {outgoing.Count} outgoing interfaces, at most {MulticastTables.MaxOutgoingInterfaces}");
                }
                entries.Add(new MulticastEntry(route.Source, route.Group, incoming, outgoing.ToArray()));
            }
            var tables = new MulticastTables(routing, entries);
            Multicast.Publish(tables);
            return tables;
        }
    }

    private ushort ResolveMulticastInterface(string route, string interfaceName)
    {
        var uidb = _interfaces.FindByName(interfaceName);
        if (uidb is null)
        {
            throw new DataPlaneCommandException($"multicast route {route}: no interface {interfaceName}");
        }
        if (uidb.IsTunnel)
        {
            throw new DataPlaneCommandException($"multicast route {route}: {interfaceName} is a tunnel (multicast is routed on Ethernet interfaces only)");
        }
        return (ushort)uidb.Index;
    }
}
