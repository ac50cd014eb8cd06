using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Dispatch;
using Akka.Event;
using Microsoft.Extensions.Logging;
using MelLogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace ActorRouter.Host.Logging;

/// <summary>The host's logger factory, handed to <see cref="AkkaLogBridge"/> through the actor system's setup.</summary>
public sealed class AkkaLogBridgeSetup(ILoggerFactory loggerFactory) : Setup
{
    public ILoggerFactory LoggerFactory { get; } = loggerFactory;
}

/// <summary>
/// Akka's logger that hands every log event to the host's Microsoft.Extensions.Logging factory, as
/// Akka.Hosting's bridge does, but with the category of the class that logged
/// (<c>ActorRouter.ControlPlane.Fman.FmanActor</c>, <c>Akka.Remote.ReliableDeliverySupervisor</c>)
/// and the message alone: Akka.Hosting's bridge of this version logs every event under one
/// category with Akka's own timestamped line inside, which neither reads well nor can be filtered
/// by where it came from. The actor path travels as the <c>LogSource</c> field (visible in JSON).
/// </summary>
public sealed class AkkaLogBridge : ActorBase, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    private readonly ILoggerFactory _factory;
    private readonly Dictionary<Type, ILogger> _loggers = [];

    public AkkaLogBridge()
    {
        var setup = Context.System.Settings.Setup.Get<AkkaLogBridgeSetup>();
        _factory = setup.HasValue ? setup.Value.LoggerFactory : Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;
    }

    protected override bool Receive(object message)
    {
        switch (message)
        {
            case InitializeLogger:
                Sender.Tell(new LoggerInitialized());
                return true;
            case LogEvent e:
                Log(e);
                return true;
            default:
                return false;
        }
    }

    private void Log(LogEvent e)
    {
        if (!_loggers.TryGetValue(e.LogClass, out var logger))
        {
            logger = _factory.CreateLogger(e.LogClass.FullName ?? e.LogClass.Name);
            _loggers[e.LogClass] = logger;
        }
        var level = e.LogLevel() switch
        {
            Akka.Event.LogLevel.DebugLevel => MelLogLevel.Debug,
            Akka.Event.LogLevel.InfoLevel => MelLogLevel.Information,
            Akka.Event.LogLevel.WarningLevel => MelLogLevel.Warning,
            _ => MelLogLevel.Error,
        };
        if (!logger.IsEnabled(level))
        {
            return;
        }
        string text;
        try
        {
            text = e.Message?.ToString() ?? "";
        }
        catch (FormatException)
        {
            text = e.Message is LogMessage m ? m.Format : "";
        }
        logger.Log(level, default, new BridgedEvent(text, e.LogSource), e.Cause, static (state, _) => state.Message);
    }

    /// <summary>The event as structured state: the JSON formatter writes both fields.</summary>
    private sealed record BridgedEvent(string Message, string LogSource) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public KeyValuePair<string, object?> this[int index] => index switch
        {
            0 => new("Message", Message),
            1 => new("LogSource", LogSource),
            _ => new("{OriginalFormat}", "{Message}"),
        };

        public int Count => 3;

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            for (var i = 0; i < Count; i++)
            {
                yield return this[i];
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => Message;
    }
}
