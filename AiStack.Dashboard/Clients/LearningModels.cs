using System.Text.Json.Nodes;
using AiStack.Contracts.Telemetry;

namespace AiStack.Dashboard.Clients;

// Learning's wire records as the control center reads them (GET /learning/stats, /learning/proposals, /learning/patterns, /events).

public sealed record BackpressureView(long BacklogEvents, long BacklogBytes, long ThresholdEvents, long ThresholdBytes, bool Active);

public sealed record EventCounts(long Received, long Processed, long Lag, double LagSeconds, long Corrupt, long Duplicates, long NotLearnable, long Filtered);

public sealed record CheckpointView(long Batch, long LastSeq, long Events, string Holder, DateTimeOffset UpdatedAt);

public sealed record LeaseView(string Holder, DateTimeOffset ExpiresAt, bool HeldHere);

public sealed record LearningStats(
    long TotalPatternsLearned, IReadOnlyDictionary<string, long> PatternsByType, long FinetuningDatasetSize, long OptimizationProposals,
    BackpressureView Backpressure, bool LearningPaused, EventCounts Events, CheckpointView? Checkpoint, LeaseView? Lease, DateTimeOffset? LastRun);

public sealed record Proposal(long Id, string Kind, string Title, string Prompt, JsonNode? Evidence, string Status, string? RalphTaskId,
    long Attempts, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? SubmittedAt);

public sealed record ProposalList(IReadOnlyList<Proposal> Proposals, int Count);

public sealed record PatternView(long Id, string PatternType, string Prompt, string Outcome, string? Backend, int? Iterations,
    double Value, long Occurrences, DateTimeOffset UpdatedAt);

public sealed record PatternList(IReadOnlyList<PatternView> Patterns, long Total);

public sealed record DatasetExport(string Status, string DatasetPath, long Examples, long Bytes);

public sealed record EventList(IReadOnlyList<TelemetryEvent> Events, int Count);
