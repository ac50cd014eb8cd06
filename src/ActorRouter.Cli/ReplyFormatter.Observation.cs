using System.Globalization;
using System.Text;
using ActorRouter.Control.Contracts;

namespace ActorRouter.Cli;

public static partial class ReplyFormatter
{
    /// <summary><c>show platform runtime</c>, as VPP's <c>show runtime</c>: one table per PPE thread, nodes that ran.</summary>
    private static string PlatformRuntime(PlatformRuntimeView v)
    {
        var s = new StringBuilder();
        s.AppendLine(CultureInfo.InvariantCulture,
            $"Node runtime (time measured on one burst in {v.SampleInterval}; clocks: {v.ClockSource} at {v.ClocksPerSecond / 1e9:F3} GHz)");
        foreach (var thread in v.Threads)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"Thread {thread.Thread}:");
            s.AppendLine("  Name                     Calls         Packets  Packets/Call   ns/Packet  Clocks/Packet");
            foreach (var n in thread.Nodes.Where(n => n.Calls > 0))
            {
                s.AppendLine(CultureInfo.InvariantCulture,
                    $"  {n.Node,-18} {n.Calls,11} {n.Packets,15} {n.PacketsPerCall,13:F2} {n.NanosecondsPerPacket,11:F1} {n.ClocksPerPacket,14:F1}");
            }
        }
        return s.ToString().TrimEnd('\n');
    }

    /// <summary><c>show packet-trace</c>: each packet, then one line per node it passed.</summary>
    private static string PacketTrace(PacketTraceView v)
    {
        if (v.Limit == 0)
        {
            return "No packet trace (arm one with 'debug packet-trace COUNT [interface NAME] [match FILTER]')";
        }
        var s = new StringBuilder();
        var scope = (v.Interface is null ? "" : $", interface {v.Interface}") + (v.Match is null ? "" : $", match '{v.Match}'");
        s.AppendLine(CultureInfo.InvariantCulture, $"Packet trace: {v.Traced} of {v.Limit} packets traced ({(v.Armed ? "armed" : "done")}){scope}");
        if (v.LostSteps > 0)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"  {v.LostSteps} steps lost: a thread's trace buffer was full");
        }
        foreach (var p in v.Packets)
        {
            var parent = p.ParentId == 0 ? "" : $", made from packet {p.ParentId}";
            s.AppendLine(CultureInfo.InvariantCulture, $"Packet {p.Id} ({p.Thread}, entered {p.Arrived}{parent})");
            foreach (var step in p.Steps)
            {
                var addresses = step.Source is null ? step.Protocol : $"{step.Source} > {step.Destination} {step.Protocol} ttl {step.Ttl} len {step.IpLength}";
                var vlan = step.Vlan == 0 ? "" : $" vlan {step.Vlan}";
                var egress = step.Egress is null ? "" : $" out {step.Egress}";
                var cls = step.TrafficClass == 0 ? "" : $" class {step.TrafficClass}";
                s.AppendLine(CultureInfo.InvariantCulture,
                    $"  {step.ElapsedNanoseconds,9} ns  {step.Node,-16} {step.Decision}");
                s.AppendLine(CultureInfo.InvariantCulture,
                    $"                {"",-16} in {step.ReceivedOn}{egress}, {addresses}, frame {step.FrameLength}{vlan}{cls}");
            }
        }
        return s.ToString().TrimEnd('\n');
    }

    /// <summary><c>show monitor capture</c>: one block per capture.</summary>
    private static string MonitorCapture(MonitorCaptureView v)
    {
        if (v.Captures.Count == 0)
        {
            return "No captures defined";
        }
        var s = new StringBuilder();
        foreach (var c in v.Captures)
        {
            var reason = c.DropReason is null ? "" : $" {c.DropReason}";
            var match = c.Match is null ? "" : $" match {c.Match}";
            var limit = c.LimitPackets is long n ? $" limit packets {n}" : "";
            var duration = c.DurationSeconds is int d ? $" limit duration {d}" : "";
            s.AppendLine(CultureInfo.InvariantCulture, $"Capture {c.Name}: {c.State}{(c.StopReason is null ? "" : $" ({c.StopReason})")}");
            s.AppendLine(CultureInfo.InvariantCulture, $"  interface {c.Interface} {c.Direction}{reason}{match}{limit}{duration} file {c.File}");
            s.AppendLine(CultureInfo.InvariantCulture, $"  {c.Copied} frames copied, {c.Written} written ({c.BytesWritten} bytes), {c.CaptureDrops} copies dropped (capture ring full)");
        }
        return s.ToString().TrimEnd('\n');
    }
}
