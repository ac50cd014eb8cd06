using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.DataPlane;
using ActorRouter.DataPlane.Ipsec;
using Akka.Actor;
using Akka.Event;

namespace ActorRouter.ControlPlane.Qfp;

// The data-plane side of a tunnel interface: a uIDB without a port, and the tunnels' SAs published as one
// IPsec snapshot. The SAs are read back from the data plane (never kept here), so a restarted QFP client
// changes one tunnel without forgetting the others.
public sealed partial class QfpClientActor
{
    private void ReceiveTunnels()
    {
        Receive<CreateTunnelUidb>(OnCreateTunnelUidb);
        Receive<ConfigureTunnel>(OnConfigureTunnel);
        Receive<ReadIpsecSas>(_ => Sender.Tell(ReadSas()));
    }

    private void OnCreateTunnelUidb(CreateTunnelUidb m)
    {
        try
        {
            var index = _dataPlane.CreateTunnelUidb(m.Name, m.Mtu).Index;
            _log.Info("{0}: tunnel uIDB {1} created", m.Name, index);
            Sender.Tell(new UidbCreated(m.Name, index));
        }
        catch (DataPlaneCommandException e)
        {
            Sender.Tell(new InterfaceInitFailed(m.Name, HandshakeStep.CreateUidb, e.Message));
        }
    }

    private void OnConfigureTunnel(ConfigureTunnel m)
    {
        var config = m.Interface;
        try
        {
            if (config.Tunnel is not { } tunnel)
            {
                throw new DataPlaneCommandException($"{m.Name} has no tunnel settings");
            }
            var specs = CurrentSpecs().Where(s => !string.Equals(s.InterfaceName, m.Name, StringComparison.OrdinalIgnoreCase)).ToList();
            specs.Add(new IpsecTunnelSpec(m.Name, tunnel.Source, tunnel.Destination,
                new SaKeying(tunnel.Outbound.Spi, tunnel.Outbound.Key, tunnel.Outbound.Salt),
                new SaKeying(tunnel.Inbound.Spi, tunnel.Inbound.Key, tunnel.Inbound.Salt)));
            _dataPlane.PublishIpsecTunnels(specs);
            _dataPlane.SetAdminState(m.Index, !config.Shutdown);
            if (config.Ipv4 is Ipv4Cidr address)
            {
                _dataPlane.SetIpv4Address(m.Index, address.Address, address.PrefixLength);
            }
        }
        catch (Exception e) when (e is DataPlaneCommandException or ArgumentException)
        {
            Sender.Tell(new InterfaceInitFailed(m.Name, HandshakeStep.Configure, e.Message));
            return;
        }
        _log.Info("{0}: tunnel {1} → {2} configured, {3}", m.Name, Ipv4Text.Format(config.Tunnel.Source), Ipv4Text.Format(config.Tunnel.Destination),
            config.Shutdown ? "administratively down" : "enabled");
        Sender.Tell(new InterfaceReady(m.Name, m.Index));
    }

    /// <summary>The tunnels in force as specs, so one can be changed and the rest published unchanged (their SAs kept with their state).</summary>
    private List<IpsecTunnelSpec> CurrentSpecs() => _dataPlane.Ipsec.Current.Tunnels
        .Select(t => new IpsecTunnelSpec(t.Name, t.Source, t.Destination, Keying(t.Outbound), Keying(t.Inbound)))
        .ToList();

    private static SaKeying Keying(SecurityAssociation sa) => new(sa.Spi, sa.CopyKey(), sa.Salt);

    private IpsecSaSnapshot ReadSas()
    {
        var rows = new List<IpsecSaRow>();
        foreach (var t in _dataPlane.Ipsec.Current.Tunnels)
        {
            foreach (var sa in new[] { t.Inbound, t.Outbound })
            {
                var inbound = sa.Direction == SaDirection.Inbound;
                rows.Add(new IpsecSaRow(t.Name, inbound ? "inbound" : "outbound", sa.Spi, sa.KeyLength * 8,
                    inbound ? t.Destination : t.Source, inbound ? t.Source : t.Destination,
                    sa.Read(SaCounter.Packets), sa.Read(SaCounter.Bytes), sa.Read(SaCounter.AuthFailures), sa.Read(SaCounter.Replays), sa.Sequence,
                    inbound ? AntiReplayWindow.WindowSize : 0));
            }
        }
        return new IpsecSaSnapshot(rows);
    }
}

/// <summary>Asks the QFP client for every SA's state and counters; answered with an <see cref="IpsecSaSnapshot"/>.</summary>
public sealed record ReadIpsecSas
{
    public static readonly ReadIpsecSas Instance = new();
}

/// <summary>One SA as the data plane has it: its tunnel, direction, SPI, cipher, outer addresses, counters and sequence number.</summary>
public sealed record IpsecSaRow(string Tunnel, string Direction, uint Spi, int KeyBits, uint Source, uint Destination,
    long Packets, long Bytes, long AuthFailures, long Replays, uint Sequence, int ReplayWindow);

public sealed record IpsecSaSnapshot(IReadOnlyList<IpsecSaRow> Sas);
