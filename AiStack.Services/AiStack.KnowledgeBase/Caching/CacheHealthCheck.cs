using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AiStack.KnowledgeBase.Caching;

/// <summary>The <c>cache</c> health entry (non-critical): degraded, not unhealthy, when Redis is away.</summary>
public sealed class CacheHealthCheck(IRetrievalCache cache) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        cache.CheckHealthAsync(cancellationToken);
}
