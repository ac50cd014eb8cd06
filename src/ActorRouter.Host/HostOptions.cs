using ActorRouter.Host.Logging;
using Microsoft.Extensions.Logging;

namespace ActorRouter.Host;

/// <summary>The host's command line: <c>[--config FILE] [--stats-interval SECONDS] [--control-port PORT] [--state-directory DIR]</c>.</summary>
/// <param name="ControlPort">Overrides <c>actorrouter.control.port</c> (0: the OS picks one); null keeps the configured port.</param>
/// <param name="StateDirectory">Overrides <c>actorrouter.control.state-directory</c>.</param>
public sealed record RouterHostOptions(string? ConfigPath, TimeSpan StatsInterval, int? ControlPort = null, string? StateDirectory = null)
{
    public const string Usage = "usage: ActorRouter.Host [--config FILE] [--stats-interval SECONDS] [--control-port PORT] [--state-directory DIR] [--log-level trace|debug|info|warning|error] [--log-format text|json]";

    /// <summary><c>--log-level</c>: the least severe log line shown (host and actors alike).</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    /// <summary><c>--log-format</c>: text lines, or one JSON object per line.</summary>
    public LogFormat LogFormat { get; init; } = LogFormat.Text;

    public static readonly TimeSpan DefaultStatsInterval = TimeSpan.FromSeconds(5);

    /// <summary>Null with <paramref name="error"/> set when the arguments cannot be understood.</summary>
    public static RouterHostOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        string? configPath = null;
        var statsInterval = DefaultStatsInterval;
        int? controlPort = null;
        var logLevel = LogLevel.Information;
        var logFormat = LogFormat.Text;
        string? stateDirectory = null;
        error = null;
        for (var i = 0; i < args.Count; i++)
        {
            var (name, inlineValue) = args[i].Split('=', 2) is [var n, var v] && n.StartsWith("--", StringComparison.Ordinal) ? (n, v) : (args[i], null);
            string? Value()
            {
                if (inlineValue is not null)
                {
                    return inlineValue;
                }
                return i + 1 < args.Count ? args[++i] : null;
            }
            switch (name)
            {
                case "--config":
                    configPath = Value();
                    if (string.IsNullOrEmpty(configPath))
                    {
                        error = "--config needs a file name";
                        return null;
                    }
                    break;
                case "--stats-interval":
                    if (!int.TryParse(Value(), out var seconds) || seconds < 1)
                    {
                        error = "--stats-interval needs a whole number of seconds ≥ 1";
                        return null;
                    }
                    statsInterval = TimeSpan.FromSeconds(seconds);
                    break;
                case "--control-port":
                    if (!int.TryParse(Value(), out var port) || port is < 0 or > 65535)
                    {
                        error = "--control-port needs a TCP port 0..65535 (0: any free port)";
                        return null;
                    }
                    controlPort = port;
                    break;
                case "--log-level":
                    if (!HostLogging.TryParseLevel(Value(), out logLevel))
                    {
                        error = "--log-level needs one of trace, debug, info, warning, error, critical";
                        return null;
                    }
                    break;
                case "--log-format":
                    switch (Value())
                    {
                        case "text":
                            logFormat = LogFormat.Text;
                            break;
                        case "json":
                            logFormat = LogFormat.Json;
                            break;
                        default:
                            error = "--log-format needs text or json";
                            return null;
                    }
                    break;
                case "--state-directory":
                    stateDirectory = Value();
                    if (string.IsNullOrEmpty(stateDirectory))
                    {
                        error = "--state-directory needs a directory";
                        return null;
                    }
                    break;
                default:
                    error = $"unknown argument '{args[i]}'";
                    return null;
            }
        }
        return new RouterHostOptions(configPath, statsInterval, controlPort, stateDirectory) { LogLevel = logLevel, LogFormat = logFormat };
    }
}
