using AiStack.AppHost.Logs;

namespace AiStack.AppHost.Orchestration;

/// <summary>The life of a supervised resource, as the control API reports it.</summary>
public enum ResourceState
{
    /// <summary>Not started yet, or waiting for what it depends on.</summary>
    Pending,
    Starting,

    /// <summary>The process runs but has not reported ready yet.</summary>
    Running,
    Ready,

    /// <summary>It was ready and its readiness probe now fails.</summary>
    Unhealthy,

    /// <summary>It exited on its own; a restart is scheduled.</summary>
    Exited,

    /// <summary>It crashed too often; restarts are paused until a restart by hand.</summary>
    CrashLoop,

    /// <summary>Stopped by the AppHost.</summary>
    Stopped,

    /// <summary>Could not be started (see its recent errors).</summary>
    Failed,
}

/// <summary>A point-in-time view of one resource for the control API and the Dashboard.</summary>
public sealed record ResourceSnapshot(
    string Name,
    string Kind,
    ResourceState State,
    int? Pid,
    int? Port,
    string? Url,
    int RestartCount,
    DateTimeOffset? StartedAt,
    int? ExitCode, // of the last exit, kept after a restart
    IReadOnlyList<string> WaitsFor,
    IReadOnlyList<LogEntry> RecentLogs,
    IReadOnlyList<LogEntry> RecentErrors);
