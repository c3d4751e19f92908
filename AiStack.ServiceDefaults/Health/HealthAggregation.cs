using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AiStack.ServiceDefaults.Health;

/// <summary>
/// The stack's rule for a service's overall health: a critical dependency that fails makes the service unhealthy;
/// anything else that is not healthy (a non-critical dependency down, a critical one degraded) only degrades it.
/// </summary>
public static class HealthAggregation
{
    public static HealthStatus Overall(IEnumerable<(HealthStatus Status, bool Critical)> checks)
    {
        ArgumentNullException.ThrowIfNull(checks);
        var overall = HealthStatus.Healthy;
        foreach (var (status, critical) in checks)
        {
            if (status == HealthStatus.Unhealthy && critical)
            {
                return HealthStatus.Unhealthy;
            }

            if (status != HealthStatus.Healthy)
            {
                overall = HealthStatus.Degraded;
            }
        }

        return overall;
    }

    public static string ToWire(this HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };
}
