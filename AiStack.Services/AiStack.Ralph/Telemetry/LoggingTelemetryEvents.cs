using AiStack.ServiceDefaults.Telemetry.Events;

namespace AiStack.Ralph.Telemetry;

/// <summary>Used only when the host registered no <see cref="ITelemetryEvents"/>: events go to the log at debug level.</summary>
public sealed partial class LoggingTelemetryEvents(ILogger<LoggingTelemetryEvents> logger) : ITelemetryEvents
{
    public void Publish(string type, object payload, string? taskId = null) => LogEvent(logger, type, taskId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Telemetry event {Type} for task {TaskId}")]
    private static partial void LogEvent(ILogger logger, string type, string? taskId);
}
