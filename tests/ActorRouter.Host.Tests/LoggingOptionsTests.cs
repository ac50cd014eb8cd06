using ActorRouter.Host.Logging;
using Microsoft.Extensions.Logging;

namespace ActorRouter.Host.Tests;

public class LoggingOptionsTests
{
    [Theory]
    [InlineData(new[] { "--log-level", "debug" }, LogLevel.Debug, LogFormat.Text)]
    [InlineData(new[] { "--log-level=warning", "--log-format", "json" }, LogLevel.Warning, LogFormat.Json)]
    [InlineData(new[] { "--log-format=text", "--log-level", "Info" }, LogLevel.Information, LogFormat.Text)]
    [InlineData(new string[0], LogLevel.Information, LogFormat.Text)]
    public void Log_level_and_format_are_parsed(string[] args, LogLevel level, LogFormat format)
    {
        var options = RouterHostOptions.Parse(args, out var error);

        Assert.Null(error);
        Assert.Equal((level, format), (options!.LogLevel, options.LogFormat));
    }

    [Theory]
    [InlineData("--log-level", "loud", "--log-level needs one of trace, debug, info, warning, error, critical")]
    [InlineData("--log-format", "xml", "--log-format needs text or json")]
    public void Bad_log_arguments_are_refused_with_the_choices(string option, string value, string message)
    {
        Assert.Null(RouterHostOptions.Parse([option, value], out var error));
        Assert.Equal(message, error);
    }

    [Theory]
    [InlineData("Akka.Remote.ReliableDeliverySupervisor", true)]
    [InlineData("Akka.Remote.EndpointWriter", true)]
    [InlineData("Akka.Event.DeadLetterListener", true)]
    [InlineData("Akka.Actor.CoordinatedShutdown", true)]
    [InlineData("ActorRouter.ControlPlane.Fman.FmanActor", false)]
    [InlineData("ActorRouter.Host.Console", false)]
    public void Akka_transport_categories_are_the_ones_demoted(string category, bool demoted) =>
        Assert.Equal(demoted, QuietTransportLoggerFactory.IsTransport(category));

    [Fact]
    public void Transport_information_and_warnings_become_debug_and_errors_stay_errors()
    {
        var sink = new RecordingProvider();
        using var inner = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(sink));
        var factory = new QuietTransportLoggerFactory(inner);

        factory.CreateLogger("Akka.Remote.EndpointWriter").LogInformation("Removing receive buffers");
        factory.CreateLogger("Akka.Remote.ReliableDeliverySupervisor").LogWarning("Association with remote system failed");
        factory.CreateLogger("Akka.Remote.EndpointWriter").LogError("cannot bind");
        factory.CreateLogger("ActorRouter.ControlPlane.Fman.FmanActor").LogInformation("GigabitEthernet1: up");

        Assert.Equal(
            [
                (LogLevel.Debug, "Akka.Remote.EndpointWriter", "Removing receive buffers"),
                (LogLevel.Debug, "Akka.Remote.ReliableDeliverySupervisor", "Association with remote system failed"),
                (LogLevel.Error, "Akka.Remote.EndpointWriter", "cannot bind"),
                (LogLevel.Information, "ActorRouter.ControlPlane.Fman.FmanActor", "GigabitEthernet1: up"),
            ],
            sink.Entries);
    }

    private sealed class RecordingProvider : ILoggerProvider
    {
        public List<(LogLevel, string, string)> Entries { get; } = [];

        public ILogger CreateLogger(string categoryName) => new Recorder(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Recorder(RecordingProvider owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Entries.Add((logLevel, category, formatter(state, exception)));
        }
    }
}
