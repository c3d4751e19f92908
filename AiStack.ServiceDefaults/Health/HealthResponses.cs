namespace AiStack.ServiceDefaults.Health;

/// <summary><c>/health</c>: the service, every dependency and every circuit breaker.</summary>
public sealed record HealthResponse(
    string Status,
    string Service,
    string Version,
    DateTimeOffset Timestamp,
    IReadOnlyList<HealthCheckEntry> Checks,
    IReadOnlyDictionary<string, string> CircuitBreakers);

public sealed record HealthCheckEntry(
    string Name,
    string Status,
    bool Critical,
    double DurationMs,
    string? Message,
    IReadOnlyDictionary<string, object>? Data);

/// <summary><c>/health/live</c>, <c>/health/ready</c> and <c>/health/startup</c>, in the original stack's shape.</summary>
public sealed record ProbeResponse(
    string Status,
    string CheckType,
    string Message,
    IReadOnlyDictionary<string, object?> Details,
    DateTimeOffset Timestamp,
    double DurationMs);

/// <summary>What a caller without the stack's key learns from a health endpoint.</summary>
public sealed record HealthStatusOnly(string Status);
