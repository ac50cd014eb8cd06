using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.DataPlane.Forwarding;
using Akka.Actor;

namespace ActorRouter.ControlPlane.Qfp;

/// <summary>The QFP client's IPv6 part: interface addresses at registration, and the IPv6 state for the show commands.</summary>
public sealed partial class QfpClientActor
{
    /// <summary>Addresses duplicate address detection found in use by another node, by interface: kept off the interface.</summary>
    private readonly Dictionary<int, List<Ipv6Cidr>> _duplicatedIpv6 = [];

    private void ReceiveIpv6()
    {
        Receive<ReadIpv6State>(_ => Sender.Tell(ReadIpv6()));
        Receive<Punt.Ipv6AddressDuplicated>(OnIpv6AddressDuplicated);
    }

    /// <summary>The interface's configured IPv6 addresses into its uIDB (a change of the data plane's IPv6 routes too), but not duplicated ones.</summary>
    private void SetIpv6Addresses(int index, InterfaceConfig config)
    {
        if (config.Ipv6.Count > 0)
        {
            var duplicated = _duplicatedIpv6.GetValueOrDefault(index);
            _dataPlane.SetIpv6Addresses(index, config.Ipv6.Where(a => duplicated is null || !duplicated.Any(d => d.Address == a.Address))
                .Select(a => new Ipv6InterfaceAddress(a.Address, a.PrefixLength)).ToList());
        }
    }

    /// <summary>RFC 4862 §5.4.5: a duplicated address is not used; its connected and local routes go with it.</summary>
    private void OnIpv6AddressDuplicated(Punt.Ipv6AddressDuplicated m)
    {
        if (_dataPlane.Interfaces[m.InterfaceIndex] is not { } uidb)
        {
            return;
        }
        var address = uidb.Ipv6Addresses.FirstOrDefault(a => a.Address == m.Address);
        if (address.PrefixLength == 0)
        {
            return; // the link-local address, or already taken off
        }
        if (!_duplicatedIpv6.TryGetValue(m.InterfaceIndex, out var list))
        {
            list = [];
            _duplicatedIpv6[m.InterfaceIndex] = list;
        }
        list.Add(new Ipv6Cidr(address.Address, address.PrefixLength));
        _dataPlane.SetIpv6Addresses(m.InterfaceIndex, uidb.Ipv6Addresses.Where(a => a.Address != m.Address).ToList());
    }

    private Ipv6State ReadIpv6()
    {
        var interfaces = _dataPlane.Interfaces.All
            .Select(u => new Ipv6InterfaceState(u.Index, u.Name, u.AdminUp, u.Registered, u.Ipv6LinkLocal,
                u.Ipv6Addresses.Select(a => new Ipv6Cidr(a.Address, a.PrefixLength)).ToList())
            {
                Duplicated = _duplicatedIpv6.GetValueOrDefault(u.Index) ?? [],
            })
            .ToList();
        return new Ipv6State(interfaces, _dataPlane.ReadIpv6Routes(), _dataPlane.UnresolvedIpv6StaticRoutes);
    }
}
