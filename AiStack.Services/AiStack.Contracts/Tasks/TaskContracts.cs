using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AiStack.Contracts.Tasks;

// Ralph's task API (port 8098): POST/GET /tasks, /tasks/{id}, /tasks/{id}/result, /tasks/{id}/iterations/{n}, stop and approve.

/// <summary>POST /tasks. Only <see cref="Prompt"/> is required; <see cref="MaxIterations"/> -1 (or absent) adaptive, 0 unlimited, N fixed.</summary>
public sealed record SubmitTaskRequest
{
    [Required, MaxLength(TaskLimits.MaxPromptChars)]
    public string? Prompt { get; init; }
    public string? Backend { get; init; }
    public int? MaxIterations { get; init; }
    public bool? RequireApproval { get; init; }
    public JsonObject? Context { get; init; }
    public CompletionRequest? Completion { get; init; }
    public string? Workspace { get; init; }
    public BudgetRequest? Budget { get; init; }
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>Answer length per iteration of the <c>llm</c> backend; Ralph's <c>llm_max_tokens</c> setting when absent.</summary>
    [Range(1, TaskLimits.MaxIterationTokens)]
    public int? IterationMaxTokens { get; init; }
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

    /// <summary>Tokens for the whole task, all iterations together.</summary>
    public long? MaxTokens { get; init; }
}

public sealed record SubmitTaskResponse(string TaskId, string Status, string Message, int MaxIterations, string IterationMode);

/// <summary>How a task proves it is done. With neither rule the backend's own <c>completed</c> flag decides.</summary>
public sealed record CompletionRule
{
    /// <summary>Complete when the output holds <c>&lt;promise&gt;TEXT&lt;/promise&gt;</c> with TEXT equal to this after whitespace normalization.</summary>
    public string? Promise { get; init; }

    /// <summary>Complete when this program (argument list, never a shell) exits 0 in the workspace.</summary>
    public IReadOnlyList<string>? VerifyCommand { get; init; }

    public double? VerifyTimeoutS { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsEmpty => Promise is null && (VerifyCommand is null || VerifyCommand.Count == 0);
}

/// <summary>A task as GET /tasks and GET /tasks/{id} show it.</summary>
public record TaskView
{
    public required string TaskId { get; init; }
    public required string Status { get; init; }
    public required int Iteration { get; init; }
    public required string Backend { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public required DateTimeOffset LastUpdate { get; init; }
    public string? Error { get; init; }
    public required string Prompt { get; init; }
    public required int MaxIterations { get; init; }
    public required int RequestedMaxIterations { get; init; }
    public required string IterationMode { get; init; }
    public string? Complexity { get; init; }
    public required string TaskType { get; init; }
    public required bool RequireApproval { get; init; }
    public string? Approval { get; init; }
    public string? CompletionReason { get; init; }
    public required int ExitBlocks { get; init; }
    public required long TokensUsed { get; init; }
    public required IReadOnlyList<string> Tags { get; init; }
    public required string Workspace { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public string? TraceId { get; init; }
    public JsonObject? Context { get; init; }
    public required CompletionRule Completion { get; init; }
    public long? MaxWallS { get; init; }
    public long? MaxTokens { get; init; }

    /// <summary>Answer length per <c>llm</c> iteration that the task asked for (null: Ralph's setting).</summary>
    public int? IterationMaxTokens { get; init; }
}

public sealed record IterationView(
    int Iteration, string Input, string Output, string? Error, int ExitCode, double DurationMs, IReadOnlyList<string> FilesChanged,
    long Tokens, string? Route, bool Completed, bool ExitBlocked, string Replica, DateTimeOffset Timestamp);

public sealed record TaskListResponse(IReadOnlyList<TaskView> Tasks, long Total, int Limit, int Offset);

/// <summary>GET /tasks/{id}/result: the task's fields, the last iteration's output, and one page of its iterations (the original's flat shape).</summary>
public sealed record TaskResultResponse : TaskView
{
    public TaskResultResponse()
    {
    }

    /// <summary>The page for <paramref name="task"/>; its other members are set by the caller.</summary>
    [System.Diagnostics.CodeAnalysis.SetsRequiredMembers]
    public TaskResultResponse(TaskView task)
        : base(task)
    {
        Results = [];
    }

    public string? Output { get; init; }
    public required int TotalIterations { get; init; }
    public required int Offset { get; init; }
    public required int Limit { get; init; }
    public required IReadOnlyList<IterationView> Results { get; init; }
}

public sealed record StopResponse(string TaskId, string Status, string Message);

public sealed record ApproveResponse(string TaskId, bool Approved);

public static class TaskStatuses
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Stopped = "stopped";
    public const string Rejected = "rejected";
    public const string Error = "error";

    public static readonly string[] All = [Queued, Running, Completed, Failed, Stopped, Rejected, Error];

    public static bool IsFinal(string status) => status is Completed or Failed or Stopped or Rejected or Error;
}

public static class IterationModes
{
    public const string Adaptive = "adaptive";
    public const string Unlimited = "unlimited";
    public const string Fixed = "fixed";
}

public static class ApprovalStates
{
    public const string Pending = "pending";
    public const string Approved = "approved";
    public const string Rejected = "rejected";
}

/// <summary>Ralph's routes, named once for the service and its clients.</summary>
public static class TaskRoutes
{
    public const string Tasks = "tasks";
    public const int MaxPageSize = 500;
    public static string Task(string id) => $"tasks/{Uri.EscapeDataString(id)}";
    public static string Result(string id, int offset, int limit) => $"{Task(id)}/result?offset={offset}&limit={limit}";
    public static string Iteration(string id, int number) => $"{Task(id)}/iterations/{number}";
    public static string Stop(string id) => $"{Task(id)}/stop";
    public static string Approve(string id, bool approved) => $"{Task(id)}/approve?approved={(approved ? "true" : "false")}";
}
