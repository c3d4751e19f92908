using System.Text.Json;
using System.Text.Json.Nodes;

namespace AiStack.Ralph.Tasks;

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

/// <summary>How a task proves it is done. With neither rule the backend's own <c>completed</c> flag decides.</summary>
public sealed record CompletionRule
{
    /// <summary>Complete when the output holds <c>&lt;promise&gt;TEXT&lt;/promise&gt;</c> with TEXT equal to this after whitespace normalization.</summary>
    public string? Promise { get; init; }

    /// <summary>Complete when this program (argument list, never a shell) exits 0 in the workspace.</summary>
    public IReadOnlyList<string>? VerifyCommand { get; init; }

    public double? VerifyTimeoutS { get; init; }

    public bool IsEmpty => Promise is null && (VerifyCommand is null || VerifyCommand.Count == 0);
}

/// <summary>One task as stored (table <c>tasks</c>).</summary>
public sealed class TaskRecord
{
    public string Id { get; set; } = "";
    public string Prompt { get; set; } = "";
    public string Backend { get; set; } = "";
    public int RequestedMaxIterations { get; set; }
    public int MaxIterations { get; set; }
    public string IterationMode { get; set; } = IterationModes.Adaptive;
    public string? Complexity { get; set; }
    public string TaskType { get; set; } = "general";
    public long RequireApproval { get; set; }
    public string? Context { get; set; }
    public string? Completion { get; set; }
    public string Workspace { get; set; } = "";
    public long? MaxWallS { get; set; }
    public long? MaxTokens { get; set; }
    public string Tags { get; set; } = "[]";
    public string Status { get; set; } = TaskStatuses.Queued;
    public int Iteration { get; set; }
    public int ExitBlocks { get; set; }
    public long TokensUsed { get; set; }
    public string? CompletionReason { get; set; }
    public string? Error { get; set; }
    public string? Approval { get; set; }
    public long StopRequested { get; set; }
    public string? TraceId { get; set; }
    public string? LeaseOwner { get; set; }
    public DateTimeOffset? LeaseExpiresAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset LastUpdate { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }

    public CompletionRule CompletionRule => Completion is null ? new CompletionRule() : JsonSerializer.Deserialize<CompletionRule>(Completion, TaskJson.Options) ?? new CompletionRule();

    public JsonObject? ContextObject => Context is null ? null : JsonNode.Parse(Context) as JsonObject;

    public IReadOnlyList<string> TagList => JsonSerializer.Deserialize<string[]>(Tags) ?? [];
}

/// <summary>One iteration as stored (table <c>iterations</c>).</summary>
public sealed class IterationRecord
{
    public string TaskId { get; set; } = "";
    public int Number { get; set; }
    public string Input { get; set; } = "";
    public string Output { get; set; } = "";
    public string? Error { get; set; }
    public int ExitCode { get; set; }
    public double DurationMs { get; set; }
    public string FilesChanged { get; set; } = "[]";
    public long Tokens { get; set; }
    public string? Route { get; set; }
    public long Completed { get; set; }
    public long ExitBlocked { get; set; }
    public string Replica { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }

    public IReadOnlyList<string> FilesChangedList => JsonSerializer.Deserialize<string[]>(FilesChanged) ?? [];
}

internal static class TaskJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}
