using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorRouter.Control.Contracts.Rules;

/// <summary>
/// Interface names, 802.1Q subinterfaces, MTU and the packet-buffer layout that must hold every frame the
/// router builds: one definition used by the configuration loader, FMAN and arctl (see <see cref="Ipv4Rules"/>
/// for why it lives in this assembly).
/// </summary>
public static partial class InterfaceRules
{
    public const int MinMtu = 68;
    public const int MaxMtu = 9000;
    public const int EthernetHeaderLength = 14;
    public const int VlanTagLength = 4;

    /// <summary>What a buffer holds beyond the MTU: the Ethernet header and one 802.1Q tag.</summary>
    public const int MaxL2Overhead = EthernetHeaderLength + VlanTagLength;

    /// <summary>Headroom below which the data plane could not push an 802.1Q tag in front of a frame.</summary>
    public const int MinHeadroom = VlanTagLength;

    public const int MinVlan = 1;
    public const int MaxVlan = 4094;

    /// <summary>The form of a physical interface's name, for the configuration reference and errors.</summary>
    public const string NamePattern = @"^[A-Za-z][A-Za-z-]*\d+(/\d+)*$";

    [GeneratedRegex(NamePattern)]
    private static partial Regex PhysicalName();

    [GeneratedRegex(@"^([A-Za-z][A-Za-z-]*\d+(?:/\d+)*)\.(\d{1,10})$")]
    private static partial Regex SubinterfaceName();

    /// <summary>
    /// Null when <paramref name="name"/> is a valid interface name: a type and a number
    /// (<c>GigabitEthernet1</c>, <c>GigabitEthernet0/0/1</c>), or a subinterface <c>PARENT.NUMBER</c>
    /// with NUMBER 1..4294967295 (<c>GigabitEthernet1.100</c>).
    /// </summary>
    public static string? WhyNotName(string name)
    {
        if (PhysicalName().IsMatch(name))
        {
            return null;
        }
        if (SubinterfaceName().Match(name) is { Success: true } sub
            && (!uint.TryParse(sub.Groups[2].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number == 0))
        {
            return $"'{name}': a subinterface number is 1..4294967295";
        }
        return SubinterfaceName().IsMatch(name)
            ? null
            : $"'{name}' is not a valid interface name (a type and a number, such as GigabitEthernet1 or GigabitEthernet0/0/1, or a subinterface such as GigabitEthernet1.100)";
    }

    /// <summary>True when <paramref name="name"/> has the subinterface form <c>PARENT.NUMBER</c>; gives the parent's name.</summary>
    public static bool IsSubinterfaceName(string name, out string parent)
    {
        var match = SubinterfaceName().Match(name);
        parent = match.Success ? match.Groups[1].Value : "";
        return match.Success;
    }

    public static string? WhyNotVlan(int vlan) =>
        vlan is < MinVlan or > MaxVlan ? $"vlan {vlan} is out of range {MinVlan}..{MaxVlan}" : null;

    /// <summary>The largest MTU whose frame, with an 802.1Q tag, fits a buffer after its headroom (never above <see cref="MaxMtu"/>).</summary>
    public static int MaxMtuFor(int bufferSize, int headroom) => Math.Min(MaxMtu, bufferSize - headroom - MaxL2Overhead);

    /// <summary>
    /// Null when an interface with this MTU can use buffers of this layout: 68..9000, and the largest
    /// frame it can be given (MTU + Ethernet header + 802.1Q tag: a forwarded packet, each fragment, an
    /// ICMP error with its quote, each at most MTU bytes of IP) fits the buffer after its headroom.
    /// </summary>
    public static string? WhyNotMtu(int mtu, int bufferSize, int headroom)
    {
        if (mtu is < MinMtu or > MaxMtu)
        {
            return $"mtu {mtu} is out of range {MinMtu}..{MaxMtu}";
        }
        var needed = headroom + mtu + MaxL2Overhead;
        return needed > bufferSize
            ? $"mtu {mtu} does not fit a packet buffer: headroom {headroom} + frame {mtu + MaxL2Overhead} (mtu + Ethernet header {EthernetHeaderLength} + 802.1Q tag {VlanTagLength}) = {needed} bytes > buffer-size {bufferSize}"
            : null;
    }

    /// <summary>
    /// Null when a buffer layout leaves room for the headers the data plane pushes (an 802.1Q tag in the
    /// headroom) and for the smallest MTU's frame after the headroom.
    /// </summary>
    public static string? WhyNotBufferLayout(int bufferSize, int headroom)
    {
        if (headroom < MinHeadroom)
        {
            return $"headroom {headroom} is less than {MinHeadroom} bytes, the 802.1Q tag the data plane pushes in front of a frame";
        }
        var needed = headroom + MinMtu + MaxL2Overhead;
        return needed > bufferSize
            ? $"headroom {headroom} leaves no room for a frame: headroom + the smallest frame ({MinMtu + MaxL2Overhead} bytes) = {needed} > buffer-size {bufferSize}"
            : null;
    }
}
