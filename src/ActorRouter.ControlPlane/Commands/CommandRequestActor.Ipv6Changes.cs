using ActorRouter.Control.Contracts;
using ActorRouter.Control.Contracts.Rules;
using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Fman;
using ActorRouter.ControlPlane.Messages;
using Akka.Actor;

namespace ActorRouter.ControlPlane.Commands;

/// <summary>
/// The IPv6 changes: <c>interface NAME [no] ipv6 address</c>, <c>[no] ipv6 route</c>, <c>[no] ipv6 neighbor</c>. Each is
/// checked exactly as the loader would check it, by loading the running configuration with the change made (so the
/// rules of the file — link-local next hops need their interface, prefixes of two interfaces never overlap, a
/// neighbour is on one of the interface's prefixes — hold for arctl too); then FMAN applies it as a delta.
/// </summary>
public sealed partial class CommandRequestActor
{
    private async Task<object> SetIpv6AddressAsync(SetIpv6AddressRequest m)
    {
        if (!Ipv6Cidr.TryParse(m.Address, out var address))
        {
            return new CommandRefused($"'{m.Address}' is not an IPv6 address with its prefix ({Ipv6Rules.PrefixForm})");
        }
        var fman = (await ActorsAsync()).Fman;
        var (itf, refusal) = await FindInterfaceAsync(fman, m.Interface);
        if (itf is null)
        {
            return refusal!;
        }
        if (!m.Remove && await WhyIpv6ChangeRefusedAsync(fman, config => config with
            {
                Interfaces = config.Interfaces.Select(i => i.Name == itf.Name ? i with { Ipv6 = i.Ipv6.Append(address).ToEquatableList() } : i).ToEquatableList(),
            }) is { } refused)
        {
            return refused;
        }
        return await ChangeAsync(fman, new ChangeInterfaceIpv6Address(itf.Name, address, m.Remove));
    }

    private async Task<object> AddIpv6RouteAsync(AddIpv6RouteRequest m)
    {
        if (ParseIpv6Route(m.Prefix, m.NextHop, out var prefix, out var nextHop) is { } bad)
        {
            return bad;
        }
        var fman = (await ActorsAsync()).Fman;
        string? interfaceName = null;
        if (m.Interface is not null)
        {
            var (itf, refusal) = await FindInterfaceAsync(fman, m.Interface);
            if (itf is null)
            {
                return refusal!;
            }
            interfaceName = itf.Name;
        }
        var route = new Ipv6StaticRouteConfig(prefix, nextHop, interfaceName);
        if (await WhyIpv6ChangeRefusedAsync(fman, config => config with
            {
                Ipv6 = config.Ipv6 with { StaticRoutes = config.Ipv6.StaticRoutes.Where(r => r.Prefix != prefix).Append(route).ToEquatableList() },
            }) is { } refused)
        {
            return refused;
        }
        return await ChangeAsync(fman, new AddIpv6StaticRoute(route));
    }

    private async Task<object> RemoveIpv6RouteAsync(RemoveIpv6RouteRequest m)
    {
        if (ParseIpv6Route(m.Prefix, m.NextHop, out var prefix, out var nextHop) is { } bad)
        {
            return bad;
        }
        return await ChangeAsync((await ActorsAsync()).Fman, new RemoveIpv6StaticRoute(prefix, nextHop));
    }

    private async Task<object> SetIpv6NeighborAsync(SetIpv6NeighborRequest m)
    {
        if (!Ipv6Rules.TryParseAddress(m.Address, out var address))
        {
            return new CommandRefused($"'{m.Address}' is not an IPv6 address (such as 2001:db8:1::10 or fe80::1)");
        }
        if (!MacText.TryParse(m.Mac, out var mac) || mac == 0 || MacText.IsMulticast(mac))
        {
            return new CommandRefused($"'{m.Mac}' is not a unicast MAC address (such as 02:00:00:00:00:20)");
        }
        var fman = (await ActorsAsync()).Fman;
        var (itf, refusal) = await FindInterfaceAsync(fman, m.Interface);
        if (itf is null)
        {
            return refusal!;
        }
        var neighbor = new Ipv6NeighborConfig(address, itf.Name, mac);
        if (await WhyIpv6ChangeRefusedAsync(fman, config => config with
            {
                Ipv6 = config.Ipv6 with
                {
                    Neighbors = config.Ipv6.Neighbors.Where(n => !(n.Address == address && n.Interface == itf.Name)).Append(neighbor).ToEquatableList(),
                },
            }) is { } refused)
        {
            return refused;
        }
        return await ChangeAsync(fman, new SetIpv6StaticNeighbor(neighbor));
    }

    private async Task<object> RemoveIpv6NeighborAsync(RemoveIpv6NeighborRequest m)
    {
        if (!Ipv6Rules.TryParseAddress(m.Address, out var address))
        {
            return new CommandRefused($"'{m.Address}' is not an IPv6 address (such as 2001:db8:1::10 or fe80::1)");
        }
        var fman = (await ActorsAsync()).Fman;
        var (itf, refusal) = await FindInterfaceAsync(fman, m.Interface);
        return itf is null ? refusal! : await ChangeAsync(fman, new RemoveIpv6StaticNeighbor(address, itf.Name));
    }

    private static CommandRefused? ParseIpv6Route(string prefixText, string nextHopText, out Ipv6Cidr prefix, out UInt128 nextHop)
    {
        nextHop = 0;
        if (!Ipv6Cidr.TryParse(prefixText, out prefix))
        {
            return new CommandRefused($"'{prefixText}' is not an IPv6 prefix ({Ipv6Rules.PrefixForm})");
        }
        if (Ipv6Rules.WhyNotRoutePrefix(prefix.Address, prefix.PrefixLength) is { } problem)
        {
            return new CommandRefused(problem);
        }
        if (!Ipv6Rules.TryParseAddress(nextHopText, out nextHop))
        {
            return new CommandRefused($"'{nextHopText}' is not an IPv6 next hop (such as 2001:db8:1::10 or fe80::1)");
        }
        return null;
    }

    /// <summary>The loader's errors for the running configuration with <paramref name="change"/> made, or null when it loads.</summary>
    private async Task<CommandRefused?> WhyIpv6ChangeRefusedAsync(IActorRef fman, Func<RouterConfig, RouterConfig> change)
    {
        var running = await fman.Ask<RunningConfig>(GetRunningConfig.Instance, AnswerTimeout);
        var text = RouterConfigWriter.ToHocon(change(running.Config));
        return RouterConfigLoader.TryLoadString(text, "arctl", out _, out var errors)
            ? null
            : new CommandRefused(string.Join("\n", errors.Select(e => $"{e.Key}: {e.Reason}")));
    }
}
