using System.Globalization;

namespace ActorRouter.ControlPlane.Configuration;

/// <summary>
/// One manually keyed ESP security association (RFC 4303 with AES-GCM, RFC 4106), as <c>ip xfrm state</c> takes
/// it: the SPI, the AES key (16 bytes for AES-GCM-128, 32 for AES-GCM-256) and the 4-byte salt, both written
/// in hexadecimal (<c>0x…</c>).
/// </summary>
public sealed record EspSaConfig(uint Spi, string KeyHex, uint Salt)
{
    public byte[] Key => Convert.FromHexString(KeyHex);

    public int KeyBits => KeyHex.Length * 4;

    /// <summary>"0x" and the bytes in lower-case hexadecimal, as the configuration writes a key or salt.</summary>
    public static string Hex(string hex) => "0x" + hex.ToLowerInvariant();

    public static string SaltHex(uint salt) => "0x" + salt.ToString("x8", CultureInfo.InvariantCulture);
}

/// <summary>
/// A route-based IPsec tunnel interface (<c>Tunnel1</c>): ESP in tunnel mode between the router's
/// <paramref name="Source"/> and the peer's <paramref name="Destination"/>, with one SA each way. Routes
/// into the tunnel's subnet (or via a next hop on it) are encrypted; what the inbound SA decrypts is
/// received on the tunnel. Keys are manual: no IKE.
/// </summary>
public sealed record TunnelConfig(uint Source, uint Destination, EspSaConfig Outbound, EspSaConfig Inbound)
{
    /// <summary>
    /// The default MTU of a tunnel interface: what an inner packet may be so that, with the 57 bytes the
    /// largest AES-GCM ESP encapsulation adds, the outer packet fits a 1500-byte path with room to spare.
    /// </summary>
    public const int DefaultMtu = 1400;
}

// A tunnel interface is an InterfaceConfig with a TunnelConfig: it has its own name, address, MTU and
// shutdown, and no port, driver or MAC.
public sealed partial record InterfaceConfig
{
    /// <summary>The tunnel's endpoints and SAs for a tunnel interface; null for every other interface.</summary>
    public TunnelConfig? Tunnel { get; init; }

    public bool IsTunnel => Tunnel is not null;

    /// <summary>A tunnel interface: no OS interface (its os-name is its name), no driver of its own.</summary>
    public static InterfaceConfig TunnelInterface(string name, Ipv4Cidr? ipv4, int mtu, bool shutdown, TunnelConfig tunnel) =>
        new(name, name, InterfaceDriver.Memory, ipv4, mtu, DefaultRingSize, Mac: null, shutdown) { Tunnel = tunnel };
}
