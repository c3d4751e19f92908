using System.ComponentModel.DataAnnotations;
using AiStack.Contracts.Tasks;
using AiStack.Ralph.Commands;

namespace AiStack.Ralph;

/// <summary>Start-up configuration of the loop (section <c>Ralph</c>); the live, changeable part is <see cref="Settings.RalphSettings"/>.</summary>
public sealed class RalphOptions
{
    public const string SectionName = "Ralph";

    /// <summary>Every task workspace must lie under this folder. Default <c>$AISTACK_HOME/workspaces</c>.</summary>
    public string? WorkspaceRoot { get; set; }

    /// <summary>Tasks this replica runs at the same time.</summary>
    [Range(1, 256)] public int Concurrency { get; set; } = 4;

    /// <summary>How long a claim lasts without a heartbeat; a replica that dies loses its tasks to the others after this.</summary>
    [Range(0.2, 3600)] public double LeaseSeconds { get; set; } = 30;

    /// <summary>Pause between looks for queued tasks when idle (a submission to this replica wakes it at once).</summary>
    [Range(5, 60000)] public int PollMilliseconds { get; set; } = 500;

    [Range(5, 60000)] public int ApprovalPollMilliseconds { get; set; } = 1000;

    /// <summary>This replica's name in leases and iteration records; default host name plus a random suffix.</summary>
    public string? ReplicaId { get; set; }

    /// <summary>Output kept per iteration (the tail); a longer output is cut with a marker.</summary>
    [Range(1024, 16 * 1024 * 1024)] public int MaxOutputChars { get; set; } = 65536;

    /// <summary>Prompt size limit for POST /tasks.</summary>
    [Range(1, 4 * 1024 * 1024)] public int MaxPromptChars { get; set; } = AiStack.Contracts.Tasks.TaskLimits.MaxPromptChars;

    /// <summary>Backend timeout when a backend declares none.</summary>
    [Range(0.1, 86400)] public double DefaultBackendTimeoutSeconds { get; set; } = 600;

    /// <summary>In a git workspace, reset a failed iteration's changes (non-zero exit other than 2) to the last checkpoint.</summary>
    public bool RollbackFailedIterations { get; set; }

    /// <summary>Which programs child processes may be and what they see (section <c>Ralph:Commands</c>).</summary>
    public CommandsOptions Commands { get; set; } = new();

    /// <summary>Declared backends by name (<c>Ralph:Backends:&lt;name&gt;</c>); <c>llm</c> is built in.</summary>
    public Dictionary<string, BackendDeclaration> Backends { get; set; } = new(StringComparer.Ordinal);
}

public sealed class BackendDeclaration
{
    /// <summary><c>command</c>, <c>http</c> or <c>llm</c>.</summary>
    public string Type { get; set; } = "command";

    /// <summary>command: the program (a path or a name on PATH); never run through a shell.</summary>
    public string? Executable { get; set; }

    /// <summary>
    /// command: arguments, each one argument; placeholders <c>{input}</c>, <c>{prompt}</c>, <c>{input_file}</c>, <c>{iteration}</c>,
    /// <c>{workspace}</c>, <c>{task_id}</c>. An argument that starts with <c>{input}</c> or <c>{prompt}</c> must follow a <c>--</c>.
    /// </summary>
    public List<string> Arguments { get; set; } = [];

    /// <summary>command: <c>stdin</c> (the iteration input is written to standard input) or <c>argument</c> (only through placeholders).</summary>
    public string PromptMode { get; set; } = "stdin";

    public Dictionary<string, string> Environment { get; set; } = new(StringComparer.Ordinal);

    /// <summary>http: the agent wrapper's base URL (POST {url}/api/execute).</summary>
    public string? Url { get; set; }

    public double? TimeoutSeconds { get; set; }
}
