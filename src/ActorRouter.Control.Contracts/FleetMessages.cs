using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorRouter.Control.Contracts;

// The fleet: routers that form one Akka.Cluster on a management network, driven from one arctl.
// arctl talks to one member; that member answers "show fleet" from its view of the cluster, and
// carries "--node NAME" and "--fleet" requests to the other members. The caller's SignedRequest is
// carried unchanged, so each member checks the caller's signature and role itself: a member never
// vouches for a caller, and the target node's name is inside what the caller signed.

/// <summary><c>show fleet</c>: the members as the router arctl is connected to sees them.</summary>
public sealed record ShowFleetRequest : IArctlRequest;

/// <param name="Router">The member's router name (<c>actorrouter.fleet.router-name</c>).</param>
/// <param name="Address">Its management address, "akka.ssl.tcp://FLEET@192.0.2.1:4054".</param>
/// <param name="Status">Akka's member status: Joining, WeaklyUp, Up, Leaving, Exiting, Down, Removed.</param>
/// <param name="Reachable">False once some member's failure detector stopped hearing from it.</param>
/// <param name="UptimeSeconds">Since the member's router started (its own clock); null when it did not say.</param>
/// <param name="Self">The member that answered.</param>
public sealed record FleetMemberView(string Router, string Address, string Status, bool Reachable, bool Leader, long? UptimeSeconds, bool Self);

/// <param name="Fleet">The fleet's name (the Akka system name every member uses).</param>
/// <param name="Router">The router that answered.</param>
/// <param name="Leader">The router name of the cluster's leader; null while there is none.</param>
public sealed record FleetView(string Fleet, string Router, string? Leader, IReadOnlyList<FleetMemberView> Members)
{
    public IReadOnlyList<FleetMemberView> Members { get; } = Members.ToList();
}

/// <summary>
/// <c>arctl --node NAME COMMAND</c>: <paramref name="Request"/> runs on the member named <paramref name="Node"/>,
/// reached through the router arctl is connected to. The target checks the caller's signature and the
/// role the inner request needs, exactly as if arctl had connected to it.
/// </summary>
public sealed record NodeRequest(string Node, [property: JsonConverter(typeof(NestedRequestConverter))] IArctlRequest Request) : IArctlRequest;

/// <summary>
/// <c>arctl --fleet show ...</c>: the show request runs on every member; the router arctl is connected to
/// waits at most <paramref name="DeadlineMilliseconds"/> and answers with what came back.
/// </summary>
public sealed record FleetRequest([property: JsonConverter(typeof(NestedRequestConverter))] IArctlRequest Request, int DeadlineMilliseconds) : IArctlRequest
{
    public const int MinimumDeadlineMilliseconds = 100;
    public const int MaximumDeadlineMilliseconds = 60_000;
}

/// <summary>One member's answer to a <see cref="FleetRequest"/>: the same reply record as the member gives arctl directly.</summary>
public sealed record FleetAnswer(string Router, [property: JsonConverter(typeof(NestedReplyConverter))] object Reply);

/// <summary>A member that did not answer a <see cref="FleetRequest"/> within its deadline, and why it is thought not to have.</summary>
public sealed record FleetSilence(string Router, string Reason);

/// <summary>The answers of a <see cref="FleetRequest"/>, by router name, and the members that did not answer.</summary>
public sealed record FleetAnswersView(IReadOnlyList<FleetAnswer> Answers, IReadOnlyList<FleetSilence> NotAnswered)
{
    public IReadOnlyList<FleetAnswer> Answers { get; } = Answers.ToList();
    public IReadOnlyList<FleetSilence> NotAnswered { get; } = NotAnswered.ToList();
}

/// <summary>The fleet requests' own rules, the same on both ends.</summary>
public static class FleetRules
{
    /// <summary>Why <paramref name="inner"/> cannot be carried to another member; null when it can.</summary>
    public static string? WhyNotForNode(IArctlRequest inner) => inner switch
    {
        NodeRequest or FleetRequest => "a --node or --fleet request cannot carry another one",
        IssueCredentialRequest => "credentials issue writes a file on the caller's machine: connect to that router itself",
        _ => null,
    };

    /// <summary>Why <paramref name="inner"/> cannot run on every member; null when it can (only <c>show</c> requests).</summary>
    public static string? WhyNotForFleet(IArctlRequest inner) =>
        WhyNotForNode(inner) ?? (inner.GetType().Name.StartsWith("Show", StringComparison.Ordinal) && inner is not ShowFleetRequest
            ? null
            : "--fleet runs show commands only (show fleet itself already lists every member)");
}

/// <summary>
/// A reply inside a <see cref="FleetAnswer"/>: <c>{"manifest": NAME, "body": {...}}</c>, where NAME is looked up
/// in the codec's fixed table of reply types — never a type name resolved from the wire.
/// </summary>
public sealed class NestedReplyConverter : JsonConverter<object>
{
    public override object? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("the nested reply is not an object");
        }
        Type? type = null;
        object? reply = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                throw new JsonException("malformed nested reply");
            }
            var property = reader.GetString();
            reader.Read();
            switch (property)
            {
                case "manifest":
                    var manifest = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    type = manifest is null ? null : ContractCodec.ReplyTypeOf(manifest);
                    if (type is null)
                    {
                        throw new JsonException($"the nested reply's manifest '{manifest}' is not a control reply type");
                    }
                    break;
                case "body":
                    if (type is null)
                    {
                        throw new JsonException("the nested reply's body comes before its manifest");
                    }
                    reply = JsonSerializer.Deserialize(ref reader, ContractCodec.Info(type));
                    break;
                default:
                    throw new JsonException($"unexpected property '{property}' in the nested reply");
            }
        }
        return reply ?? throw new JsonException("the nested reply has no body");
    }

    public override void Write(Utf8JsonWriter writer, object value, JsonSerializerOptions options)
    {
        var manifest = ContractCodec.Manifest(value);
        if (ContractCodec.ReplyTypeOf(manifest) is null)
        {
            throw new SerializationException($"{value.GetType().Name} cannot be carried as a member's reply");
        }
        writer.WriteStartObject();
        writer.WriteString("manifest", manifest);
        writer.WritePropertyName("body");
        JsonSerializer.Serialize(writer, value, ContractCodec.Info(value.GetType()));
        writer.WriteEndObject();
    }
}

// Fleet routing: each member publishes its link state (connected prefixes, adjacencies confirmed by probes over
// the data links, static routes marked to share) into a replicated database and installs shortest paths (code F).

/// <summary><c>show fleet routes</c>: the routes this router computed from the fleet's link-state database.</summary>
public sealed record ShowFleetRoutesRequest : IArctlRequest;

/// <param name="Address">The first hop's address on the shared subnet.</param>
/// <param name="Neighbor">The member that address belongs to.</param>
public sealed record FleetNextHopView(string Address, string Neighbor);

/// <param name="Prefix">"A.B.C.D/LEN".</param>
/// <param name="Cost">The path's total cost (each adjacency costs 1).</param>
/// <param name="NextHops">Every equal-cost first hop, by address; FMAN installs the first on an up interface.</param>
/// <param name="Origins">The members that originate the prefix at that cost.</param>
public sealed record FleetRouteView(string Prefix, int Cost, IReadOnlyList<FleetNextHopView> NextHops, IReadOnlyList<string> Origins)
{
    public IReadOnlyList<FleetNextHopView> NextHops { get; } = NextHops.ToList();
    public IReadOnlyList<string> Origins { get; } = Origins.ToList();
}

/// <param name="Router">The router that answered.</param>
public sealed record FleetRoutesView(string Router, IReadOnlyList<FleetRouteView> Routes)
{
    public IReadOnlyList<FleetRouteView> Routes { get; } = Routes.ToList();
}

/// <summary><c>show fleet neighbors</c>: the members heard by probes on this router's data links.</summary>
public sealed record ShowFleetNeighborsRequest : IArctlRequest;

/// <param name="State">"up" (heard both ways: an adjacency, published) or "one-way" (heard, but its hellos do not list this router yet).</param>
/// <param name="LastHeardMilliseconds">Since its last hello.</param>
/// <param name="UpForSeconds">Since the adjacency came up; 0 while one-way.</param>
/// <param name="Hellos">Hellos received from it on this interface.</param>
public sealed record FleetNeighborView(string Router, string Interface, string Address, string State, long LastHeardMilliseconds, long UpForSeconds, long Hellos);

/// <param name="ProbeIntervalMilliseconds">How often a hello leaves every up interface.</param>
/// <param name="DeadIntervals">Intervals without a hello after which an adjacency is down.</param>
/// <param name="HellosReceived">Hellos of this fleet received on any interface.</param>
/// <param name="HellosForeign">Hellos of another fleet (dropped).</param>
/// <param name="HellosMalformed">Datagrams to the probe port that were not readable hellos (dropped).</param>
public sealed record FleetNeighborsView(string Router, int ProbeIntervalMilliseconds, int DeadIntervals, long HellosReceived, long HellosForeign,
    long HellosMalformed, IReadOnlyList<FleetNeighborView> Neighbors)
{
    public IReadOnlyList<FleetNeighborView> Neighbors { get; } = Neighbors.ToList();
}

/// <summary><c>show fleet database</c>: the fleet's link-state database as this router holds it.</summary>
public sealed record ShowFleetDatabaseRequest : IArctlRequest;

public sealed record FleetAdjacencyView(string Neighbor, string Address, int Cost);

/// <param name="Sequence">Only grows; a newer entry of the same router replaces an older one.</param>
public sealed record FleetDatabaseEntryView(string Router, long Sequence, IReadOnlyList<string> Connected, IReadOnlyList<FleetAdjacencyView> Adjacencies,
    IReadOnlyList<string> SharedStaticRoutes)
{
    public IReadOnlyList<string> Connected { get; } = Connected.ToList();
    public IReadOnlyList<FleetAdjacencyView> Adjacencies { get; } = Adjacencies.ToList();
    public IReadOnlyList<string> SharedStaticRoutes { get; } = SharedStaticRoutes.ToList();
}

/// <param name="Router">The router that answered.</param>
/// <param name="EncodedBytes">An estimate of the database's encoded size.</param>
/// <param name="Unreadable">Replicated entries left out because they could not be read.</param>
public sealed record FleetDatabaseView(string Router, int Routers, int Adjacencies, int Prefixes, long EncodedBytes, int Unreadable,
    IReadOnlyList<FleetDatabaseEntryView> Entries)
{
    public IReadOnlyList<FleetDatabaseEntryView> Entries { get; } = Entries.ToList();
}
