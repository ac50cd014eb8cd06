using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Akka.Actor;
using Akka.Serialization;

namespace ActorRouter.Control.Contracts;

/// <summary>
/// The only serializer the control endpoint accepts from the wire. Each contract type has a fixed
/// manifest (its name) in a table built at compile time; a manifest not in the table is refused, so
/// no type name read from the wire is ever resolved. The encoding is System.Text.Json with
/// source-generated metadata (no reflection over the payload's claims).
/// </summary>
public sealed class ContractSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>The serializer id on the wire (Akka reserves 0..100 for its own serializers).</summary>
    public const int Id = 4053;

    public const string Name = "actorrouter-contracts";

    private static readonly Dictionary<Type, (string Manifest, JsonTypeInfo Info)> ByType = new();
    private static readonly Dictionary<string, JsonTypeInfo> ByManifest = new(StringComparer.Ordinal);

    static ContractSerializer()
    {
        var c = ContractJsonContext.Default;
        JsonTypeInfo[] table =
        [
            c.ShowInterfacesRequest, c.ShowIpInterfaceBriefRequest, c.ShowIpRouteRequest, c.ShowIpArpRequest,
            c.SetServicePolicyRequest, c.DefineQosRequest, c.ShowPolicyMapRequest, c.ShowQfpStatisticsRequest,
            c.ShowThreadsRequest, c.ShowActorsRequest, c.ShowRunningConfigRequest, c.SetShutdownRequest,
            c.SetIpAddressRequest, c.SetMtuRequest, c.AddRouteRequest, c.RemoveRouteRequest, c.ClearCountersRequest,
            c.WriteMemoryRequest, c.DebugFaultRequest, c.ShowControlEndpointRequest,
            c.CommandDone, c.CommandRefused, c.InterfacesView, c.RoutesView, c.ArpView, c.QfpStatisticsView,
            c.ThreadsView, c.ActorsView, c.RunningConfigView, c.PolicyMapView, c.ControlEndpointView,
        ];
        foreach (var info in table)
        {
            ByType.Add(info.Type, (info.Type.Name, info));
            ByManifest.Add(info.Type.Name, info);
        }
    }

    /// <summary>Every type this serializer carries, requests and replies.</summary>
    public static IReadOnlyCollection<Type> Types => ByType.Keys;

    public static bool IsKnownManifest(string manifest) => ByManifest.ContainsKey(manifest);

    public override int Identifier => Id;

    public override string Manifest(object o) =>
        ByType.TryGetValue(o.GetType(), out var entry)
            ? entry.Manifest
            : throw new SerializationException($"{o.GetType().Name} is not a control contract type");

    public override byte[] ToBinary(object obj) =>
        ByType.TryGetValue(obj.GetType(), out var entry)
            ? JsonSerializer.SerializeToUtf8Bytes(obj, entry.Info)
            : throw new SerializationException($"{obj.GetType().Name} is not a control contract type");

    public override object FromBinary(byte[] bytes, string manifest) => Decode(bytes, manifest);

    /// <summary>The contract object <paramref name="bytes"/> encode under <paramref name="manifest"/>; <see cref="SerializationException"/> for anything else.</summary>
    public static object Decode(ReadOnlySpan<byte> bytes, string manifest)
    {
        if (!ByManifest.TryGetValue(manifest, out var info))
        {
            throw new SerializationException($"'{manifest}' is not a control contract type");
        }
        try
        {
            return JsonSerializer.Deserialize(bytes, info)
                ?? throw new SerializationException($"{manifest}: null payload");
        }
        catch (JsonException e)
        {
            throw new SerializationException($"{manifest}: malformed payload: {e.Message}");
        }
    }

    /// <summary>
    /// HOCON registering this serializer and binding each contract type (exact types, no base type or
    /// interface) to it. Both the router and arctl include it.
    /// </summary>
    public static string Hocon
    {
        get
        {
            var bindings = string.Join("\n", ByType.Keys.Select(t => $"      \"{t.FullName}, {t.Assembly.GetName().Name}\" = {Name}"));
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
[JsonSerializable(typeof(ClearCountersRequest))]
[JsonSerializable(typeof(WriteMemoryRequest))]
[JsonSerializable(typeof(DebugFaultRequest))]
[JsonSerializable(typeof(ShowControlEndpointRequest))]
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
internal sealed partial class ContractJsonContext : JsonSerializerContext;
