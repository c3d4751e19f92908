namespace AiStack.ServiceDefaults.Telemetry;

/// <summary>Activity sources and meters the stack exports beside the instrumentation packages' own. Services name theirs <c>AiStack.&lt;Service&gt;</c>.</summary>
public static class TelemetrySources
{
    /// <summary>Every AiStack meter and activity source (OpenTelemetry matches the trailing wildcard).</summary>
    public const string AiStackWildcard = "AiStack.*";

    /// <summary>The meter of the shared defaults themselves (circuit-breaker states, rate limits).</summary>
    public const string DefaultsMeter = "AiStack.ServiceDefaults";

    /// <summary>Microsoft.Extensions.AI's <c>UseOpenTelemetry()</c> middleware: gen_ai spans and token/duration metrics.</summary>
    public const string ExtensionsAi = "Experimental.Microsoft.Extensions.AI";

    /// <summary>Polly's resilience events (retries, breaker transitions, timeouts) from Microsoft.Extensions.Http.Resilience.</summary>
    public const string Polly = "Polly";

    public static readonly IReadOnlyList<string> ActivitySources = [AiStackWildcard, ExtensionsAi];

    public static readonly IReadOnlyList<string> Meters = [AiStackWildcard, ExtensionsAi, Polly, "Microsoft.AspNetCore.RateLimiting"];

    /// <summary>Probes and scrapes: answered, but kept out of traces (they would drown the real work).</summary>
    public static bool IsInfrastructurePath(string? path) =>
        path is not null &&
        (path.Equals("/metrics", StringComparison.OrdinalIgnoreCase) ||
         path.Equals("/health", StringComparison.OrdinalIgnoreCase) ||
         path.StartsWith("/health/", StringComparison.OrdinalIgnoreCase));
}
