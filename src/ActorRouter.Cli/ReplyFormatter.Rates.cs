using System.Globalization;
using ActorRouter.Control.Contracts;

namespace ActorRouter.Cli;

public static partial class ReplyFormatter
{
    /// <summary>IOS's two rate lines of <c>show interfaces</c>: <c>5 minute input rate 8000 bits/sec, 10 packets/sec</c>.</summary>
    public static string RateLines(InterfaceRateView rate)
    {
        var interval = IntervalName(rate.LoadIntervalSeconds);
        return $"  {interval} input rate {Whole(rate.InputBitsPerSecond)} bits/sec, {Whole(rate.InputPacketsPerSecond)} packets/sec\n" +
               $"  {interval} output rate {Whole(rate.OutputBitsPerSecond)} bits/sec, {Whole(rate.OutputPacketsPerSecond)} packets/sec";
    }

    /// <summary>"5 minute", "30 second", "2 minute 30 second", as IOS names its load interval.</summary>
    public static string IntervalName(int seconds)
    {
        var minutes = seconds / 60;
        var rest = seconds % 60;
        return minutes == 0 ? $"{rest} second" : rest == 0 ? $"{minutes} minute" : $"{minutes} minute {rest} second";
    }

    private static string Whole(long value) => value.ToString(CultureInfo.InvariantCulture);
}
