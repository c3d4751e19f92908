using AiStack.Ralph.Tasks;

namespace AiStack.Ralph.Backends;

/// <summary>
/// What one iteration asks of a backend. <see cref="MaxTokens"/>: the answer length for a backend that generates (llm).
/// <see cref="Environment"/>: the whole environment of a process the backend starts; <see cref="InputFile"/>: where the input goes
/// for a backend that takes it as a file.
/// </summary>
public sealed record BackendRequest(TaskRecord Task, int Iteration, string Input, string Workspace, TimeSpan Timeout, int MaxTokens,
    IReadOnlyDictionary<string, string> Environment, string InputFile);

/// <summary>What a backend answered. Exit code 2 blocks a premature exit; 124 means the backend ran out of time.</summary>
public sealed record BackendResult(int ExitCode, string Output, string? Error, bool Completed, IReadOnlyList<string> FilesModified, long Tokens, string? Route)
{
    public const int TimeoutExitCode = 124;
    public const int UnreachableExitCode = 125;
}

/// <summary>An agent that does one iteration of work in a workspace.</summary>
public interface IAgentBackend
{
    string Name { get; }

    /// <summary><c>command</c>, <c>http</c> or <c>llm</c>.</summary>
    string Kind { get; }

    /// <summary>How long one call may take (before the task's own wall budget is applied).</summary>
    TimeSpan Timeout { get; }

    Task<BackendResult> RunAsync(BackendRequest request, CancellationToken cancellationToken);
}
