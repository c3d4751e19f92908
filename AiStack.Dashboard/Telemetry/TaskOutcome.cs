using System.Text.Json.Nodes;
using AiStack.Contracts.Telemetry;

namespace AiStack.Dashboard.Telemetry;

/// <summary>A finished task as Ralph's <c>task_completed</c> event tells it.</summary>
public sealed record TaskOutcome(string TaskId, DateTimeOffset Time, string Status, int Iterations, double DurationSeconds, string? Backend, string? Error, string? Prompt)
{
    public bool Succeeded => Status == "completed";

    public static TaskOutcome? From(TelemetryEvent telemetryEvent)
    {
        ArgumentNullException.ThrowIfNull(telemetryEvent);
        var payload = telemetryEvent.Payload;
        if (payload["status"] is not JsonValue status)
        {
            return null;
        }

        var task = payload["task"] as JsonObject;
        return new TaskOutcome(
            telemetryEvent.TaskId ?? payload["task_id"]?.GetValue<string>() ?? "",
            telemetryEvent.Time,
            status.GetValue<string>(),
            Number(payload["total_iterations"]) is { } n ? (int)n : 0,
            Number(payload["duration_s"]) ?? 0,
            task?["backend"]?.GetValue<string>(),
            task?["error"]?.GetValue<string>(),
            task?["prompt"]?.GetValue<string>());
    }

    // A payload parsed from the wire holds JSON numbers; one built in memory holds ints or doubles: read both the same way.
    internal static double? Number(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == System.Text.Json.JsonValueKind.Number
            ? double.Parse(value.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture)
            : null;
}
