using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ActorRouter.Control.Contracts;

namespace ActorRouter.Cli;

/// <summary>
/// <c>monitor interfaces [NAME]</c>: arctl's own loop, never sent to the router as such. It asks
/// <c>show interfaces</c> once a second and prints each interface's rates over that second (from the
/// counters' growth between two answers) next to the router's decayed load-interval rates.
/// </summary>
public sealed record MonitorInterfacesRequest(string? Interface) : IArctlRequest;

/// <summary>One interface's rates over the last refresh.</summary>
public sealed record MonitoredInterface(
    string Name,
    string Status,
    double InputPacketsPerSecond,
    double InputBitsPerSecond,
    double OutputPacketsPerSecond,
    double OutputBitsPerSecond,
    double DropsPerSecond,
    InterfaceRateView? LoadIntervalRate);

/// <summary>One refresh: when, over how long, and the interfaces.</summary>
public sealed record MonitorRefresh(DateTimeOffset Time, double Seconds, IReadOnlyList<MonitoredInterface> Interfaces);

public static class InterfaceMonitor
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(1);


    /// <summary>Refreshes until <paramref name="cancel"/> fires or, with <paramref name="count"/>, after that many refreshes.</summary>
    /// <param name="ask">Asks the router one request; a refusal comes back as <see cref="CommandRefused"/>.</param>
    /// <returns>The refusal that ended the loop, or null.</returns>
    public static async Task<CommandRefused?> RunAsync(MonitorInterfacesRequest request, Func<IArctlRequest, Task<object>> ask, bool json, int? count,
        TextWriter stdout, bool clearScreen, CancellationToken cancel)
    {
        var show = new ShowInterfacesRequest(request.Interface);
        var first = await ask(show);
        if (first is not InterfacesView previous)
        {
            return first as CommandRefused ?? new CommandRefused($"unexpected reply {first.GetType().Name}");
        }
        var previousAt = Stopwatch.GetTimestamp();
        var refreshes = 0;
        using var timer = new PeriodicTimer(RefreshInterval);
        try
        {
            while ((count is null || refreshes < count) && await timer.WaitForNextTickAsync(cancel))
            {
                var reply = await ask(show);
                if (reply is not InterfacesView now)
                {
                    return reply as CommandRefused ?? new CommandRefused($"unexpected reply {reply.GetType().Name}");
                }
                var at = Stopwatch.GetTimestamp();
                var refresh = Compare(previous, now, Stopwatch.GetElapsedTime(previousAt, at).TotalSeconds, DateTimeOffset.UtcNow);
                previous = now;
                previousAt = at;
                refreshes++;
                if (json)
                {
                    await stdout.WriteLineAsync(JsonSerializer.Serialize(refresh, MonitorJsonContext.Default.MonitorRefresh));
                }
                else
                {
                    await stdout.WriteAsync((clearScreen ? "\u001b[H\u001b[2J" : "") + Text(refresh) + "\n");
                }
                await stdout.FlushAsync(CancellationToken.None);
            }
        }
        catch (OperationCanceledException)
        {
        }
        return null;
    }

    /// <summary>The rates over <paramref name="seconds"/> between two readings; a cleared counter reads as 0.</summary>
    public static MonitorRefresh Compare(InterfacesView before, InterfacesView now, double seconds, DateTimeOffset time)
    {
        seconds = Math.Max(seconds, 0.001);
        double Rate(long from, long to) => to < from ? 0 : (to - from) / seconds;
        var interfaces = new List<MonitoredInterface>();
        foreach (var i in now.Interfaces)
        {
            var b = before.Interfaces.FirstOrDefault(x => x.Name == i.Name) ?? i;
            interfaces.Add(new MonitoredInterface(i.Name, ReplyFormatter.StateText(i),
                Rate(b.RxPackets, i.RxPackets), Rate(b.RxBytes, i.RxBytes) * 8,
                Rate(b.TxPackets, i.TxPackets), Rate(b.TxBytes, i.TxBytes) * 8,
                Rate(b.Drops, i.Drops), i.Rate));
        }
        return new MonitorRefresh(time, seconds, interfaces);
    }

    public static string Text(MonitorRefresh refresh)
    {
        static string W(double value) => Math.Round(value).ToString("0", CultureInfo.InvariantCulture);
        var s = new StringBuilder();
        s.AppendLine($"monitor interfaces: {refresh.Time:yyyy-MM-dd HH:mm:ss} UTC, rates over the last {refresh.Seconds.ToString("0.0", CultureInfo.InvariantCulture)} s (Ctrl-C stops)");
        s.AppendLine($"{"Interface",-22} {"Status",-12} {"In pps",10} {"In bits/sec",14} {"Out pps",10} {"Out bits/sec",14} {"Drops/s",8}");
        foreach (var i in refresh.Interfaces)
        {
            var status = i.Status == "administratively down" ? "admin down" : i.Status;
            s.AppendLine($"{i.Name,-22} {status,-12} {W(i.InputPacketsPerSecond),10} {W(i.InputBitsPerSecond),14} {W(i.OutputPacketsPerSecond),10} {W(i.OutputBitsPerSecond),14} {W(i.DropsPerSecond),8}");
            if (i.LoadIntervalRate is { } rate)
            {
                s.AppendLine($"{"",-22} {ReplyFormatter.IntervalName(rate.LoadIntervalSeconds),-12} {rate.InputPacketsPerSecond,10} {rate.InputBitsPerSecond,14} {rate.OutputPacketsPerSecond,10} {rate.OutputBitsPerSecond,14}");
            }
        }
        return s.ToString().TrimEnd('\n');
    }
}
