using System.Globalization;
using System.Text;
using ActorRouter.Control.Contracts;

namespace ActorRouter.Cli;

public static partial class ReplyFormatter
{
    /// <summary><c>show platform punt</c>: one line per class, as IOS's <c>show policy-map control-plane</c> sums it up.</summary>
    private static string Punt(PuntView v)
    {
        var s = new StringBuilder();
        s.AppendLine("Punt path, per class (rates for the whole router; ring share per PPE punt ring):");
        s.AppendLine($"{"Class",-13} {"Rate/s",8} {"Burst",6} {"Share",6} {"Received",12} {"Policed",12} {"Queued",12} {"Dropped",12} {"Waiting",8}");
        foreach (var c in v.Classes)
        {
            var share = c.RingShare == 0 ? "-" : N(c.RingShare);
            s.AppendLine($"{c.Class,-13} {D(c.Rate),8} {D(c.Burst),6} {share,6} {N(c.Received),12} {N(c.Policed),12} {N(c.Queued),12} {N(c.Dropped),12} {N(c.Waiting),8}");
        }
        s.Append("Policed: over the class's rate. Dropped: the class's ring share was full. icmp-error: errors the data plane sends itself (queued = sent).");
        return s.ToString();
    }

    private static string D(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
