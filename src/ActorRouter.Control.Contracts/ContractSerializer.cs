using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Akka.Actor;
using Akka.Serialization;

namespace ActorRouter.Control.Contracts;

/// <summary>
/// The control contracts' encoding: a fixed table of contract types, each with a fixed manifest (its
/// name), encoded as System.Text.Json with source-generated metadata. A manifest not in the table is
/// refused, so no type name read from the wire is ever resolved. No Akka here: arctl speaks the
/// wire protocol itself and uses only this.
/// </summary>
public static class ContractCodec
{
    /// <summary>The serializer id on the wire (Akka reserves 0..100 for its own serializers).</summary>
    public const int SerializerId = 4053;

    /// <summary>
    /// The fixed table. The JSON metadata of a type is created on its first use, so that arctl, which
    /// uses two or three types, does not build all.
    /// </summary>
    private static readonly Type[] Table =
    [
        typeof(ShowInterfacesRequest), typeof(ShowIpInterfaceBriefRequest), typeof(ShowIpRouteRequest), typeof(ShowIpArpRequest),
        typeof(SetServicePolicyRequest), typeof(DefineQosRequest), typeof(ShowPolicyMapRequest), typeof(ShowQfpStatisticsRequest),
        typeof(ShowThreadsRequest), typeof(ShowActorsRequest), typeof(ShowRunningConfigRequest), typeof(SetShutdownRequest),
        typeof(SetIpAddressRequest), typeof(SetMtuRequest), typeof(AddRouteRequest), typeof(RemoveRouteRequest), typeof(ClearCountersRequest),
        typeof(WriteMemoryRequest), typeof(DebugFaultRequest), typeof(ShowControlEndpointRequest),
        typeof(CreateSubinterfaceRequest), typeof(RemoveSubinterfaceRequest),
        typeof(SetStaticArpRequest), typeof(RemoveStaticArpRequest), typeof(ClearIpArpRequest), typeof(ShowPlatformPuntRequest), typeof(PuntView),
        typeof(CommandDone), typeof(CommandRefused), typeof(InterfacesView), typeof(RoutesView), typeof(ArpView), typeof(QfpStatisticsView),
        typeof(ThreadsView), typeof(ActorsView), typeof(RunningConfigView), typeof(PolicyMapView), typeof(ControlEndpointView),
        typeof(SignedRequest), typeof(NotAuthorised), typeof(IssueCredentialRequest), typeof(CredentialIssued),
        typeof(RevokeCredentialRequest), typeof(ShowControlClientsRequest), typeof(ControlClientsView),
        typeof(ShowPlatformRuntimeRequest), typeof(ClearPlatformRuntimeRequest), typeof(PlatformRuntimeView),
        typeof(DebugPacketTraceRequest), typeof(ShowPacketTraceRequest), typeof(ClearPacketTraceRequest), typeof(PacketTraceView),
        typeof(DefineCaptureRequest), typeof(StartCaptureRequest), typeof(StopCaptureRequest), typeof(ShowMonitorCaptureRequest), typeof(MonitorCaptureView),
        typeof(ShowCryptoIpsecSaRequest), typeof(CryptoIpsecSaView), typeof(CreateTunnelRequest),
        typeof(ShowFleetRequest), typeof(FleetView), typeof(NodeRequest), typeof(FleetRequest), typeof(FleetAnswersView),
        typeof(ShowIpv6InterfaceBriefRequest), typeof(ShowIpv6RouteRequest), typeof(Ipv6InterfacesView), typeof(Ipv6RoutesView),
        typeof(SetIpv6AddressRequest), typeof(AddIpv6RouteRequest), typeof(RemoveIpv6RouteRequest), typeof(SetIpv6NeighborRequest), typeof(RemoveIpv6NeighborRequest),
        typeof(ShowIpMrouteRequest), typeof(MrouteTableView), typeof(ShowIpIgmpGroupsRequest), typeof(IgmpGroupsView),
        typeof(ShowIpv6NeighborsRequest), typeof(Ipv6NeighborsView),
        typeof(ShowFleetRoutesRequest), typeof(FleetRoutesView), typeof(ShowFleetNeighborsRequest), typeof(FleetNeighborsView),
        typeof(ShowFleetDatabaseRequest), typeof(FleetDatabaseView),
    ];

    private static readonly Dictionary<Type, string> ByType = Table.ToDictionary(t => t, t => t.Name);
    private static readonly Dictionary<string, Type> ByManifest = Table.ToDictionary(t => t.Name, t => t, StringComparer.Ordinal);

    /// <summary>Every type the codec carries, requests and replies.</summary>
    public static IReadOnlyCollection<Type> Types => ByType.Keys;

    public static bool IsKnownManifest(string manifest) => ByManifest.ContainsKey(manifest);

    public static string Manifest(object o) =>
        ByType.TryGetValue(o.GetType(), out var manifest)
            ? manifest
            : throw new SerializationException($"{o.GetType().Name} is not a control contract type");

    public static byte[] Encode(object o) =>
        ByType.ContainsKey(o.GetType())
            ? JsonSerializer.SerializeToUtf8Bytes(o, Info(o.GetType()))
            : throw new SerializationException($"{o.GetType().Name} is not a control contract type");

    /// <summary>The contract object <paramref name="bytes"/> encode under <paramref name="manifest"/>; <see cref="SerializationException"/> for anything else.</summary>
    public static object Decode(ReadOnlySpan<byte> bytes, string manifest)
    {
        if (!ByManifest.TryGetValue(manifest, out var type))
        {
            throw new SerializationException($"'{manifest}' is not a control contract type");
        }
        try
        {
            return JsonSerializer.Deserialize(bytes, Info(type))
                ?? throw new SerializationException($"{manifest}: null payload");
        }
        catch (JsonException e)
        {
            throw new SerializationException($"{manifest}: malformed payload: {e.Message}");
        }
    }

    /// <summary>
    /// The request type <paramref name="manifest"/> names in the fixed table; null for anything else
    /// (a reply, a signed request, an unknown name). Used for the request nested in a <see cref="SignedRequest"/>.
    /// </summary>
    public static Type? RequestTypeOf(string manifest) =>
        ByManifest.TryGetValue(manifest, out var type) && type != typeof(SignedRequest) && typeof(IArctlRequest).IsAssignableFrom(type)
            ? type
            : null;

    /// <summary>
    /// The reply type <paramref name="manifest"/> names in the fixed table; null for requests, signed
    /// requests and fleet answers (a member's answer never nests another). Used for the replies inside a <see cref="FleetAnswersView"/>.
    /// </summary>
    public static Type? ReplyTypeOf(string manifest) =>
        ByManifest.TryGetValue(manifest, out var type) && type != typeof(SignedRequest) && type != typeof(FleetAnswersView) && !typeof(IArctlRequest).IsAssignableFrom(type)
            ? type
            : null;

    internal static JsonTypeInfo Info(Type type) =>
        ContractJsonContext.Default.GetTypeInfo(type) ?? throw new SerializationException($"{type.Name} has no JSON metadata");
}

/// <summary>
/// The only serializer the router's control endpoint accepts from the wire: the
/// <see cref="ContractCodec"/> as an Akka serializer, bound to exactly the contract types.
/// </summary>
public sealed class ContractSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int Id = ContractCodec.SerializerId;

    public const string Name = "actorrouter-contracts";

    public static IReadOnlyCollection<Type> Types => ContractCodec.Types;

    public static bool IsKnownManifest(string manifest) => ContractCodec.IsKnownManifest(manifest);

    public override int Identifier => Id;

    public override string Manifest(object o) => ContractCodec.Manifest(o);

    public override byte[] ToBinary(object obj) => ContractCodec.Encode(obj);

    public override object FromBinary(byte[] bytes, string manifest) => ContractCodec.Decode(bytes, manifest);

    public static object Decode(ReadOnlySpan<byte> bytes, string manifest) => ContractCodec.Decode(bytes, manifest);

    /// <summary>
    /// HOCON registering this serializer and binding each contract type (exact types, no base type or
    /// interface) to it.
    /// </summary>
    public static string Hocon
    {
        get
        {
            var bindings = string.Join("\n", ContractCodec.Types.Select(t => $"      \"{t.FullName}, {t.Assembly.GetName().Name}\" = {Name}"));
            return $$"""
                akka.actor {
                  serializers.{{Name}} = "{{typeof(ContractSerializer).FullName}}, {{typeof(ContractSerializer).Assembly.GetName().Name}}"
                  serialization-bindings {
                {{bindings}}
                  }
                  serialization-identifiers."{{typeof(ContractSerializer).FullName}}, {{typeof(ContractSerializer).Assembly.GetName().Name}}" = {{Id}}
                  # Local messages are never serialized: serializing them would only exercise the
                  # polymorphic default serializer this endpoint refuses from the wire.
                  serialize-messages = off
                }
                """;
        }
    }
}

[JsonSerializable(typeof(ShowInterfacesRequest))]
[JsonSerializable(typeof(ShowIpInterfaceBriefRequest))]
[JsonSerializable(typeof(ShowIpRouteRequest))]
[JsonSerializable(typeof(ShowIpArpRequest))]
[JsonSerializable(typeof(ShowIpv6InterfaceBriefRequest))]
[JsonSerializable(typeof(ShowIpv6RouteRequest))]
[JsonSerializable(typeof(Ipv6InterfacesView))]
[JsonSerializable(typeof(Ipv6RoutesView))]
[JsonSerializable(typeof(ShowIpv6NeighborsRequest))]
[JsonSerializable(typeof(Ipv6NeighborsView))]
[JsonSerializable(typeof(SetServicePolicyRequest))]
[JsonSerializable(typeof(DefineQosRequest))]
[JsonSerializable(typeof(ShowPolicyMapRequest))]
[JsonSerializable(typeof(ShowQfpStatisticsRequest))]
[JsonSerializable(typeof(ShowThreadsRequest))]
[JsonSerializable(typeof(ShowActorsRequest))]
[JsonSerializable(typeof(ShowRunningConfigRequest))]
[JsonSerializable(typeof(SetShutdownRequest))]
[JsonSerializable(typeof(SetIpAddressRequest))]
[JsonSerializable(typeof(SetMtuRequest))]
[JsonSerializable(typeof(AddRouteRequest))]
[JsonSerializable(typeof(RemoveRouteRequest))]
[JsonSerializable(typeof(SetIpv6AddressRequest))]
[JsonSerializable(typeof(AddIpv6RouteRequest))]
[JsonSerializable(typeof(RemoveIpv6RouteRequest))]
[JsonSerializable(typeof(SetIpv6NeighborRequest))]
[JsonSerializable(typeof(RemoveIpv6NeighborRequest))]
[JsonSerializable(typeof(ClearCountersRequest))]
[JsonSerializable(typeof(WriteMemoryRequest))]
[JsonSerializable(typeof(DebugFaultRequest))]
[JsonSerializable(typeof(ShowControlEndpointRequest))]
[JsonSerializable(typeof(CreateSubinterfaceRequest))]
[JsonSerializable(typeof(RemoveSubinterfaceRequest))]
[JsonSerializable(typeof(CommandDone))]
[JsonSerializable(typeof(CommandRefused))]
[JsonSerializable(typeof(InterfacesView))]
[JsonSerializable(typeof(RoutesView))]
[JsonSerializable(typeof(ArpView))]
[JsonSerializable(typeof(QfpStatisticsView))]
[JsonSerializable(typeof(ThreadsView))]
[JsonSerializable(typeof(ActorsView))]
[JsonSerializable(typeof(RunningConfigView))]
[JsonSerializable(typeof(PolicyMapView))]
[JsonSerializable(typeof(ControlEndpointView))]
[JsonSerializable(typeof(SignedRequest))]
[JsonSerializable(typeof(NotAuthorised))]
[JsonSerializable(typeof(IssueCredentialRequest))]
[JsonSerializable(typeof(CredentialIssued))]
[JsonSerializable(typeof(RevokeCredentialRequest))]
[JsonSerializable(typeof(ShowControlClientsRequest))]
[JsonSerializable(typeof(ControlClientsView))]
[JsonSerializable(typeof(ControlClientView))]
[JsonSerializable(typeof(RefusalCountView))]
[JsonSerializable(typeof(SetStaticArpRequest))]
[JsonSerializable(typeof(RemoveStaticArpRequest))]
[JsonSerializable(typeof(ClearIpArpRequest))]
[JsonSerializable(typeof(ShowPlatformPuntRequest))]
[JsonSerializable(typeof(ShowCryptoIpsecSaRequest))]
[JsonSerializable(typeof(CryptoIpsecSaView))]
[JsonSerializable(typeof(IpsecSaView))]
[JsonSerializable(typeof(CreateTunnelRequest))]
[JsonSerializable(typeof(ShowIpMrouteRequest))]
[JsonSerializable(typeof(MrouteTableView))]
[JsonSerializable(typeof(MrouteView))]
[JsonSerializable(typeof(MrouteOutgoingView))]
[JsonSerializable(typeof(ShowIpIgmpGroupsRequest))]
[JsonSerializable(typeof(IgmpGroupsView))]
[JsonSerializable(typeof(IgmpGroupView))]
[JsonSerializable(typeof(IgmpInterfaceView))]
[JsonSerializable(typeof(PuntView))]
[JsonSerializable(typeof(PuntClassView))]
[JsonSerializable(typeof(ShowPlatformRuntimeRequest))]
[JsonSerializable(typeof(ClearPlatformRuntimeRequest))]
[JsonSerializable(typeof(PlatformRuntimeView))]
[JsonSerializable(typeof(ThreadRuntimeView))]
[JsonSerializable(typeof(NodeRuntimeView))]
[JsonSerializable(typeof(DebugPacketTraceRequest))]
[JsonSerializable(typeof(ShowPacketTraceRequest))]
[JsonSerializable(typeof(ClearPacketTraceRequest))]
[JsonSerializable(typeof(PacketTraceView))]
[JsonSerializable(typeof(TracedPacketView))]
[JsonSerializable(typeof(TraceStepView))]
[JsonSerializable(typeof(DefineCaptureRequest))]
[JsonSerializable(typeof(StartCaptureRequest))]
[JsonSerializable(typeof(StopCaptureRequest))]
[JsonSerializable(typeof(ShowMonitorCaptureRequest))]
[JsonSerializable(typeof(MonitorCaptureView))]
[JsonSerializable(typeof(CaptureView))]
[JsonSerializable(typeof(ShowFleetRequest))]
[JsonSerializable(typeof(FleetView))]
[JsonSerializable(typeof(FleetMemberView))]
[JsonSerializable(typeof(NodeRequest))]
[JsonSerializable(typeof(FleetRequest))]
[JsonSerializable(typeof(FleetAnswersView))]
[JsonSerializable(typeof(FleetAnswer))]
[JsonSerializable(typeof(FleetSilence))]
[JsonSerializable(typeof(ShowFleetRoutesRequest))]
[JsonSerializable(typeof(FleetRoutesView))]
[JsonSerializable(typeof(FleetRouteView))]
[JsonSerializable(typeof(FleetNextHopView))]
[JsonSerializable(typeof(ShowFleetNeighborsRequest))]
[JsonSerializable(typeof(FleetNeighborsView))]
[JsonSerializable(typeof(FleetNeighborView))]
[JsonSerializable(typeof(ShowFleetDatabaseRequest))]
[JsonSerializable(typeof(FleetDatabaseView))]
[JsonSerializable(typeof(FleetDatabaseEntryView))]
[JsonSerializable(typeof(FleetAdjacencyView))]
internal sealed partial class ContractJsonContext : JsonSerializerContext;

/// <summary>
/// The request inside a <see cref="SignedRequest"/>: <c>{"manifest": NAME, "body": {...}}</c>, where NAME
/// is looked up in the codec's fixed table of request types — never a type name resolved from the wire.
/// </summary>
public sealed class NestedRequestConverter : JsonConverter<IArctlRequest>
{
    public override IArctlRequest? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("the signed request's inner request is not an object");
        }
        Type? type = null;
        IArctlRequest? request = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                throw new JsonException("malformed inner request");
            }
            var property = reader.GetString();
            reader.Read();
            switch (property)
            {
                case "manifest":
                    var manifest = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    type = manifest is null ? null : ContractCodec.RequestTypeOf(manifest);
                    if (type is null)
                    {
                        throw new JsonException($"the inner request's manifest '{manifest}' is not a control request type");
                    }
                    break;
                case "body":
                    if (type is null)
                    {
                        throw new JsonException("the inner request's body comes before its manifest");
                    }
                    request = (IArctlRequest?)JsonSerializer.Deserialize(ref reader, ContractCodec.Info(type));
                    break;
                default:
                    throw new JsonException($"unexpected property '{property}' in the inner request");
            }
        }
        return request ?? throw new JsonException("the inner request has no body");
    }

    public override void Write(Utf8JsonWriter writer, IArctlRequest value, JsonSerializerOptions options)
    {
        var type = value.GetType();
        var manifest = ContractCodec.Manifest(value);
        if (ContractCodec.RequestTypeOf(manifest) is null)
        {
            throw new SerializationException($"{type.Name} cannot be carried inside a signed request");
        }
        writer.WriteStartObject();
        writer.WriteString("manifest", manifest);
        writer.WritePropertyName("body");
        JsonSerializer.Serialize(writer, value, ContractCodec.Info(type));
        writer.WriteEndObject();
    }
}
