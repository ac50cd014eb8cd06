using ActorRouter.DataPlane.Interfaces;

namespace ActorRouter.ControlPlane.Punt;

/// <summary>Which interface a neighbor address lives on, as the data plane's uIDB snapshot says.</summary>
public static class ConnectedSubnets
{
    /// <summary>
    /// The up interface whose connected subnet contains <paramref name="address"/> (longest prefix
    /// wins), or -1. The interface's own address and its subnet broadcast are not neighbors.
    /// </summary>
    public static int FindInterface(UidbTable interfaces, uint address)
    {
        var best = -1;
        var bestLength = -1;
        foreach (var uidb in interfaces.All)
        {
            if (!interfaces.Up[uidb.Index] || uidb.Ipv4Address == 0 || uidb.Ipv4PrefixLength is <= 0 or >= 32)
            {
                continue;
            }
            if ((address & uidb.Ipv4Mask) != (uidb.Ipv4Address & uidb.Ipv4Mask)
                || address == uidb.Ipv4Address
                || (uidb.Ipv4Broadcast != 0 && address == uidb.Ipv4Broadcast))
            {
                continue;
            }
            if (uidb.Ipv4PrefixLength > bestLength)
            {
                best = uidb.Index;
                bestLength = uidb.Ipv4PrefixLength;
            }
        }
        return best;
    }

    /// <summary>True when <paramref name="address"/> is a neighbor on interface <paramref name="index"/>'s subnet.</summary>
    public static bool IsNeighborOn(UidbTable interfaces, int index, uint address)
    {
        var uidb = interfaces[index];
        if (uidb is null || uidb.Ipv4Address == 0 || uidb.Ipv4PrefixLength is <= 0 or >= 32)
        {
            return false;
        }
        return (address & uidb.Ipv4Mask) == (uidb.Ipv4Address & uidb.Ipv4Mask)
            && address != uidb.Ipv4Address
            && (uidb.Ipv4Broadcast == 0 || address != uidb.Ipv4Broadcast);
    }
}
