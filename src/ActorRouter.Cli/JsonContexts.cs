using System.Text.Json;
using System.Text.Json.Serialization;
using ActorRouter.Control.Contracts;

namespace ActorRouter.Cli;

// arctl is compiled ahead of time (start-up is its cost), so its JSON output is written from
// source-generated metadata, never by reflection: every type --json prints is listed here.

/// <summary>One reply per command, indented: <c>arctl --json show ...</c>.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(ReplyFormatter.JsonDone))]
[JsonSerializable(typeof(ReplyFormatter.JsonError))]
[JsonSerializable(typeof(ReplyFormatter.JsonNotAuthorised))]
[JsonSerializable(typeof(InterfacesView))]
[JsonSerializable(typeof(RoutesView))]
[JsonSerializable(typeof(Ipv6InterfacesView))]
[JsonSerializable(typeof(Ipv6RoutesView))]
[JsonSerializable(typeof(Ipv6NeighborsView))]
[JsonSerializable(typeof(ArpView))]
[JsonSerializable(typeof(QfpStatisticsView))]
[JsonSerializable(typeof(ThreadsView))]
[JsonSerializable(typeof(ActorsView))]
[JsonSerializable(typeof(RunningConfigView))]
[JsonSerializable(typeof(PolicyMapView))]
[JsonSerializable(typeof(ControlEndpointView))]
[JsonSerializable(typeof(ControlClientsView))]
[JsonSerializable(typeof(PuntView))]
[JsonSerializable(typeof(PlatformRuntimeView))]
[JsonSerializable(typeof(PacketTraceView))]
[JsonSerializable(typeof(MonitorCaptureView))]
[JsonSerializable(typeof(CryptoIpsecSaView))]
[JsonSerializable(typeof(MrouteTableView))]
[JsonSerializable(typeof(IgmpGroupsView))]
[JsonSerializable(typeof(CredentialIssued))]
[JsonSerializable(typeof(CommandDone))]
[JsonSerializable(typeof(CommandRefused))]
[JsonSerializable(typeof(NotAuthorised))]
[JsonSerializable(typeof(FleetView))]
[JsonSerializable(typeof(FleetAnswersView))]
[JsonSerializable(typeof(FleetRoutesView))]
[JsonSerializable(typeof(FleetRouteView))]
[JsonSerializable(typeof(FleetNextHopView))]
[JsonSerializable(typeof(FleetNeighborsView))]
[JsonSerializable(typeof(FleetNeighborView))]
[JsonSerializable(typeof(FleetDatabaseView))]
[JsonSerializable(typeof(FleetDatabaseEntryView))]
[JsonSerializable(typeof(FleetAdjacencyView))]
internal sealed partial class ReplyJsonContext : JsonSerializerContext;

/// <summary>One line per refresh: <c>arctl --json monitor interfaces</c>.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(MonitorRefresh))]
internal sealed partial class MonitorJsonContext : JsonSerializerContext;
