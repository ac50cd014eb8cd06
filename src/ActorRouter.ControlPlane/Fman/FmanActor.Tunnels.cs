using ActorRouter.Control.Contracts.Rules;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Messages;
using Akka.Actor;
using Akka.Event;

namespace ActorRouter.ControlPlane.Fman;

// Tunnel interfaces (Tunnel1). A tunnel runs the handshake of an interface without a port: its uIDB is
// created (CreateTunnelUidb), bound, and configured (ConfigureTunnel: state, address, and its SAs made
// the data plane's). Its link is always up; routes reach it through its subnet or a next hop on it.
public sealed partial class FmanActor
{
    private void ReceiveTunnels() => Receive<CreateTunnel>(OnCreateTunnel);

    private void StartTunnel(InterfaceConfig config, IActorRef reporter)
    {
        if (WhyTunnelRefused(config) is { } reason)
        {
            Fail(reporter, new InterfaceInitFailed(config.Name, HandshakeStep.Discover, reason));
            return;
        }
        _pending[config.Name] = new PendingHandshake(config, reporter);
        var tunnel = config.Tunnel!;
        _log.Info("{0}: tunnel {1} → {2}, creating its uIDB", config.Name, Ipv4Text.Format(tunnel.Source), Ipv4Text.Format(tunnel.Destination));
        _qfpClient.Tell(new CreateTunnelUidb(config.Name, config.Mtu));
    }

    private string? WhyTunnelRefused(InterfaceConfig config)
    {
        if (State.Interfaces.ContainsKey(config.Name) || _pending.ContainsKey(config.Name))
        {
            return $"{config.Name} already exists";
        }
        var tunnel = config.Tunnel!;
        var inUse = State.Interfaces.Values.Select(i => i.Config).Concat(_pending.Values.Select(p => p.Config))
            .FirstOrDefault(c => c.Tunnel is { } other && other.Inbound.Spi == tunnel.Inbound.Spi);
        return inUse is not null ? $"inbound SPI {tunnel.Inbound.Spi} is already used by {inUse.Name}" : null;
    }

    /// <summary><c>interface Tunnel1 tunnel …</c> from arctl: a new tunnel interface, brought up by the handshake.</summary>
    private void OnCreateTunnel(CreateTunnel m)
    {
        if (InterfaceRules.WhyNotName(m.Name) is { } badName)
        {
            Sender.Tell(new CommandFailed(badName));
            return;
        }
        if (State.Interfaces.TryGetValue(m.Name, out var existing))
        {
            Sender.Tell(existing.Config.Tunnel == m.Tunnel
                ? new CommandSucceeded($"{existing.Config.Name}: tunnel unchanged")
                : new CommandFailed($"{existing.Config.Name} exists; remove it first (no interface {existing.Config.Name}) to change its tunnel or keys"));
            return;
        }
        StartTunnel(InterfaceConfig.TunnelInterface(m.Name, null, TunnelConfig.DefaultMtu, shutdown: false, m.Tunnel), Sender);
    }
}

/// <summary>arctl → FMAN: create tunnel interface <paramref name="Name"/> with these endpoints and SAs; answered like a subinterface's creation.</summary>
public sealed record CreateTunnel(string Name, TunnelConfig Tunnel);
