using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

namespace AiStack.ServiceDefaults.Resilience;

/// <summary>
/// The stack's tuning of every standard resilience handler (all clients, whatever their pipeline's name), applied before the
/// <c>Resilience</c> section and before a client's own <c>ConfigureResilience</c>: POST and PATCH are never retried (they are not
/// idempotent: a retried task submission would run twice); a breaker opens after 5 calls in 30 s of which half failed (the
/// original stack's threshold) and stays open 30 s; the first retry waits 200 ms.
/// </summary>
internal sealed class StackResilienceDefaults(IConfiguration configuration) : IConfigureNamedOptions<HttpStandardResilienceOptions>
{
    public const string SectionName = "Resilience";

    public void Configure(string? name, HttpStandardResilienceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        options.CircuitBreaker.FailureRatio = 0.5;
        options.CircuitBreaker.MinimumThroughput = 5;
        options.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(30);
        options.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(30);
        configuration.GetSection(SectionName).Bind(options);
        options.Retry.DisableFor(HttpMethod.Post, HttpMethod.Patch, HttpMethod.Connect);
    }

    public void Configure(HttpStandardResilienceOptions options) => Configure(Options.DefaultName, options);
}
