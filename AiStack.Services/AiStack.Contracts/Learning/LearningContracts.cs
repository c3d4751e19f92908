using System.Text.Json.Nodes;

namespace AiStack.Contracts.Learning;

// The Learning service's API (port 8095): POST /events (AiStack.Contracts.Telemetry) and the original's /learning endpoints.

/// <summary>GET /learning/stats.</summary>
public sealed record LearningStatsResponse(
    long TotalPatternsLearned,
    IReadOnlyDictionary<string, long> PatternsByType,
    long FinetuningDatasetSize,
    long OptimizationProposals,
    BackpressureView Backpressure,
    bool LearningPaused,
    DeduplicationView Deduplication,
    EventCounts Events,
    CheckpointView? Checkpoint,
    LeaseView? Lease,
    DateTimeOffset? LastRun);

public sealed record BackpressureView(long BacklogEvents, long BacklogBytes, long ThresholdEvents, long ThresholdBytes, bool Active);

public sealed record DeduplicationView(double Rate, long Removed, long Exact, long Near);

public sealed record EventCounts(long Received, long Processed, long Lag, double LagSeconds, long Corrupt, long Duplicates, long NotLearnable, long Filtered,
    long DeadLetters, long Retrying);

public sealed record CheckpointView(long Batch, long LastSeq, long Events, string Holder, DateTimeOffset UpdatedAt);

public sealed record LeaseView(string Holder, DateTimeOffset ExpiresAt, bool HeldHere);

/// <summary>POST /learning/process: what one run of the pipeline did (status ok, learning_paused or standby).</summary>
public sealed record ProcessResponse(string Status, int Batches, long Events, int Patterns, long Examples, int ProposalsSubmitted, bool LearningPaused);

/// <summary>POST /learning/export.</summary>
public sealed record ExportResponse(string Status, string DatasetPath, long Examples, long Bytes);

public sealed record ProposalView(long Id, string Kind, string Title, string Prompt, JsonNode? Evidence, string Status, string? RalphTaskId,
    long Attempts, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? SubmittedAt);

/// <summary>GET /learning/proposals[?status=].</summary>
public sealed record ProposalListResponse(IReadOnlyList<ProposalView> Proposals, int Count);

/// <summary>POST /learning/ab_compare: two variants (or two tags) of interactions compared by their ratings.</summary>
public sealed record AbCompareRequest(string? VariantA, string? VariantB, string? TagA, string? TagB, int? Days);

public sealed record VariantStats(string Name, long Total, long Rated, double? AvgRating);

public sealed record AbCompareResponse(VariantStats VariantA, VariantStats VariantB, AbDelta Delta, int Days);

public sealed record AbDelta(double? AvgRating);

/// <summary>GET /learning/patterns: the most valuable patterns first.</summary>
public sealed record PatternView
{
    public long Id { get; init; }

    public string PatternType { get; init; } = "";

    public string Prompt { get; init; } = "";

    public string Outcome { get; init; } = "";

    public string? Backend { get; init; }

    public long? Iterations { get; init; }

    public double Value { get; init; }

    public long Occurrences { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }
}

public sealed record PatternListResponse(IReadOnlyList<PatternView> Patterns, long Total);

/// <summary>GET /events: stored telemetry events, newest first.</summary>
public sealed record EventListResponse(IReadOnlyList<AiStack.Contracts.Telemetry.TelemetryEvent> Events, int Count);

/// <summary>
/// An event whose processing failed: <c>retrying</c> while it has attempts left (it is tried again in the next run), <c>quarantined</c>
/// once it has failed <c>Learning:MaxAttempts</c> times (kept out of processing until replayed). <see cref="Seq"/> names it in the replay route.
/// </summary>
public sealed record DeadLetterView(long Seq, string EventId, string Type, string Source, string Status, string Error, int Attempts,
    DateTimeOffset FirstFailedAt, DateTimeOffset LastFailedAt, DateTimeOffset? QuarantinedAt);

/// <summary>GET /learning/dead_letters: quarantined and retrying events, most recent failure first.</summary>
public sealed record DeadLetterListResponse(IReadOnlyList<DeadLetterView> DeadLetters, int Count, long Quarantined, long Retrying);

/// <summary>POST /learning/dead_letters/replay and /learning/dead_letters/{seq}/replay: how many quarantined events went back into processing.</summary>
public sealed record ReplayResponse(int Replayed);

public static class LearningRoutes
{
    public const int MaxEventQuery = 5000;
    public const int MaxPatternPage = 500;

    public const string Events = "events";
    public const string Stats = "learning/stats";
    public const string Process = "learning/process";
    public const string Export = "learning/export";
    public const string Dataset = "learning/dataset";
    public const string AbCompare = "learning/ab_compare";
    public const string DeadLetters = "learning/dead_letters";
    public const string ReplayAllDeadLetters = "learning/dead_letters/replay";
    public const int MaxDeadLetterPage = 1000;

    public static string ReplayDeadLetter(long seq) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"learning/dead_letters/{seq}/replay");

    public static string Patterns(int limit) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"learning/patterns?limit={limit}");

    public static string EventQuery(string type, DateTimeOffset? since, int limit)
    {
        var path = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"events?type={Uri.EscapeDataString(type)}&limit={limit}");
        return since is { } from ? path + "&since=" + Uri.EscapeDataString(from.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture)) : path;
    }

    public static string Proposals(string? status) => status is null ? "learning/proposals" : $"learning/proposals?status={Uri.EscapeDataString(status)}";
}
