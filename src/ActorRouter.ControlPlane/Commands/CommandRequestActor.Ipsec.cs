using System.Globalization;
using ActorRouter.Control.Contracts;
using ActorRouter.Control.Contracts.Rules;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Fman;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.ControlPlane.Qfp;
using Akka.Actor;

namespace ActorRouter.ControlPlane.Commands;

public sealed partial class CommandRequestActor
{
    /// <summary><c>show crypto ipsec sa</c>: the SAs as the data plane has them (never their keys).</summary>
    private async Task<object> ShowCryptoIpsecSaAsync()
    {
        var actors = await ActorsAsync();
        var snapshot = await actors.QfpClient.Ask<IpsecSaSnapshot>(ReadIpsecSas.Instance, AnswerTimeout);
        return new CryptoIpsecSaView(snapshot.Sas.Select(sa => new IpsecSaView(sa.Tunnel, sa.Direction,
            "0x" + sa.Spi.ToString("x8", CultureInfo.InvariantCulture) + $" ({sa.Spi})", $"esp-aes-gcm-{sa.KeyBits}",
            Ipv4Text.Format(sa.Source), Ipv4Text.Format(sa.Destination), sa.Packets, sa.Bytes, sa.AuthFailures, sa.Replays, sa.Sequence, sa.ReplayWindow)).ToList());
    }

    /// <summary><c>interface TunnelN tunnel source … esp-in …</c>: checked with the configuration's rules, then FMAN runs the tunnel's handshake.</summary>
    private async Task<object> CreateTunnelAsync(CreateTunnelRequest m)
    {
        if (InterfaceRules.WhyNotName(m.Interface) is { } badName || InterfaceRules.IsSubinterfaceName(m.Interface, out _))
        {
            return new CommandRefused(InterfaceRules.WhyNotName(m.Interface) ?? $"'{m.Interface}' is a subinterface name; a tunnel is named TunnelN");
        }
        if (!Ipv4Text.TryParse(m.Source, out var source) || !Ipv4Text.TryParse(m.Destination, out var destination))
        {
            return new CommandRefused("the tunnel's source and destination are IPv4 addresses (A.B.C.D)");
        }
        var outbound = Sa(m.OutboundSpi, m.OutboundKey, m.OutboundSalt);
        var inbound = Sa(m.InboundSpi, m.InboundKey, m.InboundSalt);
        if (outbound is null || inbound is null)
        {
            return new CommandRefused("an SA is SPI (256..4294967295), key (0x and 32 or 64 hex digits) and salt (0x and 8 hex digits)");
        }
        var fman = (await ActorsAsync()).Fman;
        var answer = await fman.Ask<object>(new CreateTunnel(m.Interface, new TunnelConfig(source, destination, outbound, inbound)), ChangeTimeout);
        return answer switch
        {
            InterfaceUp up => new CommandDone($"{up.Name}: tunnel {m.Source} -> {m.Destination}, esp-out spi {outbound.Spi}, esp-in spi {inbound.Spi} (uIDB {up.Index})"),
            InterfaceInitFailed failed => new CommandRefused($"{failed.Name}: {failed.Reason}"),
            _ => FromFman(answer),
        };
    }

    /// <summary>
    /// <c>show running-config</c> is open to read-only clients, so the tunnels' keys are shown hidden; <c>write memory</c>
    /// saves them (a new file is written readable by its owner only).
    /// </summary>
    internal static string HideTunnelKeys(string text)
        => System.Text.RegularExpressions.Regex.Replace(text, "(?m)^(\\s*key = )\"0x[0-9a-fA-F]+\"", "$1\"<hidden>\"");

    private static EspSaConfig? Sa(string spiText, string keyText, string saltText)
        => TunnelKeys.TryParseSpi(spiText, out var spi) && TunnelKeys.ParseHex(keyText, 16, 32) is { } key && TunnelKeys.ParseHex(saltText, 4, 4) is { } salt
            ? new EspSaConfig(spi, key, uint.Parse(salt, NumberStyles.HexNumber, CultureInfo.InvariantCulture))
            : null;
}
