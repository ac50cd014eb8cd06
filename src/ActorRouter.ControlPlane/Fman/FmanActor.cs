using System.Collections.Immutable;
using ActorRouter.Control.Contracts.Rules;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.ControlPlane.Platform;
using ActorRouter.DataPlane.Forwarding;
using Akka.Actor;
using Akka.Event;

namespace ActorRouter.ControlPlane.Fman;

/// <summary>
/// The forwarding manager: owns the interface objects, drives each interface's handshake with the
/// QFP client, keeps static routes and ARP neighbors, and republishes the forwarding state on every
/// configuration change (the data plane applies only what differs); a neighbor change is sent as that one
/// neighbor. Changes are applied one at a time (later requests wait in the stash) so that each is
/// validated against the state the previous one left. After a restart it resyncs from the state
/// store and the data plane's uIDB table; the data plane forwards on meanwhile.
/// </summary>
public sealed partial class FmanActor : ReceiveActor, IWithUnboundedStash
{
    /// <summary>How long FMAN waits for the QFP client before giving up on a change.</summary>
    public static readonly TimeSpan DataPlaneAnswerTimeout = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan ResyncRetryInterval = TimeSpan.FromSeconds(2);

    private readonly IActorRef _qfpClient;
    private readonly RouterConfig _baseConfig;
    private readonly FmanStateStore _store;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, PendingHandshake> _pending = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, IActorRef> _unannounced = new(StringComparer.OrdinalIgnoreCase);
    private HashSet<StaticRoute> _unresolved = new();
    private readonly TimeSpan _answerTimeout;
    private readonly Dictionary<long, string> _timedOut = new();
    private readonly Dictionary<long, string> _reconciling = new();
    private long _publishGeneration;
    private long _ticket;
    private long _correlation;
    private long _lateAnswers;
    private int _nextOrder;

    /// <param name="dataPlaneAnswerTimeout">How long a change waits for the QFP client; <see cref="DataPlaneAnswerTimeout"/> unless a test shortens it.</param>
    public FmanActor(IActorRef qfpClient, RouterConfig baseConfig, FmanStateStore store, TimeSpan? dataPlaneAnswerTimeout = null)
    {
        _qfpClient = qfpClient;
        _answerTimeout = dataPlaneAnswerTimeout ?? DataPlaneAnswerTimeout;
        _baseConfig = baseConfig;
        _store = store;
        _nextOrder = store.State.Interfaces.Count == 0 ? 0 : store.State.Interfaces.Values.Max(i => i.Order) + 1;
        Ready();
    }

    public IStash Stash { get; set; } = null!;

    public static Props Props(IActorRef qfpClient, RouterConfig baseConfig, FmanStateStore store, TimeSpan? dataPlaneAnswerTimeout = null) =>
        Akka.Actor.Props.Create(() => new FmanActor(qfpClient, baseConfig, store, dataPlaneAnswerTimeout));

    private FmanState State
    {
        get => _store.State;
        set => _store.State = value;
    }

    private sealed class PendingHandshake(InterfaceConfig config, IActorRef reporter)
    {
        public InterfaceConfig Config { get; } = config;
        public IActorRef Reporter { get; } = reporter;
        public int? Index { get; set; }
        public InterfaceInitFailed? Failure { get; set; }
    }

    private sealed record AnswerTimedOut(long Ticket);

    private sealed record ResyncTimedOut(long Ticket);

    private void Ready()
    {
        // Handshake.
        Receive<InterfaceDiscovered>(OnInterfaceDiscovered);
        Receive<UidbCreated>(OnUidbCreated);
        Receive<UidbBound>(OnUidbBound);
        Receive<InterfaceReady>(OnInterfaceReady);
        Receive<InterfaceInitFailed>(OnInterfaceInitFailed);
        Receive<UidbDeleted>(OnUidbDeleted);
        Receive<RoutesPublished>(OnRoutesPublished);

        // Neighbors from ARP.
        Receive<NeighborResolved>(OnNeighborResolved);
        Receive<NeighborExpired>(OnNeighborExpired);
        Receive<Ipv6NeighborLearned>(OnIpv6NeighborLearned);
        Receive<Ipv6NeighborExpired>(OnIpv6NeighborExpired);

        // Changes.
        Receive<SetInterfaceAdminState>(OnSetAdminState);
        Receive<InterfaceLinkChanged>(OnLinkChanged);
        Receive<SetInterfaceMtu>(OnSetMtu);
        Receive<SetInterfaceAddress>(OnSetAddress);
        Receive<AddStaticRoute>(OnAddStaticRoute);
        Receive<RemoveStaticRoute>(OnRemoveStaticRoute);
        Receive<Fleet.LinkState.FleetRoutesComputed>(OnFleetRoutesComputed);
        ReceiveQos();
        ReceiveSubinterfaces();
        ReceiveTunnels();
        ReceiveStaticArp();
        ReceiveIpv6Changes();
        ReceiveMulticast();

        ReceiveQueries();

        // Answers that arrive after their request timed out, or for an earlier incarnation.
        ReceiveLateAnswers();
        Receive<AnswerTimedOut>(_ => { });
        Receive<ResyncTimedOut>(_ => { });
        Receive<UidbTableSnapshot>(Reconcile);
    }

    /// <summary>
    /// Queries read the committed state, so they are answered also while a change is in flight
    /// (a slow change does not delay a <c>show</c>); the change's effect shows once it is committed.
    /// </summary>
    private void ReceiveQueries()
    {
        Receive<GetInterfaces>(_ => _qfpClient.Tell(new ReadInterfaceStatus(InterfaceStatuses(), Sender)));
        Receive<GetRoutes>(_ => Sender.Tell(new RouteList(Routes())));
        Receive<GetRunningConfig>(_ => Sender.Tell(BuildRunningConfig()));
        Receive<GetPolicyMapStatus>(OnGetPolicyMapStatus);
    }

    // ---- handshake -------------------------------------------------------------------------

    private void OnInterfaceDiscovered(InterfaceDiscovered m)
    {
        var config = m.Interface;
        if (_pending.ContainsKey(config.Name))
        {
            Fail(Sender, new InterfaceInitFailed(config.Name, HandshakeStep.Discover, $"a handshake for {config.Name} is already in progress"));
            return;
        }
        if (config.IsSubinterface)
        {
            StartSubinterface(config, Sender);
            return;
        }
        if (config.IsTunnel)
        {
            StartTunnel(config, Sender);
            return;
        }
        _pending[config.Name] = new PendingHandshake(config, Sender);
        _log.Info("{0}: discovered as {1}; creating its uIDB", config.Name, config.OsName);
        _qfpClient.Tell(new CreateUidb(config.Name, config.OsName, config.Mtu, config.Mac ?? 0));
    }

    private void OnUidbCreated(UidbCreated m)
    {
        if (!_pending.TryGetValue(m.Name, out var pending) || pending.Index is not null)
        {
            // A handshake this incarnation did not start (FMAN restarted meanwhile): undo it.
            _log.Warning("{0}: uIDB {1} created for no handshake in progress; deleting it", m.Name, m.Index);
            _qfpClient.Tell(new DeleteUidb(m.Name, m.Index));
            return;
        }
        pending.Index = m.Index;
        _log.Info("{0}: uIDB {1} created; binding it", m.Name, m.Index);
        _qfpClient.Tell(new BindUidb(m.Name, m.Index));
    }

    private void OnUidbBound(UidbBound m)
    {
        if (!_pending.TryGetValue(m.Name, out var pending) || pending.Index != m.Index)
        {
            _log.Warning("{0}: uIDB {1} bound for no handshake in progress; deleting it", m.Name, m.Index);
            _qfpClient.Tell(new DeleteUidb(m.Name, m.Index));
            return;
        }
        if (pending.Config.IsTunnel)
        {
            _log.Info("{0}: uIDB {1} bound; configuring the tunnel", m.Name, m.Index);
            _qfpClient.Tell(new ConfigureTunnel(m.Name, m.Index, pending.Config));
            return;
        }
        if (pending.Config.IsSubinterface)
        {
            _log.Info("{0}: uIDB {1} bound; configuring the subinterface", m.Name, m.Index);
            _qfpClient.Tell(new ConfigureSubinterface(m.Name, m.Index, pending.Config));
            return;
        }
        _log.Info("{0}: uIDB {1} bound; registering the interface", m.Name, m.Index);
        _qfpClient.Tell(new RegisterInterface(m.Name, m.Index, pending.Config));
    }

    private void OnInterfaceReady(InterfaceReady m)
    {
        if (!_pending.Remove(m.Name, out var pending) || pending.Index != m.Index)
        {
            _log.Warning("{0}: uIDB {1} ready for no handshake in progress; deleting it", m.Name, m.Index);
            _qfpClient.Tell(new DeleteUidb(m.Name, m.Index));
            return;
        }
        var config = pending.Config;
        State = State with { Interfaces = State.Interfaces.SetItem(config.Name, new FmanInterface(config, m.Index, _nextOrder++)) };
        ApplyServicePoliciesFor(State.Interfaces[config.Name]);
        _unannounced[config.Name] = pending.Reporter;
        _log.Info("{0}: ready at uIDB {1}; republishing routes", m.Name, m.Index);
        Publish();
        ProgramMulticast();
        StartWaitingSubinterfaces(config.Name);
    }

    private void OnInterfaceInitFailed(InterfaceInitFailed m)
    {
        if (!_pending.TryGetValue(m.Name, out var pending))
        {
            _log.Warning("{0}: handshake failure for no handshake in progress at {1}: {2}", m.Name, m.Step, m.Reason);
            return;
        }
        if (pending.Index is int index)
        {
            // Roll back what the earlier steps created; the failure is reported once the uIDB is gone.
            pending.Failure = m;
            _log.Warning("{0}: handshake failed at {1}: {2}; rolling back uIDB {3}", m.Name, m.Step, m.Reason, index);
            _qfpClient.Tell(new DeleteUidb(m.Name, index));
            return;
        }
        _pending.Remove(m.Name);
        Fail(pending.Reporter, m);
    }

    private void OnUidbDeleted(UidbDeleted m)
    {
        if (_pending.TryGetValue(m.Name, out var pending) && pending.Index == m.Index && pending.Failure is { } failure)
        {
            _pending.Remove(m.Name);
            Fail(pending.Reporter, failure);
        }
    }

    private void Fail(IActorRef reporter, InterfaceInitFailed failure)
    {
        _log.Warning("{0}: handshake failed at step {1}: {2}", failure.Name, failure.Step, failure.Reason);
        reporter.Tell(failure);
        Context.System.EventStream.Publish(failure);
        FailWaitingSubinterfaces(failure.Name, failure);
    }

    private void OnRoutesPublished(RoutesPublished m)
    {
        _unresolved = m.UnresolvedStaticRoutes.ToHashSet();
        foreach (var (name, reporter) in _unannounced)
        {
            if (State.Interfaces.TryGetValue(name, out var itf))
            {
                var up = new InterfaceUp(itf.Config.Name, itf.Config.OsName, itf.Index);
                _log.Info("{0}: up ({1}, uIDB {2})", up.Name, up.OsName, up.Index);
                reporter.Tell(up);
                Context.System.EventStream.Publish(up);
            }
        }
        _unannounced.Clear();
    }

    /// <summary>Sends the forwarding state to the QFP client; the answer carries the returned generation.</summary>
    private long Publish()
    {
        var generation = ++_publishGeneration;
        var statics = State.StaticRoutes.Select(ToDataPlane).ToList();
        statics.AddRange(FleetRoutesForDataPlane());
        var neighbors = State.Neighbors.Select(n => new Neighbor(n.Key.Interface, n.Key.Address, n.Value)).ToList();
        var (ipv6Routes, ipv6Neighbors) = Ipv6ForDataPlane();
        _qfpClient.Tell(new PublishRoutes(generation, statics, neighbors) { Ipv6StaticRoutes = ipv6Routes, Ipv6Neighbors = ipv6Neighbors });
        return generation;
    }

    private static StaticRoute ToDataPlane(StaticRouteConfig r) => new(r.Prefix.Network, r.Prefix.PrefixLength, r.NextHop);

    // ---- neighbors -------------------------------------------------------------------------

    private void OnNeighborResolved(NeighborResolved m)
    {
        var key = (m.InterfaceIndex, m.Address);
        if (State.Neighbors.TryGetValue(key, out var mac) && mac == m.Mac)
        {
            return;
        }
        State = State with { Neighbors = State.Neighbors.SetItem(key, m.Mac) };
        _log.Debug("neighbor {0} on uIDB {1} is {2}", Ipv4Text.Format(m.Address), m.InterfaceIndex, MacText.Format(m.Mac));
        // One adjacency rewrite (and the neighbor's /32 when it is new) in the data plane, not a republish.
        _qfpClient.Tell(new PublishNeighbor(++_publishGeneration, new Neighbor(m.InterfaceIndex, m.Address, m.Mac)));
    }

    private void OnNeighborExpired(NeighborExpired m)
    {
        var key = (m.InterfaceIndex, m.Address);
        if (!State.Neighbors.ContainsKey(key))
        {
            return;
        }
        State = State with { Neighbors = State.Neighbors.Remove(key) };
        _log.Debug("neighbor {0} on uIDB {1} expired", Ipv4Text.Format(m.Address), m.InterfaceIndex);
        _qfpClient.Tell(new WithdrawNeighbor(++_publishGeneration, m.InterfaceIndex, m.Address));
    }

    // ---- changes ---------------------------------------------------------------------------

    private bool TryFind(string name, out FmanInterface itf)
    {
        if (State.Interfaces.TryGetValue(name, out itf!))
        {
            return true;
        }
        Sender.Tell(new CommandFailed($"no interface {name}"));
        return false;
    }

    private void UpdateInterface(FmanInterface itf, InterfaceConfig config) =>
        State = State with { Interfaces = State.Interfaces.SetItem(config.Name, itf with { Config = config }) };

    private void OnSetAdminState(SetInterfaceAdminState m)
    {
        if (!TryFind(m.Name, out var itf))
        {
            return;
        }
        var config = itf.Config with { Shutdown = !m.Up };
        Change(new ApplyAdminState(itf.Index, m.Up && LinkUp(itf)), () => UpdateInterface(itf, config),
            $"{itf.Config.Name}: {(m.Up ? "no shutdown" : "shutdown")}");
    }

    // ---- link state from the platform ------------------------------------------------------
    // The data plane has one enable bit per interface; FMAN sets it to "administratively up and
    // linked", so a lost link withdraws the connected route and stops forwarding to it, while the
    // configuration (shutdown) stays what the operator set.

    private bool LinkUp(FmanInterface itf) => !State.LinkDown.Contains(itf.Config.Name);

    private void OnLinkChanged(InterfaceLinkChanged m)
    {
        if (!TryFind(m.Name, out var itf))
        {
            return;
        }
        if (LinkUp(itf) == m.LinkUp)
        {
            Sender.Tell(new CommandSucceeded($"{itf.Config.Name}: link already {(m.LinkUp ? "up" : "down")}"));
            return;
        }
        var name = itf.Config.Name;
        Change(new ApplyAdminState(itf.Index, m.LinkUp && !itf.Config.Shutdown),
            () => State = State with { LinkDown = m.LinkUp ? State.LinkDown.Remove(name) : State.LinkDown.Add(name) },
            $"{name}: link {(m.LinkUp ? "up" : "down")}");
    }

    private void OnSetMtu(SetInterfaceMtu m)
    {
        if (!TryFind(m.Name, out var itf))
        {
            return;
        }
        var gpm = _baseConfig.DataPlane.Gpm;
        if (InterfaceRules.WhyNotMtu(m.Mtu, gpm.BufferSize, gpm.Headroom) is { } problem)
        {
            Sender.Tell(new CommandFailed($"{itf.Config.Name}: {problem}"));
            return;
        }
        var config = itf.Config with { Mtu = m.Mtu };
        Change(new ApplyMtu(itf.Index, m.Mtu), () => UpdateInterface(itf, config), $"{itf.Config.Name}: mtu {m.Mtu}");
    }

    private void OnSetAddress(SetInterfaceAddress m)
    {
        if (!TryFind(m.Name, out var itf))
        {
            return;
        }
        if (m.Address is Ipv4Cidr address && WhyBadAddress(itf.Config.Name, address) is string reason)
        {
            Sender.Tell(new CommandFailed($"{itf.Config.Name}: {reason}"));
            return;
        }
        var config = itf.Config with { Ipv4 = m.Address };
        var apply = m.Address is Ipv4Cidr a ? new ApplyAddress(itf.Index, a.Address, a.PrefixLength) : new ApplyAddress(itf.Index, 0, 0);
        Change(apply, () => UpdateInterface(itf, config),
            $"{itf.Config.Name}: {(m.Address is Ipv4Cidr c ? $"ip address {c}" : "no ip address")}");
    }

    private string? WhyBadAddress(string name, Ipv4Cidr address)
    {
        if (Ipv4Rules.WhyNotInterfaceAddress(address.Address, address.PrefixLength) is { } problem)
        {
            return problem;
        }
        foreach (var other in State.Interfaces.Values)
        {
            if (!string.Equals(other.Config.Name, name, StringComparison.OrdinalIgnoreCase)
                && other.Config.Ipv4 is Ipv4Cidr taken && taken.Overlaps(address))
            {
                return $"{address} overlaps {other.Config.Name}'s subnet {taken}";
            }
        }
        return null;
    }

    private void OnAddStaticRoute(AddStaticRoute m)
    {
        var route = m.Route;
        if (WhyRouteRefused(route) is { } reason)
        {
            Sender.Tell(new CommandFailed(reason));
            return;
        }
        Change(null, () => State = State with { StaticRoutes = State.StaticRoutes.Add(route) },
            $"ip route {route.Prefix} {Ipv4Text.Format(route.NextHop)}");
    }

    /// <summary>The shared route rules first, then the checks against FMAN's state.</summary>
    private string? WhyRouteRefused(StaticRouteConfig route)
    {
        if ((Ipv4Rules.WhyNotRoutePrefix(route.Prefix.Address, route.Prefix.PrefixLength) ?? Ipv4Rules.WhyNotNextHop(route.NextHop)) is { } problem)
        {
            return problem;
        }
        if (State.Interfaces.Values.FirstOrDefault(i => i.Config.Ipv4?.Address == route.NextHop) is { } own)
        {
            return $"next hop {Ipv4Text.Format(route.NextHop)} is {own.Config.Name}'s own address";
        }
        if (route.Interface is string pinned && !State.Interfaces.ContainsKey(pinned))
        {
            return $"no interface {pinned}";
        }
        return State.StaticRoutes.Any(r => r.Prefix == route.Prefix && r.NextHop == route.NextHop)
            ? $"static route {route.Prefix} via {Ipv4Text.Format(route.NextHop)} already exists"
            : null;
    }

    private void OnRemoveStaticRoute(RemoveStaticRoute m)
    {
        var existing = State.StaticRoutes.FirstOrDefault(r => r.Prefix == m.Prefix && r.NextHop == m.NextHop);
        if (existing is null)
        {
            Sender.Tell(new CommandFailed($"no static route {m.Prefix} via {Ipv4Text.Format(m.NextHop)}"));
            return;
        }
        Change(null, () => State = State with { StaticRoutes = State.StaticRoutes.Remove(existing) },
            $"no ip route {m.Prefix} {Ipv4Text.Format(m.NextHop)}");
    }

    /// <summary>
    /// Applies a validated change: the data-plane command (if any) first, then FMAN's own state,
    /// then a route republish; the requester hears back once the new routes are published.
    /// Everything else waits in the stash meanwhile.
    /// </summary>
    private void Change(IDataPlaneCommand? dataPlaneCommand, Action commit, string description)
    {
        var replyTo = Sender;
        if (dataPlaneCommand is null)
        {
            commit();
            AwaitPublish(replyTo, description);
            return;
        }
        var ticket = ++_ticket;
        var correlation = ++_correlation;
        _qfpClient.Tell(dataPlaneCommand.WithCorrelationId(correlation));
        var timeout = ScheduleTimeout(new AnswerTimedOut(ticket));
        BecomeStacked(() =>
        {
            Receive<DataPlaneCommandApplied>(a => a.CorrelationId == correlation, _ =>
            {
                timeout.Cancel();
                commit();
                UnbecomeStacked();
                AwaitPublish(replyTo, description);
            });
            Receive<DataPlaneCommandRefused>(r => r.CorrelationId == correlation, r =>
            {
                timeout.Cancel();
                _log.Warning("{0} refused: {1}", description, r.Reason);
                replyTo.Tell(new CommandFailed(r.Reason));
                UnbecomeStacked();
                Stash.UnstashAll();
            });
            Receive<AnswerTimedOut>(t => t.Ticket == ticket, _ =>
            {
                // Its answer may still come; then it is recognised by its id and the data plane reconciled.
                _timedOut[correlation] = description;
                replyTo.Tell(new CommandFailed($"{description}: the data plane did not answer within {_answerTimeout.TotalSeconds:0.#} s"));
                UnbecomeStacked();
                Stash.UnstashAll();
            });
            ReceiveLateAnswers();
            ReceiveQueries();
            ReceiveAny(_ => Stash.Stash());
        });
    }

    // ---- late answers ----------------------------------------------------------------------

    /// <summary>
    /// An answer whose correlation id is not the command FMAN waits for: the answer to a command
    /// that timed out (the requester was told it failed), or to a reconciliation command. A late
    /// "applied" means the data plane now differs from the running state; FMAN re-reads the uIDB
    /// table and sets back whatever differs (<see cref="Reconcile"/>), and re-sends the output
    /// policies, so that the data plane and the running configuration agree again.
    /// </summary>
    private void ReceiveLateAnswers()
    {
        Receive<DataPlaneCommandApplied>(a => OnLateAnswer(a.CorrelationId, applied: true, reason: null));
        Receive<DataPlaneCommandRefused>(r => OnLateAnswer(r.CorrelationId, applied: false, r.Reason));
    }

    private void OnLateAnswer(long correlation, bool applied, string? reason)
    {
        if (_reconciling.Remove(correlation, out var what))
        {
            if (!applied)
            {
                _log.Warning("reconciliation of {0} refused by the data plane: {1}", what, reason);
            }
            return;
        }
        _lateAnswers++;
        var description = _timedOut.Remove(correlation, out var d) ? d : $"unknown command {correlation}";
        _log.Warning("late data-plane answer to {0} (correlation {1}), which had timed out: {2}; {3}",
            description, correlation, applied ? "applied" : $"refused ({reason})",
            applied ? "reconciling the data plane with the running configuration" : "nothing changed");
        Context.System.EventStream.Publish(new LateDataPlaneAnswer(correlation, description, applied, _lateAnswers));
        if (applied)
        {
            _qfpClient.Tell(ReadUidbTable.Instance);
            foreach (var itf in State.Interfaces.Values.OrderBy(i => i.Index))
            {
                ApplyServicePoliciesFor(itf);
            }
        }
    }

    /// <summary>Sets back, in the data plane, each interface setting that differs from the running state.</summary>
    private void Reconcile(UidbTableSnapshot snapshot)
    {
        foreach (var entry in snapshot.Entries)
        {
            if (!entry.Registered || !State.Interfaces.TryGetValue(entry.Name, out var itf) || itf.Index != entry.Index)
            {
                continue;
            }
            var up = !itf.Config.Shutdown && LinkUp(itf);
            if (entry.AdminUp != up)
            {
                SendReconciliation(new ApplyAdminState(itf.Index, up), $"{itf.Config.Name} admin state");
            }
            if (entry.Mtu != itf.Config.Mtu)
            {
                SendReconciliation(new ApplyMtu(itf.Index, itf.Config.Mtu), $"{itf.Config.Name} mtu");
            }
            var address = itf.Config.Ipv4 is Ipv4Cidr a ? (a.Address, a.PrefixLength) : (0u, 0);
            if (entry.Ipv4Address != address.Item1 || (address.Item1 != 0 && entry.Ipv4PrefixLength != address.Item2))
            {
                SendReconciliation(new ApplyAddress(itf.Index, address.Item1, address.Item2), $"{itf.Config.Name} address");
            }
        }
    }

    private void SendReconciliation(IDataPlaneCommand command, string what)
    {
        var correlation = ++_correlation;
        _reconciling[correlation] = what;
        _log.Warning("reconciling {0}: the data plane differs from the running configuration", what);
        _qfpClient.Tell(command.WithCorrelationId(correlation));
    }

    private void AwaitPublish(IActorRef replyTo, string description)
    {
        var generation = Publish();
        var ticket = ++_ticket;
        var timeout = ScheduleTimeout(new AnswerTimedOut(ticket));
        BecomeStacked(() =>
        {
            Receive<RoutesPublished>(p =>
            {
                OnRoutesPublished(p);
                if (p.Generation < generation)
                {
                    return;
                }
                timeout.Cancel();
                _log.Info("{0}: applied", description);
                replyTo.Tell(new CommandSucceeded(description));
                UnbecomeStacked();
                Stash.UnstashAll();
            });
            Receive<AnswerTimedOut>(t => t.Ticket == ticket, _ =>
            {
                // The change itself is in the data plane; only the route publish went unanswered.
                replyTo.Tell(new CommandSucceeded($"{description} (route publish unconfirmed)"));
                UnbecomeStacked();
                Stash.UnstashAll();
            });
            ReceiveLateAnswers();
            ReceiveQueries();
            ReceiveAny(_ => Stash.Stash());
        });
    }

    private ICancelable ScheduleTimeout(object message) =>
        Context.System.Scheduler.ScheduleTellOnceCancelable(_answerTimeout, Self, message, Self);

    // ---- queries ---------------------------------------------------------------------------

    private List<InterfaceStatus> InterfaceStatuses() =>
        State.Interfaces.Values.OrderBy(i => i.Index).Select(i => new InterfaceStatus(
            i.Config.Name, i.Config.OsName, i.Index, AdminUp: !i.Config.Shutdown, OperUp: false, i.Config.Mtu,
            i.Config.Mac ?? 0, i.Config.Ipv4, 0, 0, 0, 0, 0)).ToList();

    private List<RouteStatus> Routes()
    {
        var routes = new List<RouteStatus>();
        var interfaces = State.Interfaces.Values.OrderBy(i => i.Order).ToList();
        foreach (var i in interfaces)
        {
            if (i.Config.Ipv4 is Ipv4Cidr address)
            {
                routes.Add(new RouteStatus(RouteKind.Connected, new Ipv4Cidr(address.Network, address.PrefixLength), 0, i.Config.Name, OperationallyUp(i)));
            }
        }
        foreach (var r in State.StaticRoutes)
        {
            var via = interfaces
                .Where(i => OperationallyUp(i) && i.Config.Ipv4 is Ipv4Cidr a && a.Contains(r.NextHop) && a.Address != r.NextHop)
                .OrderByDescending(i => i.Config.Ipv4!.Value.PrefixLength)
                .FirstOrDefault();
            var active = via is not null && !_unresolved.Contains(ToDataPlane(r));
            routes.Add(new RouteStatus(RouteKind.Static, r.Prefix, r.NextHop, r.Interface ?? via?.Config.Name, active));
        }
        routes.AddRange(FleetRouteStatuses());
        return routes;
    }

    private RunningConfig BuildRunningConfig()
    {
        var config = _baseConfig with
        {
            Interfaces = State.Interfaces.Values.OrderBy(i => i.Order).Select(i => i.Config).ToEquatableList(),
            StaticRoutes = State.StaticRoutes.ToEquatableList(),
            Qos = State.Qos,
            Arp = _baseConfig.Arp with { Static = new EquatableList<StaticArpEntry>(State.StaticArp) },
            Ipv6 = State.Ipv6,
        };
        return new RunningConfig(config, RouterConfigWriter.ToHocon(config));
    }

    // ---- restart ---------------------------------------------------------------------------

    protected override void PostRestart(Exception reason)
    {
        base.PostRestart(reason);
        _log.Warning("restarted after {0}: resyncing from the data plane", reason.GetType().Name);
        Resync();
    }

    /// <summary>
    /// Rebuilds the interface objects from the data plane's uIDB table: a registered uIDB is an
    /// interface that came up (its settings in the data plane are the truth); an unregistered one
    /// is a handshake cut short by the crash, which is rolled back. Then routes are republished.
    /// </summary>
    private void Resync()
    {
        var ticket = ++_ticket;
        _qfpClient.Tell(ReadUidbTable.Instance);
        var retry = Context.System.Scheduler.ScheduleTellRepeatedlyCancelable(ResyncRetryInterval, ResyncRetryInterval, Self, new ResyncTimedOut(ticket), Self);
        BecomeStacked(() =>
        {
            Receive<UidbTableSnapshot>(snapshot =>
            {
                retry.Cancel();
                ApplySnapshot(snapshot);
                UnbecomeStacked();
                Publish();
                Stash.UnstashAll();
            });
            Receive<ResyncTimedOut>(t => t.Ticket == ticket, _ => _qfpClient.Tell(ReadUidbTable.Instance));
            ReceiveAny(_ => Stash.Stash());
        });
    }

    private void ApplySnapshot(UidbTableSnapshot snapshot)
    {
        var known = State.Interfaces;
        var rebuilt = ImmutableDictionary.CreateBuilder<string, FmanInterface>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in snapshot.Entries)
        {
            if (!entry.Registered)
            {
                _log.Warning("{0}: uIDB {1} was left half-created; deleting it", entry.Name, entry.Index);
                _qfpClient.Tell(new DeleteUidb(entry.Name, entry.Index));
                continue;
            }
            known.TryGetValue(entry.Name, out var before);
            var config = before?.Config ?? new InterfaceConfig(entry.OsName, entry.Name, InterfaceConfig.DefaultDriver, null,
                entry.Mtu, InterfaceConfig.DefaultRingSize, entry.Vlan != 0 ? null : entry.Mac, false) { Vlan = entry.Vlan };
            config = config with
            {
                Mtu = entry.Mtu,
                // A linked-down interface is disabled in the data plane, not shut down.
                Shutdown = State.LinkDown.Contains(entry.Name) ? before?.Config.Shutdown ?? false : !entry.AdminUp,
                Ipv4 = entry.Ipv4Address == 0 ? null : new Ipv4Cidr(entry.Ipv4Address, entry.Ipv4PrefixLength),
            };
            rebuilt[entry.Name] = new FmanInterface(config, entry.Index, before?.Order ?? _nextOrder++);
        }
        State = State with { Interfaces = rebuilt.ToImmutable() };
        _log.Info("resynced {0} interface(s) from the data plane", rebuilt.Count);
    }
}
