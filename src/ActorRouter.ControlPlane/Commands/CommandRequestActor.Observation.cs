using System.Globalization;
using ActorRouter.Control.Contracts;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.DataPlane.Graph;
using Akka.Actor;

namespace ActorRouter.ControlPlane.Commands;

/// <summary>
/// <c>show|clear platform runtime</c>, <c>debug|show|clear packet-trace</c>: asked of the QFP client,
/// the data plane's only door.
/// </summary>
public sealed partial class CommandRequestActor
{
    private async Task<object> ShowPlatformRuntimeAsync()
    {
        var qfp = (await ActorsAsync()).QfpClient;
        var runtime = await qfp.Ask<PlatformRuntime>(ReadPlatformRuntime.Instance, AnswerTimeout);
        var clock = runtime.Clock;
        return new PlatformRuntimeView(runtime.SampleInterval, clock.Source, Math.Round(clock.CyclesPerSecond),
            runtime.Threads.Select(t => new ThreadRuntimeView(t.Thread, t.Nodes.Select(n => new NodeRuntimeView(n.Node, n.Calls, n.Packets,
                Math.Round(n.PacketsPerCall, 2), n.TimedPackets, Math.Round(n.NanosecondsPerPacket, 1),
                Math.Round(clock.ClocksFor(n.NanosecondsPerPacket), 1))).ToList())).ToList());
    }

    private async Task<object> ClearPlatformRuntimeAsync()
    {
        var qfp = (await ActorsAsync()).QfpClient;
        return FromObservation(await qfp.Ask<object>(ClearPlatformRuntime.Instance, AnswerTimeout));
    }

    private async Task<object> DebugPacketTraceAsync(DebugPacketTraceRequest m)
    {
        if (m.Count is < 1 or > PacketTraceSession.MaxLimit)
        {
            return new CommandRefused($"a packet trace takes 1..{PacketTraceSession.MaxLimit} packets, not {m.Count}");
        }
        if (!PacketFilter.TryParse(m.Match, out var filter, out var error))
        {
            return new CommandRefused($"match: {error}");
        }
        var actors = await ActorsAsync();
        int? index = null;
        if (m.Interface is not null)
        {
            var (found, refusal) = await FindInterfaceAsync(actors.Fman, m.Interface);
            if (found is null)
            {
                return refusal!;
            }
            index = found.Index;
        }
        return FromObservation(await actors.QfpClient.Ask<object>(new ArmPacketTrace(m.Count, index, filter), AnswerTimeout));
    }

    private async Task<object> ShowPacketTraceAsync()
    {
        var qfp = (await ActorsAsync()).QfpClient;
        var trace = await qfp.Ask<PacketTraceReading>(ReadPacketTrace.Instance, AnswerTimeout);
        return new PacketTraceView(trace.Armed, trace.Limit, trace.Traced, trace.Interface, trace.Match, trace.LostSteps,
            trace.Packets.Select(p => new TracedPacketView(p.Id, p.ParentId, p.Thread,
                p.Arrived.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture),
                p.Steps.Select(s => new TraceStepView(s.Node, s.Next, s.Decision, s.ElapsedNanoseconds, s.ReceivedOn, s.Egress, s.Source,
                    s.Destination, s.Protocol, s.Ttl, s.IpLength, s.FrameLength, s.Vlan, s.TrafficClass)).ToList())).ToList());
    }

    private async Task<object> ClearPacketTraceAsync()
    {
        var qfp = (await ActorsAsync()).QfpClient;
        return FromObservation(await qfp.Ask<object>(ClearPacketTrace.Instance, AnswerTimeout));
    }

    private static object FromObservation(object answer) => answer switch
    {
        ObservationDone d => new CommandDone(d.Message),
        ObservationRefused r => new CommandRefused(r.Reason),
        _ => new CommandRefused($"unexpected answer {answer.GetType().Name}"),
    };
}
