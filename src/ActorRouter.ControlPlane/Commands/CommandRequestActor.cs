using ActorRouter.ControlPlane.Qos;
using ActorRouter.Control.Contracts;
using ActorRouter.Control.Contracts.Rules;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Credentials;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.ControlPlane.Punt;
using ActorRouter.DataPlane;
using ActorRouter.DataPlane.Ports;
using ActorRouter.DataPlane.Memory;
using Akka.Actor;
using Akka.Event;

namespace ActorRouter.ControlPlane.Commands;

/// <summary>
/// Answers one arctl request for the <see cref="CommandGatewayActor"/> and stops. It turns the request
/// into the messages the control plane already understands — changes go to FMAN, which validates them
/// exactly as it does the configuration at start and applies them atomically; fault injection goes
/// to the supervisor — and answers with one plain record. Observations read the data plane's
/// counters directly, which the data plane allows any observer to do. Each request has its own
/// actor so that a slow change does not hold up anything else.
/// </summary>
public sealed partial class CommandRequestActor : ReceiveActor
{
    public static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(5);

    /// <summary>FMAN itself waits up to 10 s for the data plane; a change may take that long.</summary>
    public static readonly TimeSpan ChangeTimeout = Fman.FmanActor.DataPlaneAnswerTimeout + TimeSpan.FromSeconds(2);

    private readonly IActorRef _supervisor;
    private readonly string? _configPath;
    private readonly string? _configDirectory;
    private readonly ClientAuthorizer _authorizer;
    private readonly ConfigFileWriter _writer;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    /// <param name="supervisor">The <see cref="Supervision.DataPlaneSupervisor"/>.</param>
    /// <param name="configPath">The file the router was started from; null on the embedded default.</param>
    /// <param name="configDirectory">Where <c>write memory PATH</c> may write; null: the start file's directory.</param>
    /// <param name="authorizer">Holds the router's credentials, for <c>credentials issue|revoke</c>.</param>
    public CommandRequestActor(IActorRef supervisor, string? configPath, string? configDirectory, ClientAuthorizer authorizer, ConfigFileWriter writer)
    {
        _supervisor = supervisor;
        _configPath = configPath;
        _configDirectory = configDirectory;
        _authorizer = authorizer;
        _writer = writer;
        ReceiveAsync<Run>(m => HandleAsync(m.Request, m.Identity, m.ReplyTo));
    }

    /// <summary>Answer <paramref name="Request"/>, already admitted for <paramref name="Identity"/>, to <paramref name="ReplyTo"/>, then stop.</summary>
    public sealed record Run(IArctlRequest Request, ClientIdentity Identity, IActorRef ReplyTo);

    public static Props Props(IActorRef supervisor, string? configPath, string? configDirectory, ClientAuthorizer authorizer, ConfigFileWriter writer) =>
        Akka.Actor.Props.Create(() => new CommandRequestActor(supervisor, configPath, configDirectory, authorizer, writer));

    private async Task HandleAsync(IArctlRequest request, ClientIdentity identity, IActorRef replyTo)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        object reply;
        try
        {
            reply = await AnswerAsync(request, identity);
        }
        catch (AskTimeoutException)
        {
            reply = new CommandRefused("the router's control plane did not answer in time; nothing is known to have changed");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            reply = new CommandRefused(e.Message);
        }
        catch (Exception e)
        {
            // A request the contract allows but nothing here expected (a null where a name belongs):
            // the client hears why, the gateway goes on.
            _log.Warning("arctl request {0} failed: {1}", request.GetType().Name, e);
            reply = new CommandRefused($"the router could not carry out {request.GetType().Name}: {e.Message}");
        }
        if (reply is CommandDone done)
        {
            _log.Info("arctl ({0}): {1}", identity.Name, done.Message);
        }
        Observability.ControlPlaneMeter.ArctlRequestAnswered(RequestName(request), reply is CommandRefused ? "refused" : "done",
            System.Diagnostics.Stopwatch.GetElapsedTime(started));
        replyTo.Tell(reply);
        Context.Stop(Self);
    }

    private Task<object> AnswerAsync(IArctlRequest request, ClientIdentity identity) => request switch
    {
        IssueCredentialRequest m => Task.FromResult(IssueCredential(m)),
        RevokeCredentialRequest m => Task.FromResult(RevokeCredential(m, identity)),
        ShowInterfacesRequest m => ShowInterfacesAsync(m.Interface),
        ShowIpInterfaceBriefRequest => ShowInterfacesAsync(null),
        ShowIpRouteRequest => ShowRoutesAsync(),
        ShowIpArpRequest => ShowArpAsync(),
        ShowIpv6InterfaceBriefRequest => ShowIpv6InterfacesAsync(),
        ShowIpv6RouteRequest => ShowIpv6RoutesAsync(),
        ShowIpv6NeighborsRequest => ShowIpv6NeighborsAsync(),
        ShowPolicyMapRequest m => ShowPolicyMapAsync(m.Interface),
        ShowQfpStatisticsRequest => ShowQfpStatisticsAsync(),
        ShowThreadsRequest => ShowThreadsAsync(),
        ShowActorsRequest => ShowActorsAsync(),
        ShowRunningConfigRequest => ShowRunningConfigAsync(),
        SetShutdownRequest m => SetShutdownAsync(m),
        SetIpAddressRequest m => SetAddressAsync(m),
        SetMtuRequest m => SetMtuAsync(m),
        CreateSubinterfaceRequest m => CreateSubinterfaceAsync(m),
        RemoveSubinterfaceRequest m => RemoveSubinterfaceAsync(m),
        SetServicePolicyRequest m => SetServicePolicyAsync(m),
        DefineQosRequest m => DefineQosAsync(m),
        AddRouteRequest m => AddRouteAsync(m),
        RemoveRouteRequest m => RemoveRouteAsync(m),
        SetIpv6AddressRequest m => SetIpv6AddressAsync(m),
        AddIpv6RouteRequest m => AddIpv6RouteAsync(m),
        RemoveIpv6RouteRequest m => RemoveIpv6RouteAsync(m),
        SetIpv6NeighborRequest m => SetIpv6NeighborAsync(m),
        RemoveIpv6NeighborRequest m => RemoveIpv6NeighborAsync(m),
        ClearCountersRequest m => ClearCountersAsync(m),
        WriteMemoryRequest m => WriteMemoryAsync(m),
        DebugFaultRequest m => DebugFaultAsync(m),
        SetStaticArpRequest m => SetStaticArpAsync(m),
        RemoveStaticArpRequest m => RemoveStaticArpAsync(m),
        ClearIpArpRequest m => ClearIpArpAsync(m),
        ShowPlatformPuntRequest => ShowPlatformPuntAsync(),
        ShowCryptoIpsecSaRequest => ShowCryptoIpsecSaAsync(),
        CreateTunnelRequest m => CreateTunnelAsync(m),
        ShowIpMrouteRequest => ShowIpMrouteAsync(),
        ShowIpIgmpGroupsRequest => ShowIpIgmpGroupsAsync(),
        ShowPlatformRuntimeRequest => ShowPlatformRuntimeAsync(),
        ClearPlatformRuntimeRequest => ClearPlatformRuntimeAsync(),
        DebugPacketTraceRequest m => DebugPacketTraceAsync(m),
        ShowPacketTraceRequest => ShowPacketTraceAsync(),
        ClearPacketTraceRequest => ClearPacketTraceAsync(),
        DefineCaptureRequest m => DefineCaptureAsync(m),
        StartCaptureRequest m => StartCaptureAsync(m),
        StopCaptureRequest m => StopCaptureAsync(m),
        ShowMonitorCaptureRequest => ShowMonitorCaptureAsync(),
        _ => Task.FromResult<object>(new CommandRefused($"this router does not know the request {request.GetType().Name}")),
    };

    // ---- helpers -------------------------------------------------------------------------------

    private async Task<ControlPlaneActors> ActorsAsync() =>
        await _supervisor.Ask<ControlPlaneActors>(GetControlPlaneActors.Instance, AnswerTimeout);

    /// <summary>A statistics snapshot from the QFP client, the data plane's only door.</summary>
    private async Task<DataPlaneStatistics> StatisticsAsync(IActorRef qfpClient) =>
        await qfpClient.Ask<DataPlaneStatistics>(ReadDataPlaneStatistics.Instance, AnswerTimeout);

    private async Task<IReadOnlyList<InterfaceStatus>> InterfacesAsync(IActorRef fman) =>
        (await fman.Ask<InterfaceList>(GetInterfaces.Instance, AnswerTimeout)).Interfaces;

    /// <summary>The interface a typed name stands for, or a refusal naming the interfaces there are.</summary>
    private async Task<(InterfaceStatus? Interface, CommandRefused? Refusal)> FindInterfaceAsync(IActorRef fman, string typed)
    {
        var interfaces = await InterfacesAsync(fman);
        var name = InterfaceNames.Resolve(typed, interfaces.Select(i => i.Name).ToList(), out var error);
        return name is null ? (null, new CommandRefused(error!)) : (interfaces.First(i => i.Name == name), null);
    }

    private static object FromFman(object answer) => answer switch
    {
        CommandSucceeded s => new CommandDone(s.Description),
        CommandFailed f => new CommandRefused(f.Reason),
        _ => new CommandRefused($"unexpected answer {answer.GetType().Name}"),
    };

    private static async Task<object> ChangeAsync(IActorRef fman, object change) =>
        FromFman(await fman.Ask<object>(change, ChangeTimeout));

    // ---- show ----------------------------------------------------------------------------------

    private async Task<object> ShowInterfacesAsync(string? typed)
    {
        var actors = await ActorsAsync();
        var fman = actors.Fman;
        var statistics = await StatisticsAsync(actors.QfpClient);
        var interfaces = await InterfacesAsync(fman);
        var rates = await RatesAsync();
        if (typed is not null)
        {
            var name = InterfaceNames.Resolve(typed, interfaces.Select(i => i.Name).ToList(), out var error);
            if (name is null)
            {
                return new CommandRefused(error!);
            }
            interfaces = interfaces.Where(i => i.Name == name).ToList();
        }
        return new InterfacesView(interfaces.OrderBy(i => i.Index).Select(i => new InterfaceView(
            i.Name, i.OsName, i.Index, i.AdminUp, i.OperUp, i.Mtu, MacText.Format(i.Mac), i.Address?.ToString(),
            i.RxPackets, i.RxBytes, i.TxPackets, i.TxBytes, i.Drops,
            statistics.Interfaces.FirstOrDefault(c => c.Index == i.Index)?.Punted ?? 0, RateView(rates, i.Index), i.InputDrops, i.OutputDrops)).ToList());
    }

    private async Task<object> ShowRoutesAsync()
    {
        var fman = (await ActorsAsync()).Fman;
        var routes = (await fman.Ask<RouteList>(GetRoutes.Instance, AnswerTimeout)).Routes;
        var interfaces = await InterfacesAsync(fman);
        var views = new List<RouteView>();
        foreach (var r in routes)
        {
            if (r.Kind == RouteKind.Static)
            {
                views.Add(new RouteView("S", r.Prefix.ToString(), Ipv4Text.Format(r.NextHop), r.Interface, r.Active));
                continue;
            }
            if (r.Kind == RouteKind.Fleet)
            {
                views.Add(new RouteView("F", r.Prefix.ToString(), Ipv4Text.Format(r.NextHop), r.Interface, r.Active) { Metric = r.Metric });
                continue;
            }
            views.Add(new RouteView("C", r.Prefix.ToString(), null, r.Interface, r.Active));
            // IOS lists the interface's own address as a local /32 right after its connected subnet.
            if (interfaces.FirstOrDefault(i => i.Name == r.Interface)?.Address is Ipv4Cidr own)
            {
                views.Add(new RouteView("L", $"{Ipv4Text.Format(own.Address)}/32", null, r.Interface, r.Active));
            }
        }
        return new RoutesView(views);
    }

    private async Task<object> ShowPolicyMapAsync(string typed)
    {
        var fman = (await ActorsAsync()).Fman;
        var (found, refusal) = await FindInterfaceAsync(fman, typed);
        if (found is null)
        {
            return refusal!;
        }
        var answer = await fman.Ask<object>(new GetPolicyMapStatus(found.Name), AnswerTimeout);
        if (answer is not PolicyMapStatus status)
        {
            return FromFman(answer);
        }
        return new PolicyMapView(status.Interface, status.PolicyName, PolicyMapText.Format(status), status.Classes.Select(c => new PolicyClassView(
            c.Class, c.OfferedPackets, c.EnqueuedPackets, c.EnqueuedBytes, c.TransmittedPackets, c.TransmittedBytes,
            c.TailDropPackets, c.RandomDropPackets, c.PolicerDropPackets, c.Depth, c.PeakDepth)).ToList());
    }

    private async Task<object> ShowArpAsync()
    {
        var arp = Context.ActorSelection(_supervisor.Path / PuntServiceActor.ChildName);
        var table = await arp.Ask<ArpTable>(GetArpTable.Instance, AnswerTimeout);
        return new ArpView(table.Entries
            .OrderBy(e => e.Address)
            .Select(e => new ArpEntryView(
                Ipv4Text.Format(e.Address),
                e.State is ArpEntryState.Interface or ArpEntryState.Static ? null : (int)e.Age.TotalMinutes,
                e.Mac == 0 ? null : MacText.Format(e.Mac),
                e.Interface,
                e.State.ToString()))
            .ToList());
    }

    private async Task<object> ShowQfpStatisticsAsync()
    {
        var actors = await ActorsAsync();
        var statistics = await StatisticsAsync(actors.QfpClient);
        var interfaces = await InterfacesAsync(actors.Fman);
        var threads = statistics.Threads.Select(t => new ThreadStatisticsView(t.Name, t.Packets, t.Bursts, t.Sleeps, t.Naps, t.LateWakes)).ToList();
        var drops = statistics.Drops.Where(d => d.Count != 0).Select(d => new DropCountView(d.Reason, d.Count)).ToList();
        var gpm = statistics.Gpm;
        var owners = Enum.GetValues<BufferOwner>()
            .Select(owner => new GpmOwnerView(owner.ToString(), gpm.Held(owner)))
            .Where(o => o.Buffers != 0)
            .ToList();
        var rings = statistics.Rings.Select(r => new RingDepthView(r.Name, r.Count, r.Capacity)).ToList();
        var queues = interfaces.OrderBy(i => i.Index)
            .Select(i => new EgressQueueView(i.Name, statistics.Interfaces.FirstOrDefault(c => c.Index == i.Index)?.EgressQueueDepth ?? 0))
            .ToList();
        return new QfpStatisticsView(threads, drops, gpm.Total, gpm.InPool, owners, rings, queues);
    }

    private async Task<object> ShowThreadsAsync()
    {
        var health = await _supervisor.Ask<DataPlaneHealth>(GetDataPlaneHealth.Instance, AnswerTimeout);
        return new ThreadsView(health.Workers.Select(h =>
            new ThreadView(h.Name, h.Core, h.PinnedToCore, h.State, h.Heartbeat, h.Restarts, h.Hangs, h.OsThreadId, h.LastFault) { Fences = h.Fences }).ToList())
        {
            DataPlaneReloads = health.DataPlaneReloads,
            ControlPlaneEscalations = health.ControlPlaneEscalations,
            LastEscalation = health.LastEscalation,
        };
    }

    private async Task<object> ShowActorsAsync()
    {
        var walker = Context.ActorOf(Akka.Actor.Props.Create(() => new ActorTreeWalker()));
        var found = await walker.Ask<ActorsView>(ActorTreeWalker.Walk.Instance, AnswerTimeout);
        // The per-request actors under the gateway come and go; they are not part of the router.
        var transient = Context.Parent.Path.ToStringWithoutAddress() + "/";
        return new ActorsView(found.Paths.Where(p => !p.StartsWith(transient, StringComparison.Ordinal))
            .Append(Context.Parent.Path.ToStringWithoutAddress()).Distinct().Order(StringComparer.Ordinal).ToList());
    }

    private async Task<object> ShowRunningConfigAsync()
    {
        var fman = (await ActorsAsync()).Fman;
        var running = await fman.Ask<RunningConfig>(GetRunningConfig.Instance, AnswerTimeout);
        return new RunningConfigView(_configPath is null ? "(embedded default)" : Path.GetFullPath(_configPath), HideTunnelKeys(running.Text));
    }

    // ---- changes -------------------------------------------------------------------------------

    private async Task<object> SetShutdownAsync(SetShutdownRequest m)
    {
        var fman = (await ActorsAsync()).Fman;
        var (itf, refusal) = await FindInterfaceAsync(fman, m.Interface);
        return itf is null ? refusal! : await ChangeAsync(fman, new SetInterfaceAdminState(itf.Name, !m.Shutdown));
    }

    private async Task<object> SetAddressAsync(SetIpAddressRequest m)
    {
        var fman = (await ActorsAsync()).Fman;
        var (itf, refusal) = await FindInterfaceAsync(fman, m.Interface);
        if (itf is null)
        {
            return refusal!;
        }
        Ipv4Cidr? address = null;
        if (m.Address is not null)
        {
            if (!Ipv4Cidr.TryParse(m.Address, out var parsed))
            {
                return new CommandRefused($"'{m.Address}' is not an address and prefix length ({Ipv4Rules.PrefixForms})");
            }
            address = parsed;
        }
        return await ChangeAsync(fman, new SetInterfaceAddress(itf.Name, address));
    }

    private async Task<object> SetMtuAsync(SetMtuRequest m)
    {
        var fman = (await ActorsAsync()).Fman;
        var (itf, refusal) = await FindInterfaceAsync(fman, m.Interface);
        return itf is null ? refusal! : await ChangeAsync(fman, new SetInterfaceMtu(itf.Name, m.Mtu));
    }

    /// <summary>
    /// <c>interface gi1.100 encapsulation dot1q 100</c>: the parent part of the name is resolved like any
    /// interface name (abbreviations), the number is kept as typed; FMAN runs the subinterface's handshake.
    /// </summary>
    private async Task<object> CreateSubinterfaceAsync(CreateSubinterfaceRequest m)
    {
        if (!InterfaceRules.IsSubinterfaceName(m.Interface, out var typedParent))
        {
            return new CommandRefused($"'{m.Interface}' is not a subinterface name (PARENT.NUMBER, such as GigabitEthernet1.100)");
        }
        var fman = (await ActorsAsync()).Fman;
        var (parent, refusal) = await FindInterfaceAsync(fman, typedParent);
        if (parent is null)
        {
            return refusal!;
        }
        var name = parent.Name + m.Interface[typedParent.Length..];
        var answer = await fman.Ask<object>(new CreateSubinterface(name, m.Vlan), ChangeTimeout);
        return answer switch
        {
            InterfaceUp up => new CommandDone($"{up.Name}: encapsulation dot1q {m.Vlan} (uIDB {up.Index})"),
            InterfaceInitFailed failed => new CommandRefused($"{failed.Name}: {failed.Reason}"),
            _ => FromFman(answer),
        };
    }

    private async Task<object> RemoveSubinterfaceAsync(RemoveSubinterfaceRequest m)
    {
        var fman = (await ActorsAsync()).Fman;
        var (itf, refusal) = await FindInterfaceAsync(fman, m.Interface);
        return itf is null ? refusal! : await ChangeAsync(fman, new RemoveSubinterface(itf.Name));
    }

    private async Task<object> SetServicePolicyAsync(SetServicePolicyRequest m)
    {
        var fman = (await ActorsAsync()).Fman;
        var (itf, refusal) = await FindInterfaceAsync(fman, m.Interface);
        if (itf is null)
        {
            return refusal!;
        }
        return await ChangeAsync(fman, m.PolicyName is null
            ? new DetachServicePolicy(itf.Name)
            : new AttachServicePolicy(itf.Name, m.PolicyName));
    }

    /// <summary>
    /// Validates the maps exactly as the loader would, by loading the running configuration with the
    /// given maps in place of its own; then has FMAN define the class maps before the policy maps that
    /// use them. A file with any error changes nothing.
    /// </summary>
    private async Task<object> DefineQosAsync(DefineQosRequest m)
    {
        var fman = (await ActorsAsync()).Fman;
        var running = await fman.Ask<RunningConfig>(GetRunningConfig.Instance, AnswerTimeout);
        var merged = running.Text + "\nactorrouter.qos {\n" + m.Hocon + "\n}\n";
        if (!RouterConfigLoader.TryLoadString(merged, m.Source, out var config, out var errors))
        {
            return new CommandRefused(string.Join("\n", errors.Select(e => e.ToString())));
        }
        var defined = 0;
        foreach (var classMap in config!.Qos.ClassMaps)
        {
            if (running.Config.Qos.ClassMaps.Contains(classMap))
            {
                continue;
            }
            if (await ChangeAsync(fman, new DefineClassMap(classMap)) is CommandRefused refused)
            {
                return refused;
            }
            defined++;
        }
        foreach (var policyMap in config.Qos.PolicyMaps)
        {
            if (running.Config.Qos.PolicyMaps.Contains(policyMap))
            {
                continue;
            }
            if (await ChangeAsync(fman, new DefinePolicyMap(policyMap)) is CommandRefused refused)
            {
                return refused;
            }
            defined++;
        }
        return new CommandDone(defined == 0 ? "no class map or policy map changed" : $"{defined} map(s) defined from {m.Source}");
    }

    private async Task<object> AddRouteAsync(AddRouteRequest m)
    {
        if (ParseRoute(m.Prefix, m.NextHop, out var prefix, out var nextHop) is CommandRefused refused)
        {
            return refused;
        }
        var fman = (await ActorsAsync()).Fman;
        return await ChangeAsync(fman, new AddStaticRoute(new StaticRouteConfig(prefix, nextHop, null)));
    }

    private async Task<object> RemoveRouteAsync(RemoveRouteRequest m)
    {
        if (ParseRoute(m.Prefix, m.NextHop, out var prefix, out var nextHop) is CommandRefused refused)
        {
            return refused;
        }
        var fman = (await ActorsAsync()).Fman;
        return await ChangeAsync(fman, new RemoveStaticRoute(prefix, nextHop));
    }

    private static CommandRefused? ParseRoute(string prefixText, string nextHopText, out Ipv4Cidr prefix, out uint nextHop)
    {
        nextHop = 0;
        if (!Ipv4Cidr.TryParse(prefixText, out prefix))
        {
            return new CommandRefused($"'{prefixText}' is not a prefix ({Ipv4Rules.PrefixForms})");
        }
        if (!Ipv4Text.TryParse(nextHopText, out nextHop))
        {
            return new CommandRefused($"'{nextHopText}' is not an IPv4 next hop (A.B.C.D)");
        }
        return null;
    }

    private async Task<object> ClearCountersAsync(ClearCountersRequest m)
    {
        // A change to the data plane: it goes through the QFP client, the only actor that changes it.
        var actors = await ActorsAsync();
        if (m.Interface is null)
        {
            await actors.QfpClient.Ask<DataPlaneCommandApplied>(new ClearDataPlaneCounters(null, NextCorrelationId()), AnswerTimeout);
            return new CommandDone("cleared the counters of every interface and thread");
        }
        var (itf, refusal) = await FindInterfaceAsync(actors.Fman, m.Interface);
        if (itf is null)
        {
            return refusal!;
        }
        await actors.QfpClient.Ask<DataPlaneCommandApplied>(new ClearDataPlaneCounters(itf.Index, NextCorrelationId()), AnswerTimeout);
        return new CommandDone($"cleared the counters of {itf.Name}");
    }

    private static long _correlation;

    /// <summary>Ids for the gateway's own data-plane commands; negative, so they never meet FMAN's.</summary>
    private static long NextCorrelationId() => -Interlocked.Increment(ref _correlation);

    private async Task<object> WriteMemoryAsync(WriteMemoryRequest m)
    {
        var full = ConfigFileWriter.ResolveTarget(m.Path, _configPath, _configDirectory, out var error);
        if (full is null)
        {
            return new CommandRefused(error!);
        }
        var fman = (await ActorsAsync()).Fman;
        var running = await fman.Ask<RunningConfig>(GetRunningConfig.Instance, AnswerTimeout);
        var bytes = _writer.Write(full, running.Text);
        return new CommandDone($"wrote the running configuration to {full} ({bytes} bytes)");
    }

    // ---- credentials ---------------------------------------------------------------------------

    private object IssueCredential(IssueCredentialRequest m)
    {
        var certificate = _authorizer.Credentials.IssueFromSigningRequest(m.Name, m.Role, m.CertificateSigningRequest, out var error);
        if (certificate is null)
        {
            return new CommandRefused(error!);
        }
        using (certificate)
        {
            using var ca = _authorizer.Credentials.CaCertificate;
            _log.Info("arctl: issued credential '{0}' (role {1}, serial {2})", m.Name, m.Role, certificate.SerialNumber);
            return new CredentialIssued(m.Name, m.Role, certificate.SerialNumber, certificate.RawData, ca.RawData);
        }
    }

    private object RevokeCredential(RevokeCredentialRequest m, ClientIdentity identity)
    {
        if (m.Name == identity.Name)
        {
            return new CommandRefused($"'{m.Name}' is the credential this request is signed with; revoke it with another admin credential");
        }
        if (!_authorizer.Credentials.WasIssued(m.Name))
        {
            return new CommandRefused($"no credential named '{m.Name}' was issued by this router");
        }
        var revoked = _authorizer.Credentials.Revoke(m.Name);
        return new CommandDone(revoked == 0
            ? $"every certificate of '{m.Name}' was already revoked"
            : $"revoked {revoked} certificate(s) of '{m.Name}'; new connections and requests with them are refused");
    }

    private async Task<object> DebugFaultAsync(DebugFaultRequest m)
    {
        if (m.StallSeconds is { } seconds && (double.IsNaN(seconds) || seconds < 0.001 || seconds > 3600))
        {
            return new CommandRefused($"stall must be 0.001..3600 seconds, got {seconds}");
        }
        var answer = await _supervisor.Ask<object>(new InjectFault(m.Target, m.StallSeconds is { } stall ? TimeSpan.FromSeconds(stall) : null), AnswerTimeout);
        return answer switch
        {
            FaultInjected f when m.StallSeconds is { } hang => new CommandDone($"{f.Target} hangs for {hang:0.###} s"),
            FaultInjected f => new CommandDone($"fault injected into {f.Target}"),
            FaultInjectionRefused r => new CommandRefused(r.Reason),
            _ => new CommandRefused($"unexpected answer {answer.GetType().Name}"),
        };
    }
}
