using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace ActorRouter.Host.Logging;

/// <summary><c>--log-format</c>: lines for people, or one JSON object per line for log collectors.</summary>
public enum LogFormat
{
    Text,
    Json,
}

/// <summary>
/// One logger for the host and the actors: Microsoft.Extensions.Logging, which Akka's log events
/// reach through the Akka logger bridge (AkkaLogBridge). Akka's per-connection remoting chatter (every arctl command
/// is a connection: association, disassociation, "Removing receive buffers", "Remote system ... shut
/// down") and dead-letter notices are moved to debug, so the default console shows the router, not
/// its transport.
/// </summary>
public static class HostLogging
{
    /// <summary>The host's own lines in JSON mode: the category of the handshake, status and stats lines.</summary>
    public const string ConsoleCategory = "ActorRouter.Host.Console";

    /// <summary>The names <c>--log-level</c> takes.</summary>
    public static bool TryParseLevel(string? text, out LogLevel level)
    {
        level = text?.ToLowerInvariant() switch
        {
            "trace" => LogLevel.Trace,
            "debug" => LogLevel.Debug,
            "info" or "information" => LogLevel.Information,
            "warning" or "warn" => LogLevel.Warning,
            "error" => LogLevel.Error,
            "critical" => LogLevel.Critical,
            _ => LogLevel.None,
        };
        return level != LogLevel.None;
    }

    public static void Configure(ILoggingBuilder logging, LogLevel level, LogFormat format)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(level);
        if (format == LogFormat.Json)
        {
            logging.AddJsonConsole(o =>
            {
                o.JsonWriterOptions = new JsonWriterOptions { Indented = false };
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            });
        }
        // The generic host's own start/stop chatter, unless asked for.
        logging.AddFilter("Microsoft", level > LogLevel.Warning ? level : LogLevel.Warning);
    }

    /// <summary>Akka's own level filter, matched to <paramref name="level"/> (Akka has no trace or critical).</summary>
    public static Akka.Event.LogLevel AkkaLevel(LogLevel level) => level switch
    {
        <= LogLevel.Debug => Akka.Event.LogLevel.DebugLevel,
        LogLevel.Information => Akka.Event.LogLevel.InfoLevel,
        LogLevel.Warning => Akka.Event.LogLevel.WarningLevel,
        _ => Akka.Event.LogLevel.ErrorLevel,
    };

    /// <summary>
    /// Remote lifecycle events and dead letters are still logged (so <c>--log-level debug</c> shows
    /// them) but through the demotion of <see cref="QuietTransportLoggerFactory"/>.
    /// </summary>
    public const string AkkaHocon = """
        akka.remote.log-remote-lifecycle-events = on
        akka.log-dead-letters = 10
        akka.log-dead-letters-during-shutdown = off
        akka.stdout-loglevel = WARNING
        """;
}

/// <summary>
/// The filter between Akka's log events and the host's loggers: below <c>Error</c>, whatever
/// Akka.Remote (endpoint writers, reliable delivery, the remoting daemon) and the dead-letter
/// listener say is logged at <c>Debug</c>. Errors keep their level: a control endpoint that cannot
/// bind is still shown.
/// </summary>
public sealed class QuietTransportLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    /// <summary>Akka's transport and life-cycle classes; the router's own actors are under ActorRouter.*.</summary>
    private static readonly string[] TransportCategories = ["Akka.Remote", "Akka.Event", "Akka.Actor", "Akka.Dispatch", "Akka.Serialization"];

    public static bool IsTransport(string category) =>
        TransportCategories.Any(prefix => category.StartsWith(prefix, StringComparison.Ordinal));

    public ILogger CreateLogger(string categoryName)
    {
        var logger = inner.CreateLogger(categoryName);
        return IsTransport(categoryName) ? new DemotingLogger(logger) : logger;
    }

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    /// <summary>The inner factory belongs to the host; it disposes it.</summary>
    public void Dispose()
    {
    }

    private sealed class DemotingLogger(ILogger inner) : ILogger
    {
        private static LogLevel Demote(LogLevel level) => level is LogLevel.Information or LogLevel.Warning ? LogLevel.Debug : level;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(Demote(logLevel));

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            inner.Log(Demote(logLevel), eventId, state, exception, formatter);
    }
}

/// <summary>In JSON mode the host's own lines go through the logger too, so that every line of stdout is one JSON object.</summary>
public sealed class LoggerLineWriter(ILogger logger) : TextWriter
{
    private readonly System.Text.StringBuilder _line = new();

    public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

    public override void Write(char value)
    {
        if (value == '\n')
        {
            Flush();
            return;
        }
        if (value != '\r')
        {
            _line.Append(value);
        }
    }

    public override void WriteLine(string? value)
    {
        _line.Append(value);
        FlushLine();
    }

    public override void Flush()
    {
        if (_line.Length > 0)
        {
            FlushLine();
        }
    }

    private void FlushLine()
    {
        var text = _line.ToString();
        _line.Clear();
        if (text.StartsWith("warning:", StringComparison.Ordinal))
        {
            logger.LogWarning("{Line}", text);
        }
        else
        {
            logger.LogInformation("{Line}", text);
        }
    }
}
