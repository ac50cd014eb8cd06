using System.Text;
using ActorRouter.Control.Contracts;

namespace ActorRouter.Cli;

public static partial class ReplyFormatter
{
    /// <summary><c>show crypto ipsec sa</c>: per tunnel, each SA with its keying (never the key) and counters, as IOS lays it out.</summary>
    private static string CryptoIpsecSa(CryptoIpsecSaView v)
    {
        if (v.Sas.Count == 0)
        {
            return "No IPsec security associations (no tunnel interface is configured).";
        }
        var s = new StringBuilder();
        foreach (var tunnel in v.Sas.GroupBy(sa => sa.Tunnel))
        {
            var outbound = tunnel.FirstOrDefault(sa => sa.Direction == "outbound");
            s.AppendLine($"interface: {tunnel.Key}");
            if (outbound is not null)
            {
                s.AppendLine($"   local crypto endpt.: {outbound.Source}, remote crypto endpt.: {outbound.Destination}");
            }
            s.AppendLine("   mode: tunnel, keying: manual (no IKE)");
            foreach (var sa in tunnel)
            {
                s.AppendLine($"   {sa.Direction} esp sa: spi {sa.Spi}, transform {sa.Cipher}, {sa.Source} -> {sa.Destination}");
                var what = sa.Direction == "inbound" ? "decaps" : "encaps";
                s.AppendLine($"      #pkts {what}: {N(sa.Packets)}, #bytes {what}: {N(sa.Bytes)}");
                if (sa.Direction == "inbound")
                {
                    s.AppendLine($"      #auth failures (bad ICV): {N(sa.AuthFailures)}, #replays: {N(sa.Replays)}, replay window: {sa.ReplayWindow}, highest seq: {sa.Sequence}");
                }
                else
                {
                    s.AppendLine($"      last seq sent: {sa.Sequence}");
                }
            }
        }
        return s.ToString().TrimEnd('\n');
    }
}
