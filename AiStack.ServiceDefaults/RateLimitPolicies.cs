namespace AiStack.ServiceDefaults;

/// <summary>Rate-limit policies every service knows; endpoints opt in with <c>.RequireRateLimiting(RateLimitPolicies.Expensive)</c>.</summary>
public static class RateLimitPolicies
{
    /// <summary>Work that costs real CPU or money (embedding, search, model calls): a fixed window per client.</summary>
    public const string Expensive = "expensive";
}
