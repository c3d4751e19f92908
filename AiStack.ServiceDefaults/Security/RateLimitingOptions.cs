using System.ComponentModel.DataAnnotations;

namespace AiStack.ServiceDefaults.Security;

/// <summary>Configuration section <c>RateLimiting</c>.</summary>
public sealed class RateLimitingOptions
{
    public const string SectionName = "RateLimiting";

    public bool Enabled { get; set; } = true;

    /// <summary>Requests per client (API key + remote address) per minute to endpoints under <see cref="RateLimitPolicies.Expensive"/>.</summary>
    [Range(1, 1_000_000, ErrorMessage = "RateLimiting:ExpensivePermitsPerMinute must be between 1 and 1000000.")]
    public int ExpensivePermitsPerMinute { get; set; } = 60;
}
