namespace AiStack.Dashboard.Clients;

// Ralph's wire records as the control center reads them (GET/PUT /settings, /stats, /tasks ...).

public sealed record BaseLimits(int Simple, int Moderate, int Complex, int VeryComplex);

public sealed record RalphSettings(
    bool LoopEnabled, bool AdaptiveEnabled, BaseLimits BaseLimits, int DefaultMaxIterations, string DefaultBackend,
    double ApprovalTimeoutS, int HardMaxIterations, double HardMaxWallS, bool HashContent);

public sealed record RalphSettingsResponse(RalphSettings Settings, string? UpdatedBy, DateTimeOffset? UpdatedAt);

/// <summary>PUT /settings: absent fields keep their value.</summary>
public sealed record RalphSettingsUpdate(
    bool? LoopEnabled = null, bool? AdaptiveEnabled = null, BaseLimits? BaseLimits = null, int? DefaultMaxIterations = null,
    int? HardMaxIterations = null, double? HardMaxWallS = null, string? ChangedBy = null);

public sealed record RalphStats(
    long TotalTasks, long Queued, long Running, long Completed, long Failed, long Stopped, long Rejected, long Error,
    long TotalIterations, double AverageIterations);

public sealed record RalphTask(
    string TaskId, string Status, int Iteration, string Backend, DateTimeOffset? StartedAt, DateTimeOffset LastUpdate, string? Error,
    string Prompt, int MaxIterations, string IterationMode, string? Complexity, bool RequireApproval, string? Approval,
    string? CompletionReason, long TokensUsed, IReadOnlyList<string> Tags, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt)
{
    public bool Finished => Status is "completed" or "failed" or "stopped" or "rejected" or "error";

    public bool AwaitsApproval => Approval == "pending";
}

public sealed record RalphTaskList(IReadOnlyList<RalphTask> Tasks, long Total, int Limit, int Offset);

public sealed record RalphIteration(
    int Iteration, string Input, string Output, string? Error, int ExitCode, double DurationMs, IReadOnlyList<string> FilesChanged,
    long Tokens, string? Route, bool Completed, bool ExitBlocked, DateTimeOffset Timestamp);

/// <summary>GET /tasks/{id}/result: the task's fields plus its iterations.</summary>
public sealed record RalphTaskResult(
    string TaskId, string Status, int Iteration, string Backend, string Prompt, int MaxIterations, string? Error, string? Approval,
    string? CompletionReason, long TokensUsed, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt,
    int TotalIterations, IReadOnlyList<RalphIteration> Results)
{
    public bool Finished => Status is "completed" or "failed" or "stopped" or "rejected" or "error";
}

/// <summary>POST /tasks. <see cref="MaxIterations"/>: -1 adaptive, 0 unlimited, N fixed.</summary>
public sealed record RalphTaskSubmission(string Prompt, string? Backend, int? MaxIterations, bool RequireApproval);

public sealed record RalphSubmitted(string TaskId, string Status, string Message, int MaxIterations, string IterationMode);

public static class RalphTaskStatuses
{
    public static readonly IReadOnlyList<string> All = ["queued", "running", "completed", "failed", "stopped", "rejected", "error"];
}
