using System.Text.Json;
using System.Text.Json.Nodes;

namespace AiStack.Contracts.Telemetry;

// The payload of each event type (TelemetryEventTypes), as its producer writes it and the Learning service reads it. On the wire
// snake_case (TelemetryEvent.Json). Text fields that carry prompts or answers hold ContentHash values under a privacy setting.

/// <summary>Reads and writes event payloads as their typed records.</summary>
public static class EventPayload
{
    public static T Read<T>(JsonObject payload)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(payload);
        return payload.Deserialize<T>(TelemetryEvent.Json) ?? throw new JsonException($"The payload is not a {typeof(T).Name}.");
    }
}

// Ralph

/// <summary><see cref="TelemetryEventTypes.TaskSubmitted"/>.</summary>
public sealed record TaskSubmittedPayload(string TaskId, string Backend, int PromptLength, int MaxIterations, string IterationMode, DateTimeOffset Timestamp);

/// <summary><see cref="TelemetryEventTypes.AdaptiveLimitCalculated"/>.</summary>
public sealed record AdaptiveLimitCalculatedPayload(
    string PromptPreview, string Complexity, int BaseLimit, double HistoryAdjustment, int FinalLimit, string TaskType, string Backend);

/// <summary><see cref="TelemetryEventTypes.IterationCompleted"/>. <see cref="Output"/> is the output's last 2,000 characters.</summary>
public sealed record IterationCompletedPayload(
    string TaskId, int Iteration, string Backend, int ExitCode, double DurationMs, IReadOnlyList<string>? FilesChanged, long Tokens,
    string? Output, string? Error = null);

/// <summary><see cref="TelemetryEventTypes.ExitBlocked"/>.</summary>
public sealed record ExitBlockedPayload(string TaskId, int Iteration, string Backend);

/// <summary><see cref="TelemetryEventTypes.ApprovalRequested"/>.</summary>
public sealed record ApprovalRequestedPayload(string TaskId, int Iteration, double TimeoutS);

/// <summary><see cref="TelemetryEventTypes.ApprovalDecided"/>. <see cref="Reason"/>: rejected or timeout when not approved.</summary>
public sealed record ApprovalDecidedPayload(string TaskId, int Iteration, bool Approved, string? Reason = null);

/// <summary><see cref="TelemetryEventTypes.TaskStopped"/>.</summary>
public sealed record TaskStoppedPayload(string TaskId, int Iteration, string Backend);

/// <summary><see cref="TelemetryEventTypes.TaskCompleted"/>, sent for every final state (<see cref="Status"/>), the original's shape.</summary>
public sealed record TaskCompletedPayload(
    string TaskId, string Status, string? CompletionReason, int TotalIterations, string? IterationMode, int? AdaptiveLimitUsed, double? DurationS,
    TaskCompletedSummary? Task);

/// <summary>The finished task inside <see cref="TaskCompletedPayload"/>: its prompt and final output are what Learning learns from.</summary>
public sealed record TaskCompletedSummary(
    string? Prompt, string? Output, string? Backend, string? TaskType, string? Complexity, int? MaxIterations, int? ExitBlocks, long? TokensUsed,
    string? Error);

// Coordinator

/// <summary><see cref="TelemetryEventTypes.RouteDecided"/>.</summary>
public sealed record RouteDecidedPayload(
    string Route, string Reason, string? Explanation, string? Primary, double? Confidence, string? Complexity, string? Backend, long? InputTokens,
    long? OutputTokens);

/// <summary><see cref="TelemetryEventTypes.QueryAnswered"/> (the original's <c>interaction_tracked</c> reads the same way).</summary>
public sealed record QueryAnsweredPayload
{
    public string? InteractionId { get; init; }
    public string? Query { get; init; }
    public string? Response { get; init; }
    public bool Private { get; init; }
    public string? Route { get; init; }
    public string? Reason { get; init; }
    public string? Backend { get; init; }
    public double? Confidence { get; init; }
    public string? AgentType { get; init; }

    /// <summary>The kind of query for routing statistics; the agent type when absent.</summary>
    public string? QueryKind { get; init; }

    /// <summary>A/B experiment variant.</summary>
    public string? Variant { get; init; }
    public IReadOnlyList<string>? Tags { get; init; }
    public string? Outcome { get; init; }
    public int? ContextCount { get; init; }
    public IReadOnlyList<string>? ContextCollections { get; init; }
    public long? InputTokens { get; init; }
    public long? OutputTokens { get; init; }
    public double? LatencyMs { get; init; }
    public bool Cached { get; init; }
}

/// <summary>
/// <see cref="TelemetryEventTypes.Feedback"/> (the original's <c>learning_feedback</c>): a correction, or an outcome / rating of an
/// earlier interaction, with the rated query and answer so that feedback alone can make a pattern.
/// </summary>
public sealed record FeedbackPayload
{
    public string? FeedbackId { get; init; }
    public string? InteractionId { get; init; }
    public string? Query { get; init; }
    public string? Response { get; init; }
    public string? Correction { get; init; }
    public string? Route { get; init; }

    /// <summary>success, partial or failure.</summary>
    public string? Outcome { get; init; }

    /// <summary>1-5.</summary>
    public double? Rating { get; init; }

    /// <summary>1 helpful, 0 not (the original's <c>user_feedback</c>).</summary>
    public int? Feedback { get; init; }
    public string? Notes { get; init; }
}

/// <summary><see cref="TelemetryEventTypes.RoutingSettingsChanged"/>: every field before and after, and who changed them.</summary>
public sealed record RoutingSettingsChangedPayload(Coordinator.RoutingSettings Before, Coordinator.RoutingSettings After, string? ChangedBy);

/// <summary><see cref="TelemetryEventTypes.CacheHit"/>: <see cref="Kind"/> exact or semantic.</summary>
public sealed record CacheHitPayload(string Kind, string? Route);

// KnowledgeBase

/// <summary><see cref="TelemetryEventTypes.ContextRetrieved"/>.</summary>
public sealed record ContextRetrievedPayload(
    string Query, IReadOnlyList<string>? Collections, int ResultCount, double? TopScore, IReadOnlyList<double>? Scores,
    IReadOnlyList<string>? ResultCollections, double TookMs, bool Cached);

/// <summary><see cref="TelemetryEventTypes.DocumentIndexed"/>.</summary>
public sealed record DocumentIndexedPayload(long DocumentId, string Project, string Source, string Collection, int Chunks, bool Replaced);

// Learning

/// <summary><see cref="TelemetryEventTypes.PatternExtracted"/>: one pipeline run that created patterns.</summary>
public sealed record PatternExtractedPayload(int Patterns, long EventsProcessed, int Batches);

/// <summary><see cref="TelemetryEventTypes.ProposalSubmitted"/>.</summary>
public sealed record ProposalSubmittedPayload(long ProposalId, string Kind, string Title, string RalphTaskId);

/// <summary><see cref="TelemetryEventTypes.DatasetExported"/>.</summary>
public sealed record DatasetExportedPayload(string DatasetPath, long Examples, long Bytes);

/// <summary><see cref="TelemetryEventTypes.ProposalApplied"/>: an approved proposal changed a setting of another service.</summary>
public sealed record ProposalAppliedPayload(long ProposalId, string Kind, string Service, string Setting, JsonElement? Before, JsonElement After, string RalphTaskId);
