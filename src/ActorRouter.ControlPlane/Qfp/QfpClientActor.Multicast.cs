using ActorRouter.DataPlane;
using ActorRouter.DataPlane.Multicast;
using Akka.Actor;
using Akka.Event;

namespace ActorRouter.ControlPlane.Qfp;

// The data-plane side of multicast routing: FMAN sends what changed (routes set, routes removed, the routing switch),
// the client merges it into the entries the data plane has now (read back, never kept here, so a restarted client
// loses nothing) and publishes the result as one snapshot.
public sealed partial class QfpClientActor
{
    private void ReceiveMulticast() => Receive<ProgramMulticast>(OnProgramMulticast);

    private void OnProgramMulticast(ProgramMulticast m)
    {
        var interfaces = _dataPlane.Interfaces;
        var current = _dataPlane.Multicast.Current;
        var routes = new Dictionary<(uint, uint), MulticastRouteSpec>();
        foreach (var entry in current.Entries)
        {
            var incoming = interfaces[entry.Incoming]?.Name;
            if (incoming is null)
            {
                continue;
            }
            var outgoing = entry.Outgoing.Select(index => interfaces[index]?.Name).OfType<string>().ToList();
            routes[(entry.Source, entry.Group)] = new MulticastRouteSpec(entry.Source, entry.Group, incoming, outgoing);
        }
        foreach (var (source, group) in m.Remove)
        {
            routes.Remove((source, group));
        }
        foreach (var route in m.Set)
        {
            routes[(route.Source, route.Group)] = route;
        }
        try
        {
            var tables = _dataPlane.PublishMulticast(m.Routing, routes.Values.ToList());
            Sender.Tell(new MulticastProgrammed(tables.Routing, tables.Entries.Count));
        }
        catch (DataPlaneCommandException e)
        {
            _log.Warning("multicast routes refused by the data plane: {0}", e.Message);
            Sender.Tell(new MulticastRefused(e.Message));
        }
    }
}

/// <summary>FMAN → QFP client: multicast routing on or off, these routes added or replaced, those (source, group) removed.</summary>
public sealed record ProgramMulticast(bool Routing, IReadOnlyList<MulticastRouteSpec> Set, IReadOnlyList<(uint Source, uint Group)> Remove);

/// <summary>The data plane's multicast state after a <see cref="ProgramMulticast"/>: the switch and how many entries it has.</summary>
public sealed record MulticastProgrammed(bool Routing, int Entries);

/// <summary>The data plane refused a <see cref="ProgramMulticast"/> (an interface gone meanwhile); its state is unchanged.</summary>
public sealed record MulticastRefused(string Reason);
