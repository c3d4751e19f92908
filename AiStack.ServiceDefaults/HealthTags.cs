namespace AiStack.ServiceDefaults;

/// <summary>
/// Tags a service puts on its health checks. A failing <see cref="Critical"/> check makes the service unhealthy (503 on
/// <c>/health/ready</c>) and is waited for at start-up; any other failing check only degrades it.
/// </summary>
public static class HealthTags
{
    public const string Critical = "critical";

    /// <summary>
    /// With <see cref="Critical"/>: a check of the service's own work rather than of a dependency (the AppHost's "every resource
    /// ready"). It decides readiness, but start-up does not wait for it and never gives up on it.
    /// </summary>
    public const string Self = "self";

    /// <summary>Checks that <c>/health/live</c> runs too (keep them cheap: they decide whether the process is restarted).</summary>
    public const string Live = "live";
}
