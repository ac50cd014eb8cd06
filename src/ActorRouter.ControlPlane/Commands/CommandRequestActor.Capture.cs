using ActorRouter.Control.Contracts;
using ActorRouter.ControlPlane.Messages;
using ActorRouter.DataPlane.Counters;
using ActorRouter.DataPlane.Graph;
using Akka.Actor;

namespace ActorRouter.ControlPlane.Commands;

/// <summary><c>monitor capture NAME ...|start|stop</c> and <c>show monitor capture</c>, kept by the QFP client's capture actor.</summary>
public sealed partial class CommandRequestActor
{
    private async Task<object> DefineCaptureAsync(DefineCaptureRequest m)
    {
        if (m.Name.Length == 0 || m.Name.Length > 64 || !m.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            return new CommandRefused($"'{m.Name}' is not a capture name (1..64 letters, digits, '-', '_', '.')");
        }
        var direction = m.Direction.ToLowerInvariant();
        if (direction is not ("in" or "out" or "both" or "drops"))
        {
            return new CommandRefused($"'{m.Direction}' is not a direction (in, out, both or drops)");
        }
        byte? reason = null;
        if (m.DropReason is not null)
        {
            if (direction != "drops")
            {
                return new CommandRefused("a drop reason goes with 'drops' only");
            }
            if (!Enum.TryParse<DropReason>(m.DropReason, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed) || int.TryParse(m.DropReason, out _))
            {
                return new CommandRefused($"'{m.DropReason}' is not a drop reason ({string.Join(", ", Enum.GetNames<DropReason>())})");
            }
            reason = (byte)parsed;
        }
        if (!PacketFilter.TryParse(m.Match, out var filter, out var error))
        {
            return new CommandRefused($"match: {error}");
        }
        if (m.LimitPackets is < 1)
        {
            return new CommandRefused("limit packets needs at least 1");
        }
        if (m.DurationSeconds is < 1 or > 86_400)
        {
            return new CommandRefused("limit duration takes 1..86400 seconds");
        }
        var actors = await ActorsAsync();
        var running = await actors.Fman.Ask<RunningConfig>(GetRunningConfig.Instance, AnswerTimeout);
        var path = CapturePaths.Resolve(m.File, running.Config.Control.CaptureDirectory, out var pathError);
        if (path is null)
        {
            return new CommandRefused(pathError!);
        }
        int? index = null;
        var interfaceName = "any";
        if (!m.Interface.Equals("any", StringComparison.OrdinalIgnoreCase))
        {
            var (found, refusal) = await FindInterfaceAsync(actors.Fman, m.Interface);
            if (found is null)
            {
                return refusal!;
            }
            index = found.Index;
            interfaceName = found.Name;
        }
        var define = new DefineCapture(m.Name, index, interfaceName, direction is "in" or "both", direction is "out" or "both", direction == "drops", reason,
            filter, m.LimitPackets ?? 0, m.DurationSeconds is int s ? TimeSpan.FromSeconds(s) : null, path);
        return FromObservation(await actors.QfpClient.Ask<object>(define, AnswerTimeout));
    }

    private async Task<object> StartCaptureAsync(StartCaptureRequest m) =>
        FromObservation(await (await ActorsAsync()).QfpClient.Ask<object>(new StartCapture(m.Name), AnswerTimeout));

    private async Task<object> StopCaptureAsync(StopCaptureRequest m) =>
        FromObservation(await (await ActorsAsync()).QfpClient.Ask<object>(new StopCapture(m.Name), AnswerTimeout));

    private async Task<object> ShowMonitorCaptureAsync()
    {
        var list = await (await ActorsAsync()).QfpClient.Ask<CaptureList>(ReadCaptures.Instance, AnswerTimeout);
        return new MonitorCaptureView(list.Captures.Select(c =>
        {
            var d = c.Definition;
            var direction = d.Drops ? "drops" : d.Input && d.Output ? "both" : d.Input ? "in" : "out";
            return new CaptureView(d.Name, d.InterfaceName, direction, d.DropReason is byte r ? ((DropReason)r).ToString() : null,
                d.Filter.IsEmpty ? null : d.Filter.Text, d.LimitPackets == 0 ? null : d.LimitPackets, d.Duration is TimeSpan t ? (int)t.TotalSeconds : null,
                d.Path, c.State, c.Copied, c.Written, c.CaptureDrops, c.BytesWritten, c.StopReason);
        }).ToList());
    }
}
