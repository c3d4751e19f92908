namespace AiStack.ServiceDefaults;

/// <summary>
/// Rate-limit policies every service knows; endpoints opt in with <c>.RequireRateLimiting(RateLimitPolicies.Expensive)</c>.
/// Each is a fixed one-minute window per caller (the user, or a service by name); limits in <c>RateLimiting:Policies:&lt;name&gt;</c>.
/// </summary>
public static class RateLimitPolicies
{
    /// <summary>Work that costs real CPU or money (embedding, search, model calls).</summary>
    public const string Expensive = "expensive";

    /// <summary>Requests that start work elsewhere: Ralph task submission, the AppHost's control API.</summary>
    public const string Submission = "submission";

    /// <summary>Telemetry ingest (Learning's <c>/events</c>): many small batches from every service.</summary>
    public const string Ingest = "ingest";

    public static readonly IReadOnlyList<string> All = [Expensive, Submission, Ingest];
}
