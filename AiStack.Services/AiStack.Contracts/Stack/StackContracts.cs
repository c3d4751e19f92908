using System.Text.Json.Serialization;

namespace AiStack.Contracts.Stack;

// The AppHost's control API (port 8890, under /api/resources), read by the control center and the CLI. snake_case on the wire,
// enums as strings. The AppHost serves exactly these records; callers deserialize exactly these records.

/// <summary>The life of a supervised resource, as the control API reports it.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ResourceState>))]
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

/// <summary>One line a resource wrote.</summary>
public sealed record LogEntry(DateTimeOffset Timestamp, string Text, bool IsError);

/// <summary>A point-in-time view of one resource (GET /api/resources, GET /api/resources/{name}).</summary>
/// <param name="Kind">"project", "executable" or "connection-string".</param>
/// <param name="Health">"Healthy", "Degraded", "Unhealthy", or null while unknown.</param>
/// <param name="StateReason">Why it is in this state when that is not obvious (a crash loop, a failed start).</param>
/// <param name="DashboardUrl">The resource's page in the Aspire dashboard, when the dashboard runs.</param>
public sealed record ResourceSnapshot(
    string Name,
    string Kind,
    ResourceState State,
    string? Health,
    int? Pid,
    int? Port,
    string? Url,
    int RestartCount,
    DateTimeOffset? StartedAt,
    int? ExitCode,
    IReadOnlyList<string> WaitsFor,
    string? StateReason,
    string? DashboardUrl,
    IReadOnlyList<LogEntry> RecentLogs,
    IReadOnlyList<LogEntry> RecentErrors);

/// <summary>GET /api/resources/{name}/logs?tail=N.</summary>
public sealed record ResourceLogs(string Name, IReadOnlyList<LogEntry> Lines);

/// <summary>The control API's routes, so that server and clients name them once.</summary>
public static class ControlApiRoutes
{
    public const string Resources = "/api/resources";
    public const string RestartAll = "/api/resources/restart";
    public const int MaxLogTail = 1000;
    public static string Resource(string name) => $"{Resources}/{Uri.EscapeDataString(name)}";
    public static string Logs(string name, int tail) => $"{Resource(name)}/logs?tail={tail}";
    public static string Restart(string name) => $"{Resource(name)}/restart";
}
