using System.Text.Json;
using System.Text.Json.Nodes;

namespace AiStack.Ralph.Tasks;

/// <summary>POST /tasks. Only <see cref="Prompt"/> is required; <see cref="MaxIterations"/> -1 (or absent) adaptive, 0 unlimited, N fixed.</summary>
public sealed record SubmitTaskRequest
{
    public string? Prompt { get; init; }
    public string? Backend { get; init; }
    public int? MaxIterations { get; init; }
    public bool? RequireApproval { get; init; }
    public JsonObject? Context { get; init; }
    public CompletionRequest? Completion { get; init; }
    public string? Workspace { get; init; }
    public BudgetRequest? Budget { get; init; }
    public IReadOnlyList<string>? Tags { get; init; }
}

/// <summary><c>verify_command</c> is an argument list (<c>["test", "-f", "done.txt"]</c>) or a string split on spaces; never a shell.</summary>
public sealed record CompletionRequest
{
    public string? Promise { get; init; }
    public JsonElement? VerifyCommand { get; init; }
    public double? VerifyTimeoutS { get; init; }
}

public sealed record BudgetRequest
{
    public long? MaxWallS { get; init; }
    public long? MaxTokens { get; init; }
}

public sealed record SubmitTaskResponse(string TaskId, string Status, string Message, int MaxIterations, string IterationMode);

public sealed record TaskView(
    string TaskId, string Status, int Iteration, string Backend, DateTimeOffset? StartedAt, DateTimeOffset LastUpdate, string? Error,
    string Prompt, int MaxIterations, int RequestedMaxIterations, string IterationMode, string? Complexity, string TaskType,
    bool RequireApproval, string? Approval, string? CompletionReason, int ExitBlocks, long TokensUsed, IReadOnlyList<string> Tags,
    string Workspace, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt, string? TraceId, JsonObject? Context, CompletionRule Completion,
    long? MaxWallS, long? MaxTokens)
{
    public static TaskView From(TaskRecord task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return new TaskView(task.Id, task.Status, task.Iteration, task.Backend, task.StartedAt, task.LastUpdate, task.Error, task.Prompt,
            task.MaxIterations, task.RequestedMaxIterations, task.IterationMode, task.Complexity, task.TaskType, task.RequireApproval != 0,
            task.Approval, task.CompletionReason, task.ExitBlocks, task.TokensUsed, task.TagList, task.Workspace, task.CreatedAt, task.FinishedAt,
            task.TraceId, task.ContextObject, task.CompletionRule, task.MaxWallS, task.MaxTokens);
    }
}

public sealed record IterationView(
    int Iteration, string Input, string Output, string? Error, int ExitCode, double DurationMs, IReadOnlyList<string> FilesChanged,
    long Tokens, string? Route, bool Completed, bool ExitBlocked, string Replica, DateTimeOffset Timestamp)
{
    public static IterationView From(IterationRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new IterationView(record.Number, record.Input, record.Output, record.Error, record.ExitCode, record.DurationMs, record.FilesChangedList,
            record.Tokens, record.Route, record.Completed != 0, record.ExitBlocked != 0, record.Replica, record.CreatedAt);
    }
}

public sealed record TaskListResponse(IReadOnlyList<TaskView> Tasks, long Total, int Limit, int Offset);
