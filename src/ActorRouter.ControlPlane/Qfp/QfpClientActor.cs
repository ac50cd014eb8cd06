using ActorRouter.ControlPlane.Configuration;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.ControlPlane.Vnic;
using ActorRouter.DataPlane;
using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Forwarding;
using Akka.Actor;
using Akka.Event;

namespace ActorRouter.ControlPlane.Qfp;

/// <summary>
/// The QFP client: the only actor that calls the data plane. It translates FMAN's requests into
/// data-plane commands and answers with what happened. It keeps no state, so a restart loses
/// nothing; the data plane it talks to lives outside it and keeps forwarding meanwhile.
/// </summary>
public sealed partial class QfpClientActor : ReceiveActor
{
    private readonly QfpDataPlane _dataPlane;
    private readonly IVnicFactory _vnics;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public QfpClientActor(QfpDataPlane dataPlane, IVnicFactory vnics)
    {
        _dataPlane = dataPlane;
        _vnics = vnics;
        Receive<CreateUidb>(OnCreateUidb);
        Receive<BindUidb>(OnBindUidb);
        Receive<RegisterInterface>(OnRegisterInterface);
        Receive<CreateSubinterfaceUidb>(OnCreateSubinterfaceUidb);
        Receive<ConfigureSubinterface>(OnConfigureSubinterface);
        Receive<DeleteUidb>(OnDeleteUidb);
        Receive<ApplyAdminState>(m => Apply(m.CorrelationId, () => _dataPlane.SetAdminState(m.Index, m.Up)));
        Receive<ApplyMtu>(m => Apply(m.CorrelationId, () => _dataPlane.SetMtu(m.Index, m.Mtu)));
        Receive<ApplyAddress>(m => Apply(m.CorrelationId, () => _dataPlane.SetIpv4Address(m.Index, m.Address, m.PrefixLength)));
        Receive<ApplyIpv6Addresses>(m => Apply(m.CorrelationId,
            () => _dataPlane.SetIpv6Addresses(m.Index, m.Addresses.Select(c => new Ipv6InterfaceAddress(c.Address, c.PrefixLength)).ToList())));
        Receive<ClearDataPlaneCounters>(m => Apply(m.CorrelationId, () => _dataPlane.ClearCounters(m.Index)));
        Receive<PublishRoutes>(OnPublishRoutes);
        Receive<PublishNeighbor>(m => Answer(m.Generation, _dataPlane.PublishNeighbor(m.Neighbor)));
        Receive<WithdrawNeighbor>(m => Answer(m.Generation, _dataPlane.WithdrawNeighbor(m.Interface, m.Address)));
        Receive<ReadInterfaceStatus>(OnReadInterfaceStatus);
        Receive<ReadUidbTable>(_ => Sender.Tell(new UidbTableSnapshot(_dataPlane.Interfaces.All
            .Select(u => new UidbEntry(u.Index, u.Name, u.OsName, u.Mtu, u.Mac, u.AdminUp, u.Ipv4Address, u.Ipv4PrefixLength, u.Registered || u.IsTunnel) { Vlan = u.Vlan })
            .ToList())));
        Receive<LendPuntPort>(_ => Sender.Tell(new PuntPortLent(_dataPlane.PuntPort)));
        Receive<ReadDataPlaneStatistics>(_ => Sender.Tell(_dataPlane.ReadStatistics()));
        ReceiveQos();
        ReceivePunt();
        ReceiveObservation();
        ReceiveTunnels();
        ReceiveIpv6();
        ReceiveMulticast();
    }

    public static Props Props(QfpDataPlane dataPlane, IVnicFactory vnics) =>
        Akka.Actor.Props.Create(() => new QfpClientActor(dataPlane, vnics));

    private void OnCreateUidb(CreateUidb m)
    {
        try
        {
            var uidb = _dataPlane.CreateUidb(m.Name, m.OsName, m.Mtu, m.Mac);
            _log.Info("{0}: uIDB {1} created", m.Name, uidb.Index);
            Sender.Tell(new UidbCreated(m.Name, uidb.Index));
        }
        catch (DataPlaneCommandException e)
        {
            Sender.Tell(new InterfaceInitFailed(m.Name, HandshakeStep.CreateUidb, e.Message));
        }
    }

    private void OnBindUidb(BindUidb m)
    {
        var uidb = _dataPlane.Interfaces[m.Index];
        if (uidb is null || !string.Equals(uidb.Name, m.Name, StringComparison.OrdinalIgnoreCase))
        {
            Sender.Tell(new InterfaceInitFailed(m.Name, HandshakeStep.BindUidb,
                uidb is null ? $"no uIDB with index {m.Index}" : $"uIDB {m.Index} belongs to {uidb.Name}"));
            return;
        }
        _log.Info("{0}: uIDB {1} bound", m.Name, m.Index);
        Sender.Tell(new UidbBound(m.Name, m.Index));
    }

    private void OnRegisterInterface(RegisterInterface m)
    {
        var config = m.Interface;
        DataPlane.Vnic.IVnicPort port;
        try
        {
            port = _vnics.Open(config, _dataPlane.Gpm);
        }
        catch (Exception e) when (e is VnicOpenException or IOException or UnauthorizedAccessException)
        {
            Sender.Tell(new InterfaceInitFailed(m.Name, HandshakeStep.OpenPort, e.Message));
            return;
        }
        _log.Info("{0}: port {1} opened ({2} driver, ring {3})", m.Name, port.OsName, config.Driver, port.RingSize);
        try
        {
            _dataPlane.RegisterPort(m.Index, port);
        }
        catch (DataPlaneCommandException e)
        {
            // Not registered, so the uIDB does not own the port yet: close it here.
            _vnics.Close(config.OsName);
            Sender.Tell(new InterfaceInitFailed(m.Name, HandshakeStep.RegisterPort, e.Message));
            return;
        }
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
        _log.Info("{0}: registered with the I/O layer, {1}", m.Name, config.Shutdown ? "administratively down" : "enabled");
        Sender.Tell(new InterfaceReady(m.Name, m.Index));
    }

    private void OnDeleteUidb(DeleteUidb m)
    {
        var uidb = _dataPlane.Interfaces[m.Index];
        if (uidb is not null && string.Equals(uidb.Name, m.Name, StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                if (uidb.IsTunnel)
                {
                    // Its SAs go first: no tunnel may name a uIDB that is gone.
                    _dataPlane.PublishIpsecTunnels(CurrentSpecs().Where(s => !string.Equals(s.InterfaceName, m.Name, StringComparison.OrdinalIgnoreCase)).ToList());
                }
                _dataPlane.DeleteUidb(m.Index);
            }
            catch (DataPlaneCommandException e)
            {
                _log.Warning("{0}: deleting uIDB {1} failed: {2}", m.Name, m.Index, e.Message);
            }
            // A subinterface's uIDB uses its parent's port, which stays open for the parent.
            if (uidb.Registered && !uidb.IsSubinterface)
            {
                _vnics.Close(uidb.OsName);
            }
            _log.Info("{0}: uIDB {1} deleted", m.Name, m.Index);
        }
        Sender.Tell(new UidbDeleted(m.Name, m.Index));
    }

    private void Apply(long correlationId, Action command)
    {
        try
        {
            command();
            Sender.Tell(new DataPlaneCommandApplied(correlationId));
        }
        catch (DataPlaneCommandException e)
        {
            Sender.Tell(new DataPlaneCommandRefused(correlationId, e.Message));
        }
    }

    private void OnPublishRoutes(PublishRoutes m)
    {
        _dataPlane.PublishIpv6Routes(m.Ipv6StaticRoutes, m.Ipv6Neighbors);
        Answer(m.Generation, _dataPlane.PublishRoutes(m.StaticRoutes, m.Neighbors));
    }

    private void Answer(long generation, ForwardingUpdate update) =>
        Sender.Tell(new RoutesPublished(generation, update.RouteCount, update.UnresolvedStaticRoutes));

    private void OnReadInterfaceStatus(ReadInterfaceStatus m)
    {
        var table = _dataPlane.Interfaces;
        var filled = new List<InterfaceStatus>(m.Interfaces.Count);
        foreach (var s in m.Interfaces)
        {
            var uidb = table[s.Index];
            // A subinterface is up when it and its parent are administratively up and the parent's port has its link.
            var carrier = uidb?.IsSubinterface == true ? table[uidb.ParentIndex] : uidb;
            var (inputDrops, outputDrops) = _dataPlane.ReadDriverDrops(s.Index);
            // A tunnel has no port: it is up while administratively up.
            var operUp = uidb is not null && uidb.AdminUp && (uidb.IsTunnel || (carrier is not null && carrier.AdminUp && carrier.Port is { LinkUp: true }));
            filled.Add(s with
            {
                OperUp = operUp,
                // The driver's MAC when none was configured.
                Mac = uidb?.Mac ?? s.Mac,
                RxPackets = _dataPlane.ReadInterfaceCounter(s.Index, InterfaceCounter.RxPackets),
                RxBytes = _dataPlane.ReadInterfaceCounter(s.Index, InterfaceCounter.RxBytes),
                TxPackets = _dataPlane.ReadInterfaceCounter(s.Index, InterfaceCounter.TxPackets),
                TxBytes = _dataPlane.ReadInterfaceCounter(s.Index, InterfaceCounter.TxBytes),
                Drops = _dataPlane.ReadInterfaceCounter(s.Index, InterfaceCounter.Drops),
                InputDrops = inputDrops,
                OutputDrops = outputDrops,
            });
        }
        m.ReplyTo.Tell(new InterfaceList(filled));
    }
}
