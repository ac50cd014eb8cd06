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
