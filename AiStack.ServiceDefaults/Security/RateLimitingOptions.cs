using System.ComponentModel.DataAnnotations;

namespace AiStack.ServiceDefaults.Security;

/// <summary>
/// Configuration section <c>RateLimiting</c>: per policy, how many requests each caller may make per minute. Callers are the
/// identities the API-key check establishes: the user, and each service by name, so a busy service never spends the user's
/// budget nor the other way round.
/// </summary>
public sealed class RateLimitingOptions
{
    public const string SectionName = "RateLimiting";

    public bool Enabled { get; set; } = true;

    /// <summary>By policy name (<see cref="RateLimitPolicies"/>); a configured entry overrides the default one field by field.</summary>
    public Dictionary<string, RateLimitPolicyOptions> Policies { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        [RateLimitPolicies.Expensive] = new() { UserPermitsPerMinute = 60, ServicePermitsPerMinute = 600 },
        [RateLimitPolicies.Submission] = new() { UserPermitsPerMinute = 60, ServicePermitsPerMinute = 600 },
        [RateLimitPolicies.Ingest] = new() { UserPermitsPerMinute = 3000, ServicePermitsPerMinute = 30000 },
    };

    public RateLimitPolicyOptions For(string policy) =>
        Policies.TryGetValue(policy, out var options) ? options : throw new InvalidOperationException($"No rate-limit policy '{policy}' is configured (RateLimiting:Policies:{policy}).");
}

public sealed class RateLimitPolicyOptions
{
    /// <summary>Requests per minute for the user (everyone holding the stack's key counts as one caller).</summary>
    [Range(1, 1_000_000, ErrorMessage = "RateLimiting:Policies:<policy>:UserPermitsPerMinute must be between 1 and 1000000.")]
    public int UserPermitsPerMinute { get; set; } = 60;

    /// <summary>Requests per minute for each calling service.</summary>
    [Range(1, 1_000_000, ErrorMessage = "RateLimiting:Policies:<policy>:ServicePermitsPerMinute must be between 1 and 1000000.")]
    public int ServicePermitsPerMinute { get; set; } = 600;

    public int PermitsFor(CallerKind kind) => kind == CallerKind.Service ? ServicePermitsPerMinute : UserPermitsPerMinute;
}
