namespace AiStack.ServiceDefaults;

/// <summary>
/// Tags a service puts on its health checks. A failing <see cref="Critical"/> check makes the service unhealthy (503 on
/// <c>/health/ready</c>) and is waited for at start-up; any other failing check only degrades it.
/// </summary>
public static class HealthTags
{
    public const string Critical = "critical";

    /// <summary>Checks that <c>/health/live</c> runs too (keep them cheap: they decide whether the process is restarted).</summary>
    public const string Live = "live";
}
