using ActorRouter.Control.Contracts.Rules;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Messages;

namespace ActorRouter.ControlPlane.Platform;

/// <summary>
/// Turns the OS interfaces and the configuration into the interfaces the platform hands to FMAN.
/// <list type="bullet">
/// <item><c>discovery = config</c>: exactly <c>actorrouter.interfaces</c>.</item>
/// <item><c>discovery = linux</c>: every Ethernet interface of the namespace except loopback and
/// <c>exclude</c>, in natural name order (eth2 before eth10; stable across reboots, unlike ifindex),
/// named prefix + position (the first GigabitEthernet1). An entry of <c>interfaces</c> with the same
/// os-name overrides the discovered one (name, address, MTU, MAC, ring, shutdown, mode) and makes it
/// af-packet whatever its driver key says. An interface without an entry takes the OS MTU (capped to
/// what a packet buffer holds), the driver's MAC, and is administratively down when the OS
/// interface is. af-packet entries that match no OS interface fail at Discover; memory entries are
/// kept as they are, after the discovered ones.</item>
/// </list>
/// </summary>
public static class DiscoveryPlan
{
    public sealed record Result(IReadOnlyList<InterfaceConfig> Interfaces, IReadOnlyList<InterfaceInitFailed> Failures, IReadOnlyList<string> Notes);

    public static Result Resolve(RouterConfig config, IReadOnlyList<NetDevice> devices)
    {
        if (config.Platform.Discovery == PlatformDiscovery.Config)
        {
            return new Result(config.Interfaces, [], []);
        }
        var platform = config.Platform;
        var interfaces = new List<InterfaceConfig>();
        var failures = new List<InterfaceInitFailed>();
        var notes = new List<string>();
        var overrides = config.Interfaces.Where(i => !i.IsSubinterface).ToDictionary(i => i.OsName, StringComparer.Ordinal);
        var candidates = devices
            .Where(d => !d.Loopback && d.Ethernet && !platform.Exclude.Contains(d.Name, StringComparer.Ordinal))
            .OrderBy(d => d.Name, NaturalNameComparer.Instance)
            .ToList();
        var maxMtu = InterfaceRules.MaxMtuFor(config.DataPlane.Gpm.BufferSize, config.DataPlane.Gpm.Headroom);

        for (var position = 1; position <= candidates.Count; position++)
        {
            var device = candidates[position - 1];
            if (overrides.Remove(device.Name, out var listed))
            {
                interfaces.Add(InterfaceDrivers.IsLinux(listed.Driver) ? listed : listed with { Driver = InterfaceDriver.AfPacket });
                continue;
            }
            var name = platform.NamePrefix + position;
            var owner = config.Interfaces.FirstOrDefault(i => string.Equals(i.Name, name, StringComparison.OrdinalIgnoreCase));
            if (owner is not null)
            {
                failures.Add(new InterfaceInitFailed(name, HandshakeStep.Discover,
                    $"{device.Name} would be {name}, but actorrouter.interfaces gives that name to {owner.OsName}; list {device.Name} there with a name of its own, or exclude it"));
                continue;
            }
            var mtu = Math.Clamp(device.Mtu, InterfaceRules.MinMtu, maxMtu);
            if (mtu != device.Mtu)
            {
                notes.Add($"{device.Name}: OS MTU {device.Mtu} taken as {mtu} (what a {config.DataPlane.Gpm.BufferSize}-byte packet buffer holds)");
            }
            interfaces.Add(new InterfaceConfig(device.Name, name, InterfaceDriver.AfPacket, Ipv4: null, mtu,
                InterfaceConfig.DefaultRingSize, Mac: null, Shutdown: !device.AdminUp));
        }
        foreach (var listed in config.Interfaces.Where(i => overrides.ContainsKey(i.OsName)))
        {
            if (listed.Driver == InterfaceDriver.Memory)
            {
                interfaces.Add(listed);
                continue;
            }
            var why = platform.Exclude.Contains(listed.OsName, StringComparer.Ordinal)
                ? $"{listed.OsName} is listed in actorrouter.platform.exclude"
                : devices.FirstOrDefault(d => d.Name == listed.OsName) is { } other
                    ? $"{listed.OsName} is not an Ethernet interface"
                    : $"no interface {listed.OsName} in this network namespace";
            failures.Add(new InterfaceInitFailed(listed.Name, HandshakeStep.Discover, why));
        }
        // Subinterfaces come after every physical interface; one whose parent did not make it fails with it.
        foreach (var sub in config.Interfaces.Where(i => i.IsSubinterface))
        {
            if (interfaces.FirstOrDefault(i => string.Equals(i.Name, sub.ParentName, StringComparison.OrdinalIgnoreCase)) is { } parent)
            {
                interfaces.Add(sub with { OsName = parent.OsName, Driver = parent.Driver });
                continue;
            }
            failures.Add(new InterfaceInitFailed(sub.Name, HandshakeStep.Discover, $"its parent {sub.ParentName} was not discovered"));
        }
        return new Result(interfaces, failures, notes);
    }
}

/// <summary>Orders interface names with their digit runs compared as numbers: eth2 before eth10.</summary>
public sealed class NaturalNameComparer : IComparer<string>
{
    public static readonly NaturalNameComparer Instance = new();

    public int Compare(string? x, string? y)
    {
        if (x is null || y is null)
        {
            return string.CompareOrdinal(x, y);
        }
        int i = 0, j = 0;
        while (i < x.Length && j < y.Length)
        {
            if (char.IsAsciiDigit(x[i]) && char.IsAsciiDigit(y[j]))
            {
                var (si, sj) = (i, j);
                while (i < x.Length && char.IsAsciiDigit(x[i])) i++;
                while (j < y.Length && char.IsAsciiDigit(y[j])) j++;
                var a = x[si..i].TrimStart('0');
                var b = y[sj..j].TrimStart('0');
                var byNumber = a.Length != b.Length ? a.Length.CompareTo(b.Length) : string.CompareOrdinal(a, b);
                if (byNumber != 0)
                {
                    return byNumber;
                }
                continue;
            }
            if (x[i] != y[j])
            {
                return x[i].CompareTo(y[j]);
            }
            i++;
            j++;
        }
        var byLength = (x.Length - i).CompareTo(y.Length - j);
        return byLength != 0 ? byLength : string.CompareOrdinal(x, y);
    }
}
