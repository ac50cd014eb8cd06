namespace ActorRouter.DataPlane.Graph.Nodes;

/// <summary>The names nodes are registered and wired by.</summary>
public static class NodeNames
{
    public const string EthernetInput = "ethernet-input";
    public const string Ip4Input = "ip4-input";
    public const string Ip4Lookup = "ip4-lookup";
    public const string Classify = "classify";
    public const string Ip4Rewrite = "ip4-rewrite";
    public const string Ip4Frag = "ip4-frag";
    public const string Ip4IcmpError = "ip4-icmp-error";
    public const string Ip6Input = "ip6-input";
    public const string Ip6Lookup = "ip6-lookup";
    public const string Ip6Classify = "ip6-classify";
    public const string Ip6Rewrite = "ip6-rewrite";
    public const string Ip6IcmpError = "ip6-icmp-error";
    public const string Esp4Encrypt = "esp4-encrypt";
    public const string Esp4Decrypt = "esp4-decrypt";
    public const string Ip4Mcast = "ip4-mcast";
    public const string Ip4McastRewrite = "ip4-mcast-rewrite";
    public const string Recycle = "recycle";
    public const string Punt = "punt";
    public const string Drop = "drop";
    public const string InterfaceOutput = "interface-output";
}
