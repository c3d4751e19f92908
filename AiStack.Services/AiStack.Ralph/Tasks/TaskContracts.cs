using AiStack.Contracts.Tasks;

namespace AiStack.Ralph.Tasks;

/// <summary>The stored task and iteration rows as the API shows them (records in AiStack.Contracts.Tasks).</summary>
public static class TaskViews
{
    public static TaskView ToView(this TaskRecord task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return new TaskView
        {
            TaskId = task.Id, Status = task.Status, Iteration = task.Iteration, Backend = task.Backend, StartedAt = task.StartedAt,
            LastUpdate = task.LastUpdate, Error = task.Error, Prompt = task.Prompt, MaxIterations = task.MaxIterations,
            RequestedMaxIterations = task.RequestedMaxIterations, IterationMode = task.IterationMode, Complexity = task.Complexity,
            TaskType = task.TaskType, RequireApproval = task.RequireApproval != 0, Approval = task.Approval, CompletionReason = task.CompletionReason,
            ExitBlocks = task.ExitBlocks, TokensUsed = task.TokensUsed, Tags = task.TagList, Workspace = task.Workspace, CreatedAt = task.CreatedAt,
            FinishedAt = task.FinishedAt, TraceId = task.TraceId, Context = task.ContextObject, Completion = task.CompletionRule,
            MaxWallS = task.MaxWallS, MaxTokens = task.MaxTokens, IterationMaxTokens = task.IterationMaxTokens,
        };
    }

    public static IterationView ToView(this IterationRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new IterationView(record.Number, record.Input, record.Output, record.Error, record.ExitCode, record.DurationMs, record.FilesChangedList,
            record.Tokens, record.Route, record.Completed != 0, record.ExitBlocked != 0, record.Replica, record.CreatedAt);
    }
}
