using System.Text.Json;
using System.Text.Json.Nodes;
using AiStack.Contracts.Tasks;

namespace AiStack.Ralph.Tasks;

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
    public int? IterationMaxTokens { get; set; }
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
