using ActorRouter.Control.Contracts.Rules;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Messages;
using Akka.Actor;
using Akka.Event;

namespace ActorRouter.ControlPlane.Fman;

// 802.1Q subinterfaces. A subinterface runs the same handshake as a physical interface, with two
// differences: its uIDB is created (CreateSubinterfaceUidb) only once its parent is registered, since
// it shares the parent's port and MAC; and instead of a port registration it is only configured
// (ConfigureSubinterface). Its operational state follows its parent's: a parent that is shut or has
// lost its link takes its subinterfaces down (the data plane enforces it; FMAN reports it).
public sealed partial class FmanActor
{
    /// <summary>Subinterfaces discovered while their parent's handshake is still running, by parent name.</summary>
    private readonly Dictionary<string, List<(InterfaceConfig Config, IActorRef Reporter)>> _waitingForParent = new(StringComparer.OrdinalIgnoreCase);

    private sealed record RemovalTimedOut(long Ticket);

    private void ReceiveSubinterfaces()
    {
        Receive<CreateSubinterface>(OnCreateSubinterface);
        Receive<RemoveSubinterface>(OnRemoveSubinterface);
        Receive<RemovalTimedOut>(_ => { });
    }

    private FmanInterface? ParentOf(FmanInterface itf) =>
        itf.Config.ParentName is { } parent && State.Interfaces.TryGetValue(parent, out var found) ? found : null;

    /// <summary>Administratively up, linked, and (for a subinterface) its parent operationally up.</summary>
    private bool OperationallyUp(FmanInterface itf) =>
        !itf.Config.Shutdown && LinkUp(itf) && (ParentOf(itf) is not { } parent || OperationallyUp(parent));

    /// <summary>
    /// Starts a subinterface's handshake: now if its parent is up in FMAN, after the parent's handshake
    /// if that is running, and never (a Discover failure) if there is no such parent.
    /// </summary>
    private void StartSubinterface(InterfaceConfig config, IActorRef reporter)
    {
        var parentName = config.ParentName ?? "";
        if (State.Interfaces.TryGetValue(parentName, out var parent))
        {
            if (WhySubinterfaceRefused(config, parent) is { } reason)
            {
                Fail(reporter, new InterfaceInitFailed(config.Name, HandshakeStep.Discover, reason));
                return;
            }
            _pending[config.Name] = new PendingHandshake(config, reporter);
            _log.Info("{0}: creating its uIDB on {1} (uIDB {2}), vlan {3}", config.Name, parent.Config.Name, parent.Index, config.Vlan);
            _qfpClient.Tell(new CreateSubinterfaceUidb(config.Name, parent.Index, (ushort)config.Vlan, config.Mtu));
            return;
        }
        if (_pending.ContainsKey(parentName))
        {
            if (!_waitingForParent.TryGetValue(parentName, out var waiting))
            {
                _waitingForParent[parentName] = waiting = [];
            }
            waiting.Add((config, reporter));
            _log.Info("{0}: waiting for its parent {1} to come up", config.Name, parentName);
            return;
        }
        Fail(reporter, new InterfaceInitFailed(config.Name, HandshakeStep.Discover, $"its parent {parentName} does not exist"));
    }

    private string? WhySubinterfaceRefused(InterfaceConfig config, FmanInterface parent)
    {
        if (parent.Config.IsSubinterface)
        {
            return $"{parent.Config.Name} is itself a subinterface";
        }
        if (InterfaceRules.WhyNotVlan(config.Vlan) is { } badVlan)
        {
            return badVlan;
        }
        if (State.Interfaces.ContainsKey(config.Name) || _pending.ContainsKey(config.Name))
        {
            return $"{config.Name} already exists";
        }
        var sameVlan = State.Interfaces.Values.Select(i => i.Config).Concat(_pending.Values.Select(p => p.Config))
            .FirstOrDefault(c => c.Vlan == config.Vlan && string.Equals(c.ParentName, parent.Config.Name, StringComparison.OrdinalIgnoreCase));
        if (sameVlan is not null)
        {
            return $"vlan {config.Vlan} is already used on {parent.Config.Name} by {sameVlan.Name}";
        }
        return config.Mtu > parent.Config.Mtu
            ? $"mtu {config.Mtu} is more than the mtu {parent.Config.Mtu} of its parent {parent.Config.Name}"
            : null;
    }

    /// <summary>After a physical interface is ready: the subinterfaces that waited for it start.</summary>
    private void StartWaitingSubinterfaces(string parentName)
    {
        if (_waitingForParent.Remove(parentName, out var waiting))
        {
            foreach (var (config, reporter) in waiting)
            {
                StartSubinterface(config, reporter);
            }
        }
    }

    /// <summary>A parent whose handshake failed takes the subinterfaces that waited for it along.</summary>
    private void FailWaitingSubinterfaces(string parentName, InterfaceInitFailed parentFailure)
    {
        if (_waitingForParent.Remove(parentName, out var waiting))
        {
            foreach (var (config, reporter) in waiting)
            {
                Fail(reporter, new InterfaceInitFailed(config.Name, HandshakeStep.Discover,
                    $"its parent {parentName} did not come up ({parentFailure.Step}: {parentFailure.Reason})"));
            }
        }
    }

    // ---- at run time (arctl) -------------------------------------------------------------------

    private void OnCreateSubinterface(CreateSubinterface m)
    {
        if (InterfaceRules.WhyNotName(m.Name) is { } badName)
        {
            Sender.Tell(new CommandFailed(badName));
            return;
        }
        if (!InterfaceRules.IsSubinterfaceName(m.Name, out var parentName))
        {
            Sender.Tell(new CommandFailed($"{m.Name} is not a subinterface name (PARENT.NUMBER)"));
            return;
        }
        if (InterfaceRules.WhyNotVlan(m.Vlan) is { } badVlan)
        {
            Sender.Tell(new CommandFailed($"{m.Name}: {badVlan}"));
            return;
        }
        if (State.Interfaces.TryGetValue(m.Name, out var existing))
        {
            Sender.Tell(existing.Config.Vlan == m.Vlan
                ? new CommandSucceeded($"{existing.Config.Name}: encapsulation dot1q {m.Vlan} (unchanged)")
                : new CommandFailed($"{existing.Config.Name} already uses vlan {existing.Config.Vlan}; remove it first (no interface {existing.Config.Name})"));
            return;
        }
        if (!State.Interfaces.TryGetValue(parentName, out var parent))
        {
            Sender.Tell(new CommandFailed($"no interface {parentName}"));
            return;
        }
        var config = InterfaceConfig.Subinterface(parent.Config, parent.Config.Name + m.Name[parentName.Length..], m.Vlan);
        if (WhySubinterfaceRefused(config, parent) is { } reason)
        {
            Sender.Tell(new CommandFailed($"{config.Name}: {reason}"));
            return;
        }
        StartSubinterface(config, Sender);
    }

    private void OnRemoveSubinterface(RemoveSubinterface m)
    {
        if (!TryFind(m.Name, out var itf))
        {
            return;
        }
        var name = itf.Config.Name;
        if (!itf.Config.IsSubinterface && !itf.Config.IsTunnel)
        {
            Sender.Tell(new CommandFailed($"{name} is a physical interface; only subinterfaces and tunnels can be removed"));
            return;
        }
        if (State.StaticRoutes.FirstOrDefault(r => string.Equals(r.Interface, name, StringComparison.OrdinalIgnoreCase)) is { } pinned)
        {
            Sender.Tell(new CommandFailed($"static route {pinned.Prefix} via {Ipv4Text.Format(pinned.NextHop)} uses {name}; remove it first"));
            return;
        }
        var replyTo = Sender;
        var index = itf.Index;
        var ticket = ++_ticket;
        _qfpClient.Tell(new DeleteUidb(name, index));
        var timeout = ScheduleTimeout(new RemovalTimedOut(ticket));
        BecomeStacked(() =>
        {
            Receive<UidbDeleted>(d => d.Index == index && string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase), _ =>
            {
                timeout.Cancel();
                State = State with
                {
                    Interfaces = State.Interfaces.Remove(name),
                    Neighbors = State.Neighbors.RemoveRange(State.Neighbors.Keys.Where(k => k.Interface == index)),
                };
                // Multicast routes through it lose it (a route whose incoming interface it was is withdrawn) before its uIDB is reused.
                ProgramMulticast();
                UnbecomeStacked();
                AwaitPublish(replyTo, $"no interface {name}");
            });
            Receive<RemovalTimedOut>(t => t.Ticket == ticket, _ =>
            {
                replyTo.Tell(new CommandFailed($"no interface {name}: the data plane did not answer within {DataPlaneAnswerTimeout.TotalSeconds:0} s"));
                UnbecomeStacked();
                Stash.UnstashAll();
            });
            ReceiveAny(_ => Stash.Stash());
        });
    }
}
