using ActorRouter.ControlPlane.Messages;
using ActorRouter.DataPlane;
using ActorRouter.IO.Native;
using Akka.Actor;

namespace ActorRouter.ControlPlane.Qfp;

/// <summary>The QFP client's observation commands: per-node runtime, packet trace (and capture).</summary>
public sealed partial class QfpClientActor
{
    private void ReceiveObservation()
    {
        // The cycle counter's rate is measured once (20 ms): off this actor's thread, before the first show asks.
        _ = Task.Run(() => CycleCounter.Rate);
        Receive<ReadPlatformRuntime>(_ => Sender.Tell(new PlatformRuntime(
            _dataPlane.Graphs.Count == 0 ? 0 : _dataPlane.Graphs[0].RuntimeSampleInterval,
            CycleCounter.Rate,
            _dataPlane.ReadRuntime().Select(t => new ThreadNodeRuntime(t.Thread, t.Nodes)).ToList())));
        Receive<ClearPlatformRuntime>(_ =>
        {
            _dataPlane.ClearRuntime();
            Sender.Tell(new ObservationDone("cleared the runtime of every PPE thread"));
        });
        Receive<ArmPacketTrace>(OnArmPacketTrace);
        Receive<ReadPacketTrace>(_ => Sender.Tell(ReadTrace()));
        Receive<ClearPacketTrace>(_ =>
        {
            _dataPlane.ClearPacketTrace();
            Sender.Tell(new ObservationDone("packet trace cleared"));
        });
        // Captures have state (definitions, the running one and its file): a child keeps it.
        Receive<DefineCapture>(m => Captures.Forward(m));
        Receive<StartCapture>(m => Captures.Forward(m));
        Receive<StopCapture>(m => Captures.Forward(m));
        Receive<ReadCaptures>(m => Captures.Forward(m));
    }

    private IActorRef Captures =>
        Context.Child(CaptureManagerActor.ChildName) is var child && !child.Equals(ActorRefs.Nobody)
            ? child
            : Context.ActorOf(CaptureManagerActor.Props(_dataPlane), CaptureManagerActor.ChildName);

    private void OnArmPacketTrace(ArmPacketTrace m)
    {
        try
        {
            var session = _dataPlane.ArmPacketTrace(m.Count, m.InterfaceIndex, m.Filter);
            var where = session.InterfaceName is null ? "" : $" received on {session.InterfaceName}";
            var match = m.Filter.IsEmpty ? "" : $" matching '{m.Filter.Text}'";
            Sender.Tell(new ObservationDone($"packet trace armed for the next {m.Count} packet(s){where}{match}"));
        }
        catch (Exception e) when (e is DataPlaneCommandException or ArgumentException)
        {
            Sender.Tell(new ObservationRefused(e.Message));
        }
    }

    private PacketTraceReading ReadTrace()
    {
        var session = _dataPlane.PacketTrace;
        if (session is null)
        {
            return new PacketTraceReading(false, 0, 0, null, null, 0, []);
        }
        return new PacketTraceReading(_dataPlane.PacketTraceArmed, session.Limit, session.Traced, session.InterfaceName,
            session.Filter.IsEmpty ? null : session.Filter.Text, session.LostSteps, session.Read(_dataPlane.Graphs, _dataPlane.Interfaces));
    }
}
