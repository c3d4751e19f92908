namespace AiStack.ServiceDefaults.Telemetry;

/// <summary>Activity sources and meters the stack listens to. Services name theirs <c>AiStack.&lt;Service&gt;</c>.</summary>
public static class TelemetrySources
{
    public const string Prefix = "AiStack.";

    /// <summary>The meter of the shared defaults themselves (circuit-breaker states).</summary>
    public const string DefaultsMeter = "AiStack.ServiceDefaults";

    public static readonly IReadOnlyList<string> ActivitySources = ["Microsoft.AspNetCore", "System.Net.Http", "AiStack.*"];

    public static readonly IReadOnlyList<string> FrameworkMeters =
        ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http", "System.Runtime"];

    public static bool IsExported(string meterName) =>
        meterName.StartsWith(Prefix, StringComparison.Ordinal) || FrameworkMeters.Contains(meterName, StringComparer.Ordinal);

    /// <summary>Probes and scrapes: answered, but kept out of traces (they would drown the real work).</summary>
    public static bool IsInfrastructurePath(string? path) =>
        path is not null &&
        (path.Equals("/metrics", StringComparison.OrdinalIgnoreCase) ||
         path.Equals("/health", StringComparison.OrdinalIgnoreCase) ||
         path.StartsWith("/health/", StringComparison.OrdinalIgnoreCase));
}
