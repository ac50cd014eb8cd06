using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.DataPlane;
using Akka.Actor;
using Akka.Event;

namespace ActorRouter.ControlPlane.Qfp;

// The data-plane side of an 802.1Q subinterface's handshake: its uIDB shares its parent's port, so
// there is no port to open or register, only the uIDB to create and its state to apply.
public sealed partial class QfpClientActor
{
    private void OnCreateSubinterfaceUidb(CreateSubinterfaceUidb m)
    {
        try
        {
            var index = _dataPlane.CreateSubinterfaceUidb(m.Name, m.ParentIndex, m.Vlan, m.Mtu).Index;
            _log.Info("{0}: uIDB {1} created on uIDB {2}, vlan {3}", m.Name, index, m.ParentIndex, m.Vlan);
            Sender.Tell(new UidbCreated(m.Name, index));
        }
        catch (DataPlaneCommandException e)
        {
            Sender.Tell(new InterfaceInitFailed(m.Name, HandshakeStep.CreateUidb, e.Message));
        }
    }

    private void OnConfigureSubinterface(ConfigureSubinterface m)
    {
        var config = m.Interface;
        try
        {
            _dataPlane.SetAdminState(m.Index, !config.Shutdown);
            if (config.Ipv4 is Ipv4Cidr address)
            {
                _dataPlane.SetIpv4Address(m.Index, address.Address, address.PrefixLength);
            }
            SetIpv6Addresses(m.Index, config);
        }
        catch (DataPlaneCommandException e)
        {
            Sender.Tell(new InterfaceInitFailed(m.Name, HandshakeStep.Configure, e.Message));
            return;
        }
        _log.Info("{0}: configured, {1}", m.Name, config.Shutdown ? "administratively down" : "enabled");
        Sender.Tell(new InterfaceReady(m.Name, m.Index));
    }
}
