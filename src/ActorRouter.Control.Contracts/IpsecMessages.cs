namespace ActorRouter.Control.Contracts;

/// <summary><c>show crypto ipsec sa</c>: every security association of every tunnel, with its counters.</summary>
public sealed record ShowCryptoIpsecSaRequest : IArctlRequest;

/// <summary>
/// One SA. <paramref name="Direction"/> is inbound or outbound; <paramref name="Cipher"/> esp-aes-gcm-128 or -256;
/// <paramref name="Source"/> and <paramref name="Destination"/> are the outer addresses of the packets it protects.
/// <paramref name="Packets"/> and <paramref name="Bytes"/> count the inner packets encrypted or decrypted and accepted;
/// <paramref name="Sequence"/> is the last sequence number sent (outbound) or the highest accepted (inbound);
/// <paramref name="ReplayWindow"/> is the anti-replay window in packets (0 for an outbound SA).
/// </summary>
public sealed record IpsecSaView(string Tunnel, string Direction, string Spi, string Cipher, string Source, string Destination,
    long Packets, long Bytes, long AuthFailures, long Replays, long Sequence, int ReplayWindow);

public sealed record CryptoIpsecSaView(IReadOnlyList<IpsecSaView> Sas)
{
    public IReadOnlyList<IpsecSaView> Sas { get; } = Sas.ToList();
}

/// <summary>
/// <c>interface TunnelN tunnel source A destination B esp-out SPI KEY SALT esp-in SPI KEY SALT</c>: creates a
/// route-based IPsec tunnel interface with manually keyed AES-GCM SAs (keys and salts in 0x… hexadecimal, SPIs in
/// decimal or 0x…). Its address, MTU and state are then set like any interface's.
/// </summary>
public sealed record CreateTunnelRequest(string Interface, string Source, string Destination,
    string OutboundSpi, string OutboundKey, string OutboundSalt, string InboundSpi, string InboundKey, string InboundSalt) : IArctlRequest;
