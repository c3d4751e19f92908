using AiStack.Contracts.Coordinator;

namespace AiStack.Contracts.Tasks;

/// <summary>Ralph's input limits, in step with the Coordinator's (<see cref="CoordinatorLimits"/>) that its <c>llm</c> backend calls.</summary>
public static class TaskLimits
{
    /// <summary>A task's prompt (<c>POST /tasks</c>; the <c>Ralph:MaxPromptChars</c> default).</summary>
    public const int MaxPromptChars = 200_000;

    /// <summary>
    /// The prompt of an <c>llm</c> task: its iteration input (prompt, workspace files, edit format, previous iteration) must fit the
    /// Coordinator's <see cref="CoordinatorLimits.MaxPromptChars"/>, so the prompt may take at most half of it.
    /// </summary>
    public const int MaxLlmPromptChars = CoordinatorLimits.MaxPromptChars / 2;

    /// <summary>Answer length of one <c>llm</c> iteration (<c>iteration_max_tokens</c>, the <c>llm_max_tokens</c> setting).</summary>
    public const int MaxIterationTokens = 32_768;

    /// <summary>A task's <c>workspace</c> name (one folder name is at most 255 bytes on Linux).</summary>
    public const int MaxWorkspaceChars = 255;

    /// <summary>A task's <c>budget.max_wall_s</c>: a week, the largest hard backstop (<c>hard_max_wall_s</c>).</summary>
    public const int MaxWallSeconds = 604_800;

    /// <summary>Who changed Ralph's settings (<c>changed_by</c>, or the <c>X-AiStack-User</c> header).</summary>
    public const int MaxChangedByChars = 200;
}
