using System.Text.Json;

namespace AiStack.Contracts.Health;

// GET /health of every service (written by AiStack.ServiceDefaults), as its readers (the CLI, the control center) take it.

/// <summary>The service, every dependency and every circuit breaker. <see cref="Status"/>: healthy, degraded or unhealthy.</summary>
public sealed record ServiceHealth(
    string Status,
    string Service,
    string Version,
    DateTimeOffset Timestamp,
    IReadOnlyList<ServiceHealthCheck> Checks,
    IReadOnlyDictionary<string, string> CircuitBreakers);

public sealed record ServiceHealthCheck(
    string Name,
    string Status,
    bool Critical,
    double DurationMs,
    string? Message,
    IReadOnlyDictionary<string, JsonElement>? Data);

/// <summary>GET /health/live, /health/ready and /health/startup.</summary>
public sealed record ServiceProbe(string Status, string CheckType, string Message, DateTimeOffset Timestamp, double DurationMs);

public static class HealthStatuses
{
    public const string Healthy = "healthy";
    public const string Degraded = "degraded";
    public const string Unhealthy = "unhealthy";
}
