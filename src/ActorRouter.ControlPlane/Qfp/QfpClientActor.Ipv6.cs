using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.DataPlane.Forwarding;
using Akka.Actor;

namespace ActorRouter.ControlPlane.Qfp;

/// <summary>The QFP client's IPv6 part: interface addresses at registration, and the IPv6 state for the show commands.</summary>
public sealed partial class QfpClientActor
{
    private void ReceiveIpv6() => Receive<ReadIpv6State>(_ => Sender.Tell(ReadIpv6()));

    /// <summary>The interface's configured IPv6 addresses into its uIDB (a change of the data plane's IPv6 routes too).</summary>
    private void SetIpv6Addresses(int index, InterfaceConfig config)
    {
        if (config.Ipv6.Count > 0)
        {
            _dataPlane.SetIpv6Addresses(index, config.Ipv6.Select(a => new Ipv6InterfaceAddress(a.Address, a.PrefixLength)).ToList());
        }
    }

    private Ipv6State ReadIpv6()
    {
        var interfaces = _dataPlane.Interfaces.All
            .Select(u => new Ipv6InterfaceState(u.Index, u.Name, u.AdminUp, u.Registered, u.Ipv6LinkLocal,
                u.Ipv6Addresses.Select(a => new Ipv6Cidr(a.Address, a.PrefixLength)).ToList()))
            .ToList();
        return new Ipv6State(interfaces, _dataPlane.ReadIpv6Routes(), _dataPlane.UnresolvedIpv6StaticRoutes);
    }
}
