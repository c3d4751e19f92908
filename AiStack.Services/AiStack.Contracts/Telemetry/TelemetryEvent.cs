using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace AiStack.Contracts.Telemetry;

/// <summary>
/// One telemetry event, the same shape for every service. On the wire (snake_case):
/// <c>{"id": "...", "time": "2026-11-21T12:00:00Z", "source": "ralph", "type": "task_completed", "trace_id": "...", "task_id": "...", "payload": {...}}</c>.
/// <see cref="Id"/> is unique per event (a UUIDv7 string); the Learning service ignores ids it has already stored.
/// </summary>
public sealed record TelemetryEvent(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("time")] DateTimeOffset Time,
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("trace_id")] string? TraceId,
    [property: JsonPropertyName("task_id")] string? TaskId,
    [property: JsonPropertyName("payload")] JsonObject Payload)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

/// <summary>POST /events on the Learning service: a batch of events.</summary>
public sealed record TelemetryBatch([property: JsonPropertyName("events")] IReadOnlyList<TelemetryEvent> Events);

/// <summary>
/// The answer to a batch, per event: how many were new, how many were already known (idempotent delivery), and each event that
/// was refused (by its index in the batch) with the reason. A refused event is refused for good: sending it again gets the same answer.
/// </summary>
public sealed record TelemetryBatchResult(
    [property: JsonPropertyName("accepted")] int Accepted,
    [property: JsonPropertyName("duplicates")] int Duplicates,
    [property: JsonPropertyName("rejected")] IReadOnlyList<RejectedEvent> Rejected);

/// <summary>One event of a batch that the receiver refused: its index in the batch, its id where it had a readable one, and why.</summary>
public sealed record RejectedEvent(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("reason")] string Reason);

/// <summary>Event types, the original's names kept (snake_case) and the new ones added.</summary>
public static class TelemetryEventTypes
{
    // Ralph
    public const string TaskSubmitted = "task_submitted";
    public const string AdaptiveLimitCalculated = "adaptive_limit_calculated";
    public const string IterationCompleted = "iteration_completed";
    public const string ExitBlocked = "exit_blocked";
    public const string ApprovalRequested = "approval_requested";
    public const string ApprovalDecided = "approval_decided";
    public const string TaskStopped = "task_stopped";
    public const string TaskCompleted = "task_completed";

    // Coordinator
    public const string RouteDecided = "route_decided";
    public const string QueryAnswered = "query_answered";
    public const string Feedback = "feedback";
    public const string CacheHit = "cache_hit";
    public const string RoutingSettingsChanged = "routing_settings_changed";

    // KnowledgeBase
    public const string ContextRetrieved = "context_retrieved";
    public const string DocumentIndexed = "document_indexed";

    // Learning
    public const string PatternExtracted = "pattern_extracted";
    public const string ProposalSubmitted = "proposal_submitted";
    public const string DatasetExported = "dataset_exported";
    public const string ProposalApplied = "proposal_applied";
}
